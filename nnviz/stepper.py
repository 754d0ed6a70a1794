"""A run of one example, stepped phase by phase (NumPy only, no Streamlit).

A :class:`Run` couples a :class:`~nnviz.engine.History` with a cursor that says
what the learner is looking at:

    cursor = (k, p)   k updates already applied before the step on screen;
                      p = −1: nothing of step k+1 computed yet (idle),
                      p = 0 … P−1: phase p of step k+1 is on screen, where the
                      phases are forward 1…L, loss, backward L…1, update.

The network on screen is the one after k updates, except in the update phase
(p = P−1), where it is the one after k+1. Every button of the step-through page
is one method here, so the wiring is testable without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType

import numpy as np

from nnviz import datasets, examples
from nnviz.engine import (
    BIAS_MODES,
    LOSSES,
    REGULARIZERS,
    BatchSchedule,
    History,
    Network,
    Phase,
    StepRecord,
    phases,
)
from nnviz.examples import Dataset
from nnviz.i18n import N_, _
from nnviz.optim import OPTIMIZERS, make_optimizer

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")
#: seeds offered (the sidebar's range); NumPy and Python's random both take any of them
MAX_SEED = 2**31 - 1
SEED_INIT = "seed's own"
INITIALISERS = (SEED_INIT, "uniform01", "normal", "normal(0, 0.1)", "xavier", "he", "zeros")
MAX_HIDDEN_LAYERS = 6  # Playground's limits (a UI limit: the engine has none)
MAX_NEURONS = 8
#: the largest regularisation rate λ a configuration takes (Playground's largest is 10, times a batch of 30)
MAX_REGULARIZATION_RATE = 1000.0
#: Playground's learning rates and regularisation rates (its state.ts menus)
PLAYGROUND_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PLAYGROUND_REG_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: learning rates offered (log scale, 1-2-5 steps)
LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-4, 3) for m in (1, 2, 5) if float(f"{m}e{e}") <= 100)
#: a loss larger than this many times the first one (or than this many times 1, when the
#: first is smaller) counts as diverged; the floor matters with one-sample batches, where the
#: first sample's loss can be ~1e-7 and another sample's ordinary loss ~1 (a false alarm)
EXPLODE_FACTOR = 1e6
#: the most steps a shared link may ask for
MAX_LINK_STEPS = 100_000


@dataclass(frozen=True)
class Config:
    """Everything that defines a run except the learning rate (changing any of it resets the run)."""

    example: str = "toy"
    hidden: tuple[int, ...] = (2,)
    activations: tuple[str, ...] = ("sigmoid", "sigmoid")
    loss: str = "half_sse"
    init: str = SEED_INIT
    seed: int = 1
    bias_mode: str = "trainable"
    batch: str = "1"  # "1" (one sample), "full", or a mini-batch size "k"
    shuffle: bool = False
    #: the loss's penalty term λ·Σ R(w) (engine.REGULARIZERS); λ as the engine uses it, except on the
    #: playground page, where it is Playground's λ and the engine's is λ·B (:func:`engine_regularization_rate`)
    regularization: str = "none"
    regularization_rate: float = 0.0
    #: optim.OPTIMIZERS' name and its hyper-parameters but η, as sorted (name, value) pairs
    optimizer: str = "sgd"
    opt_hyper: tuple[tuple[str, float], ...] = ()
    #: the playground example's data (ignored by the others): a datasets.DATASETS generator,
    #: Playground's noise in percent, the training share in percent, the data's seed, the input features
    dataset: str = "circle"
    noise: int = 0
    train_percent: int = 50
    data_seed: int = 0
    features: tuple[str, ...] = datasets.DEFAULT_FEATURES

    def __post_init__(self):
        # One form per configuration, whoever builds it (the sidebar, a link, a file): no rate without
        # a regulariser, and only the hyper-parameters that differ from the optimiser's defaults.
        if self.regularization == "none":
            object.__setattr__(self, "regularization_rate", 0.0)
        spec = OPTIMIZERS.get(self.optimizer) if isinstance(self.optimizer, str) else None
        if spec is not None and isinstance(self.opt_hyper, tuple):
            try:
                pairs = tuple(sorted((str(k), float(v)) for k, v in self.opt_hyper))
            except (TypeError, ValueError):
                return
            pairs = tuple((k, v) for k, v in pairs if spec.defaults.get(k) != v)
            object.__setattr__(self, "opt_hyper", pairs)

    def sizes(self, data: Dataset) -> list[int]:
        return [data.n_in, *self.hidden, data.n_out]

    @property
    def hyper(self) -> dict[str, float]:
        """The optimiser's hyper-parameters but η: its defaults, overridden by :attr:`opt_hyper`."""
        spec = OPTIMIZERS[self.optimizer]
        return {k: float(v) for k, v in {**spec.defaults, **dict(self.opt_hyper)}.items() if k != "learning_rate"}

    def validate(self) -> None:
        """ValueError with a message (in the session's language) naming what is wrong."""
        if self.example not in EXAMPLES:  # the registry at the end of the configuration section
            raise ValueError(_("unknown example {value}").format(value=repr(self.example)))
        if not 1 <= len(self.hidden) <= MAX_HIDDEN_LAYERS:
            raise ValueError(
                _("1 to {max} hidden layers, got {n}").format(max=MAX_HIDDEN_LAYERS, n=len(self.hidden))
            )
        if any(not 1 <= h <= MAX_NEURONS for h in self.hidden):
            raise ValueError(
                _("hidden layers take 1 to {max} neurons, got {value}").format(
                    max=MAX_NEURONS, value=list(self.hidden)
                )
            )
        if len(self.activations) != len(self.hidden) + 1:
            raise ValueError(_("one activation per layer"))
        if self.loss not in LOSSES:
            raise ValueError(_("unknown loss {value}").format(value=_shown(self.loss)))
        for l, a in enumerate(self.activations[:-1], start=1):
            if a not in HIDDEN_ACTIVATIONS:
                names = ", ".join(HIDDEN_ACTIVATIONS)
                if a == "softmax":
                    text = _(
                        "hidden layer {layer} cannot use {value}: choose one of {names} (softmax is for the output "
                        "layer only)"
                    )
                else:
                    text = _("hidden layer {layer} cannot use {value}: choose one of {names}")
                raise ValueError(text.format(layer=l, value=_shown(a), names=names))
        if self.activations[-1] not in OUTPUT_ACTIVATIONS:
            raise ValueError(_("unknown output activation {value}").format(value=_shown(self.activations[-1])))
        if self.init not in INITIALISERS:
            raise ValueError(_("unknown initialiser {value}").format(value=_shown(self.init)))
        if not (isinstance(self.seed, int) and 0 <= self.seed <= MAX_SEED):
            raise ValueError(
                _("the seed must be a whole number from 0 to {max}, got {value}").format(
                    max=f"{MAX_SEED:,}", value=_shown(self.seed)
                )
            )
        if self.bias_mode not in BIAS_MODES:
            raise ValueError(_("unknown bias mode {value}").format(value=_shown(self.bias_mode)))
        if self.batch != "full" and not (self.batch.isdigit() and int(self.batch) >= 1):
            raise ValueError(
                _("batch must be 'full' or a positive whole number, got {value}").format(value=_shown(self.batch))
            )
        if self.regularization not in REGULARIZERS:
            raise ValueError(
                _("unknown regularization {value}: choose one of none, l1, l2").format(
                    value=_shown(self.regularization)
                )
            )
        rate = self.regularization_rate
        if not (isinstance(rate, float) and math.isfinite(rate) and 0 <= rate <= MAX_REGULARIZATION_RATE):
            raise ValueError(
                _("the regularization rate must be 0 … {max}, got {value}").format(
                    max=f"{MAX_REGULARIZATION_RATE:g}", value=_shown(rate)
                )
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                _("unknown optimizer {value}: choose one of {names}").format(
                    value=_shown(self.optimizer), names=", ".join(OPTIMIZERS)
                )
            )
        make_optimizer(self.optimizer, **self.hyper)  # its message names a bad hyper-parameter
        if EXAMPLES[self.example].data_settings:
            if self.dataset not in datasets.DATASETS:
                names = ", ".join(datasets.DATASETS)
                raise ValueError(
                    _("unknown data set {value}: choose one of {names}").format(value=_shown(self.dataset), names=names)
                )
            if not (isinstance(self.noise, int) and 0 <= self.noise <= datasets.NOISE_PERCENT_MAX):
                raise ValueError(
                    _("noise must be 0 … {max} %, got {value}").format(
                        max=datasets.NOISE_PERCENT_MAX, value=_shown(self.noise)
                    )
                )
            lo, hi = datasets.TRAIN_PERCENT_RANGE
            if not (isinstance(self.train_percent, int) and lo <= self.train_percent <= hi):
                raise ValueError(
                    _("the training share must be {lo} … {hi} %, got {value}").format(
                        lo=lo, hi=hi, value=_shown(self.train_percent)
                    )
                )
            if not (isinstance(self.data_seed, int) and 0 <= self.data_seed <= MAX_SEED):
                raise ValueError(_("the data seed must be a whole number from 0 to {max}").format(max=f"{MAX_SEED:,}"))
            datasets.feature_matrix(np.zeros((1, 2)), self.features)  # its message names a bad feature


def _shown(value, limit: int = 40) -> str:
    """A value from a link or a file inside a message: its repr, cut to ``limit`` characters (plain text)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def default_config(example: str, data: Dataset | None = None) -> Config:
    """The example's own configuration (for uploaded data: a sensible start for its task)."""
    entry = example_entry(example)
    if data is not None and data.task == "classification" and entry.classification_config is not None:
        return entry.classification_config
    return entry.config


def default_learning_rate(example: str) -> float:
    """The learning rate a page starts with: the entry's, over the default batch for averaged rates."""
    entry = example_entry(example)
    if entry.mean_rates:
        return entry.learning_rate / batch_size(entry.config, None)
    return entry.learning_rate


def batch_size(cfg: Config, n_samples: int | None) -> int:
    """B, the number of samples one update uses (``full``: all ``n_samples``)."""
    if cfg.batch == "full":
        return int(n_samples or 1)
    return max(1, min(int(cfg.batch), n_samples or int(cfg.batch)))


def learning_rates(cfg: Config, n_samples: int) -> tuple[float, ...]:
    """The learning rates offered for ``cfg``: its example's (the 1-2-5 series), or for averaged rates
    (the playground page) those divided by the batch size B (η′ = η/B: our half_sse is summed over the
    batch, Playground's update averages it)."""
    entry = EXAMPLES[cfg.example]
    if not entry.mean_rates:
        return entry.rates
    b = batch_size(cfg, n_samples)
    return tuple(r / b for r in entry.rates)


def engine_regularization_rate(cfg: Config, n_samples: int) -> float:
    """λ as the engine's loss uses it: the configuration's, or for averaged rates (the playground page)
    Playground's λ times the batch size B (λ′ = λ·B, so that (η/B)·(Σ∂E/∂w + λ′R′) = (η/B)·Σ∂E/∂w + η·λ·R′)."""
    if not EXAMPLES[cfg.example].mean_rates:
        return cfg.regularization_rate
    return cfg.regularization_rate * batch_size(cfg, n_samples)


def playground_data(cfg: Config) -> tuple[Dataset, Dataset]:
    """(training, test) data of a playground configuration: the generator's points, split as
    Playground, with the chosen features as the network's inputs. ``plane`` keeps the points
    (x₁, x₂) for the decision regions; classification targets are Playground's ±1 (one tanh output)."""
    gen = datasets.DATASETS[cfg.dataset]
    full = datasets.make_dataset(cfg.dataset, noise=datasets.noise_from_percent(cfg.noise), seed=cfg.data_seed)
    parts = datasets.split(full, cfg.train_percent, seed=cfg.data_seed)
    names = tuple(datasets.FEATURES[f].label for f in cfg.features)
    out = []
    for part in parts:
        X = datasets.feature_matrix(part.X, cfg.features)
        X.setflags(write=False)
        if gen.task == "classification":
            Y = datasets.targets(part, "signed")
            Y.setflags(write=False)
            out.append(
                replace(
                    part, X=X, Y=Y, input_names=names, output_names=("class (+1 / −1)",),
                    plane=part.X, features=cfg.features, threshold=0.0,
                )
            )
        else:
            out.append(replace(part, X=X, input_names=names, plane=part.X, features=cfg.features))
    return out[0], out[1]


# ---------------------------------------------------------------------------
# The examples: one registry entry each carries everything the app knows about an example.


def randn_network(sizes: list[int], activations: list[str], seed: int, bias_mode: str) -> Network:
    """The "seed's own" initialiser of seed 003: weights from ``randn`` (W1 then W2 …), biases 0 unless none."""
    net = examples.study_network(seed, sizes)
    if bias_mode != "none":
        zeros = [np.zeros(n) for n in sizes[1:]]
        return Network.from_arrays(net.weights, zeros, activations, bias_mode)
    return Network.from_arrays(net.weights, None, activations)


@dataclass(frozen=True)
class Sample:
    """A sample CSV the Your data page offers: its button label (``N_`` msgid), file name, and table.
    Uploaded with the last column as the target and ``scaling`` (a ``userdata.SCALINGS`` name), its inputs
    are the example's own."""

    label: str
    file_name: str
    table: Callable[[], tuple[tuple[str, ...], list[tuple[str, ...]]]]  # (header, rows), cells as written
    order: int = 0  # where its button stands among the samples (smaller first)
    scaling: str = "none"  # the Your data scaling that makes the example's inputs from the table


@dataclass(frozen=True)
class Example:
    """One step-through example: its page, texts, data, starting configuration, rates and seed network.

    Texts are ``N_`` msgids (English; translated where shown). Adding an example is one entry in
    :data:`EXAMPLES` plus its tests: the navigation, the page, its sidebar, links, files and the
    sample buttons all read the entry.
    """

    key: str  # the widget-key prefix, the URL field ``ex``, ``Config.example``
    label: str  # the menu's title (N_)
    config: Config  # the starting configuration ("Back to …" returns to it)
    #: (training, test or None) for a configuration; None: the data come from an upload (Your data)
    data: Callable[[Config], tuple[Dataset, Dataset | None]] | None
    learning_rate: float  # the starting η (with ``mean_rates``: Playground's η, before dividing by B)
    title: str | None = None  # the page's heading (N_); None: another page draws the heading
    intro: str | None = None  # the "About this example" text (N_, Markdown)
    url_path: str | None = None  # the page at /<url_path>
    page: bool = True  # a page of its own in the navigation (False: drawn inside another page, as custom)
    default_page: bool = False  # the app's start page
    reference: str = ""  # the seed tutorial it reproduces ("seed 003"), "" for none
    #: the starting configuration for uploaded classification data (``config`` is for regression)
    classification_config: Config | None = None
    #: the "seed's own" initialiser: (sizes, activations, seed, bias mode) → Network
    seed_network: Callable[[list[int], list[str], int, str], Network] = randn_network
    rates: tuple[float, ...] = LEARNING_RATES  # the learning rates offered
    #: Playground's convention: rates for a loss averaged over the batch, so the engine's η′ = η/B and λ′ = λ·B
    mean_rates: bool = False
    #: the configuration's data fields (dataset, noise, train_percent, data_seed, features) make the data
    data_settings: bool = False
    losses: tuple[str, ...] | None = None  # the loss menu; None: by the data's task
    outputs: tuple[str, ...] | None = None  # the output activation menu; None: all
    defaults_label: str = N_("Back to the tutorial's configuration")  # the sidebar's reset button (N_)
    panel: str = ""  # a page panel of its own instead of the predictions ("units": seed 003's real units)
    sample: Sample | None = None  # its table as a sample CSV on the Your data page
    #: ``python -m nnviz reproduce <key>``: the CLI's options → (heading, lines), printed as "== reference: heading =="
    reproduce: Callable[[dict], tuple[str, list[str]]] | None = None

    def __post_init__(self):
        for cfg in (self.config, self.classification_config):
            if cfg is not None and cfg.example != self.key:
                raise ValueError(f"example {self.key!r}: its configuration is for {cfg.example!r}")

    @property
    def uploaded(self) -> bool:
        """Whether the data come from an upload (no built-in data)."""
        return self.data is None


def _study_data(cfg: Config) -> tuple[Dataset, None]:
    return examples.study_dataset(), None


def _toy_data(cfg: Config) -> tuple[Dataset, None]:
    return examples.toy_dataset(), None


#: Playground's default learning rate; nnviz's is η′ = η / B (see :func:`learning_rates`)
PLAYGROUND_LR = 0.03
#: the playground page's losses and output activations (one output: ±1 labels or a value)
PLAYGROUND_LOSSES = ("half_sse", "mse")
PLAYGROUND_OUTPUTS = ("tanh", "identity", "sigmoid")

EXAMPLES: Mapping[str, Example] = MappingProxyType(
    {
        "study": Example(
            "study",
            N_("Study hours"),
            Config("study", (3,), ("sigmoid", "sigmoid"), "half_sse", SEED_INIT, examples.STUDY_SEED, "none", "full"),
            _study_data,
            examples.STUDY_LR,
            title=N_("Study hours (regression, seed 003)"),
            intro=N_(
                "Predict a test score from (hours studied, hours slept). Inputs are divided by the training "
                "column max [3, 9], scores by 100. The tutorial's net: 2-3-1, sigmoid, **no biases**, "
                "weights from `randn`, full-batch gradient descent with learning rate 1 on ½·Σ(y − ŷ)² "
                "(its `W += X.T·delta`)."
            ),
            url_path="study",
            default_page=True,
            reference="seed 003",
            panel="units",
            sample=Sample(
                N_("Sample: study hours (CSV)"), "nnviz-study-hours.csv", examples.study_sample_table, 1, "max"
            ),
            reproduce=examples.study_report,
        ),
        "toy": Example(
            "toy",
            N_("Toy classification"),
            Config("toy", (2,), ("sigmoid", "sigmoid"), "half_sse", SEED_INIT, 1, "trainable", "1"),
            _toy_data,
            examples.TOY_LR,
            title=N_("Toy classification (seed 004)"),
            intro=N_(
                "Ten labelled points in the plane, a 2-2-2 sigmoid net with one-hot targets, weights from "
                "Python's `random()` after `seed(1)` (each neuron's inputs, then its bias), online SGD "
                "(one sample per step, in order) with learning rate 0.02 on ½·Σ(t − o)²."
            ),
            url_path="toy",
            reference="seed 004",
            seed_network=examples.python_random_network,
            sample=Sample(N_("Sample: toy classification (CSV)"), "nnviz-toy.csv", examples.toy_sample_table),
            reproduce=examples.toy_report,
        ),
        "custom": Example(
            "custom",
            N_("Your data"),
            Config("custom", (4,), ("tanh", "sigmoid"), "half_sse", "xavier", 0, "trainable", "full"),
            None,
            0.5,
            url_path="data",
            page=False,  # the Your data page (nnviz.pages.data_page) draws it below the upload
            classification_config=Config(
                "custom", (4,), ("tanh", "softmax"), "cross_entropy", "xavier", 0, "trainable", "full"
            ),
            defaults_label=N_("Back to the default configuration"),
        ),
        "playground": Example(
            "playground",
            N_("Playground"),
            # Playground's start: circle, noise 0, 50 % training data, 2 hidden layers 4-2, tanh, batch 10;
            # its output is tanh on ±1 labels, its loss ½(o − t)² per point (our half_sse summed over the batch)
            Config("playground", (4, 2), ("tanh", "tanh", "tanh"), "half_sse", "xavier", 0, "trainable", "10"),
            playground_data,
            PLAYGROUND_LR,
            title=N_("Playground"),
            intro=N_(
                "TensorFlow Playground's data sets, features, regularisation and batches, stepped with every "
                "number shown. It starts as Playground does: the circle, noise 0, half the points to train, two "
                "hidden layers 4-2 of tanh, a tanh output trained towards the ±1 labels, batch 10, η = 0.03. "
                "Playground averages ½(o − t)² over a batch; nnviz's half_sse sums it, so the player's rate is "
                "**η′ = η / B** and the engine's penalty rate **λ′ = λ · B**: the numbers are Playground's "
                "(checked against a transcription of its nn.ts). The README's *Coming from TensorFlow Playground* "
                "maps each of its controls to this page."
            ),
            url_path="playground",
            rates=PLAYGROUND_RATES,
            mean_rates=True,
            data_settings=True,
            losses=PLAYGROUND_LOSSES,
            outputs=PLAYGROUND_OUTPUTS,
            defaults_label=N_("Back to Playground's defaults"),
        ),
    }
)


def example_entry(example: str) -> Example:
    """``EXAMPLES[example]``; ValueError with a message for an unknown name."""
    entry = EXAMPLES.get(example) if isinstance(example, str) else None
    if entry is None:
        raise ValueError(_("unknown example {value}").format(value=repr(example)))
    return entry


def output_activation_for(loss: str, chosen: str) -> str:
    """The output activation a loss forces (softmax for cross-entropy, sigmoid for BCE), else ``chosen``."""
    return LOSSES[loss].requires or chosen


def dataset(example: str, cfg: Config | None = None) -> Dataset:
    """The built-in data set of an example (``custom`` data comes from an upload; ``playground``'s
    training data from ``cfg``)."""
    entry = example_entry(example)
    if entry.data is None:
        raise ValueError(f"no built-in data set for {example!r}")
    return entry.data(cfg or entry.config)[0]


def build_network(cfg: Config, data: Dataset | None = None) -> Network:
    """The initial network of a configuration."""
    cfg.validate()
    data = data or dataset(cfg.example, cfg)
    sizes = cfg.sizes(data)
    acts = list(cfg.activations)
    acts[-1] = output_activation_for(cfg.loss, acts[-1])
    if cfg.init == SEED_INIT:
        return EXAMPLES[cfg.example].seed_network(sizes, acts, cfg.seed, cfg.bias_mode)
    return Network.init(sizes, acts, cfg.init, np.random.default_rng(cfg.seed), cfg.bias_mode)


def build_history(cfg: Config, data: Dataset | None = None, net: Network | None = None, opt_state=None) -> History:
    """A fresh history for ``cfg`` on ``data``, starting from ``net`` (a loaded file) or from cfg's initialiser,
    and from the optimiser state ``opt_state`` (a loaded file's) or zero buffers."""
    data = data or dataset(cfg.example, cfg)
    net = net or build_network(cfg, data)
    size = None if cfg.batch == "full" else int(cfg.batch)
    return History(
        net,
        data.X,
        data.Y,
        cfg.loss,
        BatchSchedule(data.n_samples, size, cfg.shuffle, cfg.seed),
        regularization=cfg.regularization,
        regularization_rate=engine_regularization_rate(cfg, data.n_samples),
        optimizer=cfg.optimizer,
        optimizer_hyper=cfg.hyper,
        optimizer_state=opt_state,
    )


class Run:
    """A history plus the learner's cursor into it; see the module docstring."""

    def __init__(self, cfg: Config, data: Dataset | None = None, net: Network | None = None, opt_state=None):
        """``net``: start from this network (it must have cfg's architecture) instead of cfg's initialiser.
        An example with data settings (the playground) makes its data (training and test) from ``cfg``,
        whatever ``data`` is; an example with built-in data uses it when ``data`` is None."""
        self.config = cfg
        self.test_data: Dataset | None = None
        entry = example_entry(cfg.example)
        if entry.data_settings or (data is None and entry.data is not None):
            cfg.validate()
            data, self.test_data = entry.data(cfg)
        self.data = data or dataset(cfg.example)
        self.history = build_history(cfg, self.data, net, opt_state)
        self.step_index = 0  # k
        self.phase_index = -1  # p
        self.diverged_at: int | None = None
        #: Play/Run stop at the first new step that meets this: None, ("all_right",) or ("loss_below", v)
        self.stop_rule: tuple | None = None
        self.stopped_at: int | None = None  # the step (0-based) that met the stop rule
        # per step, after its update: loss over all training points, over the test points, and the share
        # of training / test points classified right (NaN: not computed, e.g. before a stop rule was
        # chosen); the first _metrics_n columns belong to the steps of the history
        self._metrics = np.full((4, 16), np.nan)
        self._metrics_n = 0

    @property
    def learning_rates(self) -> tuple[float, ...]:
        """The learning rates the player offers for this run (see :func:`learning_rates`)."""
        return learning_rates(self.config, self.data.n_samples)

    # -- what is on screen ----------------------------------------------------

    @property
    def phases(self) -> list[Phase]:
        return phases(self.history.template.n_layers)

    @property
    def phase(self) -> Phase | None:
        return None if self.phase_index < 0 else self.phases[self.phase_index]

    @property
    def record(self) -> StepRecord | None:
        """The step on screen (None when idle)."""
        return None if self.phase_index < 0 else self.history.record(self.step_index)

    @property
    def updates_applied(self) -> int:
        """How many updates the network on screen has had."""
        return self.step_index + (1 if self.phase_index == len(self.phases) - 1 else 0)

    @property
    def network(self) -> Network:
        u = self.updates_applied
        if self.phase_index == len(self.phases) - 1 and u in self.history.edits():
            # the update of the step before an edit: the network that update made, not the edited one
            return self.history.record(self.step_index).after
        return self.history.network(u)

    # -- moving -----------------------------------------------------------------

    def _ensure(self, k: int, learning_rate: float) -> bool:
        """Make step k (0-based) exist in the history; False when the run has diverged (or met its stop
        rule) before it."""
        h = self.history
        if k < len(h) and h.learning_rates[k] != learning_rate:
            h.truncate(k)  # a new learning rate rewrites the future, never the past
            self.forget_after(k)
        barrier = self.barrier
        if barrier is not None and k > barrier:
            return False
        self._metrics_n = min(self._metrics_n, len(h))
        while len(h) <= k:
            rec = h.step(learning_rate)
            self._record_metrics(rec)
            if rec.diverged or self._exploded(rec):
                self.diverged_at = len(h) - 1
                return len(h) - 1 >= k
            if self.stop_rule is not None and self._meets_stop_rule(len(h) - 1):
                self.stopped_at = len(h) - 1
                return len(h) - 1 >= k
        return True

    @property
    def barrier(self) -> int | None:
        """The last step that may be shown (divergence or the stop rule), or None."""
        marks = [m for m in (self.diverged_at, self.stopped_at) if m is not None]
        return min(marks) if marks else None

    def forget_after(self, k: int) -> None:
        """The history was cut to steps 0 … k−1: what was recorded about later steps goes."""
        if self.diverged_at is not None and self.diverged_at >= k:
            self.diverged_at = None
        if self.stopped_at is not None and self.stopped_at >= k:
            self.stopped_at = None
        self._metrics_n = min(self._metrics_n, k)

    def edit(self, name: str, value: float) -> Network:
        """Set parameter ``name`` of the network on screen to ``value`` and show the edited network: the
        steps after it are dropped and the run continues from it (recorded in the history: Back shows the
        network before the edit; a dead link comes back to life). ValueError names a bad name or value."""
        u = self.updates_applied
        h = self.history
        if u < len(h):
            h.truncate(u)
            self.forget_after(u)
        net = h.edit(name, value)
        self.step_index, self.phase_index = u, -1
        return net

    def set_stop_rule(self, rule: tuple | None) -> None:
        """A new stop condition for Play/Run (checked on steps computed from now on)."""
        if rule != self.stop_rule:
            self.stop_rule = rule
            self.stopped_at = None

    # -- measures over the whole data (the loss chart, the stop rule) ---------------

    @property
    def measures_wanted(self) -> bool:
        return self.test_data is not None or self.stop_rule is not None

    def measure(self, net: Network, data: Dataset) -> tuple[float, float]:
        """(loss, share right) of ``net`` over every point of ``data``: the configured loss without the
        penalty, as a mean per point (half_sse, a sum, is divided by the number of points: Playground's
        mean ½(o − t)²); the share is NaN for regression."""
        with np.errstate(all="ignore"):
            loss = net.loss(data.X, data.Y, self.config.loss)
            if LOSSES[self.config.loss].reduction == "sum over the batch":
                loss /= data.n_samples
            right = float("nan")
            if data.task == "classification":
                out = net.predict(data.X)
                pred = (out[:, 0] >= data.threshold).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)
                right = float(np.mean(pred == data.labels))
        return float(loss), right

    def _record_metrics(self, rec: StepRecord) -> None:
        k = len(self.history) - 1
        if k >= self._metrics.shape[1]:
            grown = np.full((4, max(2 * self._metrics.shape[1], k + 1)), np.nan)
            grown[:, : self._metrics.shape[1]] = self._metrics
            self._metrics = grown
        self._metrics[:, self._metrics_n : k + 1] = np.nan  # steps recorded past this object's back
        if self.measures_wanted:
            tl, ta = self.measure(rec.after, self.data)
            vl, va = self.measure(rec.after, self.test_data) if self.test_data is not None else (np.nan, np.nan)
            self._metrics[:, k] = (tl, vl, ta, va)
        self._metrics_n = k + 1

    def metrics(self) -> np.ndarray:
        """(4, n_steps): training loss, test loss, training share right, test share right after each step
        (NaN where not computed)."""
        n = len(self.history)
        out = np.full((4, n), np.nan)
        m = min(self._metrics_n, n)
        out[:, :m] = self._metrics[:, :m]
        return out

    def stop_message(self) -> str | None:
        """Why Play/Run stopped, with its numbers (None when it did not)."""
        k = self.stopped_at
        if k is None or self.stop_rule is None or self._metrics_n <= k:
            return None
        loss, right = self._metrics[0, k], self._metrics[2, k]
        n = self.data.n_samples
        if self.stop_rule[0] == "all_right":
            return _(
                "Stopped at step {step}: every training point is classified right ({right} of {n}). Choose another "
                "stop condition in the sidebar to train on."
            ).format(step=k + 1, right=round(right * n), n=n)
        return _(
            "Stopped at step {step}: the training loss {loss} is below {threshold}. Choose another stop "
            "condition in the sidebar to train on."
        ).format(step=k + 1, loss=f"{loss:.6g}", threshold=f"{self.stop_rule[1]:g}")

    def _meets_stop_rule(self, k: int) -> bool:
        if self._metrics_n <= k or not np.isfinite(self._metrics[0, k]):
            return False
        loss, right = self._metrics[0, k], self._metrics[2, k]
        if self.stop_rule[0] == "all_right":
            return bool(right == 1.0)
        return bool(loss < self.stop_rule[1])

    def _exploded(self, rec: StepRecord) -> bool:
        first = self.history.loss_at(0) if len(self.history) else rec.loss_before
        return math.isfinite(first) and rec.loss_after > EXPLODE_FACTOR * max(first, 1.0)

    def next_phase(self, learning_rate: float) -> bool:
        last = len(self.phases) - 1
        if self.phase_index == last:
            if not self._ensure(self.step_index + 1, learning_rate):
                return False
            self.step_index += 1
            self.phase_index = 0
            return True
        if self.phase_index == -1 and not self._ensure(self.step_index, learning_rate):
            return False
        self.phase_index += 1
        return True

    def step(self, learning_rate: float) -> bool:
        """Finish the step on screen, or take the next one, and show its update."""
        last = len(self.phases) - 1
        k = self.step_index + (1 if self.phase_index == last else 0)
        if not self._ensure(k, learning_rate):
            return False
        self.step_index, self.phase_index = k, last
        return True

    def run(self, n: int, learning_rate: float, progress=None) -> int:
        """Take up to ``n`` steps; returns how many were taken (fewer when the run diverges)."""
        done = 0
        for i in range(n):
            if not self.step(learning_rate):
                break
            done += 1
            if progress is not None and (i % max(1, n // 100) == 0 or i == n - 1):  # ≤ ~100 bar updates
                progress((i + 1) / n)
        return done

    def steps_to_epoch_end(self) -> int:
        spe = self.history.schedule.steps_per_epoch
        done = self.updates_applied
        return spe - done % spe

    def epoch(self, learning_rate: float, progress=None) -> int:
        return self.run(self.steps_to_epoch_end(), learning_rate, progress)

    def back(self) -> None:
        """Undo one phase mid-step, or one whole step at a step boundary; never past the start."""
        last = len(self.phases) - 1
        if 0 < self.phase_index < last:
            self.phase_index -= 1
        elif self.phase_index == 0:
            self.phase_index = -1
        elif self.phase_index == last:
            if self.step_index > 0:
                self.step_index -= 1
            else:
                self.phase_index = -1
        elif self.step_index > 0:  # idle at k > 0
            self.step_index -= 1
            self.phase_index = last

    def seek(self, updates: int) -> None:
        """Show the network after ``updates`` updates (the history slider)."""
        updates = max(0, min(int(updates), len(self.history)))
        if updates == 0:
            self.step_index, self.phase_index = 0, -1
        else:
            self.step_index, self.phase_index = updates - 1, len(self.phases) - 1

    def reset(self) -> None:
        self.history.truncate(0)
        self.step_index, self.phase_index = 0, -1
        self.forget_after(0)


# ---------------------------------------------------------------------------
# Shareable state: the URL query string.


def to_query(cfg: Config, learning_rate: float, updates: int) -> dict[str, str]:
    """Query-string fields for a run: example, seed, learning rate, architecture, step count."""
    return {
        "ex": cfg.example,
        "seed": str(cfg.seed),
        "lr": f"{learning_rate:g}",
        "hidden": "-".join(str(h) for h in cfg.hidden),
        "act": ",".join(cfg.activations),
        "loss": cfg.loss,
        "init": cfg.init,
        "bias": cfg.bias_mode,
        "batch": cfg.batch,
        "shuffle": "1" if cfg.shuffle else "0",
        "reg": cfg.regularization,
        "reg_rate": f"{cfg.regularization_rate:g}",
        "opt": cfg.optimizer,
        **{f"opt_{k}": f"{v:g}" for k, v in cfg.opt_hyper},
        **(
            {
                "data": cfg.dataset,
                "noise": str(cfg.noise),
                "train": str(cfg.train_percent),
                "dseed": str(cfg.data_seed),
                "feat": ",".join(cfg.features),
            }
            if EXAMPLES[cfg.example].data_settings
            else {}
        ),
        "steps": str(int(updates)),
    }


def from_query(q: dict[str, str], example: str) -> tuple[Config, float, int]:
    """Parse :func:`to_query` output; ValueError with a message for anything malformed.

    A configuration that parses is also built (its initial network), so a link that is
    accepted here opens without an error.
    """
    base = default_config(example)
    if q.get("ex", example) != example:
        raise ValueError(_("the link is for the {value} example").format(value=_shown(q.get("ex"))))
    try:
        hidden = tuple(int(h) for h in q["hidden"].split("-")) if "hidden" in q else base.hidden
        acts = tuple(q["act"].split(",")) if "act" in q else ("sigmoid",) * (len(hidden) + 1)
        cfg = replace(
            base,
            hidden=hidden,
            activations=acts,
            loss=q.get("loss", base.loss),
            init=q.get("init", base.init),
            seed=int(q.get("seed", base.seed)),
            bias_mode=q.get("bias", base.bias_mode),
            batch=q.get("batch", base.batch),
            shuffle=q.get("shuffle", "0") == "1",
            regularization=q.get("reg", base.regularization),
            regularization_rate=float(q.get("reg_rate", base.regularization_rate)),
            optimizer=q.get("opt", base.optimizer),
            opt_hyper=tuple(sorted((k[4:], float(v)) for k, v in q.items() if k.startswith("opt_"))),
            dataset=q.get("data", base.dataset),
            noise=int(q.get("noise", base.noise)),
            train_percent=int(q.get("train", base.train_percent)),
            data_seed=int(q.get("dseed", base.data_seed)),
            features=tuple(q["feat"].split(",")) if "feat" in q else base.features,
        )
        lr = float(q.get("lr", default_learning_rate(example)))
        steps = int(q.get("steps", 0))
    except (ValueError, KeyError, OverflowError) as exc:
        raise ValueError(_("malformed link: {why}").format(why=_shown(str(exc), 80))) from None
    cfg.validate()
    if not (math.isfinite(lr) and 0 < lr <= 100):
        raise ValueError(_("learning rate {lr} is outside (0, 100]").format(lr=f"{lr:g}"))
    if not 0 <= steps <= MAX_LINK_STEPS:
        raise ValueError(
            _("step count {steps} is outside 0 … {max}").format(steps=steps, max=f"{MAX_LINK_STEPS:,}")
        )
    if EXAMPLES[example].data is not None:
        build_network(cfg)  # what the page will do with it: any ValueError is the link's
    return cfg, lr, steps


def config_dict(cfg: Config) -> dict:
    return asdict(cfg)


# ---------------------------------------------------------------------------
# Why a run fails: warnings with the numbers that show it.

#: an output counts as saturated where f′(z) is below this (sigmoid: ŷ within ~0.001 of 0 or 1)
SATURATION_SLOPE = 1e-3
#: warn when at least this share of the training points saturate the output
SATURATION_SHARE = 0.9
#: the first layer's largest |∂L/∂w| below this share of the last layer's: vanishing gradients
VANISHING_RATIO = 1e-4
DIAGNOSE_ROWS = 1000


def diagnose(net: Network, data: Dataset, loss: str) -> list[str]:
    """Plain-text warnings about ``net`` on ``data`` (a seeded sample of at most 1,000 rows), each with
    the numbers that show it: saturated outputs, dead ReLU units, vanishing gradients. [] when none."""
    from nnviz import sampling
    from nnviz.engine import ACTIVATIONS

    rows = sampling.capped_subsample(data.n_samples, DIAGNOSE_ROWS, seed=0)
    X, Y = data.X[rows], data.Y[rows]
    out = []
    with np.errstate(all="ignore"):
        trace = net.forward(X)
        grads = net.backward(trace, Y, loss)
    if not np.all(np.isfinite(net.parameter_vector())):
        return [_("The parameters are no longer finite numbers: the run diverged. Lower the learning rate and Reset.")]
    last = trace.layers[-1]
    act = net.activations[-1]
    spec = ACTIVATIONS[act]
    if act in ("sigmoid", "tanh") and spec.derivative is not None:
        slope = spec.derivative(last.z, last.a)
        share = float(np.mean(np.all(np.abs(slope) < SATURATION_SLOPE, axis=1)))
        if share >= SATURATION_SHARE:
            z = float(np.median(np.abs(last.z)))
            out.append(
                _(
                    "Saturated output: for {share} of the {n} training points every {activation} output has "
                    "f′(z) < {slope} (median |z| = {z}), so almost no gradient passes the output layer and the loss "
                    "stops falling. Lower the learning rate and Reset, or use another initialiser."
                ).format(
                    share=f"{100 * share:.0f} %",
                    n=len(rows),
                    activation=act,
                    slope=f"{SATURATION_SLOPE:g}",
                    z=f"{z:.3g}",
                )
            )
    for l, (a_name, t) in enumerate(zip(net.activations[:-1], trace.layers[:-1]), start=1):
        if a_name != "relu":
            continue
        dead = np.all(t.a <= 0, axis=0)
        if dead.any():
            units = ", ".join(f"a{l}[{j}]" for j in np.flatnonzero(dead)[:8])
            out.append(
                _(
                    "Dead ReLU units: {dead} of {size} in layer {layer} ({units}) output 0 for every one of the {n} "
                    "training points, so their weights get no gradient and never recover. A smaller learning rate, "
                    "leaky ReLU or another seed avoids it."
                ).format(dead=int(dead.sum()), size=dead.size, layer=l, units=units, n=len(rows))
            )
    if net.n_layers >= 2:
        first = float(np.max(np.abs(grads.layers[0].dW)))
        top = float(np.max(np.abs(grads.layers[-1].dW)))
        if np.isfinite(first) and np.isfinite(top) and top > 0 and first < VANISHING_RATIO * top:
            out.append(
                _(
                    "Vanishing gradients: the largest |∂L/∂w| of layer 1 is {first}, {ratio} times that of layer "
                    "{layer} ({top}): the first layer hardly learns. Saturating activations (sigmoid, tanh) in deep "
                    "nets do this; try ReLU or fewer layers."
                ).format(first=f"{first:.3g}", ratio=f"{first / top:.2g}", layer=net.n_layers, top=f"{top:.3g}")
            )
    return out

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
from dataclasses import asdict, dataclass, replace

import numpy as np

from nnviz import examples
from nnviz.engine import BIAS_MODES, LOSSES, BatchSchedule, History, Network, Phase, StepRecord, phases
from nnviz.examples import Dataset

EXAMPLES = ("study", "toy", "custom")
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")
#: seeds offered (the sidebar's range); NumPy and Python's random both take any of them
MAX_SEED = 2**31 - 1
SEED_INIT = "seed's own"
INITIALISERS = (SEED_INIT, "uniform01", "normal", "normal(0, 0.1)", "xavier", "he")
MAX_HIDDEN_LAYERS = 3
MAX_NEURONS = 8
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

    def sizes(self, data: Dataset) -> list[int]:
        return [data.n_in, *self.hidden, data.n_out]

    def validate(self) -> None:
        if self.example not in EXAMPLES:
            raise ValueError(f"unknown example {self.example!r}")
        if not 1 <= len(self.hidden) <= MAX_HIDDEN_LAYERS:
            raise ValueError(f"1 to {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        if any(not 1 <= h <= MAX_NEURONS for h in self.hidden):
            raise ValueError(f"hidden layers take 1 to {MAX_NEURONS} neurons, got {list(self.hidden)}")
        if len(self.activations) != len(self.hidden) + 1:
            raise ValueError("one activation per layer")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {_shown(self.loss)}")
        for l, a in enumerate(self.activations[:-1], start=1):
            if a not in HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"hidden layer {l} cannot use {_shown(a)}: choose one of {', '.join(HIDDEN_ACTIVATIONS)}"
                    + (" (softmax is for the output layer only)" if a == "softmax" else "")
                )
        if self.activations[-1] not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"unknown output activation {_shown(self.activations[-1])}")
        if self.init not in INITIALISERS:
            raise ValueError(f"unknown initialiser {_shown(self.init)}")
        if not (isinstance(self.seed, int) and 0 <= self.seed <= MAX_SEED):
            raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED:,}, got {_shown(self.seed)}")
        if self.bias_mode not in BIAS_MODES:
            raise ValueError(f"unknown bias mode {_shown(self.bias_mode)}")
        if self.batch != "full" and not (self.batch.isdigit() and int(self.batch) >= 1):
            raise ValueError(f"batch must be 'full' or a positive whole number, got {_shown(self.batch)}")


def _shown(value, limit: int = 40) -> str:
    """A value from a link or a file inside a message: its repr, cut to ``limit`` characters (plain text)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def default_config(example: str, data: Dataset | None = None) -> Config:
    """The seed tutorial's own configuration (for uploaded data: a sensible start for its task)."""
    if example == "custom":
        if data is not None and data.task == "classification":
            return Config("custom", (4,), ("tanh", "softmax"), "cross_entropy", "xavier", 0, "trainable", "full")
        return Config("custom", (4,), ("tanh", "sigmoid"), "half_sse", "xavier", 0, "trainable", "full")
    if example == "study":
        return Config("study", (3,), ("sigmoid", "sigmoid"), "half_sse", SEED_INIT, examples.STUDY_SEED, "none", "full")
    return Config("toy", (2,), ("sigmoid", "sigmoid"), "half_sse", SEED_INIT, 1, "trainable", "1")


def default_learning_rate(example: str) -> float:
    return {"study": examples.STUDY_LR, "toy": examples.TOY_LR}.get(example, 0.5)


def output_activation_for(loss: str, chosen: str) -> str:
    """The output activation a loss forces (softmax for cross-entropy, sigmoid for BCE), else ``chosen``."""
    return LOSSES[loss].requires or chosen


def dataset(example: str) -> Dataset:
    """The built-in data set of an example (``custom`` data comes from an upload)."""
    if example == "study":
        return examples.study_dataset()
    if example == "toy":
        return examples.toy_dataset()
    raise ValueError(f"no built-in data set for {example!r}")


def build_network(cfg: Config, data: Dataset | None = None) -> Network:
    """The initial network of a configuration."""
    cfg.validate()
    data = data or dataset(cfg.example)
    sizes = cfg.sizes(data)
    acts = list(cfg.activations)
    acts[-1] = output_activation_for(cfg.loss, acts[-1])
    if cfg.init == SEED_INIT:
        if cfg.example != "toy":  # randn, as seed 003 draws its weights
            net = examples.study_network(cfg.seed, sizes)
            if cfg.bias_mode != "none":
                zeros = [np.zeros(n) for n in sizes[1:]]
                return Network.from_arrays(net.weights, zeros, acts, cfg.bias_mode)
            return Network.from_arrays(net.weights, None, acts)
        return examples.python_random_network(sizes, acts, cfg.seed, cfg.bias_mode)
    return Network.init(sizes, acts, cfg.init, np.random.default_rng(cfg.seed), cfg.bias_mode)


def build_history(cfg: Config, data: Dataset | None = None, net: Network | None = None) -> History:
    """A fresh history for ``cfg`` on ``data``, starting from ``net`` (a loaded file) or from cfg's initialiser."""
    data = data or dataset(cfg.example)
    net = net or build_network(cfg, data)
    size = None if cfg.batch == "full" else int(cfg.batch)
    return History(net, data.X, data.Y, cfg.loss, BatchSchedule(data.n_samples, size, cfg.shuffle, cfg.seed))


class Run:
    """A history plus the learner's cursor into it; see the module docstring."""

    def __init__(self, cfg: Config, data: Dataset | None = None, net: Network | None = None):
        """``net``: start from this network (it must have cfg's architecture) instead of cfg's initialiser."""
        self.config = cfg
        self.data = data or dataset(cfg.example)
        self.history = build_history(cfg, self.data, net)
        self.step_index = 0  # k
        self.phase_index = -1  # p
        self.diverged_at: int | None = None

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
        return self.history.network(self.updates_applied)

    # -- moving -----------------------------------------------------------------

    def _ensure(self, k: int, learning_rate: float) -> bool:
        """Make step k (0-based) exist in the history; False when the run has diverged before it."""
        h = self.history
        if k < len(h) and h.learning_rates[k] != learning_rate:
            h.truncate(k)  # a new learning rate rewrites the future, never the past
            if self.diverged_at is not None and self.diverged_at >= k:
                self.diverged_at = None
        if self.diverged_at is not None and k > self.diverged_at:
            return False
        while len(h) <= k:
            rec = h.step(learning_rate)
            if rec.diverged or self._exploded(rec):
                self.diverged_at = len(h) - 1
                return len(h) - 1 >= k
        return True

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
        self.diverged_at = None


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
        "steps": str(int(updates)),
    }


def from_query(q: dict[str, str], example: str) -> tuple[Config, float, int]:
    """Parse :func:`to_query` output; ValueError with a message for anything malformed.

    A configuration that parses is also built (its initial network), so a link that is
    accepted here opens without an error.
    """
    base = default_config(example)
    if q.get("ex", example) != example:
        raise ValueError(f"the link is for the {_shown(q.get('ex'))} example")
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
        )
        lr = float(q.get("lr", default_learning_rate(example)))
        steps = int(q.get("steps", 0))
    except (ValueError, KeyError, OverflowError) as exc:
        raise ValueError(f"malformed link: {_shown(str(exc), 80)}") from None
    cfg.validate()
    if not (math.isfinite(lr) and 0 < lr <= 100):
        raise ValueError(f"learning rate {lr:g} is outside (0, 100]")
    if not 0 <= steps <= MAX_LINK_STEPS:
        raise ValueError(f"step count {steps} is outside 0 … {MAX_LINK_STEPS:,}")
    if example in ("study", "toy"):
        build_network(cfg)  # what the page will do with it: any ValueError is the link's
    return cfg, lr, steps


def config_dict(cfg: Config) -> dict:
    return asdict(cfg)

"""The seed tutorials as data and factory functions (NumPy only).

- seed 002: a fixed-weight forward pass, 2 → 3 → 2 → 2, sigmoid hidden, identity output.
- seed 003: "study hours" regression, 2-3-1 sigmoid, no biases, full batch, lr 1.
- seed 004: "toy classification", 10 points, 2-2-2 sigmoid, online SGD, lr 0.02.

Each ``*_network`` function returns the tutorial's own starting network; each
``reproduce_*`` function runs the tutorial through the engine and returns the
lines the tutorial prints (where a tutorial's printed quantity differs from the
loss it differentiates, the docstring says so).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from nnviz.engine import BatchSchedule, History, Network
from nnviz.i18n import N_  # the data's column names (translated where shown)


@dataclass(frozen=True)
class Dataset:
    """A table the step-through pages train on.

    ``X``: (n, n_in) inputs as the network sees them (already scaled); ``Y``:
    (n, n_out) targets (one-hot for classification); ``labels``: (n,) class
    indices or None for regression; ``scale``: what the inputs were divided by.
    """

    name: str
    X: np.ndarray
    Y: np.ndarray
    task: str  # "regression" or "classification"
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    labels: np.ndarray | None = None
    note: str = ""
    #: the points in the plane when ``X`` holds features computed from them (Playground's x₁², sin x₁ …)
    plane: np.ndarray | None = None
    features: tuple[str, ...] | None = None  # datasets.FEATURES names of X's columns, with ``plane``
    #: one output classifies as class 1 when ŷ ≥ threshold (0.5 for 0/1 targets, 0 for ±1)
    threshold: float = 0.5

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_in(self) -> int:
        return self.X.shape[1]

    @property
    def n_out(self) -> int:
        return self.Y.shape[1]


# ---------------------------------------------------------------------------
# Seed 002: the fixed-weight 3-layer forward pass.

FORWARD_W = (
    np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
    np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
    np.array([[0.1, 0.3], [0.2, 0.4]]),
)
FORWARD_B = (np.array([0.1, 0.2, 0.3]), np.array([0.1, 0.2]), np.array([0.1, 0.2]))
FORWARD_INPUT = np.array([1.0, 0.5])
#: what seed 002 prints for FORWARD_INPUT
FORWARD_PRINTED = np.array([0.31682708, 0.69627909])


def forward_network() -> Network:
    """Seed 002's network: sigmoid, sigmoid, identity."""
    return Network.from_arrays(FORWARD_W, FORWARD_B, ["sigmoid", "sigmoid", "identity"])


# ---------------------------------------------------------------------------
# Seed 003: study hours.

STUDY_X_RAW = np.array([[2.0, 9.0], [1.0, 5.0], [3.0, 6.0]])  # (hours studied, hours slept)
STUDY_Y_RAW = np.array([[92.0], [86.0], [89.0]])  # test score out of 100
STUDY_X_MAX = STUDY_X_RAW.max(axis=0)  # [3, 9]: the *training* column max
STUDY_X = STUDY_X_RAW / STUDY_X_MAX
STUDY_Y = STUDY_Y_RAW / 100.0
STUDY_QUERY_RAW = np.array([4.0, 8.0])  # a student who studied 4 h and slept 8 h
STUDY_LR = 1.0
STUDY_SEED = 0  # default seed for the randn draw of the initial weights
# The seed's hand-worked example (on the *unscaled* input (2, 9)).
STUDY_HAND_W1 = np.array([[0.2, 0.6, 0.1], [0.8, 0.3, 0.7]])
STUDY_HAND_W2 = np.array([[0.4], [0.5], [0.9]])


def study_scale_query(raw: np.ndarray) -> np.ndarray:
    """Scale a query by the training column max, as the training inputs were.

    Seed 003 divides its query [4, 8] by the query's own max (giving [0.5, 1.0]);
    that is a bug: the network only ever saw inputs divided by [3, 9].
    """
    return np.asarray(raw, dtype=float) / STUDY_X_MAX


def study_network(seed: int = STUDY_SEED, sizes: list[int] | None = None) -> Network:
    """Sigmoid, no biases, weights from randn as seed 003 draws them (W1 then W2); default 2-3-1."""
    sizes = sizes or [2, 3, 1]
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return Network.from_arrays(ws, None, ["sigmoid"] * (len(sizes) - 1))


def study_hand_network() -> Network:
    """The hand-worked example's weights (.2 .6 .1 / .8 .3 .7 and .4 .5 .9)."""
    return Network.from_arrays([STUDY_HAND_W1, STUDY_HAND_W2], None, ["sigmoid", "sigmoid"])


def study_dataset() -> Dataset:
    return Dataset(
        "study hours",
        STUDY_X,
        STUDY_Y,
        "regression",
        (N_("hours studied / 3"), N_("hours slept / 9")),
        (N_("score / 100"),),
    )


def study_history(net: Network | None = None) -> History:
    """Full-batch gradient descent on half_sse summed over the batch: the seed's ``W += X.T·delta``."""
    return History(net or study_network(), STUDY_X, STUDY_Y, "half_sse", BatchSchedule(3, None))


# ---------------------------------------------------------------------------
# Seed 004: toy classification.

TOY_DATA = np.array(
    [
        [2.7810836, 2.550537003, 0],
        [1.465489372, 2.362125076, 0],
        [3.396561688, 4.400293529, 0],
        [1.38807019, 1.850220317, 0],
        [3.06407232, 3.005305973, 0],
        [7.627531214, 2.759262235, 1],
        [5.332441248, 2.088626775, 1],
        [6.922596716, 1.77106367, 1],
        [8.675418651, -0.242068655, 1],
        [7.673756466, 3.508563011, 1],
    ]
)
TOY_X = TOY_DATA[:, :2]
TOY_LABELS = TOY_DATA[:, 2].astype(int)
TOY_Y = np.eye(2)[TOY_LABELS]
TOY_LR = 0.02
TOY_EPOCHS = 5001
#: seed 004's printed summed error at epochs 0, 100, …, 5000 (3 decimals)
TOY_PRINTED_ERRORS = (
    6.697,
    4.299,
    3.007,
    2.037,
    1.415,
    1.020,
    0.754,
    0.570,
    0.444,
    0.356,
    0.293,
    0.247,
    0.212,
    0.185,
    0.163,
    0.146,
    0.131,
    0.119,
    0.109,
    0.101,
    0.093,
    0.087,
    0.081,
    0.076,
    0.072,
    0.068,
    0.064,
    0.061,
    0.058,
    0.055,
    0.053,
    0.050,
    0.048,
    0.046,
    0.045,
    0.043,
    0.041,
    0.040,
    0.039,
    0.037,
    0.036,
    0.035,
    0.034,
    0.033,
    0.032,
    0.031,
    0.030,
    0.030,
    0.029,
    0.028,
    0.027,
)
#: seed 004's final weights, each neuron's [input weights…, bias]
TOY_FINAL = (
    (
        (-1.9544732139957548, 2.704321541499767, 1.427507893789529),
        (1.134364357068215, -1.6866805418327002, -0.3324719515881516),
    ),
    (
        (4.903406947389829, -2.108155861429033, -1.2721372756183076),
        (-4.566502112347264, 2.615993561526247, 0.8280139001392679),
    ),
)


def neurons_to_arrays(layers: list[list[list[float]]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Seed 004's per-neuron lists [w_1 … w_n, bias] → batch-first (W, b) per layer."""
    ws, bs = [], []
    for layer in layers:
        m = np.array(layer, dtype=float)  # (n_out, n_in + 1)
        ws.append(m[:, :-1].T)
        bs.append(m[:, -1])
    return ws, bs


def python_random_neurons(sizes: list[int], seed: int = 1) -> list[list[list[float]]]:
    """Weights drawn as seed 004 draws them: Python ``random.seed(seed)``, layer by layer,
    each neuron's input weights then its bias, all from ``random()`` (U[0, 1))."""
    rnd = random.Random(seed)
    return [
        [[rnd.random() for _ in range(n_in + 1)] for _ in range(n_out)] for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]


def toy_initial_neurons(n_hidden: int = 2, seed: int = 1) -> list[list[list[float]]]:
    """The weights exactly as seed 004 draws them: Python ``random.seed(1)``, each neuron's inputs then its bias."""
    return python_random_neurons([2, n_hidden, 2], seed)


def python_random_network(
    sizes: list[int], activations: list[str], seed: int = 1, bias_mode: str = "trainable"
) -> Network:
    """A network of any shape initialised the seed-004 way (biases dropped when ``bias_mode`` is none)."""
    ws, bs = neurons_to_arrays(python_random_neurons(sizes, seed))
    return Network.from_arrays(ws, None if bias_mode == "none" else bs, activations, bias_mode)


def toy_network(n_hidden: int = 2, seed: int = 1) -> Network:
    """2-n-2 sigmoid with seed 004's initial weights."""
    return python_random_network([2, n_hidden, 2], ["sigmoid", "sigmoid"], seed)


def toy_dataset() -> Dataset:
    return Dataset(
        "toy classification", TOY_X, TOY_Y, "classification", ("x1", "x2"), (N_("class 0"), N_("class 1")), TOY_LABELS
    )


def toy_history(net: Network | None = None) -> History:
    """Online SGD in dataset order on half_sse, as seed 004 trains."""
    return History(net or toy_network(), TOY_X, TOY_Y, "half_sse", BatchSchedule(10, 1, shuffle=False))


# ---------------------------------------------------------------------------
# Reproductions: the tutorials' printed output, computed by the engine.


@dataclass(frozen=True)
class ToyRun:
    """Seed 004's run: summed error per epoch, the final network, predictions."""

    epoch_errors: np.ndarray  # Σ over the epoch's samples of Σ_k (t − o)², as the seed prints
    final: Network
    predictions: np.ndarray
    history: History  # every online step, so any step's full record can be recomputed


def run_toy(epochs: int = TOY_EPOCHS) -> ToyRun:
    """Train seed 004 for ``epochs`` epochs.

    The seed *prints* Σ(t − o)² but *differentiates* ½·Σ(t − o)² (its delta is
    (t − o)·o(1 − o)); so the printed error is exactly twice our ``half_sse``,
    summed over the epoch's online steps (each at the weights before its own update).
    """
    hist = toy_history()
    for _ in range(epochs * 10):
        hist.step(TOY_LR)
    final = hist.network()
    return ToyRun(2.0 * hist.epoch_losses(), final, np.argmax(final.predict(TOY_X), axis=1), hist)


def toy_lines(run: ToyRun) -> list[str]:
    """Seed 004's printout, from our engine."""
    lines = [
        f">epoch={e}, lrate={TOY_LR:.3f}, error={err:.3f}" for e, err in enumerate(run.epoch_errors) if e % 100 == 0
    ]
    lines.append("final weights (each neuron: input weights…, bias):")
    for l, (W, b) in enumerate(zip(run.final.weights, run.final.biases), start=1):
        for j in range(W.shape[1]):
            lines.append(f"  layer {l} neuron {j}: {[*W[:, j].tolist(), float(b[j])]}")
    for label, pred in zip(TOY_LABELS, run.predictions):
        lines.append(f"expected={label}, predicted={pred}")
    return lines


def forward_lines() -> list[str]:
    y = forward_network().predict(FORWARD_INPUT)[0]
    return [f"input {FORWARD_INPUT.tolist()} -> output {np.array2string(y, precision=8)}"]


def study_hand_lines() -> list[str]:
    """The hand-worked example with exact numbers (the prose rounds .99950 to .9994 and .98015 to 1.000)."""
    net = study_hand_network()
    t = net.forward(STUDY_X_RAW[:1])
    z1, a1 = t.layers[0].z[0], t.layers[0].a[0]
    z2, a2 = t.layers[1].z[0, 0], t.layers[1].a[0, 0]
    return [
        "hand example on the unscaled input (2, 9):",
        "  hidden z = " + ", ".join(f"{v:.4g}" for v in z1),
        "  hidden a = " + ", ".join(f"{v:.6f}" for v in a1),
        f"  output z = {z2:.6f}, output a = {a2:.6f}",
    ]


@dataclass(frozen=True)
class StudyRun:
    mse: np.ndarray  # mean((y − o)²) before each step, as the seed prints "Loss"
    final: Network
    prediction: float  # for (4 h, 8 h), query scaled by the training max
    seed_style_prediction: float  # the seed's buggy scaling (by the query's own max)


def run_study(steps: int = 1000, seed: int = STUDY_SEED) -> StudyRun:
    """Seed 003's loop: print mean((y − o)²), then ``W += X.T·delta`` (gradient descent, lr 1, on summed ½·SSE)."""
    hist = study_history(study_network(seed))
    for _ in range(steps):
        hist.step(STUDY_LR)
    final = hist.network()
    # half_sse summed over 3 samples = ½·Σ(y−o)²; the seed prints the mean, Σ/3 = half_sse·2/3.
    mse = hist.losses * 2.0 / 3.0
    pred = float(final.predict(study_scale_query(STUDY_QUERY_RAW))[0, 0])
    buggy = float(final.predict(STUDY_QUERY_RAW / STUDY_QUERY_RAW.max())[0, 0])
    return StudyRun(mse, final, pred, buggy)


def study_lines(run: StudyRun) -> list[str]:
    lines = study_hand_lines()
    for i in [0, 1, 2, 10, 100, len(run.mse) - 1]:
        if i < len(run.mse):
            lines.append(f"#{i} Loss: {run.mse[i]:.6g}")
    final_pred = run.final.predict(STUDY_X)[:, 0]
    lines.append("Predicted output: " + np.array2string(final_pred, precision=6))
    lines.append(
        f"Prediction for 4 h studied, 8 h slept (scaled by the training max [3, 9]): "
        f"{run.prediction:.6f} → score {100 * run.prediction:.2f}"
    )
    lines.append(
        f"  (the seed scales the query by its own max, [0.5, 1.0], which would give {run.seed_style_prediction:.6f})"
    )
    return lines


# ---------------------------------------------------------------------------
# The step-through examples' sample files and command-line reports (nnviz.stepper.EXAMPLES uses them).


def study_sample_table() -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Seed 003's table in real units (hours, score out of 100): (header, rows) of its sample CSV."""
    rows = [(f"{h:g}", f"{s:g}", f"{y:g}") for (h, s), (y,) in zip(STUDY_X_RAW, STUDY_Y_RAW)]
    return ("hours studied", "hours slept", "score"), rows


def toy_sample_table() -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Seed 004's ten points: (header, rows) of its sample CSV (coordinates written exactly, by ``repr``)."""
    rows = [(repr(float(x1)), repr(float(x2)), str(int(label))) for x1, x2, label in TOY_DATA]
    return ("x1", "x2", "label"), rows


def study_report(options: dict) -> tuple[str, list[str]]:
    """``python -m nnviz reproduce study``: (heading, seed 003's printout) after ``options["study_steps"]`` steps."""
    steps = int(options.get("study_steps", 1000))
    return f"study hours ({steps} full-batch steps, lr 1)", study_lines(run_study(steps))


def toy_report(options: dict) -> tuple[str, list[str]]:
    """``python -m nnviz reproduce toy``: (heading, seed 004's printout) after its 5,001 epochs."""
    return "toy classification (5,001 epochs, lr 0.02)", toy_lines(run_toy())


# The module's arrays are shared by every session of the app: make them read-only.
for _arr in (
    FORWARD_INPUT,
    FORWARD_PRINTED,
    *FORWARD_W,
    *FORWARD_B,
    STUDY_X_RAW,
    STUDY_Y_RAW,
    STUDY_X_MAX,
    STUDY_X,
    STUDY_Y,
    STUDY_QUERY_RAW,
    STUDY_HAND_W1,
    STUDY_HAND_W2,
    TOY_DATA,
    TOY_X,
    TOY_LABELS,
    TOY_Y,
):
    _arr.setflags(write=False)
del _arr

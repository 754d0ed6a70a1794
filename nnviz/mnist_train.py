"""A fast trainer for MNIST-sized fully connected networks. NumPy only.

The engine (:mod:`nnviz.engine`) records every intermediate, which is what the
step-through pages show, and costs memory and time. Training thousands of steps
on 784-pixel digits needs none of the records, so this module runs the *same*
arithmetic in a tight loop: float32, preallocated buffers, in-place operations,
``np.dot(..., out=)``, no ∂L/∂x for the input layer (nothing uses it), input pixels
that are 0 in the whole batch skipped in the first layer's products, one BLAS thread,
and augmentation prepared in a worker thread while the products run. Tests check
that one batch update here equals the engine's forward → backward → update
(``allclose`` in float64, both with and without skipped pixels), so what the page
reports about training is what the engine would have computed.

Notation as in the engine (batch-first, ``z = x @ W + b``):

    losses   cross_entropy  L = −1/B Σ_n Σ_k y log ŷ,  ŷ = softmax(z_L); fused delta δ_L = (ŷ − y)/B
             mse            L = 1/(B·K) Σ_n Σ_k (ŷ − y)²,  ŷ = σ(z_L) (seed 001's sigmoid outputs)
             half_sse       L = ½ Σ_n Σ_k (ŷ − y)²
    update   v ← μ·v − η·∂L/∂θ;  θ ← θ + v   (plain SGD when μ = 0), η from the schedule

Seed 001's ``loss_L2`` = Σ(ŷ − y)²/B = 2·half_sse/B = K·mse is what it *prints*; the
derivative it backpropagates, 2(ŷ − y), is that of 2·half_sse (no 1/B), so its update
at learning rate ε is the engine's half_sse update at 2ε.

Seed 000's maths is corrected here: its ReLU is applied to the output before the
softmax, its output delta carries a spurious (z > 0) factor and its ``relU_prime``
returns z·(z ≤ 0); we use softmax on the raw output logits, the fused delta
ŷ − y, and the ReLU derivative (z > 0).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

import numpy as np

from nnviz import mnist
from nnviz.engine import ACTIVATIONS, LOSSES, SGD, Network, initializer
from nnviz.i18n import _

HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
AUGMENT_AHEAD = 4  # batches augmented ahead of the one being trained on
SPARSE_INPUT_BELOW = 0.75  # skip all-zero input pixels when fewer than this share of them are active
LOSS_OUTPUTS = MappingProxyType({"cross_entropy": "softmax", "mse": "sigmoid", "half_sse": "sigmoid"})
SCHEDULES = ("cosine", "constant")

# Bounds on one training run (a shared class server: no visitor may take it over).
#: the largest network trained (the engine's own limit on a network)
MAX_PARAMETERS = 1_000_000
MAX_EPOCHS = 200
#: parameters × training digits × epochs, about 3.4× the default configuration's
#: 203,530 × 3,500 × 50 = 3.6e10 (≈ 4.4 s on one core here), so ≈ 15 s of one core
MAX_WORK = 1.2e11
#: wall-clock seconds after which a run stops itself (checked after every batch)
MAX_TRAIN_SECONDS = 30.0
#: bytes of per-epoch parameter snapshots a run keeps for the PCA path (thinned beyond)
MAX_SNAPSHOT_BYTES = 16_000_000
MAX_SNAPSHOTS = 64
#: seconds between calls of train()'s ``progress`` callback within an epoch
PROGRESS_EVERY = 0.5


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (JSON-serialisable)."""

    hidden: tuple[int, ...] = (256,)
    activation: str = "relu"
    loss: str = "cross_entropy"
    batch_size: int = 64  # 1 = per-sample updates, as seed 000
    learning_rate: float = 0.05
    momentum: float = 0.9
    epochs: int = 50
    schedule: str = "cosine"  # η_k = η·½(1 + cos(π k / K)) over all K steps, or constant
    shift: float = 2.0  # augmentation: random shift up to ± this many pixels (0: none)
    rotate_deg: float = 8.0  # … rotation up to ± degrees
    scale: float = 0.08  # … scale in [1 − s, 1 + s]
    elastic: float = 1.0  # … smooth random displacement, RMS pixels (Simard et al. 2003)
    init: str = "he"
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden layer sizes must be ≥ 1, got {self.hidden}")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {HIDDEN_ACTIVATIONS}, not {self.activation!r}")
        if self.loss not in LOSS_OUTPUTS:
            raise ValueError(f"loss must be one of {tuple(LOSS_OUTPUTS)}, not {self.loss!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}")
        if self.batch_size < 1 or self.epochs < 0:
            raise ValueError("batch_size must be ≥ 1 and epochs ≥ 0")
        if not (self.learning_rate > 0 and 0 <= self.momentum < 1):
            raise ValueError("learning_rate must be > 0 and momentum in [0, 1)")
        initializer(self.init)

    @property
    def sizes(self) -> list[int]:
        return [mnist.N_PIXELS, *self.hidden, mnist.N_CLASSES]

    @property
    def activations(self) -> list[str]:
        return [self.activation] * len(self.hidden) + [LOSS_OUTPUTS[self.loss]]

    @property
    def augments(self) -> bool:
        return bool(self.shift or self.rotate_deg or self.scale or self.elastic)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError("a training configuration must be a JSON object")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: (tuple(v) if k == "hidden" else v) for k, v in d.items() if k in known})

    @property
    def n_parameters(self) -> int:
        sizes = self.sizes
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

    def initial_network(self, dtype=np.float32) -> Network:
        return Network.init(self.sizes, self.activations, self.init, np.random.default_rng([self.seed, 1]), dtype=dtype)


def check_budget(config: TrainConfig, n_train: int) -> None:
    """ValueError with the limits when a run of ``config`` on ``n_train`` digits is too large for a shared server."""
    n = config.n_parameters
    if n > MAX_PARAMETERS:
        raise ValueError(
            _(
                "{sizes} has {n} parameters; the limit is {limit} "
                "(e.g. 784-1024-128-10, or fewer and narrower hidden layers)"
            ).format(sizes="-".join(map(str, config.sizes)), n=f"{n:,}", limit=f"{MAX_PARAMETERS:,}")
        )
    if config.epochs > MAX_EPOCHS:
        raise ValueError(_("{epochs} epochs; the limit is {limit}").format(epochs=config.epochs, limit=MAX_EPOCHS))
    work = n * n_train * config.epochs
    if work > MAX_WORK:
        most = max(1, int(MAX_WORK // (n * n_train)))
        raise ValueError(
            _(
                "{n} parameters × {digits} digits × {epochs} epochs is more training than this shared "
                "server runs at once (limit {limit}): at most {most} epochs for this network"
            ).format(n=f"{n:,}", digits=f"{n_train:,}", epochs=config.epochs, limit=f"{MAX_WORK:.1e}", most=most)
        )


def snapshot_rows(n_parameters: int, max_bytes: int = MAX_SNAPSHOT_BYTES) -> int:
    """How many float32 parameter snapshots fit in ``max_bytes`` (at least 3 for a PCA plane, at most 64)."""
    return max(3, min(MAX_SNAPSHOTS, max_bytes // (4 * n_parameters)))


def learning_rate_at(config: TrainConfig, step: int, total_steps: int) -> float:
    """η for step ``step`` (0-based) of ``total_steps``."""
    if config.schedule == "constant" or total_steps <= 0:
        return config.learning_rate
    return config.learning_rate * 0.5 * (1 + math.cos(math.pi * step / total_steps))


# ---------------------------------------------------------------------------
# The tight loop.


class FastMLP:
    """A network's parameters as mutable arrays, plus buffers for one batch size.

    Built from an engine :class:`Network` (copied; the network is not changed) and turned
    back into one with :meth:`network`. ``step`` does forward, loss, backward and the
    momentum update in place.
    """

    def __init__(self, net: Network, loss: str, dtype=np.float32):
        if loss not in LOSS_OUTPUTS or net.activations[-1] != LOSS_OUTPUTS[loss]:
            raise ValueError(f"loss {loss!r} needs a {LOSS_OUTPUTS.get(loss)} output layer")
        if net.biases is None or net.bias_mode != "trainable":
            raise ValueError("the fast trainer needs trainable biases")
        self.dtype = np.dtype(dtype)
        self.loss = loss
        self.activations = list(net.activations)
        self.W = [np.array(w, dtype=self.dtype) for w in net.weights]
        self.b = [np.array(b, dtype=self.dtype) for b in net.biases]
        self.vW = [np.zeros_like(w) for w in self.W]
        self.vb = [np.zeros_like(b) for b in self.b]
        self.gW = [np.empty_like(w) for w in self.W]
        self._active = None  # input pixels the current batch uses, or None for all
        self._by_batch: dict[int, tuple[list, list, list, np.ndarray]] = {}

    def _buffers(self, B: int) -> None:
        # z_l (then a_l, in place), f'(z_l), δ_l for a batch of B, and a copy of the output logits z_L
        # for the loss; the last, smaller batch of an epoch gets its own set instead of reallocating
        # every epoch.
        if B not in self._by_batch:
            self._by_batch[B] = (
                [np.empty((B, w.shape[1]), self.dtype) for w in self.W],
                [np.empty((B, w.shape[1]), self.dtype) for w in self.W[:-1]],
                [np.empty((B, w.shape[1]), self.dtype) for w in self.W],
                np.empty((B, self.W[-1].shape[1]), self.dtype),
            )
        self.z, self.mask, self.dz, self.logits = self._by_batch[B]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """ŷ for x (B, 784); keeps a_l and f'(z_l) for :meth:`backward`."""
        self._buffers(x.shape[0])
        # Input pixels that are 0 in every digit of the batch add nothing to z_1 and get a zero
        # gradient row: when they are many (MNIST's border; a third of the pixels for a batch of
        # 64 plain digits), the first layer's two products skip them. Same numbers, fewer FLOPs.
        active = np.flatnonzero(x.any(axis=0))
        self._active = active if active.size < SPARSE_INPUT_BELOW * x.shape[1] else None
        a = x
        last = len(self.W) - 1
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = self.z[l]
            if l == 0 and self._active is not None:
                np.dot(x[:, self._active], W[self._active], out=z)
            else:
                np.dot(a, W, out=z)
            z += b
            if l < last:
                _activate(self.activations[l], z, self.mask[l])
            a = z
        out = self.z[last]
        np.copyto(self.logits, out)  # the loss is computed from the logits (exact where ŷ underflows)
        if self.activations[last] == "softmax":
            out -= out.max(axis=1, keepdims=True)
            np.exp(out, out=out)
            out /= out.sum(axis=1, keepdims=True)
        else:  # sigmoid
            np.negative(out, out=out)
            np.exp(out, out=out)
            out += 1
            np.reciprocal(out, out=out)
        return out

    def loss_and_delta(self, Y: np.ndarray) -> float:
        """The batch loss (the engine's registry formula), and δ_L = ∂L/∂z_L into ``self.dz[-1]``."""
        p, dz = self.z[-1], self.dz[-1]
        B, K = p.shape
        value = float(LOSSES[self.loss].totals(self.logits, p, Y))
        np.subtract(p, Y, out=dz)
        if self.loss == "cross_entropy":
            dz /= B
        else:
            dz *= p * (1 - p)  # σ'(z) = ŷ(1 − ŷ)
            if self.loss == "mse":
                dz *= 2 / (B * K)
        return value

    def backward_and_update(self, x: np.ndarray, lr: float, momentum: float) -> None:
        for l in range(len(self.W) - 1, -1, -1):
            dz = self.dz[l]
            gb = dz.sum(axis=0)
            if l == 0 and self._active is not None:
                self._update_active_rows(x, dz, gb, lr, momentum)
                continue
            a_below = x if l == 0 else self.z[l - 1]
            gW = self.gW[l]
            np.dot(a_below.T, dz, out=gW)
            if l > 0:
                dx = self.dz[l - 1]
                np.dot(dz, self.W[l].T, out=dx)
                dx *= self.mask[l - 1]
            # v ← μ v − η g ; θ ← θ + v  (after dx used the old W_l): the engine's rule, in place
            for p, v, g in ((self.W[l], self.vW[l], gW), (self.b[l], self.vb[l], gb)):
                SGD.step_in_place(p, v, g, lr, momentum)

    def _update_active_rows(self, x, dz, gb, lr, momentum) -> None:
        """The first layer's update when only the rows of active pixels have a gradient."""
        act = self._active
        g = x[:, act].T @ dz  # ∂L/∂W1 rows of the active pixels; the others are 0
        SGD.step_in_place(self.W[0], self.vW[0], g, lr, momentum, rows=act)
        SGD.step_in_place(self.b[0], self.vb[0], gb, lr, momentum)

    def step(self, x: np.ndarray, Y: np.ndarray, lr: float, momentum: float = 0.0) -> float:
        """One update on the batch (x (B, 784), Y (B, 10)); returns the loss before it."""
        self.forward(x)
        value = self.loss_and_delta(Y)
        self.backward_and_update(x, lr, momentum)
        return value

    def logits_predict(self, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """Predicted classes for X (n, 784) floats, or (n, 28, 28) uint8 images converted chunk by chunk,
        without touching the training buffers."""
        out = np.empty(X.shape[0], dtype=np.intp)
        for s in range(0, X.shape[0], chunk):
            a = X[s : s + chunk]
            if a.dtype == np.uint8:
                a = mnist.inputs(a, self.dtype)
            for l, (W, b) in enumerate(zip(self.W, self.b)):
                a = a @ W
                a += b
                if l < len(self.W) - 1:
                    a = ACTIVATIONS[self.activations[l]].forward(a)
            out[s : s + chunk] = a.argmax(axis=1)  # softmax and sigmoid keep the order of z
        return out

    def network(self, dtype=np.float32) -> Network:
        return Network.from_arrays(self.W, self.b, self.activations, "trainable", dtype)

    def parameter_vector(self) -> np.ndarray:
        return np.concatenate([p for w, b in zip(self.W, self.b) for p in (w.ravel(), b)])


def _activate(name: str, z: np.ndarray, deriv: np.ndarray) -> None:
    """a = f(z) in place of z, and f'(z) into ``deriv``."""
    if name == "relu":
        np.greater(z, 0, out=deriv)
        np.maximum(z, 0, out=z)
    elif name == "leaky_relu":
        from nnviz.engine import LEAKY_SLOPE

        np.greater(z, 0, out=deriv)
        deriv *= 1 - LEAKY_SLOPE
        deriv += LEAKY_SLOPE
        z *= deriv
    elif name == "tanh":
        np.tanh(z, out=z)
        np.multiply(z, z, out=deriv)
        np.subtract(1, deriv, out=deriv)
    elif name == "sigmoid":
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)
        np.subtract(1, z, out=deriv)
        deriv *= z
    else:
        raise ValueError(f"the fast trainer has no in-place {name!r}")


# ---------------------------------------------------------------------------
# Training runs.


@dataclass(frozen=True)
class EpochStats:
    epoch: int  # 1-based
    loss: float  # mean batch loss over the epoch
    train_accuracy: float
    val_accuracy: float
    seconds: float  # since the start of training


@dataclass
class TrainResult:
    """A finished (or stopped) run: the network, per-epoch figures and recorded parameters."""

    config: TrainConfig
    network: Network
    epochs: list[EpochStats] = field(default_factory=list)
    step_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    snapshots: np.ndarray | None = None  # (n, n_params) float32: θ at the start and after kept epochs
    snapshot_epochs: list[int] = field(default_factory=list)  # the epoch of each snapshot (0: the start)
    seconds: float = 0.0
    samples_seen: int = 0
    #: why the run ended early: None (all epochs), "stopped" (the callback), "time" (max_seconds),
    #: "diverged" (a non-finite loss or parameter: ``network`` is the last finite one)
    ended: str | None = None

    @property
    def samples_per_second(self) -> float:
        return self.samples_seen / self.seconds if self.seconds > 0 else 0.0


def accuracy(net_or_fast, X: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows of X (n, 784) whose arg-max output is the label."""
    if isinstance(net_or_fast, FastMLP):
        pred = net_or_fast.logits_predict(X)
    else:
        pred = predict(net_or_fast, X)
    return float(np.mean(pred == np.asarray(labels))) if len(labels) else float("nan")


def predict(net: Network, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Predicted classes (n,) for X (n, 784)."""
    return np.concatenate([net.predict(X[s : s + chunk]).argmax(axis=1) for s in range(0, X.shape[0], chunk)] or [[]])


def train(
    config: TrainConfig,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    val_images: np.ndarray | None = None,
    val_labels: np.ndarray | None = None,
    on_epoch: Callable[[EpochStats, TrainResult], bool | None] | None = None,
    start: Network | None = None,
    record_snapshots: bool = True,
    eval_train: bool = True,
    threads: int | None = 1,
    max_seconds: float | None = None,
    progress: Callable[[float], None] | None = None,
    max_snapshot_bytes: int = MAX_SNAPSHOT_BYTES,
) -> TrainResult:
    """Train ``config`` on (n, 28, 28) uint8 images; returns the network and per-epoch figures.

    ``on_epoch(stats, result)`` is called after each epoch (``result.network`` is then the network
    so far); returning True stops the run. ``progress(fraction)`` is called at most every
    ``PROGRESS_EVERY`` seconds within epochs. ``max_seconds`` stops the run after the batch that
    passes it. A non-finite loss or parameter ends the run with the last finite network.
    ``start`` continues from a given network instead of a fresh one. ``threads``: BLAS threads
    while training (see :func:`nnviz.mnist.blas_threads`; None leaves the process's setting, as
    the app does). Snapshots are kept for at most :func:`snapshot_rows` epochs (every 2nd, 4th …
    once more were recorded).

    Memory: the images stay uint8 (each batch is converted on its own), so a run holds the
    parameters three times (θ, velocity, gradient buffer) plus one batch's activations and the
    snapshots (≤ ``max_snapshot_bytes``).
    """
    with mnist.blas_threads(threads):
        return _train(
            config,
            train_images,
            train_labels,
            val_images,
            val_labels,
            on_epoch,
            start,
            record_snapshots,
            eval_train,
            max_seconds,
            progress,
            max_snapshot_bytes,
        )


def _train(
    config,
    train_images,
    train_labels,
    val_images,
    val_labels,
    on_epoch,
    start,
    record_snapshots,
    eval_train,
    max_seconds,
    progress,
    max_snapshot_bytes,
) -> TrainResult:
    rng = np.random.default_rng([config.seed, 2])
    net0 = start if start is not None else config.initial_network()
    fast = FastMLP(net0, config.loss)
    images = np.asarray(train_images, dtype=np.uint8)
    labels = np.asarray(train_labels, dtype=np.intp)
    Y = mnist.one_hot(labels)
    val = None if val_images is None else np.asarray(val_images, dtype=np.uint8)
    n = labels.shape[0]
    B = min(config.batch_size, n)
    steps_per_epoch = -(-n // B)
    total = steps_per_epoch * config.epochs
    losses = np.empty(total, dtype=np.float64)
    result = TrainResult(config, net0, snapshots=None)
    max_snaps = snapshot_rows(net0.n_parameters, max_snapshot_bytes)
    snaps = [fast.parameter_vector().copy()] if record_snapshots else None
    snap_epochs, snap_stride = [0], 1
    # Augmentation runs in a worker thread, a few batches ahead, while this thread does the
    # products (NumPy releases the GIL in both): on two cores it costs little time. The worker
    # alone draws from aug_rng, in batch order, so the run is the same whatever the timing.
    aug_rng = np.random.default_rng([config.seed, 3])

    def plain(idx: np.ndarray) -> np.ndarray:
        # the same numbers as converting all images first: float32(pixel) / float32(255)
        return mnist.inputs(images[idx])

    def augmented(idx: np.ndarray) -> np.ndarray:
        x = images[idx].astype(np.float32) / np.float32(255)
        return mnist.augment(x, aug_rng, config.shift, config.rotate_deg, config.scale, config.elastic)

    pool = ThreadPoolExecutor(max_workers=1) if config.augments else None
    t0 = time.perf_counter()
    next_tick = t0 + PROGRESS_EVERY
    k = 0
    last_good = net0
    # a diverging run overflows to inf / NaN: detected after its epoch, without warnings
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in range(config.epochs):
                order = rng.permutation(n)
                k_epoch = k
                for idx, job in _ahead([order[s : s + B] for s in range(0, n, B)], pool, augmented, AUGMENT_AHEAD):
                    x = job.result() if job is not None else plain(idx)
                    losses[k] = fast.step(x, Y[idx], learning_rate_at(config, k, total), config.momentum)
                    k += 1
                    now = time.perf_counter()
                    if max_seconds is not None and now - t0 > max_seconds:
                        result.ended = "time"
                        break
                    if progress is not None and now >= next_tick:
                        next_tick = now + PROGRESS_EVERY
                        progress(k / total)
                ep_losses = losses[k_epoch:k]
                theta = fast.parameter_vector()
                if not (np.all(np.isfinite(ep_losses)) and np.all(np.isfinite(theta))):
                    result.ended = "diverged"
                    break
                last_good = fast.network()  # validated (finite), and a copy: training goes on in place
                result.network = last_good
                if snaps is not None and (epoch + 1) % snap_stride == 0:
                    snaps.append(theta)  # parameter_vector() is a new array: nothing else refers to it
                    snap_epochs.append(epoch + 1)
                    if len(snaps) > max_snaps:
                        snaps, snap_epochs, snap_stride = snaps[::2], snap_epochs[::2], snap_stride * 2
                train_acc = accuracy(fast, images, labels) if eval_train else float("nan")
                val_acc = accuracy(fast, val, val_labels) if val is not None else float("nan")
                stats = EpochStats(epoch + 1, float(ep_losses.mean()), train_acc, val_acc, time.perf_counter() - t0)
                result.epochs.append(stats)
                result.samples_seen += min(n, (k - k_epoch) * B)
                result.seconds = stats.seconds
                result.step_losses = losses[:k]
                if result.ended == "time":
                    break
                if on_epoch is not None and on_epoch(stats, result):
                    result.ended = "stopped"
                    break
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    result.seconds = time.perf_counter() - t0
    result.network = last_good
    result.step_losses = losses[:k].copy()
    if snaps is not None:
        result.snapshots = np.stack(snaps)
        result.snapshot_epochs = snap_epochs
    return result


def _ahead(batches, pool, make, n_ahead):
    """Yield (idx, job) in batch order; job = ``make(idx)`` submitted to ``pool`` ``n_ahead`` batches early.

    Without a pool, job is None.
    """
    pending = deque()
    for idx in batches:
        pending.append((idx, pool.submit(make, idx) if pool is not None else None))
        if len(pending) > n_ahead:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


# ---------------------------------------------------------------------------
# The shipped model: nnviz/data/mnist_model.npz (arrays + JSON; no pickle).

MODEL_PATH = mnist.DATA_DIR / "mnist_model.npz"
MODEL_FORMAT = "nnviz-mnist-model"


def save_model(path, result: TrainResult, metrics: dict) -> None:
    """Write the network's arrays and a JSON header (format, config, metrics, per-epoch curves)."""
    net = result.network
    header = {
        "format": MODEL_FORMAT,
        "version": 1,
        "config": json.loads(result.config.to_json()),
        "activations": list(net.activations),
        "metrics": metrics,
        "epochs": [asdict(e) for e in result.epochs],
    }
    arrays = {"header": np.array(json.dumps(header))}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float32)
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float32)
    np.savez_compressed(path, **arrays)


@dataclass(frozen=True)
class SavedModel:
    network: Network
    config: TrainConfig
    metrics: dict
    epochs: list[EpochStats]


def load_model(path=MODEL_PATH) -> SavedModel:
    """Read and validate a model written by :func:`save_model` (``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as f:
        header = json.loads(str(f["header"]))
        if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path}: not an nnviz MNIST model file")
        n = len(header["activations"])
        ws = [f[f"W{l}"] for l in range(1, n + 1)]
        bs = [f[f"b{l}"] for l in range(1, n + 1)]
    net = Network.from_arrays(ws, bs, header["activations"], "trainable", np.float32)
    config = TrainConfig.from_json(json.dumps(header["config"]))
    if net.sizes != config.sizes or net.activations != config.activations:
        raise ValueError(f"{path}: the arrays do not match the stored configuration")
    epochs = [EpochStats(**e) for e in header.get("epochs", [])]
    return SavedModel(net, config, dict(header.get("metrics", {})), epochs)

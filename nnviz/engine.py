"""The nnviz engine: a fully connected network that records every intermediate.

NumPy only: this module never imports streamlit or plotly (a test checks it).

Notation (batch-first, as in numpy-ml; Nielsen's book writes the transpose):

    x, a_0        input                      (batch, n_0)
    z_l = a_{l-1} @ W_l + b_l                 (batch, n_l)    W_l: (n_{l-1}, n_l), b_l: (n_l,)
    a_l = f_l(z_l)                            (batch, n_l)
    ŷ  = a_L                                  the network's output

Gradient names say what they differentiate: ``da`` is ∂L/∂a, ``dz`` is ∂L/∂z
(the *delta* δ of the textbooks), ``dW`` is ∂L/∂W, ``db`` is ∂L/∂b and ``dx`` is
∂L/∂a_{l-1}, the error handed to the layer below.

How each loss is reduced over the batch (B samples, K outputs):

    half_sse              L = ½ Σ_batch Σ_k (y − ŷ)²          summed over the batch (seeds 003, 004)
    mse                   L = 1/(B·K) Σ_batch Σ_k (y − ŷ)²    mean over batch and outputs
    cross_entropy         L = −1/B Σ_batch Σ_k y·log ŷ        softmax output, mean over the batch
    binary_cross_entropy  L = −1/(B·K) Σ [y log ŷ + (1−y) log(1−ŷ)]   sigmoid output, mean

``cross_entropy`` and ``binary_cross_entropy`` are computed from the logits z_L
and use the fused output delta δ_L = (ŷ − y)/B (resp. /(B·K)), which is exact
and overflow-safe.

One update is a sequence of *phases* (see :func:`phases`): forward layer 1 … L,
loss, backward layer L … 1, update. :class:`StepRecord` holds everything each
phase produced; :class:`History` keeps a walkable list of steps.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

# N_ marks the registries' labels (translated where shown); _ translates the messages a visitor may read
# (a bad file, link, edit or configuration): English outside a Streamlit run (scripts, tests)
from nnviz.i18n import N_, _
from nnviz.safe_text import quoted

# ---------------------------------------------------------------------------
# Activations: name → record of the function, its derivative and its backward.


def fmt_number(x: float) -> str:
    """A number as the panels write it: 6 significant digits, negatives in parentheses; a negative zero
    (−η·0, the update of a zero gradient) is written 0, as the diagram writes it."""
    x = float(x) + 0.0  # −0.0 + 0.0 = 0.0
    s = f"{x:.6g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = rf"{mant}\times10^{{{int(exp)}}}"
    return f"({s})" if float(x) < 0 else s


@dataclass(frozen=True)
class Activation:
    """An activation function looked up by name.

    ``forward(z) -> a``; ``derivative(z, a) -> f'(z)`` elementwise (None for
    softmax, whose Jacobian is not diagonal); ``backward(z, a, da) -> dz``.
    ``formula`` is the LaTeX of f(z), ``symbol`` the LaTeX name of f,
    ``derivative_tex`` the LaTeX of f'(z) with ``{z}`` and ``{a}`` standing for
    the numbers (see :meth:`derivative_latex`).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    formula: str  # LaTeX of f(z), for the UI
    symbol: str = ""
    label: str = ""
    derivative_tex: str | None = None

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        if self.derivative is not None:
            return da * self.derivative(z, a)
        # softmax: dz_k = a_k (da_k − Σ_j da_j a_j)
        return a * (da - np.sum(da * a, axis=-1, keepdims=True))

    def derivative_latex(
        self, z: float, a: float, fmt: Callable[[float], str] = fmt_number
    ) -> tuple[str, float] | None:
        """f'(z) written with the numbers z, a, and its value as the engine computes it.

        None for softmax (its Jacobian is not elementwise; the panel writes δ directly).
        """
        if self.derivative is None or self.derivative_tex is None:
            return None
        value = float(self.derivative(np.array([float(z)]), np.array([float(a)]))[0])
        return self.derivative_tex.format(z=fmt(z), a=fmt(a)), value


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Bounding z below at −500 keeps exp(−z) finite (no overflow warning) and
    # changes nothing visible: σ(−500) ≈ 7e−218.
    # 1 / (1 + exp(−max(z, −500))), computed in one buffer: on large batches
    # (loss surfaces, MNIST) fresh temporaries cost more than the arithmetic.
    t = np.maximum(z, -500.0)
    np.negative(t, out=t)
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = z - np.max(z, axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= np.sum(e, axis=-1, keepdims=True)
    return e


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softplus(z: np.ndarray) -> np.ndarray:
    # log(1 + e^z) without overflow.
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


LEAKY_SLOPE = 0.01

ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {
        a.name: a
        for a in (
            Activation(
                "sigmoid",
                _sigmoid,
                lambda z, a: a * (1 - a),
                r"\sigma(z) = \frac{1}{1+e^{-z}}",
                r"\sigma",
                N_("Sigmoid"),
                r"a(1-a) = {a}\,(1-{a})",
            ),
            Activation("tanh", np.tanh, lambda z, a: 1 - a * a, r"\tanh(z)", r"\tanh", "Tanh", r"1-a^2 = 1-{a}^2"),
            Activation(
                "relu",
                lambda z: np.maximum(z, 0),
                lambda z, a: (z > 0).astype(z.dtype),
                r"\max(0, z)",
                r"\mathrm{relu}",
                "ReLU",
                r"[z>0] = [{z}>0]",
            ),
            Activation(
                "leaky_relu",
                lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
                r"\max(0.01z, z)",
                r"\mathrm{lrelu}",
                N_("Leaky ReLU (0.01)"),
                r"[z>0] + 0.01\,[z \le 0] = [{z}>0] + 0.01\,[{z} \le 0]",  # Iverson brackets, as relu's
            ),
            Activation(
                "identity",
                lambda z: z,
                lambda z, a: np.ones_like(z),
                r"z",
                r"\mathrm{id}",
                N_("Linear (identity)"),
                "1",
            ),
            Activation(
                "softmax", _softmax, None, r"\frac{e^{z_k}}{\sum_j e^{z_j}}", r"\mathrm{softmax}", N_("Softmax")
            ),
        )
    }
)

# ---------------------------------------------------------------------------
# Losses: name → per-sample loss and output delta, computed from logits z_L.


@dataclass(frozen=True)
class LossResult:
    """What a loss produces for a batch.

    ``per_sample``: (batch,) each sample's contribution, so that
    ``value == per_sample.sum()``; ``da``: ∂L/∂ŷ (batch, K); ``dz``: the fused
    output delta ∂L/∂z_L when the loss defines one, else None.
    """

    value: float
    per_sample: np.ndarray
    da: np.ndarray
    dz: np.ndarray | None


@dataclass(frozen=True)
class Loss:
    """A loss looked up by name; ``requires`` names the output activation it needs.

    Each loss has one formula, ``per_sample(z, a, y)``: z, a (..., B, K) — one network's batch or a
    stack of them (loss surfaces) — and y (B, K) give each sample's share (..., B). ``evaluate`` adds
    ∂L/∂ŷ and the fused delta for backward; ``totals(z, a, y)`` is the loss of each stacked network
    (...,), a faster reduction where one exists (cross-entropy), tied to ``per_sample`` by a test.
    """

    name: str
    evaluate: Callable[[np.ndarray, np.ndarray, np.ndarray], LossResult]
    per_sample: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    totals: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    reduction: str
    formula: str
    requires: str | None = None
    label: str = ""  # the loss's name in words (N_: translated where shown)


def _half_sse_per_sample(z, a, y):
    return 0.5 * np.sum((a - y) ** 2, axis=-1)


def _mse_per_sample(z, a, y):
    b, k = y.shape
    return np.sum((a - y) ** 2, axis=-1) / (b * k)


def _cross_entropy_per_sample(z, a, y):
    return -np.sum(y * _log_softmax(z), axis=-1) / y.shape[0]


def _binary_cross_entropy_per_sample(z, a, y):
    # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z
    b, k = y.shape
    return np.sum(_softplus(z) - y * z, axis=-1) / (b * k)


def _half_sse(z, a, y):
    per = _half_sse_per_sample(z, a, y)
    return LossResult(float(per.sum()), per, a - y, None)


def _mse(z, a, y):
    n = a.shape[0] * a.shape[1]
    per = _mse_per_sample(z, a, y)
    return LossResult(float(per.sum()), per, 2 * (a - y) / n, None)


def _cross_entropy(z, a, y):
    b = a.shape[0]
    per = _cross_entropy_per_sample(z, a, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        da = np.where(y != 0, -y / (a * b), 0.0)
    return LossResult(float(per.sum()), per, da, (a - y) / b)


def _binary_cross_entropy(z, a, y):
    n = a.shape[0] * a.shape[1]
    per = _binary_cross_entropy_per_sample(z, a, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        da = (a - y) / (a * (1 - a) * n)
    return LossResult(float(per.sum()), per, da, (a - y) / n)


def _summed(per_sample):
    return lambda z, a, y: per_sample(z, a, y).sum(axis=-1)


def _cross_entropy_totals(z, a, y):
    """Σ_n −Σ_k y_nk log softmax(z_n)_k / B for logits z (..., B, K): :func:`_cross_entropy_per_sample`, summed, fast.

    −Σ_k y_k log softmax(z)_k = logsumexp(z)·Σ_k y_k − Σ_k y_k z_k. The max subtracted before exp
    is one number for the whole stack when the logits span less than 60 (no row underflows),
    else each row's own; row sums go through BLAS, and one-hot targets pick z_label instead of
    multiplying. Much faster than reducing over an axis of 10 (MNIST loss surfaces, the fast trainer).
    Returns float64 (...,).
    """
    B, K = y.shape
    lead = z.shape[:-2]
    flat = z.reshape(-1, K)
    top, bottom = flat.max(), flat.min()
    m = top if top - bottom < 60 else flat.max(axis=1, keepdims=True)
    lse = (np.log(np.exp(flat - m) @ np.ones(K, dtype=z.dtype)) + np.ravel(m)).reshape(*lead, B)
    labels = y.argmax(axis=1)
    if np.array_equal(y, np.eye(K, dtype=y.dtype)[labels]):  # one-hot: Σ_k y_k z_k = z_label
        yz = z[..., np.arange(B), labels]
    else:
        yz = np.einsum("...nk,nk->...n", z, y)
    return (lse * y.sum(axis=-1) - yz).sum(axis=-1, dtype=np.float64) / B


LOSSES: Mapping[str, Loss] = MappingProxyType(
    {
        "half_sse": Loss(
            "half_sse",
            _half_sse,
            _half_sse_per_sample,
            _summed(_half_sse_per_sample),
            N_("sum over the batch"),
            r"L = \tfrac12 \sum_{n}\sum_k (y_k - \hat y_k)^2",
            label=N_("half sum of squared errors"),
        ),
        "mse": Loss(
            "mse",
            _mse,
            _mse_per_sample,
            _summed(_mse_per_sample),
            N_("mean over batch and outputs"),
            r"L = \frac{1}{BK} \sum_{n}\sum_k (y_k - \hat y_k)^2",
            label=N_("mean squared error"),
        ),
        "cross_entropy": Loss(
            "cross_entropy",
            _cross_entropy,
            _cross_entropy_per_sample,
            _cross_entropy_totals,
            N_("mean over the batch"),
            r"L = -\frac{1}{B}\sum_n \sum_k y_k \log \hat y_k",
            requires="softmax",
            label=N_("cross entropy"),
        ),
        "binary_cross_entropy": Loss(
            "binary_cross_entropy",
            _binary_cross_entropy,
            _binary_cross_entropy_per_sample,
            _summed(_binary_cross_entropy_per_sample),
            N_("mean over batch and outputs"),
            r"L = -\frac{1}{BK}\sum_n\sum_k [y_k\log\hat y_k + (1-y_k)\log(1-\hat y_k)]",
            requires="sigmoid",
            label=N_("binary cross entropy"),
        ),
    }
)

# ---------------------------------------------------------------------------
# Initialisers: name → (rng, n_in, n_out) → W.  "normal(mu, sigma)" is parsed.


def _init_normal(mu: float, sigma: float):
    return lambda rng, n_in, n_out: rng.normal(mu, sigma, size=(n_in, n_out))


INITIALIZERS: Mapping[str, Callable[[np.random.Generator, int, int], np.ndarray]] = MappingProxyType(
    {
        # U[0, 1), like Python's random() in seed 004
        "uniform01": lambda rng, n_in, n_out: rng.random((n_in, n_out)),
        # N(0, 1), like np.random.randn in seed 003
        "normal": _init_normal(0.0, 1.0),
        # N(0, 0.1²), like seed 000
        "normal(0, 0.1)": _init_normal(0.0, 0.1),
        # Glorot: N(0, 2/(n_in + n_out)), as in seed 000's example
        "xavier": lambda rng, n_in, n_out: rng.normal(0, math.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)),
        # He: N(0, 2/n_in), for ReLU layers
        "he": lambda rng, n_in, n_out: rng.normal(0, math.sqrt(2.0 / n_in), (n_in, n_out)),
        # all weights (and biases) 0, Playground's hidden initZero: it cannot learn, see INITIALIZER_NOTES
        "zeros": lambda rng, n_in, n_out: np.zeros((n_in, n_out)),
    }
)
# What the UI says beside an initialiser, where there is something to say.
INITIALIZER_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "zeros": (
            "With every weight 0, all hidden neurons of a layer compute the same value and receive the "
            "same gradient, so they stay identical copies for ever: the symmetry never breaks and each "
            "layer learns no more than a single neuron would."
        ),
    }
)
# Initialisers whose biases are drawn like the weights (as the tutorials that use
# them do); the others start with zero biases.
_DRAWN_BIAS = frozenset({"uniform01", "normal"})
_NORMAL_RE = re.compile(r"^normal\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)$")


def initializer(name: str) -> Callable[[np.random.Generator, int, int], np.ndarray]:
    """Look an initialiser up by name; ``normal(mu, sigma)`` takes any numbers."""
    if name in INITIALIZERS:
        return INITIALIZERS[name]
    m = _NORMAL_RE.match(name.strip())
    if m:
        mu, sigma = float(m.group(1)), float(m.group(2))
        if not (math.isfinite(mu) and math.isfinite(sigma) and sigma >= 0):
            raise ValueError(
                _("initialiser {name}: mean and standard deviation must be finite, sigma ≥ 0").format(name=repr(name))
            )
        return _init_normal(mu, sigma)
    raise ValueError(
        _("unknown initialiser {name}; choose one of {choices} or 'normal(mu, sigma)'").format(
            name=repr(name), choices=sorted(INITIALIZERS)
        )
    )


# ---------------------------------------------------------------------------
# Regularisers: name → penalty R(w) on each weight, added to the loss as λ·Σ R(w).
# Biases are never penalised (as Playground's nn.ts).


@dataclass(frozen=True)
class Regularizer:
    """A weight penalty looked up by name.

    ``penalty(w) -> R(w)`` and ``derivative(w) -> R'(w)`` elementwise, same shape as ``w``;
    ``formula`` and ``derivative_tex`` are LaTeX (the latter with ``{w}`` for the number).
    """

    name: str
    label: str
    penalty: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    formula: str
    derivative_tex: str

    def derivative_latex(self, w: float, fmt: Callable[[float], str] = fmt_number) -> tuple[str, float]:
        """R'(w) written with the number w, and its value as the engine computes it."""
        value = float(self.derivative(np.array([float(w)]))[0])
        return self.derivative_tex.format(w=fmt(w)), value


REGULARIZERS: Mapping[str, Regularizer] = MappingProxyType(
    {
        r.name: r
        for r in (
            Regularizer("none", N_("None"), np.zeros_like, np.zeros_like, r"R(w) = 0", "0"),
            # Playground's L1: R = |w|, R' = sign(w) with R'(0) = 0
            Regularizer("l1", "L1", np.abs, np.sign, r"R(w) = |w|", r"\operatorname{{sign}}({w})"),
            # Playground's L2: R = ½w², R' = w
            Regularizer("l2", "L2", lambda w: 0.5 * w * w, lambda w: w, r"R(w) = \tfrac12 w^2", "{w}"),
        )
    }
)


def regularizer(name: str | None) -> Regularizer:
    """Look a regulariser up by name; None means ``"none"``."""
    try:
        return REGULARIZERS["none" if name is None else name]
    except KeyError:
        raise ValueError(
            _("unknown regularization {name}; choose one of {choices}").format(
                name=repr(name), choices=sorted(REGULARIZERS)
            )
        ) from None


# ---------------------------------------------------------------------------
# The update rule: SGD with optional momentum, in two forms that compute the same numbers.


def _sgd_step(g: np.ndarray, velocity: np.ndarray | None, learning_rate: float, momentum: float) -> np.ndarray:
    """Δθ for the gradient ``g``: −η·g, or with momentum v′ = μ·v − η·g (Δθ = v′; no v: v = 0). New arrays."""
    if not momentum:
        return -learning_rate * g
    return (momentum * velocity if velocity is not None else 0.0) - learning_rate * g


def _sgd_step_in_place(
    p: np.ndarray, v: np.ndarray, g: np.ndarray, learning_rate: float, momentum: float, rows=None
) -> None:
    """The same step in place, for the fast trainer: ``g`` becomes −η·g, ``v`` becomes μ·v − η·g and
    ``p`` moves by it (without momentum p += −η·g). ``rows``: the rows of ``p`` that ``g`` holds (the
    others have a zero gradient: their velocity still decays and moves them)."""
    g *= -learning_rate  # the gradient buffer becomes −η g: no temporary
    if momentum:
        v *= momentum
        if rows is None:
            v += g
        else:
            v[rows] += g
        p += v
    elif rows is None:
        p += g
    else:
        p[rows] += g


@dataclass(frozen=True)
class UpdateRule:
    """One update rule in both its forms: ``step`` (new arrays, what ``Network.compute_update`` records)
    and ``step_in_place`` (the fast MNIST trainer's buffers); tests/test_engine_mutants.py compares them
    bit for bit on random inputs at the extremes."""

    name: str
    step: Callable[..., np.ndarray]
    step_in_place: Callable[..., None]


SGD = UpdateRule("sgd", _sgd_step, _sgd_step_in_place)


# ---------------------------------------------------------------------------
# Traces: what forward and backward record.


@dataclass(frozen=True)
class LayerTrace:
    """Forward record of one layer: ``x`` = a_{l-1} (batch, n_in), ``z``, ``a`` (batch, n_out)."""

    x: np.ndarray
    z: np.ndarray
    a: np.ndarray


@dataclass(frozen=True)
class ForwardTrace:
    """Everything a forward pass computed, layer by layer."""

    input: np.ndarray
    layers: tuple[LayerTrace, ...]

    @property
    def output(self) -> np.ndarray:
        """ŷ = a_L, (batch, n_out)."""
        return self.layers[-1].a


@dataclass(frozen=True)
class LayerGrads:
    """Backward record of one layer.

    ``da`` ∂L/∂a_l (batch, n_out); ``dz`` the delta ∂L/∂z_l (batch, n_out);
    ``dW`` ∂L/∂W_l (n_in, n_out); ``db`` ∂L/∂b_l (n_out,) or None without biases;
    ``dx`` ∂L/∂a_{l-1} (batch, n_in), handed to the layer below.
    With a regulariser, ``dW`` = Σ_batch δ·a + λ·R'(W) and ``dW_penalty`` is the
    second term λ·R'(W) (n_in, n_out); without one ``dW_penalty`` is None.
    """

    da: np.ndarray
    dz: np.ndarray
    dW: np.ndarray
    db: np.ndarray | None
    dx: np.ndarray
    dW_penalty: np.ndarray | None = None


@dataclass(frozen=True)
class Gradients:
    """Backward pass: the loss, each sample's share of it, and per-layer gradients.

    ``loss`` = ``per_sample.sum()`` + ``penalty``, where ``penalty`` = λ·Σ R(w) over
    every weight (biases are not penalised) and ``per_sample`` holds the data loss.
    """

    loss: float
    per_sample: np.ndarray
    loss_name: str
    targets: np.ndarray
    layers: tuple[LayerGrads, ...]
    regularization: str = "none"
    regularization_rate: float = 0.0
    penalty: float = 0.0


@dataclass(frozen=True)
class Update:
    """The change an optimiser applies: ``dW[l]``, ``db[l]`` are ΔW, Δb (added to the parameters).

    ``dead``: the network's dead-link mask after this update (see :attr:`Network.dead`),
    None when no weight is dead.
    """

    dW: tuple[np.ndarray, ...]
    db: tuple[np.ndarray, ...] | None
    velocity: np.ndarray | None  # flat momentum buffer after this update, or None
    dead: tuple[np.ndarray, ...] | None = None


BIAS_MODES = ("trainable", "frozen", "none")
MAX_PARAMETERS = 1_000_000


def _frozen_array(x, dtype) -> np.ndarray:
    # Always C order, like the arrays History rebuilds from flat vectors: matmul
    # may round differently for another memory layout, so a network and its
    # History copy would otherwise differ in the last bit.
    arr = np.array(x, dtype=dtype, copy=True, order="C")
    arr.setflags(write=False)
    return arr


# ---------------------------------------------------------------------------
# The network.


@dataclass(frozen=True, eq=False)
class Network:
    """An immutable fully connected network; every step returns a new one.

    ``weights[l]``: (n_l, n_{l+1}); ``biases[l]``: (n_{l+1},) or ``biases is None``;
    ``activations[l]``: a name from :data:`ACTIVATIONS`; ``bias_mode``: one of
    ``trainable`` (updated), ``frozen`` (kept, never updated) or ``none``.

    ``dead``: Playground's dead links, one bool mask per layer shaped like
    ``weights[l]``, or None when no weight is dead. An L1 penalty that pushes a
    weight across zero in an SGD step sets it to 0 and marks it dead; a dead
    weight stays 0 and no update changes it again. The mask lives here, not in
    an optimiser state, because it is part of what the network is: it travels
    with every step, every optimiser respects it, and ``to_json`` saves it.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray] | None
    activations: list[str]
    bias_mode: str = "trainable"
    dead: tuple[np.ndarray, ...] | None = None

    # -- construction -------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray] | None,
        activations: Sequence[str],
        bias_mode: str | None = None,
        dtype=np.float64,
        dead: Sequence[np.ndarray] | None = None,
    ) -> Network:
        """Build a network from explicit arrays; ``biases=None`` means no biases.

        ``dead``: optional bool masks shaped like the weights (see :attr:`dead`).
        """
        if bias_mode is None:
            bias_mode = "none" if biases is None else "trainable"
        if bias_mode not in BIAS_MODES:
            raise ValueError(
                _("bias_mode must be one of {choices}, not {value}").format(choices=BIAS_MODES, value=quoted(bias_mode))
            )
        if (biases is None) != (bias_mode == "none"):
            raise ValueError(_("biases=None goes with bias_mode='none' and only with it"))
        dtype = np.dtype(dtype)
        ws = [_frozen_array(w, dtype) for w in weights]
        bs = None if biases is None else [_frozen_array(b, dtype) for b in biases]
        acts = [str(a) for a in activations]
        _validate(ws, bs, acts)
        return cls(ws, bs, acts, bias_mode, _dead_masks(dead, ws))

    @classmethod
    def init(
        cls,
        sizes: Sequence[int],
        activations: Sequence[str],
        initializer_name: str = "xavier",
        rng: np.random.Generator | int | None = 0,
        bias_mode: str = "trainable",
        dtype=np.float64,
    ) -> Network:
        """A fresh network with layer sizes ``sizes`` = [n_0, …, n_L], drawn from ``rng``."""
        if len(sizes) < 2:
            raise ValueError("a network needs at least an input and an output size")
        if any(int(s) < 1 for s in sizes):
            raise ValueError(f"every layer needs at least one neuron, got sizes {list(sizes)}")
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, got {len(activations)}")
        rng = np.random.default_rng(rng)
        draw = initializer(initializer_name)
        ws, bs = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            ws.append(draw(rng, int(n_in), int(n_out)))
            if initializer_name in _DRAWN_BIAS:
                bs.append(draw(rng, 1, int(n_out))[0])
            else:
                bs.append(np.zeros(int(n_out)))
        return cls.from_arrays(ws, None if bias_mode == "none" else bs, activations, bias_mode, dtype)

    # -- shape facts ----------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """[n_0, n_1, …, n_L]."""
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    def _input(self, X, what: str = "X", col: int = 0) -> np.ndarray:
        n = self.weights[0].shape[0] if col == 0 else self.weights[-1].shape[1]
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype == self.dtype and X.shape[1] == n:
            return X
        return _as_batch(X, n, self.dtype, what)

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def dtype(self) -> np.dtype:
        return self.weights[0].dtype

    @property
    def n_parameters(self) -> int:
        n = sum(w.size for w in self.weights)
        return n + (sum(b.size for b in self.biases) if self.biases is not None else 0)

    # -- forward and backward -------------------------------------------------

    def forward(self, X: np.ndarray) -> ForwardTrace:
        """Run ``X`` (batch, n_0) through every layer, recording x, z and a."""
        a = self._input(X)
        layers = []
        for l, (W, name) in enumerate(zip(self.weights, self.activations)):
            z = a @ W
            if self.biases is not None:
                z = z + self.biases[l]
            out = ACTIVATIONS[name].forward(z)
            layers.append(LayerTrace(a, z, out))
            a = out
        return ForwardTrace(layers[0].x, tuple(layers))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ for ``X`` without keeping the trace."""
        return self.forward(X).output

    def _output(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z_L, a_L) for an already validated ``X``: :meth:`forward`'s arithmetic, nothing recorded."""
        a = z = X
        for l, (W, name) in enumerate(zip(self.weights, self.activations)):
            z = a @ W
            if self.biases is not None:
                z = z + self.biases[l]
            a = ACTIVATIONS[name].forward(z)
        return z, a

    def backward(
        self,
        trace: ForwardTrace,
        Y: np.ndarray,
        loss: str = "half_sse",
        regularization: str | None = None,
        regularization_rate: float = 0.0,
    ) -> Gradients:
        """Backpropagate ``loss`` + λ·Σ R(w) through the recorded ``trace``; ``Y``: (batch, n_L).

        ``regularization``: a name from :data:`REGULARIZERS` (None: none), λ =
        ``regularization_rate``; the penalty covers the weights only, dead ones included
        (they are 0, where both penalties and their derivatives vanish).
        """
        spec = self._checked_loss(loss)
        reg = regularizer(regularization)
        lam = float(regularization_rate)
        if not math.isfinite(lam) or lam < 0:
            raise ValueError(f"regularization_rate must be finite and ≥ 0, got {regularization_rate!r}")
        penalised = reg.name != "none" and lam != 0.0
        out = trace.layers[-1]
        Y = self._input(Y, "Y", -1)
        if Y.shape[0] != out.a.shape[0]:
            raise ValueError(f"Y has {Y.shape[0]} rows but the trace has {out.a.shape[0]} samples")
        res = spec.evaluate(out.z, out.a, Y)
        grads: list[LayerGrads] = []
        da = res.da
        last = len(self.weights) - 1
        for l in range(last, -1, -1):
            t = trace.layers[l]
            if l == last and res.dz is not None:
                dz = res.dz  # fused softmax/sigmoid + cross-entropy delta
            else:
                dz = ACTIVATIONS[self.activations[l]].backward(t.z, t.a, da)
            dW = t.x.T @ dz
            db = dz.sum(axis=0) if self.biases is not None else None
            dx = dz @ self.weights[l].T
            # ∂(L + λΣR)/∂W = Σ_batch δ·a + λ·R'(W)
            dW_pen = lam * reg.derivative(self.weights[l]) if penalised else None
            if dW_pen is not None:
                dW = dW + dW_pen
            grads.append(LayerGrads(da, dz, dW, db, dx, dW_pen))
            da = dx
        pen = self.penalty(reg.name, lam) if penalised else 0.0
        return Gradients(
            res.value + pen,
            res.per_sample,
            spec.name,
            Y,
            tuple(reversed(grads)),
            reg.name,
            lam if penalised else 0.0,
            pen,
        )

    def penalty(self, regularization: str | None, regularization_rate: float) -> float:
        """λ·Σ R(w) over every weight (biases are not penalised)."""
        reg = regularizer(regularization)
        if reg.name == "none" or regularization_rate == 0:
            return 0.0
        return float(regularization_rate) * float(sum(reg.penalty(w).sum() for w in self.weights))

    def check_loss(self, loss: str) -> None:
        """Raise ValueError when ``loss`` does not fit this network's output layer."""
        self._checked_loss(loss)

    def _checked_loss(self, loss: str) -> Loss:
        spec = loss_spec(loss)
        if spec.requires and self.activations[-1] != spec.requires:
            raise ValueError(
                _("loss {loss} needs a {needed} output layer, but the output layer is {activation}").format(
                    loss=repr(loss), needed=spec.requires, activation=self.activations[-1]
                )
            )
        return spec

    def loss(self, X: np.ndarray, Y: np.ndarray, loss: str = "half_sse") -> float:
        """The loss of the batch (X, Y), as :meth:`backward` would report it."""
        out = self.forward(X).layers[-1]
        Y = _as_batch(Y, self.sizes[-1], self.dtype, "Y")
        self.check_loss(loss)
        return loss_spec(loss).evaluate(out.z, out.a, Y).value

    # -- updates --------------------------------------------------------------

    def compute_update(
        self,
        grads: Gradients,
        learning_rate: float,
        update_biases: bool = True,
        momentum: float = 0.0,
        velocity: np.ndarray | None = None,
    ) -> Update:
        """SGD with optional momentum: v ← μ·v − η·g; Δθ = v (plain SGD: Δθ = −η·g).

        Biases that are frozen (or ``update_biases=False``) get Δb = 0; dead weights
        get ΔW = 0. Plain SGD with an L1 penalty applies Playground's dead-link rule
        (nn.ts ``updateWeights``): the data step w′ = w − η·(∂L/∂w − λR′(w)) is taken,
        then the penalty step w″ = w′ − η·λR′(w); a weight with w′·w″ < 0, pushed
        across zero by the penalty, becomes 0 and dead. (With momentum the penalty's
        share of a step is not separable, so no new weight dies; dead ones stay 0.)
        """
        keep_b = self._biases_updated(update_biases)
        if not momentum:
            dW = [SGD.step(g.dW, None, learning_rate, 0.0) for g in grads.layers]
            dead = self.dead
            if grads.regularization == "l1":
                dW, dead = self._l1_dead_links(grads, learning_rate, dW)
            elif dead is not None:
                dW = [np.where(m, 0.0, d) for m, d in zip(dead, dW)]
            if self.biases is None:
                return Update(tuple(dW), None, None, dead)
            db = tuple(
                SGD.step(g.db, None, learning_rate, 0.0) if keep_b else np.zeros_like(g.db) for g in grads.layers
            )
            return Update(tuple(dW), db, None, dead)
        g = self.gradient_vector(grads)
        if self.biases is not None and not keep_b:
            g = g * self._weight_mask()
        v = SGD.step(g, velocity, learning_rate, momentum)
        if self.dead is not None:
            v = v * self._alive_mask()  # a dead weight keeps no velocity
        dW, db = self._unflatten(v)
        return Update(tuple(dW), None if db is None else tuple(db), v, self.dead)

    def _l1_dead_links(self, grads: Gradients, learning_rate: float, dW: list[np.ndarray]):
        """ΔW and the dead masks after Playground's L1 rule; ``dW`` = −η·(∂L/∂W incl. the penalty)."""
        out, masks = [], []
        for l, (w, g, d) in enumerate(zip(self.weights, grads.layers, dW)):
            pen = g.dW_penalty if g.dW_penalty is not None else np.zeros_like(w)
            w_data = w - learning_rate * (g.dW - pen)  # Playground's w′, after the data step
            w_new = w + d  # w″ = w′ − η·λ·R′(w)
            was_dead = self.dead[l] if self.dead is not None else np.zeros(w.shape, bool)
            dies = (w_data * w_new < 0) & ~was_dead
            dead_l = was_dead | dies
            # a dead weight ends at exactly 0: Δ = −w
            out.append(np.where(dies, -w, np.where(was_dead, 0.0, d)))
            masks.append(dead_l)
        # checked against the weights after the update, where every dead one is 0
        return out, _dead_masks(masks, [w + d for w, d in zip(self.weights, out)])

    def apply_update(self, update: Update) -> Network:
        """A new network with θ + Δθ and the update's dead-link mask."""
        ws = [w + d for w, d in zip(self.weights, update.dW)]
        bs = None if self.biases is None else [b + d for b, d in zip(self.biases, update.db)]
        return Network.from_arrays(ws, bs, self.activations, self.bias_mode, self.dtype, update.dead)

    def sgd_step(self, grads: Gradients, learning_rate: float, update_biases: bool = True) -> Network:
        """One plain gradient-descent step: W ← W − η·∂L/∂W (biases too when trainable).

        ``grads`` from ``backward(..., regularization="l1", …)`` make this Playground's
        step with its dead links: a weight the penalty pushes across 0 becomes 0 and stays 0.
        """
        return self.apply_update(self.compute_update(grads, learning_rate, update_biases))

    def _biases_updated(self, update_biases: bool) -> bool:
        return self.biases is not None and update_biases and self.bias_mode == "trainable"

    # -- flat parameter vectors ----------------------------------------------

    def _flatten(self, ws, bs) -> np.ndarray:
        parts = []
        for l, w in enumerate(ws):
            parts.append(w.ravel())
            if self.biases is not None:
                parts.append(bs[l].ravel())
        return np.concatenate(parts)

    def _unflatten(self, v: np.ndarray):
        ws, bs, i = [], [] if self.biases is not None else None, 0
        for l, w in enumerate(self.weights):
            ws.append(v[i : i + w.size].reshape(w.shape))
            i += w.size
            if bs is not None:
                n = self.biases[l].size
                bs.append(v[i : i + n])
                i += n
        return ws, bs

    def _weight_mask(self) -> np.ndarray:
        """1 for weights, 0 for biases, in flat order."""
        return self._flatten(
            [np.ones_like(w) for w in self.weights],
            None if self.biases is None else [np.zeros_like(b) for b in self.biases],
        )

    def _alive_mask(self) -> np.ndarray:
        """0 for dead weights, 1 for every other parameter, in flat order."""
        dead = self.dead or [np.zeros(w.shape, bool) for w in self.weights]
        return self._flatten(
            [(~m).astype(self.dtype) for m in dead],
            None if self.biases is None else [np.ones_like(b) for b in self.biases],
        )

    def trainable_mask(self, update_biases: bool = True) -> np.ndarray:
        """True for every parameter an update may change (live weights; biases when trainable), flat order."""
        keep_b = self._biases_updated(update_biases)
        dead = self.dead or [np.zeros(w.shape, bool) for w in self.weights]
        return self._flatten(
            [~m for m in dead],
            None if self.biases is None else [np.full(b.shape, keep_b) for b in self.biases],
        ).astype(bool)

    def parameter_vector(self) -> np.ndarray:
        """All parameters in one vector: W_1 (row-major), b_1, W_2, b_2, …"""
        return self._flatten(self.weights, self.biases)

    def with_parameters(self, v: np.ndarray) -> Network:
        """The same architecture with parameters taken from the flat vector ``v``."""
        v = np.asarray(v, dtype=self.dtype)
        if v.shape != (self.n_parameters,):
            raise ValueError(f"expected {self.n_parameters} parameters, got shape {v.shape}")
        ws, bs = self._unflatten(v)
        return Network.from_arrays(ws, bs, self.activations, self.bias_mode, self.dtype, self.dead)

    def with_value(self, name: str, value: float) -> Network:
        """The network with the one parameter called ``name`` (``"W1[0,2]"``, ``"b1[2]"``) set to ``value``.

        Editing a dead weight revives it (Playground keeps the link dead and frozen
        at the typed value; nnviz keeps its rule that a dead weight is 0).
        """
        names = self.parameter_names()
        try:
            i = names.index(name)
        except ValueError:
            raise ValueError(_("no parameter called {name}").format(name=repr(name))) from None
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(_("{name} must be a finite number, got {value}").format(name=name, value=repr(value)))
        v = self.parameter_vector()
        v[i] = value
        ws, bs = self._unflatten(v)
        dead = None
        if self.dead is not None:
            dead = [m.copy() for m in self.dead]
            m = _PARAM_RE.match(name)
            if m and m.group(1) == "W":
                dead[int(m.group(2)) - 1][int(m.group(3)), int(m.group(4))] = False
        return Network.from_arrays(ws, bs, self.activations, self.bias_mode, self.dtype, dead)

    def parameter_names(self) -> list[str]:
        """Names in flat order, 1-based layers as in the UI: ``W1[0,2]``, ``b1[2]``."""
        names = []
        for l, w in enumerate(self.weights, start=1):
            names += [f"W{l}[{i},{j}]" for i in range(w.shape[0]) for j in range(w.shape[1])]
            if self.biases is not None:
                names += [f"b{l}[{j}]" for j in range(w.shape[1])]
        return names

    def gradient_vector(self, grads: Gradients) -> np.ndarray:
        """∂L/∂θ in the flat order of :meth:`parameter_vector`."""
        return self._flatten([g.dW for g in grads.layers], [g.db for g in grads.layers])

    # -- serialisation (versioned JSON; no pickle anywhere) ------------------

    def to_json(self, **extra) -> str:
        """Versioned JSON text; ``extra`` (loss, training settings) is stored alongside."""
        d = self.to_dict()
        d.update(extra)
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str | bytes) -> Network:
        """Parse :meth:`to_json` output; ValueError naming the problem for anything invalid."""
        if isinstance(text, bytes):
            if len(text) > MAX_JSON_BYTES:
                raise ValueError(
                    _("the file is {size} MB; the limit is {limit} MB").format(
                        size=f"{len(text) / 1e6:.1f}", limit=f"{MAX_JSON_BYTES / 1e6:.0f}"
                    )
                )
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(_("the file is not UTF-8 text")) from None
        if len(text.encode("utf-8")) > MAX_JSON_BYTES:
            raise ValueError(_("the file is over the limit of {limit} MB").format(limit=f"{MAX_JSON_BYTES / 1e6:.0f}"))
        try:
            d = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise ValueError(_("not valid JSON: {why}").format(why=exc)) from None  # why: Python's (English)
        except RecursionError:
            raise ValueError(_("the file nests lists or objects too deeply to be a network")) from None
        return network_from_dict(d)

    def to_dict(self) -> dict:
        return {
            "format": "nnviz-network",
            "version": SCHEMA_VERSION,
            "sizes": self.sizes,
            "activations": list(self.activations),
            "bias_mode": self.bias_mode,
            "weights": [w.tolist() for w in self.weights],
            "biases": None if self.biases is None else [b.tolist() for b in self.biases],
            # per layer, the [i, j] of each dead weight (Playground's dead links)
            "dead": None if self.dead is None else [np.argwhere(m).tolist() for m in self.dead],
        }


SCHEMA_VERSION = 1
_PARAM_RE = re.compile(r"^([Wb])(\d+)\[(\d+)(?:,(\d+))?\]$")
MAX_JSON_BYTES = 5_000_000


def _reject_constant(name: str):
    raise ValueError(_("non-finite number {name} in the file").format(name=name))


def loss_spec(name: str) -> Loss:
    """Look a loss up by name, with a message naming the choices."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(
            _("unknown loss {name}; choose one of {choices}").format(name=repr(name), choices=sorted(LOSSES))
        ) from None


def _as_batch(X, n_cols: int, dtype, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=dtype)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2 or X.shape[1] != n_cols:
        raise ValueError(
            _("{what} must have shape (batch, {n}), got {shape}").format(what=what, n=n_cols, shape=X.shape)
        )
    return X


def _validate(ws: list[np.ndarray], bs: list[np.ndarray] | None, acts: list[str]) -> None:
    if not ws:
        raise ValueError(_("a network needs at least one layer"))
    if len(acts) != len(ws):
        raise ValueError(
            _("{n} weight matrices need {n} activations, got {got}").format(n=len(ws), got=len(acts))
        )
    for l, name in enumerate(acts):
        if name not in ACTIVATIONS:
            raise ValueError(
                _("unknown activation {name} in layer {layer}; choose one of {choices}").format(
                    name=quoted(name), layer=l + 1, choices=sorted(ACTIVATIONS)
                )
            )
        if name == "softmax" and l != len(acts) - 1:
            raise ValueError(_("softmax is only allowed on the output layer"))
    for l, w in enumerate(ws):
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(
                _("W{layer} must be a non-empty 2-D array, got shape {shape}").format(layer=l + 1, shape=w.shape)
            )
        if l > 0 and ws[l - 1].shape[1] != w.shape[0]:
            raise ValueError(
                _("shapes do not chain: W{layer} is {shape} but W{next} is {next_shape}").format(
                    layer=l, shape=ws[l - 1].shape, next=l + 1, next_shape=w.shape
                )
            )
        if not np.all(np.isfinite(w)):
            raise ValueError(_("W{layer} contains non-finite numbers").format(layer=l + 1))
    if bs is not None:
        if len(bs) != len(ws):
            raise ValueError(_("{n} layers need {n} bias vectors, got {got}").format(n=len(ws), got=len(bs)))
        for l, (w, b) in enumerate(zip(ws, bs)):
            if b.shape != (w.shape[1],):
                raise ValueError(
                    _("b{layer} must have shape ({n},), got {shape}").format(layer=l + 1, n=w.shape[1], shape=b.shape)
                )
            if not np.all(np.isfinite(b)):
                raise ValueError(_("b{layer} contains non-finite numbers").format(layer=l + 1))
    n = sum(w.size for w in ws) + (sum(b.size for b in bs) if bs is not None else 0)
    if n > MAX_PARAMETERS:
        raise ValueError(
            _("{n} parameters is more than the limit of {limit}").format(n=f"{n:,}", limit=f"{MAX_PARAMETERS:,}")
        )


def _dead_masks(dead, ws: list[np.ndarray]) -> tuple[np.ndarray, ...] | None:
    """Validated read-only dead-link masks, or None when no weight is dead."""
    if dead is None:
        return None
    if len(dead) != len(ws):
        raise ValueError(f"{len(ws)} layers need {len(ws)} dead-link masks, got {len(dead)}")
    masks = []
    for l, (m, w) in enumerate(zip(dead, ws)):
        m = np.array(m, dtype=bool, copy=True)
        if m.shape != w.shape:
            raise ValueError(f"dead-link mask {l + 1} must have shape {w.shape}, got {m.shape}")
        if np.any(w[m] != 0):
            raise ValueError(_("layer {layer}: a dead weight must be 0").format(layer=l + 1))
        m.setflags(write=False)
        masks.append(m)
    return tuple(masks) if any(m.any() for m in masks) else None


def _dead_from_lists(dead, ws: list[np.ndarray]) -> list[np.ndarray] | None:
    # JSON form: per layer, a list of [i, j] index pairs
    if dead is None:
        return None
    if not isinstance(dead, list) or len(dead) != len(ws):
        raise ValueError(_("field 'dead' must list the dead weights of each of the {n} layers").format(n=len(ws)))
    masks = []
    for l, (pairs, w) in enumerate(zip(dead, ws)):
        m = np.zeros(w.shape, dtype=bool)
        for pair in pairs if isinstance(pairs, list) else [None]:
            ok = isinstance(pair, list) and len(pair) == 2 and all(type(k) is int for k in pair)
            if not ok or not (0 <= pair[0] < w.shape[0] and 0 <= pair[1] < w.shape[1]):
                raise ValueError(
                    _("field 'dead', layer {layer}: {pair} is not the [i, j] of a weight").format(
                        layer=l + 1, pair=repr(pair)
                    )
                )
            m[pair[0], pair[1]] = True
        masks.append(m)
    return masks


def network_from_dict(d: dict) -> Network:
    """Rebuild a network from :meth:`Network.to_dict` output, validating everything.

    Any malformed content raises ValueError naming the field (never TypeError or RecursionError:
    the dict may come from a visitor's file).
    """
    if not isinstance(d, dict):
        raise ValueError(_("a network file must hold a JSON object"))
    if d.get("format") != "nnviz-network":
        raise ValueError(_('not an nnviz network file (missing "format": "nnviz-network")'))
    if d.get("version") != SCHEMA_VERSION or isinstance(d.get("version"), bool):
        raise ValueError(
            _("unsupported schema version {version}; this nnviz reads version {supported}").format(
                version=quoted(d.get("version")), supported=SCHEMA_VERSION
            )
        )
    for key in ("activations", "weights"):
        if not isinstance(d.get(key), list):
            raise ValueError(_("field {key} must be a list").format(key=repr(key)))
    if not all(isinstance(a, str) for a in d["activations"]):
        raise ValueError(_("field 'activations' must be a list of names such as \"sigmoid\""))
    biases = d.get("biases")
    if biases is not None and not isinstance(biases, list):
        raise ValueError(_("field 'biases' must be a list (or null for no biases)"))
    sizes = d.get("sizes")
    if "sizes" in d and not (isinstance(sizes, list) and all(_is_int(n) for n in sizes)):
        raise ValueError(_("field 'sizes' must be a list of whole numbers, got {value}").format(value=quoted(sizes)))
    if "bias_mode" in d and not isinstance(d["bias_mode"], str):
        raise ValueError(
            _("field 'bias_mode' must be one of {choices}, got {value}").format(
                choices=BIAS_MODES, value=quoted(d["bias_mode"])
            )
        )
    try:
        ws = [np.asarray(w, dtype=np.float64) for w in d["weights"]]
        bs = None if biases is None else [np.asarray(b, dtype=np.float64) for b in biases]
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise ValueError(  # why: NumPy's words (English)
            _("weights and biases must be nested lists of numbers ({why})").format(why=quoted(str(exc), 80))
        ) from None
    bias_mode = d.get("bias_mode", "none" if bs is None else "trainable")
    dead = _dead_from_lists(d.get("dead"), ws)
    net = Network.from_arrays(ws, bs, d["activations"], bias_mode, dead=dead)
    if sizes is not None and sizes != net.sizes:
        raise ValueError(
            _("field 'sizes' says {value} but the weights give {sizes}").format(value=quoted(sizes), sizes=net.sizes)
        )
    return net


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------------------
# Phases of one update.


@dataclass(frozen=True)
class Phase:
    """One stop of the step-through: ``kind`` in forward/loss/backward/update; ``layer`` 0-based or None."""

    kind: str
    layer: int | None = None

    @property
    def label(self) -> str:
        if self.layer is None:
            return self.kind
        return f"{self.kind} layer {self.layer + 1}"


def phases(n_layers: int) -> list[Phase]:
    """forward 1 … L, loss, backward L … 1, update."""
    return (
        [Phase("forward", l) for l in range(n_layers)]
        + [Phase("loss")]
        + [Phase("backward", l) for l in range(n_layers - 1, -1, -1)]
        + [Phase("update")]
    )


@dataclass(frozen=True)
class StepRecord:
    """Everything one update produced, in phase order.

    ``before``/``after``: the networks; ``indices``: which samples formed the
    batch; ``trace``: forward; ``grads``: backward; ``update``: ΔW, Δb;
    ``loss_before``/``loss_after``: the batch loss before and after the update.
    """

    before: Network
    after: Network
    indices: np.ndarray
    trace: ForwardTrace
    grads: Gradients
    update: Update
    learning_rate: float
    loss_after: float
    #: with an optimiser from ``nnviz.optim``: it (with this step's η), its state before and after the step
    optimizer: object | None = None
    opt_before: object | None = None
    opt_after: object | None = None

    @property
    def loss_before(self) -> float:
        return self.grads.loss

    @property
    def per_sample(self) -> np.ndarray:
        return self.grads.per_sample

    @property
    def phases(self) -> list[Phase]:
        return phases(self.before.n_layers)

    @property
    def diverged(self) -> bool:
        return not (math.isfinite(self.loss_before) and math.isfinite(self.loss_after)) or not np.all(
            np.isfinite(self.after.parameter_vector())
        )


def train_step(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    learning_rate: float,
    indices: np.ndarray | None = None,
    update_biases: bool = True,
    momentum: float = 0.0,
    velocity: np.ndarray | None = None,
    regularization: str | None = None,
    regularization_rate: float = 0.0,
    optimizer=None,
    opt_state=None,
) -> StepRecord:
    """Forward → loss → backward → update on the batch (X, Y), recording every phase.

    With a regulariser both losses include λ·Σ R(w) (before: of ``net``, after: of the result).
    ``optimizer`` (an ``nnviz.optim.Optimizer``, its η being ``learning_rate``) with its state
    ``opt_state`` makes the update instead of SGD / ``momentum``; the record keeps both states.
    """
    opt_after = None
    with np.errstate(over="ignore", invalid="ignore"):
        trace = net.forward(X)
        grads = net.backward(trace, Y, loss, regularization, regularization_rate)
        if optimizer is not None:
            upd, opt_after = optimizer.update(net, grads, opt_state)
        else:
            upd = net.compute_update(grads, learning_rate, update_biases, momentum, velocity)
        ws = [w + d for w, d in zip(net.weights, upd.dW)]
        bs = None if net.biases is None else [b + d for b, d in zip(net.biases, upd.db)]
        after = _unchecked_network(ws, bs, net, upd.dead)
        z, a = after._output(trace.input)
        loss_after = loss_spec(loss).evaluate(z, a, grads.targets).value
        if grads.penalty or grads.regularization_rate:
            loss_after += after.penalty(grads.regularization, grads.regularization_rate)
    if indices is None:
        indices = np.arange(trace.input.shape[0])
    rec = (net, after, np.asarray(indices), trace, grads, upd, float(learning_rate), loss_after)
    return StepRecord(*rec, optimizer, opt_state, opt_after)


def _unchecked_network(ws, bs, like: Network, dead: tuple[np.ndarray, ...] | None = None) -> Network:
    # After an update the parameters may be non-finite (a diverged run); the
    # record keeps them so the UI can say so, but they are never validated as input.
    # ``dead``: the dead-link masks after the update (already validated), default like's.
    for a in ws + (bs or []):
        a.setflags(write=False)
    return Network(ws, bs, list(like.activations), like.bias_mode, like.dead if dead is None else dead)


# ---------------------------------------------------------------------------
# Batching: which samples form step k (deterministic, random access).


def _arange(n: int) -> np.ndarray:
    r = np.arange(n)
    r.setflags(write=False)
    return r


@dataclass(frozen=True)
class BatchSchedule:
    """Steps through ``n_samples`` in batches of ``batch_size`` (None: full batch).

    Epoch e visits the samples in order (``shuffle=False``, as seed 004) or in the
    permutation drawn from ``default_rng([seed, e])``: step k's batch is known
    without replaying steps 0 … k−1.
    """

    n_samples: int
    batch_size: int | None = None
    shuffle: bool = False
    seed: int = 0

    @property
    def size(self) -> int:
        if self.batch_size is None:
            return self.n_samples
        return max(1, min(int(self.batch_size), self.n_samples))

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_samples // self.size)

    def order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return _arange(self.n_samples)
        return np.random.default_rng([self.seed, epoch]).permutation(self.n_samples)

    def batch(self, step: int) -> np.ndarray:
        """Indices of the samples used by step ``step`` (0-based)."""
        size = self.size
        epoch, pos = divmod(step, -(-self.n_samples // size))
        return self.order(epoch)[pos * size : (pos + 1) * size]

    def epoch_of(self, step: int) -> int:
        return step // self.steps_per_epoch


# ---------------------------------------------------------------------------
# History: a walkable list of steps, kept compact and bounded.

#: bytes of parameter rows (and momentum velocities) one History keeps before it thins them
MAX_HISTORY_ROW_BYTES = 2_000_000
#: the most steps one History takes; each step keeps 3 float64 scalars (24 bytes)
MAX_HISTORY_STEPS = 200_000


class HistoryFull(ValueError):
    """Raised by :meth:`History.step` when the history already holds ``max_steps`` steps."""


#: HistoryFull's message (``{n}``: the limit, with thousands separators)
HISTORY_FULL = N_("the history holds at most {n} steps; Reset to start again")


class History:
    """The run so far: the parameters after every step, walkable backwards, in bounded memory.

    Stored: per step, the learning rate and the batch loss before and after (float64 arrays);
    and flat parameter vectors ("rows", plus the optimiser's state: the momentum velocity, or
    the buffers of ``optimizer``'s :class:`~nnviz.optim.OptimizerState`) for the *kept* steps;
    and per weight the step after which it is a dead link (L1, ``regularization``), so that
    :meth:`network` has the dead-link mask of every step. While the rows fit in ``max_row_bytes``
    every step is kept (for the 2-2-2 toy net: 12 parameters, 1,000 steps ≈ 0.1 MB). Beyond that
    the history thins: it keeps the steps that are multiples of :attr:`stride` (1, then 2, 4, … — doubled whenever
    the rows would not fit) and always the last step, so at most ``max_rows`` + 1 rows.
    :meth:`kept_steps` / :meth:`is_kept` say which.

    :meth:`network` and :meth:`record` work for every step: a kept step is read from its row;
    another is recomputed from the nearest kept step before it (at most ``stride`` − 1 steps).
    Recomputation gives bit-identical numbers because the engine is deterministic.

    Memory bound: ``max_row_bytes`` + 24 bytes × ``max_steps`` + one row (default 2 MB + 4.8 MB
    = 6.8 MB), whatever the run; :meth:`step` raises :class:`HistoryFull` at ``max_steps``.
    """

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        Y: np.ndarray,
        loss: str,
        schedule: BatchSchedule | None = None,
        update_biases: bool = True,
        momentum: float = 0.0,
        max_row_bytes: int = MAX_HISTORY_ROW_BYTES,
        max_steps: int = MAX_HISTORY_STEPS,
        regularization: str | None = None,
        regularization_rate: float = 0.0,
        optimizer: str | None = None,
        optimizer_hyper: Mapping[str, float] | None = None,
        optimizer_state=None,
    ):
        """``optimizer``: a name of ``nnviz.optim.OPTIMIZERS`` with ``optimizer_hyper`` (its
        hyper-parameters but the learning rate, which each :meth:`step` gives); None: plain SGD, or
        History's own momentum form with ``momentum``. ``regularization`` / ``regularization_rate``:
        the penalty term of the loss (see :meth:`Network.backward`). ``optimizer_state``: the
        optimiser's state to start from (a loaded file's), default zero buffers at step 0."""
        net.check_loss(loss)
        self.template = net
        self.X = _as_batch(X, net.sizes[0], net.dtype, "X")
        self.Y = _as_batch(Y, net.sizes[-1], net.dtype, "Y")
        if self.X.shape[0] != self.Y.shape[0]:
            raise ValueError(f"X has {self.X.shape[0]} rows but Y has {self.Y.shape[0]}")
        self.loss = loss
        self.schedule = schedule or BatchSchedule(self.X.shape[0])
        self.update_biases = update_biases
        self.momentum = float(momentum)
        self.regularization = regularization
        self.regularization_rate = float(regularization_rate)
        net.penalty(regularization, 1.0)  # checks the name
        if not (math.isfinite(self.regularization_rate) and self.regularization_rate >= 0):
            raise ValueError(
                _("the regularization rate must be finite and ≥ 0, got {value}").format(value=repr(regularization_rate))
            )
        self.optimizer = optimizer
        self.optimizer_hyper = MappingProxyType(dict(optimizer_hyper or {}))
        if optimizer is not None:
            from nnviz import optim  # optim builds on this module

            if momentum:
                raise ValueError("give momentum= or optimizer=, not both")
            if "learning_rate" in self.optimizer_hyper:
                raise ValueError("the learning rate is given per step, not in optimizer_hyper")
            optim.make_optimizer(optimizer, update_biases, **self.optimizer_hyper)  # checks the values
            self._slot_names: tuple[str, ...] = optim.OPTIMIZERS[optimizer].slots
        else:
            self._slot_names = ("velocity",) if momentum else ()
        n = net.n_parameters
        width = n * len(self._slot_names)
        extra_dtype = np.dtype(np.float64) if optimizer is not None else net.dtype
        row_bytes = n * net.dtype.itemsize + width * extra_dtype.itemsize
        #: rows kept at most before thinning (at least 3, however large the network)
        self.max_rows = max(3, int(max_row_bytes) // row_bytes)
        self.max_steps = int(max_steps)
        first = min(16, self.max_rows + 1)
        self._params = np.empty((first, n), dtype=net.dtype)
        self._params[0] = net.parameter_vector()
        # the optimiser's state after each kept step (its buffers side by side), or None
        self._extra = np.zeros((first, width), dtype=extra_dtype) if width else None
        self._t0 = 0  # the optimiser's step count at the start
        #: parameters set by hand (:meth:`edit`): after k steps, [(flat index, value), …]
        self._edits: dict[int, list[tuple[int, float]]] = {}
        if optimizer_state is not None:
            if optimizer_state.name != optimizer:
                raise ValueError(f"a {optimizer_state.name!r} state cannot start a {optimizer!r} run")
            self._t0 = int(optimizer_state.step)
            if width:
                self._extra[0] = np.concatenate([optimizer_state.slots[k] for k in self._slot_names])
        # per flat parameter: the number of steps after which it is a dead link (_ALIVE: not dead)
        self._died_at = np.full(n, _ALIVE, dtype=np.int64)
        if net.dead is not None:
            self._died_at[_dead_flat(net)] = 0
        #: dead links brought back by an edit (:meth:`edit`): per flat parameter, the (died, edited)
        #: step counts of each earlier death, dead in between; _died_at holds the current death only
        self._revived: dict[int, list[tuple[int, int]]] = {}
        self._kept = np.zeros(first, dtype=np.int64)  # the step of each row
        self._rows = 1
        self._stride = 1
        self._scalars = np.empty((3, 16))  # learning rate, loss before, loss after, per step
        self._n = 0
        # the network after the last step, so the next step need not rebuild it from a row
        self._head: Network | None = None

    def __len__(self) -> int:
        """Number of steps taken."""
        return self._n

    # -- per-step scalars ------------------------------------------------------

    @property
    def learning_rates(self) -> np.ndarray:
        """Learning rate of each step, (n_steps,) (a copy)."""
        return self._scalars[0, : self._n].copy()

    @property
    def losses(self) -> np.ndarray:
        """Batch loss before each step, (n_steps,) (a copy)."""
        return self._scalars[1, : self._n].copy()

    @property
    def losses_after(self) -> np.ndarray:
        return self._scalars[2, : self._n].copy()

    def loss_at(self, k: int) -> float:
        """Batch loss before step ``k`` (0-based), without copying the whole array."""
        if not 0 <= k < self._n:
            raise IndexError(f"step {k} is outside 0 … {self._n - 1}")
        return float(self._scalars[1, k])

    # -- which steps are kept ----------------------------------------------------

    @property
    def stride(self) -> int:
        """Every ``stride``-th step is kept (1 until the history thins), and the last one."""
        return self._stride

    def kept_steps(self) -> np.ndarray:
        """The kept steps, increasing: 0, stride, 2·stride, …, and len(self); (n_kept,) int64 (a copy)."""
        return self._kept[: self._rows].copy()

    def is_kept(self, k: int) -> bool:
        """Whether the network after ``k`` steps is stored (else :meth:`network` recomputes it)."""
        return 0 <= k <= self._n and (k % self._stride == 0 or k == self._n)

    def nearest_kept(self, k: int) -> int:
        """The kept step closest to ``k`` (ties: the earlier one), for a slider that snaps to them."""
        kept = self._kept[: self._rows]
        i = int(np.searchsorted(kept, k))
        if i >= self._rows:
            return int(kept[-1])
        if i == 0 or kept[i] == k:
            return int(kept[i])
        return int(kept[i - 1]) if k - kept[i - 1] <= kept[i] - k else int(kept[i])

    @property
    def parameters(self) -> np.ndarray:
        """Parameter vectors of the kept steps, (n_kept, n_params), in the order of :meth:`kept_steps`.

        Until the history thins (``stride == 1``) that is steps 0 … n, initial first, so
        row k is the network after k steps.
        """
        return self._params[: self._rows]

    @property
    def nbytes(self) -> int:
        """Bytes held: rows in use (with velocities) and the per-step scalars."""
        rows = self._params[: self._rows].nbytes
        extra = 0 if self._extra is None else self._extra[: self._rows].nbytes
        return rows + extra + 3 * 8 * self._n + self._died_at.nbytes

    # -- networks and records ------------------------------------------------------

    def network(self, k: int | None = None) -> Network:
        """The network after ``k`` steps (default: now)."""
        k = self._n if k is None else k
        if not 0 <= k <= self._n:
            raise IndexError(f"step {k} is outside 0 … {self._n}")
        if k == self._n and self._head is not None:
            return self._head
        return self._state(k)[0]

    def _row(self, k: int) -> int | None:
        i = int(np.searchsorted(self._kept[: self._rows], k))
        return i if i < self._rows and self._kept[i] == k else None

    def _state(self, k: int) -> tuple[Network, np.ndarray | None]:
        """(network, optimiser buffers) after ``k`` steps: from its row, or replayed from the kept step before it."""
        i = self._row(k)
        if i is not None:
            extra = None if self._extra is None else self._extra[i]
            return self._network_unchecked(self._params[i], k), extra
        i = int(np.searchsorted(self._kept[: self._rows], k)) - 1
        j = int(self._kept[i])
        net = self._network_unchecked(self._params[i], j)
        extra = None if self._extra is None else self._extra[i]
        for t in range(j, k):
            rec = self._train(t, net, extra, float(self._scalars[0, t]))
            net, extra = rec.after, self._extra_after(rec)
            if t + 1 in self._edits:  # set by hand after this step
                v = net.parameter_vector()
                for index, value in self._edits[t + 1]:
                    v[index] = value
                net = self._network_unchecked(v, t + 1)
        return net, extra

    def edit(self, name: str, value: float) -> Network:
        """Set the parameter ``name`` (``"W1[0,2]"``, ``"b2[0]"``) of the network after the last step to
        ``value``; the next step starts from the edited network (its optimiser state unchanged). The
        record of the step before still shows its own update, so stepping back from the edited network
        shows the one before the edit. A dead link set to a value comes back to life: it is updated
        again from the next step on (and L1 may kill it again), while the steps before the edit keep it
        dead. (Playground leaves an edited dead link dead at the typed value; in nnviz a dead link is 0.)"""
        k = self._n
        net = self.network(k)
        v = net.with_value(name, value).parameter_vector()  # ValueError: no such parameter, not finite
        i = net.parameter_names().index(name)
        if self._died_at[i] <= k:  # revive: dead from its death until this edit
            if self._died_at[i] < k:
                self._revived.setdefault(i, []).append((int(self._died_at[i]), k))
            self._died_at[i] = _ALIVE
        self._edits.setdefault(k, []).append((i, float(v[i])))
        self._params[self._rows - 1] = v  # the last row is the network after k steps
        self._head = self._network_unchecked(v, k)
        return self._head

    def revived(self) -> dict[str, list[tuple[int, int]]]:
        """Dead links brought back by an edit: {name: [(steps before it died, steps before the edit), …]}."""
        names = self.template.parameter_names()
        return {names[i]: list(spans) for i, spans in sorted(self._revived.items())}

    def _dead_flat_at(self, k: int) -> np.ndarray:
        """Per flat parameter: a dead link after ``k`` steps."""
        dead = self._died_at <= k
        for i, spans in self._revived.items():
            if any(d <= k < e for d, e in spans):
                dead[i] = True
        return dead

    def death(self, name: str, k: int | None = None) -> int | None:
        """After how many steps the link ``name``, dead after ``k`` steps (default: now), died; None when
        it is alive then (or is no weight)."""
        k = self._n if k is None else k
        names = self.template.parameter_names()
        if name not in names:
            return None
        i = names.index(name)
        if self._died_at[i] <= k:
            return int(self._died_at[i])
        return next((d for d, e in self._revived.get(i, ()) if d <= k < e), None)

    def edits(self) -> dict[int, list[tuple[str, float]]]:
        """The parameters set by hand: {steps before the edit: [(name, value), …]}."""
        names = self.template.parameter_names()
        return {k: [(names[i], v) for i, v in e] for k, e in sorted(self._edits.items())}

    def _network_unchecked(self, v: np.ndarray, k: int) -> Network:
        """The network of row ``v``, the one after ``k`` steps (its dead links are those dead by then)."""
        ws, bs = self.template._unflatten(v.copy())
        dead_flat = self._dead_flat_at(k)
        dead = None
        if dead_flat.any():
            dead = tuple(m.copy() for m in self.template._unflatten(dead_flat)[0])
            for m in dead:
                m.setflags(write=False)
        net = _unchecked_network(ws, bs, self.template, dead)
        if dead is None and net.dead is not None:  # the start's dead links were all brought back (edit)
            net = replace(net, dead=None)
        return net

    def _optimizer(self, learning_rate: float):
        from nnviz import optim

        hyper = self.optimizer_hyper
        return optim.make_optimizer(self.optimizer, self.update_biases, learning_rate=learning_rate, **hyper)

    def _opt_state(self, k: int, extra: np.ndarray | None):
        """The optimiser's state before step ``k`` (0-based): ``k`` steps taken, buffers from ``extra``."""
        from nnviz import optim

        n = self.template.n_parameters
        slots = {}
        for i, name in enumerate(self._slot_names):
            v = np.array(extra[i * n : (i + 1) * n], dtype=np.float64)
            v.setflags(write=False)
            slots[name] = v
        return optim.OptimizerState(self.optimizer, self._t0 + k, MappingProxyType(slots))

    def optimizer_state(self, k: int | None = None):
        """The ``nnviz.optim.OptimizerState`` after ``k`` steps (default: now); None without ``optimizer``."""
        k = self._n if k is None else k
        if self.optimizer is None:
            return None
        if not 0 <= k <= self._n:
            raise IndexError(f"step {k} is outside 0 … {self._n}")
        extra = self._head_extra() if k == self._n and self._head is not None else self._state(k)[1]
        return self._opt_state(k, extra)

    def died_at(self) -> np.ndarray:
        """Per flat parameter, the number of steps after which it is a dead link; −1 while alive (a copy)."""
        return np.where(self._died_at == _ALIVE, -1, self._died_at)

    def _extra_after(self, rec: StepRecord) -> np.ndarray | None:
        if self._extra is None:
            return None
        if self.optimizer is not None:
            return np.concatenate([rec.opt_after.slots[name] for name in self._slot_names])
        return rec.update.velocity

    def batch(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indices, X, Y) of step ``k`` (0-based)."""
        idx = self.schedule.batch(k)
        return idx, self.X[idx], self.Y[idx]

    @property
    def full(self) -> bool:
        """True when the history holds ``max_steps`` steps: :meth:`step` would raise HistoryFull."""
        return self._n >= self.max_steps

    def step(self, learning_rate: float) -> StepRecord:
        """Take one more step and record it."""
        if self.full:
            # the message's words are a catalogue entry: the player shows them translated (HISTORY_FULL)
            raise HistoryFull(HISTORY_FULL.format(n=f"{self.max_steps:,}"))
        k = self._n
        rec = self._compute(k, learning_rate)
        if k >= self._scalars.shape[1]:
            grown = np.empty((3, min(2 * self._scalars.shape[1], self.max_steps)))
            grown[:, :k] = self._scalars[:, :k]
            self._scalars = grown
        self._scalars[:, k] = (float(learning_rate), rec.loss_before, rec.loss_after)
        if rec.after.dead is not None:
            died = _dead_flat(rec.after) & (self._died_at == _ALIVE)
            self._died_at[died] = k + 1
        if self._kept[self._rows - 1] % self._stride:
            self._rows -= 1  # the previous last step was kept only for being the last
        self._put_row(k + 1, rec.after.parameter_vector(), self._extra_after(rec))
        self._n += 1
        self._head = rec.after
        if self._rows > self.max_rows:
            self._thin()
        return rec

    def _put_row(self, k: int, params: np.ndarray, extra: np.ndarray | None) -> None:
        i = self._rows
        if i >= self._params.shape[0]:
            size = min(2 * self._params.shape[0], self.max_rows + 1)
            self._params = _grown(self._params, size)
            self._kept = _grown(self._kept, size)
            if self._extra is not None:
                self._extra = _grown(self._extra, size)
        self._params[i] = params
        if self._extra is not None:
            self._extra[i] = extra
        self._kept[i] = k
        self._rows += 1

    def _thin(self) -> None:
        """Double the stride and keep the rows of its multiples (and the last one)."""
        self._stride *= 2
        kept = self._kept[: self._rows]
        keep = np.flatnonzero((kept % self._stride == 0) | (np.arange(self._rows) == self._rows - 1))
        m = keep.size
        self._params[:m] = self._params[keep]
        self._kept[:m] = self._kept[keep]
        if self._extra is not None:
            self._extra[:m] = self._extra[keep]
        self._rows = m

    def _compute(self, k: int, learning_rate: float) -> StepRecord:
        if k == self._n and self._head is not None:
            net, extra = self._head, self._head_extra()
        else:
            net, extra = self._state(k)
        return self._train(k, net, extra, learning_rate)

    def _head_extra(self) -> np.ndarray | None:
        return None if self._extra is None else self._extra[self._rows - 1]

    def _train(self, k: int, net: Network, extra: np.ndarray | None, learning_rate: float) -> StepRecord:
        idx, Xb, Yb = self.batch(k)
        reg, rate = self.regularization, self.regularization_rate
        if self.optimizer is None:
            return train_step(
                net, Xb, Yb, self.loss, learning_rate, idx, self.update_biases, self.momentum, extra, reg, rate
            )
        opt, state = self._optimizer(learning_rate), self._opt_state(k, extra)
        biases = self.update_biases
        return train_step(net, Xb, Yb, self.loss, learning_rate, idx, biases, 0.0, None, reg, rate, opt, state)

    def record(self, k: int) -> StepRecord:
        """The full record of step ``k`` (0-based), recomputed from the parameters before it."""
        if not 0 <= k < self._n:
            raise IndexError(f"step {k} is outside 0 … {self._n - 1}")
        return self._compute(k, float(self._scalars[0, k]))

    def back(self, n: int = 1) -> None:
        """Forget the last ``n`` steps (never past the start)."""
        self.truncate(max(0, self._n - n))

    def truncate(self, k: int) -> None:
        """Keep steps 0 … k−1 only."""
        k = max(0, min(int(k), self._n))
        if k == self._n:
            return
        self._died_at[(self._died_at > k) & (self._died_at != _ALIVE)] = _ALIVE  # the links that died later live
        for i in list(self._revived):  # revivals after k are undone: a link dead then is dead again
            spans = [(d, e) for d, e in self._revived[i] if d <= k]
            if spans and spans[-1][1] > k:
                self._died_at[i] = spans.pop()[0]
            if spans:
                self._revived[i] = spans
            else:
                del self._revived[i]
        self._edits = {s: e for s, e in self._edits.items() if s <= k}  # an edit after k steps stays with them
        if k == 0:  # row 0 (the start, with its optimiser state) stays
            self._rows, self._stride = 1, 1
        elif self._row(k) is not None:
            self._rows = self._row(k) + 1
        else:
            net, extra = self._state(k)
            self._rows = int(np.searchsorted(self._kept[: self._rows], k))
            self._put_row(k, net.parameter_vector(), extra)
        self._head = None
        self._n = k

    def diverged_at(self) -> int | None:
        """The first step whose loss or (kept) parameters became non-finite, or None."""
        bad = ~np.isfinite(self._scalars[1:, : self._n]).all(axis=0)
        first = int(np.argmax(bad)) if bad.any() else None
        rows = ~np.isfinite(self._params[: self._rows]).all(axis=1)
        if rows.any():
            # the row of step j is the network after j steps: some step before j diverged
            j = int(self._kept[int(np.argmax(rows))])
            first = j - 1 if first is None else min(first, j - 1)
        return first

    def epoch_losses(self) -> np.ndarray:
        """Sum of the step losses over each complete epoch (seed 004's summed error uses this)."""
        spe = self.schedule.steps_per_epoch
        full = self._n // spe
        return self._scalars[1, : full * spe].reshape(full, spe).sum(axis=1)


_ALIVE = np.iinfo(np.int64).max


def _dead_flat(net: Network) -> np.ndarray:
    """The dead-link mask of ``net`` in flat parameter order (False for biases), (n_params,) bool."""
    if net.dead is None:
        return np.zeros(net.n_parameters, dtype=bool)
    zeros = None if net.biases is None else [np.zeros(b.shape, bool) for b in net.biases]
    return net._flatten(list(net.dead), zeros).astype(bool)


def _grown(a: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros((rows, *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


# ---------------------------------------------------------------------------
# Finite differences.


@dataclass(frozen=True)
class GradientCheck:
    """Analytic vs central-difference gradient for every parameter, in flat order."""

    names: list[str]
    analytic: np.ndarray
    numerical: np.ndarray

    @property
    def relative_error(self) -> np.ndarray:
        """|a − n| / max(|a| + |n|, 1e-12)."""
        a, n = self.analytic, self.numerical
        return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)

    @property
    def max_relative_error(self) -> float:
        return float(self.relative_error.max()) if self.analytic.size else 0.0


def gradient_check(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "half_sse",
    eps: float = 1e-6,
    regularization: str | None = None,
    regularization_rate: float = 0.0,
) -> GradientCheck:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε for every parameter, in one batched evaluation.

    L includes λ·Σ R(w) when a regulariser is given. Frozen biases still have a
    gradient (they are parameters of L); they are just never updated.
    """
    if net.dtype != np.float64:
        net = Network.from_arrays(net.weights, net.biases, net.activations, net.bias_mode, np.float64, net.dead)
    theta = net.parameter_vector()
    p = theta.size
    eye = np.eye(p) * eps
    thetas = np.concatenate([theta + eye, theta - eye])
    losses = batched_loss(net, thetas, X, Y, loss)
    reg = regularizer(regularization)
    if reg.name != "none" and regularization_rate:
        # λ·Σ R over the weight entries of every perturbed θ (R(0) = 0, so masking biases to 0 drops them)
        losses = losses + regularization_rate * reg.penalty(thetas * net._weight_mask()).sum(axis=1)
    numerical = (losses[:p] - losses[p:]) / (2 * eps)
    grads = net.backward(net.forward(X), Y, loss, regularization, regularization_rate)
    return GradientCheck(net.parameter_names(), net.gradient_vector(grads), numerical)


# ---------------------------------------------------------------------------
# Batched loss evaluation: many parameter vectors at once (loss surfaces).


def batched_loss(
    net: Network, thetas: np.ndarray, X: np.ndarray, Y: np.ndarray, loss: str = "half_sse", chunk_elems: int = 2_000_000
) -> np.ndarray:
    """Loss for each row of ``thetas`` (G, n_params) on (X, Y), as stacked matmuls.

    Returns (G,). Work is chunked over G so that no intermediate holds more than
    about ``chunk_elems`` numbers.
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=net.dtype))
    X = _as_batch(X, net.sizes[0], net.dtype, "X")
    Y = _as_batch(Y, net.sizes[-1], net.dtype, "Y")
    net.check_loss(loss)
    per_point = X.shape[0] * max(net.sizes) + net.n_parameters
    chunk = max(1, chunk_elems // per_point)
    out = np.empty(thetas.shape[0], dtype=np.float64)
    spec = loss_spec(loss)
    for s in range(0, thetas.shape[0], chunk):
        T = thetas[s : s + chunk]
        g = T.shape[0]
        a = np.broadcast_to(X, (g,) + X.shape)
        i = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for l, w in enumerate(net.weights):
                W = T[:, i : i + w.size].reshape(g, *w.shape)
                i += w.size
                z = a @ W
                if net.biases is not None:
                    n = w.shape[1]
                    z = z + T[:, None, i : i + n]
                    i += n
                a = ACTIVATIONS[net.activations[l]].forward(z)
            out[s : s + g] = spec.per_sample(z, a, Y).sum(axis=-1)
    return out


@dataclass(frozen=True)
class LossSurface:
    """L on a grid: ``values[j, i]`` at θ + alphas[i]·d1 + betas[j]·d2."""

    alphas: np.ndarray
    betas: np.ndarray
    values: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    center: np.ndarray

    def project(self, thetas: np.ndarray) -> np.ndarray:
        """Coordinates (α, β) of parameter vectors in this plane, least squares; (n, 2)."""
        D = np.stack([self.d1, self.d2], axis=1)
        coef, *_rest = np.linalg.lstsq(D, (np.atleast_2d(thetas) - self.center).T, rcond=None)
        return coef.T


def loss_surface(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
) -> LossSurface:
    """Loss over the plane θ + α·d1 + β·d2, everything else fixed; one batched computation.

    ``d1``, ``d2``: flat direction vectors (n_params,); a unit vector picks out a
    single parameter. Returns a grid of shape (len(betas), len(alphas)).
    """
    theta = net.parameter_vector().astype(np.float64)
    alphas = np.asarray(alphas, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    A, B = np.meshgrid(alphas, betas)
    d1, d2 = np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)
    # θ + α·d1 + β·d2 built parameter-major (long inner loops), then viewed as (G, n_params)
    thetas = (theta[:, None] + d1[:, None] * A.ravel() + d2[:, None] * B.ravel()).T
    values = batched_loss(net, thetas, X, Y, loss).reshape(B.shape)
    return LossSurface(alphas, betas, values, d1, d2, theta)


def unit_direction(net: Network, name: str) -> np.ndarray:
    """The flat unit vector of the parameter called ``name`` (e.g. ``"W1[0,1]"``)."""
    names = net.parameter_names()
    try:
        i = names.index(name)
    except ValueError:
        raise ValueError(_("no parameter called {name}").format(name=repr(name))) from None
    d = np.zeros(len(names))
    d[i] = 1.0
    return d

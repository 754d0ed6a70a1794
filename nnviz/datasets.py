"""TensorFlow Playground's six data sets and seven input features, seeded (NumPy only).

Transcribed from Playground's ``src/dataset.ts`` and ``src/playground.ts``
(Copyright 2016 Google Inc., Apache-2.0): the same coordinates (points in
[−6, 6]², classification inside [−5.3, 5.3]²), the same rules and the same
meaning of noise. Playground's noise slider reads 0–50 % and hands its
generators ``noise = percent / 100`` ∈ [0, 0.5]; :func:`make_dataset` takes that
number (:func:`noise_from_percent` converts). What noise does, per generator:

    circle, xor, reg_plane, reg_gauss   the label is the rule applied at the point
                                        moved by uniform noise·U(−r, r) in x and y
                                        (r = 5, 5, 6, 6); the point itself stays
    gauss                               the variance grows linearly, 0.5 → 4
    spiral                              the point moves by noise·U(−1, 1) in x and y

Playground's labels are ±1 (a tanh output is trained towards them); here
``labels`` are 0/1 (1 where Playground says +1). ``Y`` follows
:class:`nnviz.examples.Dataset`: one-hot (n, 2) for classification, the value
(n, 1) in about [−1, 1] for regression. Playground's ±1 target column comes from
``targets(ds, "signed")``. Randomness comes only from the
``np.random.Generator`` seeded by ``seed``, so the draws differ from Playground's
``Math.random`` while the distributions are the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from nnviz.examples import Dataset
from nnviz.i18n import N_, _  # the registry keeps the English labels; display sites translate them

# A generator: (rng, n_samples, noise) -> (X (n, 2), Playground's label (n,)).
Generator = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]


def _halves(n: int) -> tuple[int, int]:
    # Playground loops i < n/2 twice; an odd n gives the second half one more point
    return n // 2, n - n // 2


def _circle(rng, n, noise):
    radius = 5.0
    parts = []
    for count, (r_lo, r_hi) in zip(_halves(n), ((0.0, radius * 0.5), (radius * 0.7, radius))):
        r = rng.uniform(r_lo, r_hi, count)
        angle = rng.uniform(0, 2 * math.pi, count)
        parts.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
    X = np.concatenate(parts)
    moved = X + rng.uniform(-radius, radius, X.shape) * noise
    return X, np.where(np.hypot(moved[:, 0], moved[:, 1]) < radius * 0.5, 1.0, -1.0)


def _xor(rng, n, noise):
    X = rng.uniform(-5, 5, (n, 2))
    X = X + np.where(X > 0, 0.3, -0.3)  # padding keeps the points off the axes
    moved = X + rng.uniform(-5, 5, X.shape) * noise
    return X, np.where(moved[:, 0] * moved[:, 1] >= 0, 1.0, -1.0)


def _gauss(rng, n, noise):
    # d3.scale.linear().domain([0, .5]).range([0.5, 4]): the variance, not the deviation
    sd = math.sqrt(0.5 + 7.0 * noise)
    pos, neg = _halves(n)
    X = np.concatenate([rng.normal(2, sd, (pos, 2)), rng.normal(-2, sd, (neg, 2))])
    return X, np.concatenate([np.ones(pos), -np.ones(neg)])


def _spiral_arm(rng, count, delta_t, noise):
    i = np.arange(count)
    r = i / count * 5
    t = 1.75 * i / count * 2 * math.pi + delta_t
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return X + rng.uniform(-1, 1, X.shape) * noise


def _spiral(rng, n, noise):
    pos, neg = _halves(n)
    X = np.concatenate([_spiral_arm(rng, pos, 0.0, noise), _spiral_arm(rng, neg, math.pi, noise)])
    return X, np.concatenate([np.ones(pos), -np.ones(neg)])


def _reg_plane(rng, n, noise):
    X = rng.uniform(-6, 6, (n, 2))
    moved = X + rng.uniform(-6, 6, X.shape) * noise
    # d3.scale.linear().domain([−10, 10]).range([−1, 1]) of x + y, not clamped
    return X, (moved[:, 0] + moved[:, 1]) / 10


REG_GAUSS_CENTERS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def reg_gauss_rule(X: np.ndarray) -> np.ndarray:
    """Playground's multi-Gaussian surface at X (n, 2): of sign·max(0, 1 − d/2) over six centres, the largest |·|."""
    c = np.array(REG_GAUSS_CENTERS, dtype=float)
    d = np.hypot(X[:, :1] - c[:, 0], X[:, 1:] - c[:, 1])  # (n, 6)
    v = c[:, 2] * np.clip(1 - d / 2, 0, 1)
    # the first centre of largest |v| wins, as Playground's strict ">" loop
    return v[np.arange(len(X)), np.argmax(np.abs(v), axis=1)] + 0.0


def _reg_gauss(rng, n, noise):
    X = rng.uniform(-6, 6, (n, 2))
    return X, reg_gauss_rule(X + rng.uniform(-6, 6, X.shape) * noise)


@dataclass(frozen=True)
class DataGenerator:
    """One registry entry: a generator, its label, its task, Playground's sample count and its rule in LaTeX
    (formulas only, no words: the page shows it in every language; noise moves x before the rule)."""

    name: str
    label: str
    task: str  # "classification" or "regression"
    generate: Generator
    n_default: int
    rule: str


# each data set's rule, formulas only (shown on the page in every language); noise moves x first
_RULES = MappingProxyType(
    {
        "circle": r"y = 1 \iff \lVert x \rVert < 2.5,\ y \in \{-1, 1\}",
        "xor": r"y = 1 \iff x_1 x_2 \ge 0,\ y \in \{-1, 1\}",
        "gauss": r"x \sim \mathcal{N}\big(\pm(2, 2),\ \sigma^2 I\big) \Rightarrow y = \pm 1",
        "spiral": r"x = \tfrac{5i}{m}\,(\sin t, \cos t),\ "
        r"t = \tfrac{3.5\pi i}{m} + \{0 \Rightarrow y = 1;\ \pi \Rightarrow y = -1\}",
        "reg_plane": r"y = (x_1 + x_2)/10",
        "reg_gauss": r"y = v_{c^*},\ v_c = s_c \max(0, 1 - \lVert x - c\rVert/2),\ "
        r"c^* = \arg\max_c |v_c|,\ c \in \{-4, 0, 4\} \times \{2.5, -2.5\}",
    }
)

# Playground draws 500 points to classify and 1,200 to regress (playground.ts)
DATASETS: Mapping[str, DataGenerator] = MappingProxyType(
    {
        g.name: g
        for g in (
            DataGenerator("circle", N_("Circle"), "classification", _circle, 500, _RULES["circle"]),
            DataGenerator("xor", N_("Exclusive or"), "classification", _xor, 500, _RULES["xor"]),
            DataGenerator("gauss", N_("Two Gaussians"), "classification", _gauss, 500, _RULES["gauss"]),
            DataGenerator("spiral", N_("Spiral"), "classification", _spiral, 500, _RULES["spiral"]),
            DataGenerator("reg_plane", N_("Plane"), "regression", _reg_plane, 1200, _RULES["reg_plane"]),
            DataGenerator("reg_gauss", N_("Multi Gaussian"), "regression", _reg_gauss, 1200, _RULES["reg_gauss"]),
        )
    }
)

NOISE_PERCENT_MAX = 50


def noise_from_percent(percent: float) -> float:
    """Playground's noise slider (0–50 %) → the generators' noise parameter (0–0.5)."""
    if not 0 <= percent <= NOISE_PERCENT_MAX:
        raise ValueError(f"noise must be 0–{NOISE_PERCENT_MAX} %, got {percent!r}")
    return percent / 100


def make_dataset(name: str, n_samples: int | None = None, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground's data set ``name``: ``n_samples`` points (default Playground's 500 / 1,200).

    ``noise`` ∈ [0, 0.5] is Playground's parameter (its slider's percent / 100). Returns
    ``X`` (n, 2); for classification ``labels`` (n,) 0/1 and ``Y`` one-hot (n, 2); for
    regression ``labels`` None and ``Y`` (n, 1) Playground's target value.
    """
    try:
        gen = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}") from None
    n = gen.n_default if n_samples is None else int(n_samples)
    if not 1 <= n <= 100_000:
        raise ValueError(f"n_samples must be 1 … 100,000, got {n_samples!r}")
    noise = float(noise)
    if not 0 <= noise <= NOISE_PERCENT_MAX / 100:
        raise ValueError(f"noise must be in [0, 0.5] (Playground's 0–50 %), got {noise!r}")
    X, t = gen.generate(np.random.default_rng(seed), n, noise)
    X = _read_only(X.astype(np.float64))
    # in the session's language when made (English outside a Streamlit run), like a CSV's note
    note = _("Playground's {name}, {n} points, noise {noise}, seed {seed}").format(
        name=_(gen.label).lower(), n=n, noise=f"{noise:g}", seed=seed
    )
    if gen.task == "classification":
        labels = _read_only((t > 0).astype(np.int64))
        Y = _read_only(np.eye(2)[labels])
        return Dataset(name, X, Y, gen.task, ("x₁", "x₂"), (N_("class 0 (−1)"), N_("class 1 (+1)")), labels, note)
    Y = _read_only(t.astype(np.float64).reshape(-1, 1))
    return Dataset(name, X, Y, gen.task, ("x₁", "x₂"), ("value",), None, note)


def targets(ds: Dataset, encoding: str = "signed") -> np.ndarray:
    """Targets of a classification set: ``signed`` ±1 (n, 1), ``binary`` 0/1 (n, 1), ``onehot`` (n, 2)."""
    if ds.labels is None:
        raise ValueError("a regression data set has no class labels; use ds.Y")
    if encoding == "signed":
        return 2.0 * ds.labels[:, None] - 1.0
    if encoding == "binary":
        return ds.labels[:, None].astype(np.float64)
    if encoding == "onehot":
        return np.eye(2)[ds.labels]
    raise ValueError(f"encoding must be 'signed', 'binary' or 'onehot', not {encoding!r}")


TRAIN_PERCENT_RANGE = (10, 90)


def split(ds: Dataset, train_percent: float = 50, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Shuffle (seeded) and cut into (train, test) as Playground: the first ⌊n·percent/100⌋ points train."""
    lo, hi = TRAIN_PERCENT_RANGE
    if not lo <= train_percent <= hi:
        raise ValueError(f"the training share must be {lo}–{hi} %, got {train_percent!r}")
    order = np.random.default_rng(seed).permutation(ds.n_samples)
    cut = math.floor(ds.n_samples * train_percent / 100)
    return _subset(ds, order[:cut], "train"), _subset(ds, order[cut:], "test")


def _subset(ds: Dataset, idx: np.ndarray, part: str) -> Dataset:
    labels = None if ds.labels is None else _read_only(ds.labels[idx])
    note = _(_PART_NOTES[part]).format(note=ds.note)
    return replace(ds, X=_read_only(ds.X[idx]), Y=_read_only(ds.Y[idx]), labels=labels, note=note)


_PART_NOTES = MappingProxyType({"train": N_("{note}; train part"), "test": N_("{note}; test part")})


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


# ---------------------------------------------------------------------------
# Input features: what Playground's input nodes compute from (x₁, x₂).


@dataclass(frozen=True)
class Feature:
    """One input feature: ``function(x1, x2)`` elementwise, its LaTeX and its label."""

    name: str
    label: str
    function: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str


FEATURES: Mapping[str, Feature] = MappingProxyType(
    {
        f.name: f
        for f in (
            Feature("x1", "x₁", lambda x1, x2: x1, r"x_1"),
            Feature("x2", "x₂", lambda x1, x2: x2, r"x_2"),
            Feature("x1_squared", "x₁²", lambda x1, x2: x1 * x1, r"x_1^2"),
            Feature("x2_squared", "x₂²", lambda x1, x2: x2 * x2, r"x_2^2"),
            Feature("x1_x2", "x₁x₂", lambda x1, x2: x1 * x2, r"x_1 x_2"),
            Feature("sin_x1", "sin x₁", lambda x1, x2: np.sin(x1), r"\sin x_1"),
            Feature("sin_x2", "sin x₂", lambda x1, x2: np.sin(x2), r"\sin x_2"),
        )
    }
)
DEFAULT_FEATURES = ("x1", "x2")  # Playground starts with X₁ and X₂ on


def feature_matrix(X: np.ndarray, names: Sequence[str] = DEFAULT_FEATURES) -> np.ndarray:
    """The network's input: one column per feature in ``names``, from points ``X`` (n, 2); (n, len(names))."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if not names:
        raise ValueError("choose at least one input feature")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s) {unknown}; choose from {list(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"each feature at most once, got {list(names)}")
    return np.stack([FEATURES[n].function(X[:, 0], X[:, 1]) for n in names], axis=1)

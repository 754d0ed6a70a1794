"""The arithmetic panel's arithmetic is arithmetic.

Every line :mod:`nnviz.arithmetic` can write — every phase, every neuron, every weight and the
loss, on seeded random networks of every hidden activation × output activation × loss × bias
mode — is parsed back into numbers. Then:

1. the arithmetic is redone from the *printed* operands (Σ wᵢaᵢ + b = z, f(z) = a, f′(z),
   δ = ∂L/∂a·f′(z) or the fused (ŷ − y)/n, ∂L/∂w = Σ δ·a, the updates w − η·g, L = Σ per-sample)
   and must give the printed result to the printed precision;
2. every printed number must be the engine's (:class:`~nnviz.engine.StepRecord`) rounded to
   6 significant digits.

``fmt`` writes 6 significant digits, so a printed number p of a true value t has
|p − t| ≤ 5·10⁻⁶·|t|; the tolerances below are that bound carried through each formula.
Sums of more than 6 terms are written with "\\dots" and only checked against the engine.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from nnviz import arithmetic
from nnviz.engine import ACTIVATIONS, LOSSES, Network, phases, train_step

REL = 5.0001e-6  # the largest relative error of a number rounded to 6 significant digits
_NUM = r"(?:\((-?[0-9.]+(?:\\times10\^\{-?\d+\})?)\)|(-?[0-9.]+(?:\\times10\^\{-?\d+\})?))"
NUM_RE = re.compile(_NUM)


def num(text: str) -> float:
    """One number written by ``arithmetic.fmt`` (the whole of ``text``)."""
    text = text.strip()
    m = NUM_RE.fullmatch(text)
    assert m, f"not a number as fmt writes it: {text!r}"
    s = m.group(1) or m.group(2)
    mant, _, exp = s.partition(r"\times10^{")
    return float(mant) * 10.0 ** int(exp.rstrip("}")) if exp else float(mant)


def split_top(latex: str, sep: str) -> list[str]:
    """Split at ``sep`` outside every {…} and (…) group (an independent copy of the panel's splitter)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        c = latex[i]
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif depth == 0 and latex.startswith(sep, i):
            parts.append(latex[start:i])
            i = start = i + len(sep)
            continue
        i += 1
    return parts + [latex[start:]]


def rounded(printed: float, true: float, what: str) -> None:
    """``printed`` is ``true`` written with 6 significant digits."""
    assert abs(printed - true) <= REL * abs(true) + 1e-300, f"{what}: printed {printed!r}, engine {true!r}"


def near(recomputed: float, printed: float, scale: float, what: str) -> None:
    """Arithmetic on printed operands gives the printed result: ``scale`` bounds Σ|operands| of the formula."""
    tol = 2.2e-5 * scale + REL * abs(printed) + 1e-12 * scale + 1e-300
    assert abs(recomputed - printed) <= tol, f"{what}: recomputed {recomputed!r}, printed {printed!r}"


def products(expr: str) -> list[tuple[float, float]] | None:
    """``p\\cdot q + r\\cdot s + …`` → [(p, q), …]; None when the sum is cut short with \\dots."""
    terms = split_top(expr, " + ")
    if r"\dots" in terms:
        return None
    out = []
    for t in terms:
        p, q = split_top(t, r"\cdot")
        out.append((num(p), num(q)))
    return out


# ---------------------------------------------------------------------------
# One checker per kind of line. Each gets the line's "= "-separated parts and what the engine
# recorded for that neuron or weight, and returns nothing: it asserts.


class Checker:
    def __init__(self, rec, phase):
        self.rec, self.phase = rec, phase
        self.kinds: set[str] = set()

    # -- neurons ------------------------------------------------------------------

    def neuron(self, layer: int, j: int, n: int, lines) -> None:
        for line in lines:
            self.line(line, layer=layer, j=j, n=n)

    def line(self, line, layer=None, j=None, n=None, i=None) -> None:
        parts = split_top(line.latex, " = ")
        getattr(self, "_" + line.what)(parts, layer, j, n, i, line.latex)
        self.kinds.add(line.what)

    def _engine(self, layer):
        l = layer - 1
        return self.rec.trace.layers[l], self.rec.grads.layers[l], self.rec.before, l

    def _a(self, parts, layer, j, n, i, tex):
        if layer == 0:
            rounded(num(parts[-1]), self.rec.trace.input[n, j], tex)
            return
        t, _, net, l = self._engine(layer)
        a = num(parts[-1])
        rounded(a, t.a[n, j], tex)
        act = net.activations[l]
        f_tex = parts[-2]  # "\sigma(z)": the argument is between the first "(" and the last ")"
        z = num(f_tex[f_tex.index("(") + 1 : f_tex.rindex(")")])
        rounded(z, t.z[n, j], tex)
        if act != "softmax":  # softmax needs every z of the layer: checked against the engine only
            f = float(ACTIVATIONS[act].forward(np.array([z]))[0])
            near(f, a, abs(z) + abs(a), tex)

    def _z(self, parts, layer, j, n, i, tex):
        t, _, net, l = self._engine(layer)
        z = num(parts[-1])
        rounded(z, t.z[n, j], tex)
        expr = parts[-2]
        bias = 0.0
        if net.biases is not None:
            expr, b_tex = expr.rsplit(" + ", 1)
            bias = num(b_tex)
            rounded(bias, net.biases[l][j], tex)
        pq = products(expr)
        if pq is None:
            return
        assert len(pq) == net.weights[l].shape[0], tex
        for k, (w, a) in enumerate(pq):
            rounded(w, net.weights[l][k, j], tex)
            rounded(a, t.x[n, k], tex)
        near(sum(w * a for w, a in pq) + bias, z, sum(abs(w * a) for w, a in pq) + abs(bias), tex)

    def _da(self, parts, layer, j, n, i, tex):
        t, g, net, l = self._engine(layer)
        da = num(parts[-1])
        rounded(da, g.da[n, j], tex)
        expr = parts[-2]
        if l < net.n_layers - 1:  # Σ_m W[j, m]·δ_m of the layer above
            pq = products(expr)
            if pq is None:
                return
            above = self.rec.grads.layers[l + 1]
            for m, (w, d) in enumerate(pq):
                rounded(w, net.weights[l + 1][j, m], tex)
                rounded(d, above.dz[n, m], tex)
            near(sum(w * d for w, d in pq), da, sum(abs(w * d) for w, d in pq), tex)
            return
        y_true = self.rec.grads.targets[n, j]
        loss = self.rec.grads.loss_name
        if loss == "half_sse":  # ŷ − y
            a_tex, y_tex = split_top(expr, " - ")
            a, y = num(a_tex), num(y_tex)
            rounded(a, t.a[n, j], tex)
            rounded(y, y_true, tex)
            near(a - y, da, abs(a) + abs(y), tex)
        else:  # mse: 2(ŷ − y)/(B·K)
            m = re.fullmatch(r"\\frac\{2\((.*)\)\}\{(\d+)\}", expr)
            assert m, tex
            a_tex, y_tex = split_top(m.group(1), " - ")
            a, y, bk = num(a_tex), num(y_tex), int(m.group(2))
            assert bk == self.rec.grads.targets.size, tex
            rounded(a, t.a[n, j], tex)
            rounded(y, y_true, tex)
            near(2 * (a - y) / bk, da, 2 * (abs(a) + abs(y)) / bk, tex)

    def _fprime(self, parts, layer, j, n, i, tex):
        t, _, net, l = self._engine(layer)
        slope = num(parts[-1])
        act = net.activations[l]
        z_true, a_true = t.z[n, j], t.a[n, j]
        true = float(ACTIVATIONS[act].derivative(np.array([z_true]), np.array([a_true]))[0])
        rounded(slope, true, tex)
        expr = parts[-2]
        if act == "sigmoid":  # a(1 − a)
            m = re.fullmatch(r"(.*)\\,\(1-(.*)\)", expr)
            a1, a2 = num(m.group(1)), num(m.group(2))
            rounded(a1, a_true, tex)
            assert a1 == a2, tex
            near(a1 * (1 - a1), slope, abs(a1) + abs(a1) ** 2, tex)
        elif act == "tanh":  # 1 − a²
            a = num(re.fullmatch(r"1-(.*)\^2", expr).group(1))
            rounded(a, a_true, tex)
            near(1 - a * a, slope, 1 + 2 * a * a, tex)
        elif act in ("relu", "leaky_relu"):  # [z > 0], or 1 / 0.01 by the sign of z
            m = re.search(r"\[(.*)>0\]|z=(.*)$", expr)
            z = num(m.group(1) or m.group(2))
            rounded(z, z_true, tex)
            assert slope == (1.0 if z > 0 else (0.0 if act == "relu" else 0.01)), tex
        else:
            assert act == "identity" and expr == "1" and slope == 1.0, tex

    def _dz(self, parts, layer, j, n, i, tex):
        t, g, net, l = self._engine(layer)
        dz = num(parts[-1].split(r"\quad")[0])
        rounded(dz, g.dz[n, j], tex)
        expr = parts[-2]
        if expr.startswith(r"\frac{"):  # fused: (ŷ − y)/n
            m = re.fullmatch(r"\\frac\{(.*)\}\{(\d+)\}", expr)
            a_tex, y_tex = split_top(m.group(1), " - ")
            a, y, denom = num(a_tex), num(y_tex), int(m.group(2))
            B, K = self.rec.grads.targets.shape
            assert denom == (B if self.rec.grads.loss_name == "cross_entropy" else B * K), tex
            rounded(a, t.a[n, j], tex)
            rounded(y, self.rec.grads.targets[n, j], tex)
            near((a - y) / denom, dz, (abs(a) + abs(y)) / denom, tex)
        elif r"\cdot" in expr:  # ∂L/∂a · f′(z)
            (da, slope), = products(expr)
            rounded(da, g.da[n, j], tex)
            near(da * slope, dz, abs(da * slope), tex)
        else:  # softmax's Jacobian: written as a formula, checked against the engine only
            assert net.activations[l] == "softmax", tex

    def _db(self, parts, layer, j, n, i, tex):
        _, g, _, _ = self._engine(layer)
        db = num(parts[-1])
        rounded(db, g.db[j], tex)
        rounded(db, float(np.sum(g.dz[:, j])), tex)  # Σ_n δ[n]

    def _b_new(self, parts, layer, j, n, i, tex):
        _, g, net, l = self._engine(layer)
        if "frozen" in tex:
            old = num(parts[-1].split(r"\ ")[0])
            rounded(old, net.biases[l][j], tex)
            assert self.rec.after.biases[l][j] == net.biases[l][j]
            return
        new = num(parts[-1])
        rounded(new, self.rec.after.biases[l][j], tex)
        self._update(parts[-2], net.biases[l][j], g.db[j], new, tex)

    def _update(self, expr, old_true, grad_true, new, tex):
        old_tex, rest = split_top(expr, " - ")
        eta_tex, g_tex = split_top(rest, r"\cdot")
        old, eta, grad = num(old_tex), num(eta_tex), num(g_tex)
        rounded(old, old_true, tex)
        rounded(eta, self.rec.learning_rate, tex)
        rounded(grad, grad_true, tex)
        near(old - eta * grad, new, abs(old) + 2 * abs(eta * grad), tex)

    # -- weights ------------------------------------------------------------------

    def edge(self, layer: int, i: int, j: int, n: int, lines) -> None:
        for line in lines:
            if line.what in ("da", "fprime", "dz"):  # the delta's chain rule of neuron j, at batch row n
                self.line(line, layer=layer, j=j, n=n)
            else:
                self.line(line, layer=layer, j=j, n=n, i=i)

    def _w(self, parts, layer, j, n, i, tex):
        rounded(num(parts[-1]), self.rec.before.weights[layer - 1][i, j], tex)

    def _contrib(self, parts, layer, j, n, i, tex):
        t, _, net, l = self._engine(layer)
        (w, a), = products(parts[-2])
        rounded(w, net.weights[l][i, j], tex)
        rounded(a, t.x[n, i], tex)
        near(w * a, num(parts[-1]), abs(w * a), tex)

    def _dW(self, parts, layer, j, n, i, tex):
        t, g, _, _ = self._engine(layer)
        dW = num(parts[-1])
        rounded(dW, g.dW[i, j], tex)
        pq = products(parts[-2])
        if pq is None:
            return
        assert len(pq) == t.x.shape[0], tex
        for k, (d, a) in enumerate(pq):
            rounded(d, g.dz[k, j], tex)
            rounded(a, t.x[k, i], tex)
        near(sum(d * a for d, a in pq), dW, sum(abs(d * a) for d, a in pq), tex)

    def _dW_new(self, parts, layer, j, n, i, tex):
        _, g, net, l = self._engine(layer)
        # "… = old - η·g = new\quad{(\Delta w = Δ)}" (braced: the row breaker splits only outside braces)
        new_tex, delta_tex = parts[-1].split(r"\quad{(\Delta w = ")
        new, delta = num(new_tex), num(delta_tex.removesuffix(")}"))
        rounded(new, self.rec.after.weights[l][i, j], tex)
        rounded(delta, self.rec.update.dW[l][i, j], tex)
        self._update(parts[-2], net.weights[l][i, j], g.dW[i, j], new, tex)

    # -- the loss ------------------------------------------------------------------

    def _formula(self, parts, layer, j, n, i, tex):
        assert LOSSES[self.rec.grads.loss_name].formula in tex

    def _loss(self, parts, layer, j, n, i, tex):
        L = num(parts[-1])
        rounded(L, self.rec.loss_before, tex)
        terms = split_top(parts[-2], " + ")
        if r"\dots" in terms:
            return
        per = [num(t) for t in terms]
        for p, true in zip(per, self.rec.per_sample, strict=True):
            rounded(p, true, tex)
        near(sum(per), L, sum(abs(p) for p in per), tex)

    def _loss_after(self, parts, layer, j, n, i, tex):
        rounded(num(parts[-1]), self.rec.loss_after, tex)
        assert self.phase is None or self.phase.kind == "update", tex


# ---------------------------------------------------------------------------
# The networks.

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
#: (loss, output activation): the two cross-entropies force theirs; the squared errors take any
COMBOS = [(loss, out) for loss in ("half_sse", "mse") for out in sorted(ACTIVATIONS)] + [
    ("cross_entropy", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
]
BIAS_MODES = ("trainable", "frozen", "none")


def _case(k: int, hidden: str, loss: str, out: str):
    rng = np.random.default_rng([11, k])
    wide = k % 7 == 0  # some layers, and one batch, wider than the 6 terms a sum writes out
    n_in = 7 if wide else int(rng.integers(1, 4))
    sizes = [n_in] + [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 3)))] + [int(rng.integers(1, 4))]
    if out in ("softmax",) and sizes[-1] == 1:
        sizes[-1] = 2
    acts = [hidden] * (len(sizes) - 2) + [out]
    bias_mode = BIAS_MODES[k % 3]
    net = Network.init(sizes, acts, "normal", rng, bias_mode)
    B = 8 if wide else int(rng.integers(1, 4))
    X = rng.normal(0, 2, (B, n_in))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], B)]
    else:
        Y = rng.random((B, sizes[-1]))
    lr = float(rng.choice([0.01, 0.5, 3.0]))
    return train_step(net, X, Y, loss, lr)


CASES = [(k, h, loss, out) for k, (h, (loss, out)) in enumerate(itertools.product(HIDDEN, COMBOS))]


def check_record(rec) -> set[str]:
    """Every line of every phase of one step; returns the kinds of line seen."""
    net = rec.before
    B = rec.trace.input.shape[0]
    rows = sorted({0, B - 1})
    kinds = set()
    for phase in [*phases(net.n_layers), None]:
        c = Checker(rec, phase)
        for line in arithmetic.loss_lines(rec, phase):
            c.line(line)
        for layer, size in enumerate(net.sizes):
            for j in range(size):
                for n in rows:
                    c.neuron(layer, j, n, arithmetic.neuron_lines(rec, layer, j, n, phase))
        for layer in range(1, net.n_layers + 1):
            n_in, n_out = net.weights[layer - 1].shape
            for i in range(n_in):
                for j in range(n_out):
                    for n in rows:
                        c.edge(layer, i, j, n, arithmetic.edge_lines(rec, layer, i, j, phase, sample=n))
        kinds |= c.kinds
    return kinds


@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_line_of_every_phase_is_right(hidden):
    kinds = set()
    for k, h, loss, out in CASES:
        if h == hidden:
            kinds |= check_record(_case(k, h, loss, out))
    # every kind of line the panel writes was met and checked
    assert kinds >= {"a", "z", "da", "fprime", "dz", "db", "b_new", "w", "contrib", "dW", "dW_new", "formula", "loss"}
    assert "loss_after" in kinds


def test_the_check_catches_a_wrong_number():
    # the same record with one printed number off in its 6th digit must fail (the check is not vacuous)
    rec = _case(1, "tanh", "half_sse", "sigmoid")
    line = arithmetic.neuron_lines(rec, 1, 0, 0, phases(rec.before.n_layers)[0])[0]
    z = rec.trace.layers[0].z[0, 0]
    bad = type(line)(line.latex.rsplit(" = ", 1)[0] + " = " + arithmetic.fmt(z * (1 + 3e-5)), line.value, line.what)
    with pytest.raises(AssertionError):
        Checker(rec, None).line(bad, layer=1, j=0, n=0)


def test_parsing_fmt_output():
    for x in (0.0, 1.0, -0.5, 1.5e-7, -1234567.0, 3.14159265, -2.5e10, 9.999996):
        assert num(arithmetic.fmt(x)) == pytest.approx(x, rel=REL, abs=0)

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
        elif act in ("relu", "leaky_relu"):  # [z > 0], or [z > 0] + 0.01 [z ≤ 0]
            m = re.match(r"\[(.*?)>0\]", expr)
            z = num(m.group(1))
            if act == "leaky_relu":
                assert expr == rf"[{m.group(1)}>0] + 0.01\,[{m.group(1)} \le 0]", tex
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


# ---------------------------------------------------------------------------
# Regularisation and optimisers: the penalty in the loss and in ∂L/∂w, dead links, and every
# optimiser's update written with its buffers (opt.explain), redone from the printed numbers.


def _flat(net, layer: int, i: int, j: int | None = None) -> int:
    """Flat index by the engine's own parameter names (independent of the panel's offset arithmetic)."""
    name = f"W{layer}[{i},{j}]" if j is not None else f"b{layer}[{i}]"
    return net.parameter_names().index(name)


def _sign(x: float) -> float:
    return float(np.sign(x))


class OptChecker(Checker):
    """Checker with the lines a regulariser and an optimiser add."""

    def edge(self, layer, i, j, n, lines):
        self.index = _flat(self.rec.before, layer, i, j)
        self.param_new = float(self.rec.after.weights[layer - 1][i, j])
        self.param_old = float(self.rec.before.weights[layer - 1][i, j])
        super().edge(layer, i, j, n, lines)

    def neuron(self, layer, j, n, lines):
        if layer > 0 and self.rec.before.biases is not None:
            self.index = _flat(self.rec.before, layer, j)
            self.param_new = float(self.rec.after.biases[layer - 1][j])
            self.param_old = float(self.rec.before.biases[layer - 1][j])
        super().neuron(layer, j, n, lines)

    def _dW_reg(self, parts, layer, j, n, i, tex):
        t, g, net, l = self._engine(layer)
        total = num(parts[-1])
        rounded(total, g.dW[i, j], tex)
        terms = split_top(parts[-2], " + ")
        lam_tex, r_tex = split_top(terms[-1], r"\cdot")
        lam = num(lam_tex)
        rounded(lam, self.rec.grads.regularization_rate, tex)
        w_true = net.weights[l][i, j]
        if r_tex.startswith(r"\operatorname{sign}("):  # L1: R′(w) = sign(w)
            assert self.rec.grads.regularization == "l1", tex
            w = num(r_tex[len(r"\operatorname{sign}(") : -1])
            rounded(w, w_true, tex)
            r_prime = _sign(w)
        else:  # L2: R′(w) = w
            assert self.rec.grads.regularization == "l2", tex
            r_prime = num(r_tex)
            rounded(r_prime, w_true, tex)
        data = float(np.dot(g.dz[:, j], t.x[:, i]))  # Σ_n δ·a from the engine's arrays
        if r"\dots" in terms:
            return
        pq = [split_top(tm, r"\cdot") for tm in terms[:-1]]
        pq = [(num(d), num(a)) for d, a in pq]
        assert len(pq) == t.x.shape[0], tex
        for k, (d, a) in enumerate(pq):
            rounded(d, g.dz[k, j], tex)
            rounded(a, t.x[k, i], tex)
        s = sum(d * a for d, a in pq)
        near(s, data, sum(abs(d * a) for d, a in pq), tex + " (the data part)")
        near(s + lam * r_prime, total, sum(abs(d * a) for d, a in pq) + abs(lam * r_prime), tex)

    def _penalty(self, parts, layer, j, n, i, tex):
        g = self.rec.grads
        pen = num(parts[-1].split(r"\quad")[0])
        rounded(pen, g.penalty, tex)
        (lam, tot), = products(parts[-2])
        ws = self.rec.before.weights
        true_tot = sum(float(np.abs(w).sum()) if g.regularization == "l1" else 0.5 * float((w * w).sum()) for w in ws)
        rounded(lam, g.regularization_rate, tex)
        rounded(tot, true_tot, tex)
        near(lam * tot, pen, abs(lam * tot), tex)

    def _loss_reg(self, parts, layer, j, n, i, tex):
        L = num(parts[-1])
        rounded(L, self.rec.loss_before, tex)
        terms = split_top(parts[-2], " + ")
        pen = num(terms[-1])
        rounded(pen, self.rec.grads.penalty, tex)
        if r"\dots" in terms:
            return
        per = [num(t) for t in terms[:-1]]
        for p, true in zip(per, self.rec.per_sample, strict=True):
            rounded(p, true, tex)
        near(sum(per) + pen, L, sum(abs(p) for p in per) + abs(pen), tex)

    def _dead(self, parts, layer, j, n, i, tex):
        net, after = self.rec.before, self.rec.after
        assert net.dead[layer - 1][i, j] and net.weights[layer - 1][i, j] == 0, tex
        assert after.weights[layer - 1][i, j] == 0 and after.dead[layer - 1][i, j], tex

    def _dies(self, parts, layer, j, n, i, tex):
        l = layer - 1
        assert self.rec.after.weights[l][i, j] == 0 and self.rec.after.dead[l][i, j], tex
        assert self.rec.before.dead is None or not self.rec.before.dead[l][i, j], tex
        assert self.rec.grads.regularization == "l1", tex

    def _opt_state(self, parts, layer, j, n, i, tex):
        body = tex.removeprefix(r"\text{state before: }")
        st = self.rec.opt_before
        names = {"velocity": "v", "square_avg": "s", "exp_avg": "m", "exp_avg_sq": "v"}
        items = split_top(body, r",\ ")
        assert items[0] == f"t = {st.step}", tex
        assert len(items) == 1 + len(st.slots), tex
        for item, (slot, v) in zip(items[1:], st.slots.items()):
            sym, val = item.split(" = ")
            assert sym == names[slot], tex
            rounded(num(val), v[self.index], tex)

    def _opt(self, parts, layer, j, n, i, tex):
        rec, k = self.rec, self.index
        h = rec.optimizer.hyper
        after = rec.opt_after.slots
        value = num(parts[-1])
        lhs, expr = parts[0], parts[-2]
        if lhs.startswith((r"v \leftarrow \mu v", r"m \leftarrow")):  # μ·v + g, or β₁·m + (1 − β₁)·g
            (c0, b0), = products(split_top(expr, " + ")[0])
            last = split_top(expr, " + ")[1]
            if lhs.startswith("m"):
                (c1, g), = products(last)
                rounded(c0, h["beta1"], tex)
                near(c0 * b0 + c1 * g, value, abs(c0 * b0) + abs(c1 * g), tex)
                rounded(value, after["exp_avg"][k], tex)
            else:
                g = num(last)
                rounded(c0, h["momentum"], tex)
                near(c0 * b0 + g, value, abs(c0 * b0) + abs(g), tex)
                rounded(value, after["velocity"][k], tex)
            rounded(g, rec.before.gradient_vector(rec.grads)[k], tex)
            return
        if lhs.startswith((r"s \leftarrow", r"v \leftarrow \beta_2")):  # α·s + (1 − α)·g²
            first, second = split_top(expr, " + ")
            (c0, b0), = products(first)
            c1, g_sq = split_top(second, r"\cdot")
            g = num(g_sq.removesuffix("^2"))
            rounded(g, rec.before.gradient_vector(rec.grads)[k], tex)
            near(c0 * b0 + num(c1) * g * g, value, abs(c0 * b0) + abs(num(c1)) * g * g * 2, tex)
            rounded(value, after["square_avg" if lhs.startswith("s") else "exp_avg_sq"][k], tex)
            return
        if lhs.startswith(r"\hat"):  # bias correction: m / (1 − β^t)
            m = re.fullmatch(r"\\frac\{(.+)\}\{1-(.+)\^\{(\d+)\}\}", expr)
            assert m, tex
            b, beta, t = num(m.group(1)), num(m.group(2)), int(m.group(3))
            assert t == rec.opt_after.step, tex
            rounded(beta, h["beta1" if lhs.startswith(r"\hat m") else "beta2"], tex)
            near(b / (1 - beta**t), value, 2 * abs(b / (1 - beta**t)), tex)
            return
        # the parameter itself: θ − step
        rounded(value, self.param_new, tex)
        old_tex, rest = split_top(expr, " - ")
        old = num(old_tex)
        rounded(old, self.param_old, tex)
        frac = re.fullmatch(r"\\frac\{(.+)\\cdot(.+)\}\{\\sqrt\{(.+)\} \+ (.+)\}", rest)
        if frac:  # RMSProp / Adam: η·g / (√s + ε)
            lr, top, sq, eps = (num(frac.group(q)) for q in range(1, 5))
            rounded(lr, h["learning_rate"], tex)
            rounded(eps, h["eps"], tex)
            step = lr * top / (np.sqrt(sq) + eps)
        else:
            lr_tex, *v_parts = split_top(rest, r"\cdot")
            v_tex = r"\cdot".join(v_parts)
            lr = num(lr_tex)
            rounded(lr, h["learning_rate"], tex)
            if len(split_top(v_tex[1:-1], " + ")) == 2:  # Nesterov: η·(g + μ·v)
                g_tex, mv = split_top(v_tex[1:-1], " + ")
                (mu, v), = products(mv)
                step = lr * (num(g_tex) + mu * v)
            else:  # momentum: η·v
                step = lr * num(v_tex)
        near(old - step, value, abs(old) + 3 * abs(step), tex)


OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam")


def _reg_case(k: int, reg: str, opt_name: str):
    """A seeded net trained 2 steps by ``opt_name`` (so its buffers are not zero), then the step checked;
    with L1 one weight is already dead and one is tiny (the penalty step may kill it)."""
    from nnviz.optim import make_optimizer

    rng = np.random.default_rng([23, k])
    sizes = [int(rng.integers(1, 4)), int(rng.integers(2, 4)), int(rng.integers(1, 3))]
    acts = [HIDDEN[k % len(HIDDEN)], "sigmoid"]
    bias_mode = BIAS_MODES[k % 3]
    net = Network.init(sizes, acts, "normal", rng, bias_mode)
    lam = float(rng.choice([0.05, 0.3]))
    if reg == "l1":
        ws = [w.copy() for w in net.weights]
        ws[0][0, 0] = 0.0
        ws[1][0, 0] = 1e-6
        dead = [np.zeros(w.shape, bool) for w in ws]
        dead[0][0, 0] = True
        net = Network.from_arrays(ws, net.biases, acts, bias_mode, dead=dead)
    B = int(rng.integers(1, 4))
    X = rng.normal(0, 2, (B, sizes[0]))
    Y = rng.random((B, sizes[-1]))
    opt = make_optimizer(opt_name, learning_rate=float(rng.choice([0.01, 0.5])))
    state = opt.init(net)
    for _ in range(2):
        rec = train_step(net, X, Y, "half_sse", opt.learning_rate, None, True, 0.0, None, reg, lam, opt, state)
        net, state = rec.after, rec.opt_after
    return train_step(net, X, Y, "half_sse", opt.learning_rate, None, True, 0.0, None, reg, lam, opt, state)


def check_reg_record(rec) -> set[str]:
    net = rec.before
    B = rec.trace.input.shape[0]
    rows = sorted({0, B - 1})
    kinds = set()
    for phase in [*phases(net.n_layers), None]:
        c = OptChecker(rec, phase)
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


@pytest.mark.parametrize("opt_name", OPTIMIZER_NAMES)
def test_every_line_with_a_regulariser_and_an_optimizer_is_right(opt_name):
    kinds = set()
    for k in range(12):
        for reg in ("l1", "l2"):
            kinds |= check_reg_record(_reg_case(k, reg, opt_name))
    assert {"dW_reg", "penalty", "loss_reg", "dead"} <= kinds
    if opt_name == "sgd":
        assert {"dW_new", "b_new", "dies"} <= kinds  # SGD's own line, and L1 killing a link
    else:
        assert {"opt", "opt_state"} <= kinds


def test_the_optimizer_check_catches_a_wrong_buffer():
    rec = _reg_case(3, "l2", "adam")
    phase = phases(rec.before.n_layers)[-1]
    lines = arithmetic.edge_lines(rec, 1, 0, 0, phase)
    m_line = next(x for x in lines if x.what == "opt" and x.latex.startswith(r"m \leftarrow"))
    head, value = m_line.latex.rsplit(" = ", 1)
    bad = type(m_line)(head + " = " + arithmetic.fmt(num(value) * (1 + 3e-4) + 1e-9), m_line.value, "opt")
    c = OptChecker(rec, phase)
    c.index, c.param_new, c.param_old = _flat(rec.before, 1, 0, 0), 0.0, 0.0
    with pytest.raises(AssertionError):
        c.line(bad, layer=1, j=0, n=0, i=0)

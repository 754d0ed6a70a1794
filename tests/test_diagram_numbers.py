"""The network diagram's numbers are the engine's, and its arithmetic is arithmetic.

On the same seeded random networks as ``test_arithmetic_check`` (every hidden activation ×
output activation × loss × bias mode), for every phase of one step and the first and last
sample of the batch, every neuron's and every edge's hover text and every neuron's label is
parsed back into numbers. Then:

1. each number is the engine's (:class:`~nnviz.engine.StepRecord`) rounded as the diagram
   rounds it (hover: 6 significant digits, labels: 3);
2. each quantity appears exactly when the phase has computed it (z, a up to the forward layer;
   ∂L/∂a, δ, ∂L/∂w from the backward layer on; Δ only in the update);
3. the arithmetic is redone from the printed operands: z = Σ wᵢaᵢ + b from the hover texts of the
   edges and the nodes before it, a = f(z), δ = ∂L/∂a·f′(z) (softmax: a_j·(∂L/∂a_j − Σ a_k ∂L/∂a_k)),
   ∂L/∂w = a·δ (batch of one), Δw = −η·∂L/∂w and w + Δw, Δb = −η·∂L/∂b.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_arithmetic_check import CASES, REL, _case

from nnviz import figures
from nnviz.engine import ACTIVATIONS, phases

LABEL_REL = 5.0001e-3  # a number rounded to 3 significant digits


def hnum(text: str) -> float:
    """A number as the diagram writes it (Python's g format; ∞, −∞ and nan spelled out)."""
    text = text.strip()
    return {"∞": np.inf, "−∞": -np.inf, "nan": np.nan}.get(text) if text in ("∞", "−∞", "nan") else float(text)


def close(printed: float, true: float, what: str, rel: float = REL) -> None:
    assert abs(printed - true) <= rel * abs(true) + 1e-300, f"{what}: printed {printed!r}, engine {true!r}"


def near(recomputed: float, printed: float, scale: float, what: str) -> None:
    """Arithmetic on 6-digit operands gives the printed result (``scale`` bounds Σ|operands|)."""
    tol = 2.2e-5 * scale + REL * abs(printed) + 1e-12 * scale + 1e-300
    assert abs(recomputed - printed) <= tol, f"{what}: recomputed {recomputed!r}, printed {printed!r}"


def fields(hover: str) -> dict[str, float]:
    """``"<b>…</b><br>x = 1.5<br>∂L/∂w = -0.2"`` → {"x": 1.5, "∂L/∂w": -0.2}."""
    out = {}
    for line in hover.split("<br>")[1:]:
        key, _, value = line.rpartition(" = ")
        out[key] = hnum(value)
    return out


def diagram(rec, phase, sample):
    """{(layer, j): (hover fields, label)} of the nodes and {(layer, i, j): fields} of the edges."""
    spec = figures.network_diagram(rec.after, rec, phase, sample=sample)
    nodes, edges = {}, {}
    for t in spec["data"]:
        if t.get("name") in ("neurons", "neurons (greyed)"):
            for (_, d, k), hover, text in zip(t["customdata"], t["hovertext"], t["text"]):
                nodes[(d, k)] = (fields(hover), text, t["name"] == "neurons")
        elif t.get("name") in ("edges", "edges (greyed)"):
            for (_, layer, i, j), hover in zip(t["customdata"], t["hovertext"]):
                edges[(layer, i, j)] = fields(hover)
    return nodes, edges


def known(phase, L: int) -> tuple[int, int, bool, bool]:
    """(diagram layers ≤ this have z and a, layers ≥ this have gradients, loss known, update known)."""
    if phase is None or phase.kind == "update":
        return L, 1, True, True
    if phase.kind == "forward":
        return phase.layer + 1, L + 1, False, False
    if phase.kind == "loss":
        return L, L + 1, True, False
    return L, phase.layer + 1, True, False  # backward


def check_diagram(rec, lr: float) -> int:
    """Every number of every node and edge, every phase, first and last sample; returns how many."""
    net, t, g, u = rec.before, rec.trace, rec.grads, rec.update
    L, B = net.n_layers, t.input.shape[0]
    count = 0
    for phase in [*phases(L), None]:
        fwd, back, loss_known, upd = known(phase, L)
        for s in sorted({0, B - 1}):
            nodes, edges = diagram(rec, phase, s)
            assert len(nodes) == sum(net.sizes)
            for (layer, i, j), f in edges.items():
                what = f"W{layer}[{i},{j}] at {phase}"
                W = net.weights[layer - 1]
                close(f["w"], W[i, j], what)
                assert ("∂L/∂w" in f) == (layer >= back), what
                if "∂L/∂w" in f:
                    close(f["∂L/∂w"], g.layers[layer - 1].dW[i, j], what)
                    if B == 1:  # one sample: ∂L/∂w = a_i · δ_j, both printed on the nodes
                        a_i = nodes[(layer - 1, i)][0]["x" if layer == 1 else "a"]
                        d_j = nodes[(layer, j)][0]["δ = ∂L/∂z"]
                        near(a_i * d_j, f["∂L/∂w"], abs(a_i * d_j), what)
                assert ("Δw" in f) == upd, what
                if upd:
                    close(f["Δw"], u.dW[layer - 1][i, j], what)
                    near(-lr * f["∂L/∂w"], f["Δw"], abs(lr * f["∂L/∂w"]), what)
                    near(f["w"] + f["Δw"], f["w + Δw"], abs(f["w"]) + abs(f["Δw"]), what)
                count += len(f)
            for (d, k), (f, label, coloured) in nodes.items():
                what = f"node {k} of layer {d} at {phase}, sample {s}"
                if d == 0:
                    close(f["x"], t.input[s, k], what)
                    assert ("∂L/∂x" in f) == (back == 1), what  # from backward layer 1 on
                    if "∂L/∂x" in f:
                        close(f["∂L/∂x"], g.layers[0].dx[s, k], what)
                    shown = f["x"]
                else:
                    l, act = d - 1, net.activations[d - 1]
                    assert ("b" in f) == (net.biases is not None), what
                    if net.biases is not None:
                        close(f["b"], net.biases[l][k], what)
                    assert ("a" in f) == ("z" in f) == (d <= fwd), what
                    if d <= fwd:
                        close(f["z"], t.layers[l].z[s, k], what)
                        close(f["a"], t.layers[l].a[s, k], what)
                        _redo_forward(nodes, edges, net, d, k, f, what)
                    assert ("target y" in f) == (loss_known and d == L), what
                    if "target y" in f:
                        close(f["target y"], g.targets[s, k], what)
                    assert ("δ = ∂L/∂z" in f) == ("∂L/∂a" in f) == (d >= back), what
                    if d >= back:
                        close(f["∂L/∂a"], g.layers[l].da[s, k], what)
                        close(f["δ = ∂L/∂z"], g.layers[l].dz[s, k], what)
                        _redo_delta(nodes, act, d, k, f, what)
                    assert ("Δb" in f) == (upd and u.db is not None), what
                    if "Δb" in f:
                        close(f["Δb"], u.db[l][k], what)
                        near(-lr * g.layers[l].db[k], f["Δb"], abs(lr * g.layers[l].db[k]), what)
                    backward = phase is not None and phase.kind == "backward"
                    shown = f["δ = ∂L/∂z"] if backward and d >= back else f.get("a")
                # the label is the coloured quantity to 3 digits (none while it is not known yet)
                if shown is None:
                    assert label == "" and not coloured, what
                elif coloured or d == 0:
                    close(hnum(label), shown, what + " (label)", LABEL_REL)
                count += len(f)
    return count


def _redo_forward(nodes, edges, net, d: int, k: int, f: dict, what: str) -> None:
    """z = Σ w_i·a_i + b and a = f(z) from the printed numbers."""
    prev = [nodes[(d - 1, i)][0]["x" if d == 1 else "a"] for i in range(net.sizes[d - 1])]
    ws = [edges[(d, i, k)]["w"] for i in range(net.sizes[d - 1])]
    terms = [w * a for w, a in zip(ws, prev)] + [f.get("b", 0.0)]
    if all(np.isfinite(terms)):
        near(sum(terms), f["z"], sum(abs(x) for x in terms), what + ": z = Σ w·a + b")
    act = net.activations[d - 1]
    if act == "softmax":
        zs = np.array([nodes[(d, j)][0]["z"] for j in range(net.sizes[d])])
        a = np.exp(zs - zs.max()) / np.exp(zs - zs.max()).sum()
        near(a[k], f["a"], 1.0 + abs(f["z"]), what + ": a = softmax(z)")
    elif np.isfinite(f["z"]):
        a = float(ACTIVATIONS[act].forward(np.array([f["z"]]))[0])
        slope = max(1.0, abs(float(ACTIVATIONS[act].derivative(np.array([f["z"]]), np.array([a]))[0])))
        near(a, f["a"], slope * abs(f["z"]) + abs(a), what + ": a = f(z)")


def _redo_delta(nodes, act: str, d: int, k: int, f: dict, what: str) -> None:
    """δ = ∂L/∂a · f′(z) from the printed numbers (softmax: its Jacobian, with every a of the layer)."""
    da, delta = f["∂L/∂a"], f["δ = ∂L/∂z"]
    if not (np.isfinite(da) and np.isfinite(delta)):
        return
    if act == "softmax":
        layer = [nodes[key][0] for key in sorted(nodes) if key[0] == d]
        a = np.array([n["a"] for n in layer])
        das = np.array([n["∂L/∂a"] for n in layer])
        dot = float(a @ das)
        near(a[k] * (da - dot), delta, abs(a[k]) * (abs(da) + float(np.abs(a * das).sum())), what + ": δ")
        return
    z, a = np.array([f["z"]]), np.array([f["a"]])
    fp = float(ACTIVATIONS[act].derivative(z, a)[0])
    # f′ from a printed z and a: sigmoid/tanh's a(1 − a), 1 − a² carry a's rounding
    near(da * fp, delta, abs(da) * (abs(fp) + 2.0 * abs(f["a"]) + 1.0), what + ": δ = ∂L/∂a·f′(z)")


@pytest.mark.parametrize("k, hidden, loss, out", CASES[::3], ids=lambda x: str(x))
def test_every_number_of_the_diagram_is_right(k, hidden, loss, out):
    rec = _case(k, hidden, loss, out)
    assert check_diagram(rec, rec.learning_rate) > 0


def test_the_check_catches_a_wrong_number(monkeypatch):
    # one hover number off in its 6th digit must fail the check (it is not vacuous)
    rec = _case(1, "tanh", "half_sse", "sigmoid")
    real = figures._h
    monkeypatch.setattr(figures, "_h", lambda x: real(float(x) * (1 + 3e-5)))
    with pytest.raises(AssertionError):
        check_diagram(rec, rec.learning_rate)

"""The arithmetic panel: backprop's formulas filled in with the real numbers.

Pure functions from a :class:`~nnviz.engine.StepRecord` (and a selected neuron
or edge) to LaTeX lines. Each line carries the engine's own value, so a test can
check that what is written is what was computed. NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine import LOSSES, Phase, StepRecord

MAX_TERMS = 6  # longer sums are written with "…"


@dataclass(frozen=True)
class Line:
    """One equation: ``latex`` to show, ``value`` the engine's number it ends with."""

    latex: str
    value: float
    what: str  # "z", "a", "da", "dz", "dW", "dW_new", "db", "b_new", "contrib"


def fmt(x: float) -> str:
    """A number as the panel writes it: 6 significant digits, negatives in parentheses."""
    s = f"{float(x):.6g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = rf"{mant}\times10^{{{int(exp)}}}"
    return f"({s})" if float(x) < 0 else s


def _sum(terms: list[str]) -> str:
    if len(terms) > MAX_TERMS:
        terms = terms[: MAX_TERMS - 1] + [r"\dots"]
    return " + ".join(terms) if terms else "0"


def reached(phase: Phase | None, kind: str, layer: int) -> bool:
    """Whether ``phase`` has computed the ``kind`` quantities of 0-based ``layer`` yet."""
    if phase is None:
        return False
    order = {"forward": 0, "loss": 1, "backward": 2, "update": 3}
    if order[phase.kind] > order[kind]:
        return True
    if phase.kind != kind:
        return False
    if kind == "forward":
        return layer <= phase.layer
    if kind == "backward":
        return layer >= phase.layer
    return True


def _derivative_latex(act: str, z: float, a: float) -> tuple[str, float]:
    if act == "sigmoid":
        return rf"a(1-a) = {fmt(a)}\,(1-{fmt(a)})", a * (1 - a)
    if act == "tanh":
        return rf"1-a^2 = 1-{fmt(a)}^2", 1 - a * a
    if act == "relu":
        return rf"[z>0] = [{fmt(z)}>0]", float(z > 0)
    if act == "leaky_relu":
        return rf"(z>0\;?\;1 : 0.01) \text{{ at }} z={fmt(z)}", 1.0 if z > 0 else 0.01
    return "1", 1.0


def neuron_lines(rec: StepRecord, layer: int, j: int, sample: int, phase: Phase | None) -> list[Line]:
    """Lines for neuron ``j`` of 1-based ``layer`` (0 = input) at batch row ``sample``."""
    net = rec.before
    if layer == 0:
        x = rec.trace.input[sample, j]
        return [Line(rf"x_{{{j}}} = {fmt(x)}", float(x), "a")]
    l = layer - 1
    t = rec.trace.layers[l]
    lines: list[Line] = []
    if not reached(phase, "forward", l):
        return lines
    W = net.weights[l]
    terms = [rf"{fmt(W[i, j])}\cdot{fmt(t.x[sample, i])}" for i in range(W.shape[0])]
    bias = ""
    if net.biases is not None:
        bias = f" + {fmt(net.biases[l][j])}"
    z, a = t.z[sample, j], t.a[sample, j]
    lines.append(
        Line(
            rf"z^{{({layer})}}_{{{j}}} = \sum_i w_{{i{j}}} a^{{({layer - 1})}}_i"
            + (" + b" if bias else "")
            + f" = {_sum(terms)}{bias} = {fmt(z)}",
            float(z),
            "z",
        )
    )
    act = net.activations[l]
    fname = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}", "leaky_relu": r"\mathrm{lrelu}"}.get(
        act, r"\mathrm{" + act + "}"
    )
    lines.append(Line(rf"a^{{({layer})}}_{{{j}}} = {fname}({fmt(z)}) = {fmt(a)}", float(a), "a"))
    if not reached(phase, "backward", l):
        return lines
    g = rec.grads.layers[l]
    da, dz = g.da[sample, j], g.dz[sample, j]
    last = l == net.n_layers - 1
    spec = LOSSES[rec.grads.loss_name]
    y = rec.grads.targets[sample, j] if last else None  # a hidden neuron has no target
    b, k = rec.grads.targets.shape
    if last and spec.requires:
        denom = "B" if spec.name == "cross_entropy" else "BK"
        n = b if spec.name == "cross_entropy" else b * k
        lines.append(
            Line(
                rf"\delta_{{{j}}} = \frac{{\hat y_{{{j}}} - y_{{{j}}}}}{{{denom}}} = "
                rf"\frac{{{fmt(a)} - {fmt(y)}}}{{{n}}} = {fmt(dz)}"
                r"\quad\text{(fused " + spec.name.replace("_", " ") + ")}",
                float(dz),
                "dz",
            )
        )
        return lines + _update_lines(rec, l, j, phase)
    if last:
        if spec.name == "half_sse":
            da_tex = rf"\hat y_{{{j}}} - y_{{{j}}} = {fmt(a)} - {fmt(y)}"
        else:
            da_tex = rf"\frac{{2(\hat y_{{{j}}} - y_{{{j}}})}}{{BK}} = \frac{{2({fmt(a)} - {fmt(y)})}}{{{b * k}}}"
        lines.append(Line(rf"\frac{{\partial L}}{{\partial a_{{{j}}}}} = {da_tex} = {fmt(da)}", float(da), "da"))
    else:
        W_next = net.weights[l + 1]
        d_next = rec.grads.layers[l + 1].dz[sample]
        terms = [rf"{fmt(W_next[j, m])}\cdot{fmt(d_next[m])}" for m in range(W_next.shape[1])]
        lines.append(
            Line(
                rf"\frac{{\partial L}}{{\partial a_{{{j}}}}} = \sum_m w_{{{j}m}}\,\delta^{{({layer + 1})}}_m"
                rf" = {_sum(terms)} = {fmt(da)}",
                float(da),
                "da",
            )
        )
    if act == "softmax":
        lines.append(
            Line(
                rf"\delta_{{{j}}} = a_{{{j}}}\Big(\frac{{\partial L}}{{\partial a_{{{j}}}}}"
                rf" - \sum_m \frac{{\partial L}}{{\partial a_m}} a_m\Big) = {fmt(dz)}",
                float(dz),
                "dz",
            )
        )
    else:
        d_tex, slope = _derivative_latex(act, float(z), float(a))
        lines.append(Line(rf"f'(z^{{({layer})}}_{{{j}}}) = {d_tex} = {fmt(slope)}", float(slope), "fprime"))
        lines.append(
            Line(
                rf"\delta^{{({layer})}}_{{{j}}} = \frac{{\partial L}}{{\partial a}}\cdot f'(z)"
                rf" = {fmt(da)}\cdot{fmt(slope)} = {fmt(dz)}",
                float(dz),
                "dz",
            )
        )
    return lines + _update_lines(rec, l, j, phase)


def _update_lines(rec: StepRecord, l: int, j: int, phase: Phase | None) -> list[Line]:
    if rec.before.biases is None:
        return []
    g = rec.grads.layers[l]
    lines = [
        Line(
            rf"\frac{{\partial L}}{{\partial b_{{{j}}}}} = \sum_n \delta_{{{j}}}[n] = {fmt(g.db[j])}",
            float(g.db[j]),
            "db",
        )
    ]
    if phase is not None and phase.kind == "update":
        old, new = rec.before.biases[l][j], rec.after.biases[l][j]
        eta = rec.learning_rate
        if rec.update.db is not None and rec.update.db[l][j] == 0 and g.db[j] != 0:
            lines.append(Line(rf"b_{{{j}}} = {fmt(old)}\ \text{{(frozen: not updated)}}", float(new), "b_new"))
        else:
            lines.append(
                Line(
                    rf"b_{{{j}}} \leftarrow b - \eta\,\frac{{\partial L}}{{\partial b}} = {fmt(old)} - {fmt(eta)}"
                    rf"\cdot{fmt(g.db[j])} = {fmt(new)}",
                    float(new),
                    "b_new",
                )
            )
    return lines


def edge_lines(rec: StepRecord, layer: int, i: int, j: int, phase: Phase | None) -> list[Line]:
    """Lines for the weight from neuron ``i`` of layer ``layer−1`` to neuron ``j`` of 1-based ``layer``."""
    l = layer - 1
    w = rec.before.weights[l][i, j]
    x = rec.trace.layers[l].x[:, i]
    lines = [Line(rf"w^{{({layer})}}_{{{i}{j}}} = {fmt(w)}", float(w), "w")]
    if reached(phase, "forward", l):
        lines.append(
            Line(
                rf"\text{{contribution to }} z_{{{j}}}:\; w\cdot a_{{{i}}} = "
                rf"{fmt(w)}\cdot{fmt(x[0])} = {fmt(w * x[0])}",
                float(w * x[0]),
                "contrib",
            )
        )
    if not reached(phase, "backward", l):
        return lines
    g = rec.grads.layers[l]
    dz = g.dz[:, j]
    terms = [rf"{fmt(dz[n])}\cdot{fmt(x[n])}" for n in range(len(x))]
    lines.append(
        Line(
            rf"\frac{{\partial L}}{{\partial w_{{{i}{j}}}}} = \sum_n \delta_{{{j}}}[n]\,a_{{{i}}}[n] = "
            rf"{_sum(terms)} = {fmt(g.dW[i, j])}",
            float(g.dW[i, j]),
            "dW",
        )
    )
    if phase is not None and phase.kind == "update":
        eta = rec.learning_rate
        new = rec.after.weights[l][i, j]
        lines.append(
            Line(
                rf"w \leftarrow w - \eta\,\frac{{\partial L}}{{\partial w}} = "
                rf"{fmt(w)} - {fmt(eta)}\cdot{fmt(g.dW[i, j])}"
                rf" = {fmt(new)}\quad(\Delta w = {fmt(rec.update.dW[l][i, j])})",
                float(new),
                "dW_new",
            )
        )
    return lines


def loss_lines(rec: StepRecord) -> list[Line]:
    """The loss of the batch, with each sample's share."""
    spec = LOSSES[rec.grads.loss_name]
    per = rec.grads.per_sample
    terms = [fmt(v) for v in per]
    return [
        Line(
            r"\begin{gathered}" + spec.formula + r" \\ \text{(" + spec.reduction + r")}\end{gathered}",
            float(rec.loss_before),
            "formula",
        ),
        Line(rf"L = {_sum(terms)} = {fmt(rec.loss_before)}", float(rec.loss_before), "loss"),
        Line(rf"L_\text{{after update}} = {fmt(rec.loss_after)}", float(rec.loss_after), "loss_after"),
    ]


def largest_gradients(grad_vector: np.ndarray, n: int = 2) -> list[int]:
    """Indices of the ``n`` parameters with the largest |gradient| (ties: first)."""
    return [int(i) for i in np.argsort(-np.abs(grad_vector), kind="stable")[:n]]


def _split_top(latex: str, sep: str) -> list[str]:
    """Split at ``sep`` where it stands outside every {…} group."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        c = latex[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(sep, i):
            parts.append(latex[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(latex[start:])
    return parts


def aligned(latex: str, terms_per_row: int = 2) -> str:
    """Break one long equation into rows (one per "=", at most ``terms_per_row`` summands each)
    so that it fits a narrow column."""
    parts = _split_top(latex, " = ")
    if len(parts) == 1 or latex.startswith(r"\begin{"):
        return latex
    rows = []
    for k, part in enumerate(parts[1:]):
        terms = _split_top(part, " + ")
        chunks = [" + ".join(terms[i : i + terms_per_row]) for i in range(0, len(terms), terms_per_row)]
        lead = parts[0] + " &= " if k == 0 else "&= "
        rows.append(lead + chunks[0])
        rows += [r"&\quad + " + c for c in chunks[1:]]
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

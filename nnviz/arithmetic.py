"""The arithmetic panel: backprop's formulas filled in with the real numbers.

Pure functions from a :class:`~nnviz.engine.StepRecord` (and a selected neuron
or edge) to LaTeX lines. Each line carries the engine's own value, so a test can
check that what is written is what was computed. NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine import LOSSES, Phase, StepRecord, fmt_number

MAX_TERMS = 6  # longer sums are written with "…"


@dataclass(frozen=True)
class Line:
    """One equation: ``latex`` to show, ``value`` the engine's number it ends with."""

    latex: str
    value: float
    what: str  # "z", "a", "da", "dz", "dW", "dW_new", "db", "b_new", "contrib"


def weight_tex(layer: int, i: int, j: int) -> str:
    """``W1[0,1]``: the weight from neuron i of layer ``layer``−1 to neuron j of ``layer`` (1-based; 0 = input).

    The one name of a weight everywhere: the engine's :meth:`~nnviz.engine.Network.parameter_names`,
    the diagram's hover, the lists of parameters and this panel.
    """
    return rf"\mathrm{{W{layer}}}[{i},{j}]"


def bias_tex(layer: int, j: int) -> str:
    return rf"\mathrm{{b{layer}}}[{j}]"


def neuron_tex(symbol: str, layer: int, j: int) -> str:
    """``z1[0]``, ``a1[0]``, ``δ1[0]``: quantity ``symbol`` ("z", "a", "x" or "delta") of neuron j of ``layer``."""
    if symbol == "delta":
        return rf"\delta{layer}[{j}]"
    return rf"\mathrm{{{symbol}{layer}}}[{j}]"


#: a number as the panel writes it: 6 significant digits, negatives in parentheses (the engine's
#: formatter, which its registries' panel formulas use too)
fmt = fmt_number


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
        return [Line(rf"{neuron_tex('x', 0, j)} = {fmt(x)}", float(x), "a")]
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
    zt, at = neuron_tex("z", layer, j), neuron_tex("a", layer, j)
    lines.append(
        Line(
            rf"{zt} = \sum_i {weight_tex(layer, 'i', j)}\,\mathrm{{a{layer - 1}}}[i]"
            + (f" + {bias_tex(layer, j)}" if bias else "")
            + f" = {_sum(terms)}{bias} = {fmt(z)}",
            float(z),
            "z",
        )
    )
    act = net.activations[l]
    fname = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}", "leaky_relu": r"\mathrm{lrelu}"}.get(
        act, r"\mathrm{" + act + "}"
    )
    lines.append(Line(rf"{at} = {fname}({fmt(z)}) = {fmt(a)}", float(a), "a"))
    if not reached(phase, "backward", l):
        return lines
    return lines + delta_lines(rec, layer, j, sample) + _update_lines(rec, l, j, phase)


def delta_lines(rec: StepRecord, layer: int, j: int, sample: int) -> list[Line]:
    """The chain rule for the delta δ = ∂L/∂z of neuron ``j`` of 1-based ``layer`` at batch row ``sample``:
    ∂L/∂a (from the loss, or Σ W·δ of the layer above), f′(z), δ = ∂L/∂a·f′(z) (fused for cross-entropy)."""
    net = rec.before
    l = layer - 1
    t = rec.trace.layers[l]
    z, a = t.z[sample, j], t.a[sample, j]
    act = net.activations[l]
    g = rec.grads.layers[l]
    da, dz = g.da[sample, j], g.dz[sample, j]
    last = l == net.n_layers - 1
    spec = LOSSES[rec.grads.loss_name]
    y = rec.grads.targets[sample, j] if last else None  # a hidden neuron has no target
    b, k = rec.grads.targets.shape
    dt, at = neuron_tex("delta", layer, j), neuron_tex("a", layer, j)
    dadt = rf"\frac{{\partial L}}{{\partial {at}}}"
    if last and spec.requires:
        denom = "B" if spec.name == "cross_entropy" else "BK"
        n = b if spec.name == "cross_entropy" else b * k
        return [
            Line(
                rf"{dt} = \frac{{\hat y_{{{j}}} - y_{{{j}}}}}{{{denom}}} = "
                rf"\frac{{{fmt(a)} - {fmt(y)}}}{{{n}}} = {fmt(dz)}"
                r"\quad\text{(fused " + spec.name.replace("_", " ") + ")}",
                float(dz),
                "dz",
            )
        ]
    lines = []
    if last:
        if spec.name == "half_sse":
            da_tex = rf"\hat y_{{{j}}} - y_{{{j}}} = {fmt(a)} - {fmt(y)}"
        else:
            da_tex = rf"\frac{{2(\hat y_{{{j}}} - y_{{{j}}})}}{{BK}} = \frac{{2({fmt(a)} - {fmt(y)})}}{{{b * k}}}"
        lines.append(Line(rf"{dadt} = {da_tex} = {fmt(da)}", float(da), "da"))
    else:
        W_next = net.weights[l + 1]
        d_next = rec.grads.layers[l + 1].dz[sample]
        terms = [rf"{fmt(W_next[j, m])}\cdot{fmt(d_next[m])}" for m in range(W_next.shape[1])]
        lines.append(
            Line(
                rf"{dadt} = \sum_m {weight_tex(layer + 1, j, 'm')}\,\delta{layer + 1}[m]"
                rf" = {_sum(terms)} = {fmt(da)}",
                float(da),
                "da",
            )
        )
    if act == "softmax":
        lines.append(
            Line(
                rf"{dt} = a_{{{j}}}\Big(\frac{{\partial L}}{{\partial a_{{{j}}}}}"
                rf" - \sum_m \frac{{\partial L}}{{\partial a_m}} a_m\Big) = {fmt(dz)}",
                float(dz),
                "dz",
            )
        )
        return lines
    d_tex, slope = _derivative_latex(act, float(z), float(a))
    lines.append(Line(rf"f'({neuron_tex('z', layer, j)}) = {d_tex} = {fmt(slope)}", float(slope), "fprime"))
    lines.append(
        Line(
            rf"{dt} = {dadt}\cdot f'(z) = {fmt(da)}\cdot{fmt(slope)} = {fmt(dz)}",
            float(dz),
            "dz",
        )
    )
    return lines


def _update_lines(rec: StepRecord, l: int, j: int, phase: Phase | None) -> list[Line]:
    if rec.before.biases is None:
        return []
    g = rec.grads.layers[l]
    bt = bias_tex(l + 1, j)
    lines = [
        Line(
            rf"\frac{{\partial L}}{{\partial {bt}}} = \sum_n \delta{l + 1}[{j}]_n = {fmt(g.db[j])}",
            float(g.db[j]),
            "db",
        )
    ]
    if phase is not None and phase.kind == "update":
        old, new = rec.before.biases[l][j], rec.after.biases[l][j]
        eta = rec.learning_rate
        if rec.update.db is not None and rec.update.db[l][j] == 0 and g.db[j] != 0:
            lines.append(Line(rf"{bt} = {fmt(old)}\ \text{{(frozen: not updated)}}", float(new), "b_new"))
        else:
            lines.append(
                Line(
                    rf"{bt} \leftarrow {bt} - \eta\,\frac{{\partial L}}{{\partial {bt}}} = {fmt(old)} - {fmt(eta)}"
                    rf"\cdot{fmt(g.db[j])} = {fmt(new)}",
                    float(new),
                    "b_new",
                )
            )
    return lines


def edge_lines(rec: StepRecord, layer: int, i: int, j: int, phase: Phase | None, sample: int = 0) -> list[Line]:
    """Lines for the weight W{layer}[i,j] from neuron ``i`` of layer ``layer−1`` to neuron ``j`` of 1-based ``layer``.

    In backward phases the chain rule is written out whole: the delta of neuron j (at batch row
    ``sample``) with its ∂L/∂a and f′(z), then ∂L/∂w = Σₙ δ·a over the batch.
    """
    l = layer - 1
    w = rec.before.weights[l][i, j]
    x = rec.trace.layers[l].x[:, i]
    wt = weight_tex(layer, i, j)
    lines = [Line(rf"{wt} = {fmt(w)}", float(w), "w")]
    s = int(sample)
    if reached(phase, "forward", l):
        lines.append(
            Line(
                rf"\text{{contribution to }} {neuron_tex('z', layer, j)}:\; {wt}\cdot{neuron_tex('a', layer - 1, i)} = "
                rf"{fmt(w)}\cdot{fmt(x[s])} = {fmt(w * x[s])}",
                float(w * x[s]),
                "contrib",
            )
        )
    if not reached(phase, "backward", l):
        return lines
    lines += delta_lines(rec, layer, j, s)
    g = rec.grads.layers[l]
    dz = g.dz[:, j]
    terms = [rf"{fmt(dz[n])}\cdot{fmt(x[n])}" for n in range(len(x))]
    lines.append(
        Line(
            rf"\frac{{\partial L}}{{\partial {wt}}} = \sum_n \delta{layer}[{j}]_n\,\mathrm{{a{layer - 1}}}[{i}]_n = "
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
                rf"{wt} \leftarrow {wt} - \eta\,\frac{{\partial L}}{{\partial {wt}}} = "
                rf"{fmt(w)} - {fmt(eta)}\cdot{fmt(g.dW[i, j])}"
                rf" = {fmt(new)}\quad{{(\Delta w = {fmt(rec.update.dW[l][i, j])})}}",
                float(new),
                "dW_new",
            )
        )
    return lines


def loss_lines(rec: StepRecord, phase: Phase | None = None) -> list[Line]:
    """The loss of the batch, with each sample's share; the loss after the update only from the update phase
    (``phase=None``: the finished step, everything)."""
    spec = LOSSES[rec.grads.loss_name]
    per = rec.grads.per_sample
    terms = [fmt(v) for v in per]
    lines = [
        Line(
            r"\begin{gathered}" + spec.formula + r" \\ \text{(" + spec.reduction + r")}\end{gathered}",
            float(rec.loss_before),
            "formula",
        ),
        Line(rf"L = {_sum(terms)} = {fmt(rec.loss_before)}", float(rec.loss_before), "loss"),
    ]
    if phase is None or phase.kind == "update":
        lines.append(Line(rf"L_\text{{after update}} = {fmt(rec.loss_after)}", float(rec.loss_after), "loss_after"))
    return lines


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

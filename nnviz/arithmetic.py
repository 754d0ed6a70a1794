"""The arithmetic panel: backprop's formulas filled in with the real numbers.

Pure functions from a :class:`~nnviz.engine.StepRecord` (and a selected neuron
or edge) to LaTeX lines. Each line carries the engine's own value, so a test can
check that what is written is what was computed. NumPy only.

The words in the lines (``\text{…}``) are in the session's language (:mod:`nnviz.i18n`); the
formulas and the numbers are the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine import ACTIVATIONS, LOSSES, Phase, StepRecord, fmt_number, regularizer
from nnviz.i18n import N_, _

MAX_TERMS = 6  # longer sums are written with "…"


@dataclass(frozen=True)
class Line:
    """One equation: ``latex`` to show, ``value`` the engine's number it ends with."""

    latex: str
    value: float
    what: str  # "z", "a", "da", "dz", "dW", "dW_reg", "dW_new", "db", "b_new", "contrib", "dead", "opt", …


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


def text_around(message: str, tex: str) -> str:
    r"""``message`` (marked with N_) translated, with one ``{tex}`` field, as LaTeX: its words in
    ``\text{…}``, the field's formula between them (a translation may put it first, as Korean does)."""
    before, _sep, after = _(message).partition("{tex}")
    out = (r"\text{" + before + "}" if before else "") + tex
    return out + (r"\text{" + after + "}" if after else "")


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
    fname = ACTIVATIONS[act].symbol or r"\mathrm{" + act + "}"
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
                r"\quad\text{" + _("(fused {loss})").format(loss=_(spec.label)) + "}",
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
    d_tex, slope = ACTIVATIONS[act].derivative_latex(float(z), float(a), fmt)
    lines.append(Line(rf"f'({neuron_tex('z', layer, j)}) = {d_tex} = {fmt(slope)}", float(slope), "fprime"))
    lines.append(
        Line(
            rf"{dt} = {dadt}\cdot f'(z) = {fmt(da)}\cdot{fmt(slope)} = {fmt(dz)}",
            float(dz),
            "dz",
        )
    )
    return lines


def flat_index(net, l: int, i: int, j: int | None = None) -> int:
    """The position in ``Network.parameter_vector`` of W_{l+1}[i, j] (``j`` given) or of b_{l+1}[i]."""
    k = 0
    for m in range(l):
        k += net.weights[m].size + (net.biases[m].size if net.biases is not None else 0)
    if j is not None:
        return k + i * net.weights[l].shape[1] + j
    return k + net.weights[l].size + i


def is_dead(net, l: int, i: int, j: int) -> bool:
    """Whether W_{l+1}[i, j] is a dead link of ``net`` (L1 pushed it across 0: Playground's rule)."""
    return net.dead is not None and bool(net.dead[l][i, j])


def optimizer_lines(rec: StepRecord, index: int, name_tex: str) -> list[Line]:
    """The update of flat parameter ``index`` by the step's optimiser (``opt.explain``), θ written as
    ``name_tex``; each line ends with its value (a buffer's new value, then the parameter's)."""
    out = []
    for latex, value in rec.optimizer.explain(rec.before, rec.grads, rec.opt_before, index, fmt):
        out.append(Line(latex.replace(r"\theta", name_tex), float(value), "opt"))
    return out


#: the optimisers' buffers as their update formulas (optim.OPTIMIZERS' ``formula``) name them
SLOT_TEX = {"velocity": "v", "square_avg": "s", "exp_avg": "m", "exp_avg_sq": "v"}


def optimizer_state_lines(rec: StepRecord, index: int) -> list[Line]:
    """The optimiser's state of flat parameter ``index`` before this step (its buffers and the step count)."""
    if rec.optimizer is None or not rec.opt_before.slots:
        return []
    parts = [rf"t = {rec.opt_before.step}"]
    for slot, v in rec.opt_before.slots.items():
        parts.append(rf"{SLOT_TEX.get(slot, slot)} = {fmt(v[index])}")
    return [Line(text_around(N_("state before: {tex}"), r",\ ".join(parts)), float(rec.opt_before.step), "opt_state")]


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
        unmoved = rec.update.db is not None and rec.update.db[l][j] == 0 and g.db[j] != 0
        frozen = rec.before.bias_mode == "frozen" or unmoved
        if frozen:
            frozen_tex = r"\ \text{" + _("(frozen: not updated)") + "}"
            lines.append(Line(rf"{bt} = {fmt(old)}" + frozen_tex, float(new), "b_new"))
        elif rec.optimizer is not None and rec.optimizer.name != "sgd":
            index = flat_index(rec.before, l, j)
            lines += optimizer_state_lines(rec, index) + optimizer_lines(rec, index, bt)
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
    dead = is_dead(rec.before, l, i, j)
    if dead:
        lines.append(Line(wt + r"\ \text{" + _("dead link: not updated") + "}", 0.0, "dead"))
    s = int(sample)
    if reached(phase, "forward", l):
        lines.append(
            Line(
                text_around(N_("contribution to {tex}"), " " + neuron_tex("z", layer, j))
                + rf":\; {wt}\cdot{neuron_tex('a', layer - 1, i)} = "
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
    sum_tex = rf"\sum_n \delta{layer}[{j}]_n\,\mathrm{{a{layer - 1}}}[{i}]_n"
    if g.dW_penalty is None:
        lines.append(
            Line(
                rf"\frac{{\partial L}}{{\partial {wt}}} = {sum_tex} = {_sum(terms)} = {fmt(g.dW[i, j])}",
                float(g.dW[i, j]),
                "dW",
            )
        )
    else:  # the loss's penalty term: ∂(L + λΣR)/∂w = Σδ·a + λR′(w)
        lam = rec.grads.regularization_rate
        r_tex = regularizer(rec.grads.regularization).derivative_latex(float(w), fmt)[0]
        lines.append(
            Line(
                rf"\frac{{\partial (L + \lambda\sum R)}}{{\partial {wt}}} = {sum_tex} + \lambda R'({wt}) = "
                rf"{_sum(terms)} + {fmt(lam)}\cdot{r_tex} = {fmt(g.dW[i, j])}",
                float(g.dW[i, j]),
                "dW_reg",
            )
        )
    if phase is not None and phase.kind == "update" and dead:
        return lines  # the "dead link: not updated" line says it
    if phase is not None and phase.kind == "update" and rec.optimizer is not None and rec.optimizer.name != "sgd":
        index = flat_index(rec.before, l, i, j)
        return lines + optimizer_state_lines(rec, index) + optimizer_lines(rec, index, wt)
    if phase is not None and phase.kind == "update" and rec.after.dead is not None and rec.after.dead[l][i, j]:
        lines.append(
            Line(
                wt + r" \leftarrow 0\ \text{" + _("(L1 pushed it across 0: the link dies)") + "}",
                float(rec.after.weights[l][i, j]),
                "dies",
            )
        )
        return lines
    if phase is not None and phase.kind == "update":
        eta = rec.learning_rate
        new = rec.after.weights[l][i, j]
        loss_tex = "L" if g.dW_penalty is None else r"(L + \lambda\sum R)"
        lines.append(
            Line(
                rf"{wt} \leftarrow {wt} - \eta\,\frac{{\partial {loss_tex}}}{{\partial {wt}}} = "
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
            r"\begin{gathered}" + spec.formula + r" \\ \text{(" + _(spec.reduction) + r")}\end{gathered}",
            float(rec.loss_before),
            "formula",
        )
    ]
    g = rec.grads
    if g.regularization not in (None, "none") and g.regularization_rate:
        reg = regularizer(g.regularization)
        total_r = float(sum(reg.penalty(w).sum() for w in rec.before.weights))
        lines.append(
            Line(
                rf"\lambda\sum_w R(w) = {fmt(g.regularization_rate)}\cdot{fmt(total_r)} = {fmt(g.penalty)}"
                rf"\quad{{({reg.formula})}}",
                float(g.penalty),
                "penalty",
            )
        )
        lines.append(
            Line(
                rf"L = \sum_n L_n + \lambda\sum_w R(w) = {_sum(terms)} + {fmt(g.penalty)} = {fmt(rec.loss_before)}",
                float(rec.loss_before),
                "loss_reg",
            )
        )
    else:
        lines.append(Line(rf"L = {_sum(terms)} = {fmt(rec.loss_before)}", float(rec.loss_before), "loss"))
    if phase is None or phase.kind == "update":
        lines.append(
            Line(r"L_\text{" + _("after update") + rf"}} = {fmt(rec.loss_after)}", float(rec.loss_after), "loss_after")
        )
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

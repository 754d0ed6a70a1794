"""A worked step as a self-contained document: HTML with MathML and an inline SVG diagram.

No streamlit. :func:`document` turns one :class:`~nnviz.engine.StepRecord` into one HTML file
(no script, no external resource; MathML renders natively in Chromium, Firefox and Safari):
the network (sizes, activations, loss, biases, η), the batch (inputs and targets), a diagram
of the network before the update, every phase's arithmetic with its numbers — forward: every
neuron's z and a; loss; backward: every neuron's δ and every weight's (and bias's) gradient;
update: every new weight and bias and the loss after — each line the arithmetic panel's own
(:mod:`nnviz.arithmetic`), so the document's numbers are the engine's.

``blank=True`` makes an exercise sheet: the givens (inputs, targets, weights, biases, η) stay,
every computed value is a numbered blank, and an answer key at the end lists the answers with
the worked lines.

The words (headings, sentences, table labels) are in the language ``document(lang=…)`` names
(:mod:`nnviz.i18n`; default: the session's). The formulas, numbers, engine names and the
``data-phase`` / ``data-blank`` / ``data-answer`` attributes are the same in every language.
"""

from __future__ import annotations

import html
import re

import numpy as np

from nnviz import arithmetic, i18n, quiz
from nnviz.arithmetic import Line
from nnviz.engine import LOSSES, Phase, StepRecord
from nnviz.i18n import N_
from nnviz.player.mathml import equation_html

#: batch rows written out per phase at most (the rest are summed in ∂L/∂w, and said so)
MAX_ROWS = 3

#: the document's words (one place, for translation: English here, ``tl.gettext(TEXT[…])`` where written)
TEXT = {
    "title": N_("Worked step {step}: {page}"),
    "title_blank": N_("Exercise: step {step} of {page}"),
    "intro": N_(
        "Every number below is nnviz's engine's, written to 6 significant digits; negative numbers in "
        "parentheses. Wl[i,j] is the weight from neuron i of layer l−1 to neuron j of layer l (layer 0 = the "
        "inputs)."
    ),
    "intro_blank": N_(
        "Fill in every blank (computed to at least 3 significant figures) from the givens: the inputs, "
        "the targets, the weights and biases, and the learning rate η. The answer key is at the end."
    ),
    "network": N_("The network"),
    "sizes": N_("Layer sizes"),
    "activations": N_("Activations (layers 1 …)"),
    "loss": N_("Loss"),
    "biases": N_("Biases"),
    "no_biases": N_("none"),
    "eta": N_("Learning rate η"),
    "batch": N_("The batch"),
    "batch_note": N_("Samples {idx} of the data set."),
    "rows_note": N_("Forward and δ lines are written for batch rows 0 … {m} of {n}; ∂L/∂w sums over all {n}."),
    "row": N_("batch row {r} (sample #{i})"),
    "row_head": N_("row"),
    "sample": N_("sample"),
    "diagram": N_("Diagram (before the update)"),
    "diagram_label": N_("network diagram"),
    "diagram_note": N_(
        "Edges: blue positive, red negative weights, width ∝ |w|; numbers on the edges are the weights. "
        "Hover (in a browser) an edge or neuron for its name."
    ),
    "weights": N_("Weights and biases before the update"),
    "phase": N_("Phase {n}: {label}"),
    "answers": N_("Answer key"),
    "after": N_("The loss after the update"),
    "footer": N_(
        "Made by nnviz (step-through of backpropagation). Regenerate it from the same link for the same numbers."
    ),
}


def _eq(latex: str, cache: dict) -> str:
    return equation_html(latex, cache)


_NUMERAL = re.compile(r"(?<![A-Za-z\d.])\d")


def _symbolic(latex: str) -> bool:
    """True when ``latex`` holds no numbers (indices in […] and subscripts aside): safe on a blank sheet."""
    bare = re.sub(r"\[[^\]]*\]|_\{[^}]*\}|_[0-9a-z]", "", latex)
    return not _NUMERAL.search(bare)


def _blank(line: Line, n: int, cache: dict) -> str:
    """The exercise form of a line: its left side (and its symbolic formula), then blank number n."""
    parts = arithmetic._split_top(line.latex, " = ")
    shown = parts[0]
    if len(parts) >= 3 and _symbolic(parts[1]):
        shown += " = " + parts[1]
    if not _symbolic(shown):  # e.g. the fused δ's (ŷ − y)/B: keep the left side only
        shown = parts[0]
    return (
        f'<div class="ex"><div class="exeq">{_eq(shown + " =", cache)}</div>'
        f'<span class="blank" data-blank="{n}">({n})&#160;______________</span></div>'
    )


class _Sheet:
    """Collects the lines of the document; in blank mode numbers them and keeps the key."""

    def __init__(self, blank: bool, cache: dict | None):
        self.blank = blank
        self.cache: dict = {} if cache is None else cache  # MathML templates (mathml.to_mathml)
        self.key: list[tuple[int, Line]] = []
        self.values: list[float] = []  # every computed value written (worked) or asked (blank)

    def line(self, line: Line, given: bool = False) -> str:
        if given or not self.blank:
            if not given:
                self.values.append(line.value)
            return _eq(line.latex, self.cache)
        n = len(self.key) + 1
        self.key.append((n, line))
        self.values.append(line.value)
        return _blank(line, n, self.cache)


def _table(head: list[str] | None, rows: list[list[str]]) -> str:
    th = "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{th}<tbody>{body}</tbody></table>"


def diagram_svg(rec: StepRecord, width: int = 720, tl=None) -> str:
    """The network before the update as inline SVG: neurons, weighted edges (colour = sign,
    width ∝ |w|, the weight written on edges of nets with at most 24 weights a layer)."""
    tl = i18n.translator() if tl is None else tl
    net = rec.before
    sizes = net.sizes
    L = len(sizes)
    height = max(160, 70 * max(sizes) + 60)
    xs = [60 + i * (width - 120) / (L - 1) for i in range(L)]

    def ys(n: int) -> list[float]:
        gap = (height - 60) / max(n, 1)
        return [30 + gap * (j + 0.5) for j in range(n)]

    pos = [[(xs[l], y) for y in ys(n)] for l, n in enumerate(sizes)]
    wmax = max(float(np.max(np.abs(W))) for W in net.weights) or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(tl.gettext(TEXT["diagram_label"]))}">'
    ]
    for l, W in enumerate(net.weights, start=1):
        label = W.size <= 24
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                (x0, y0), (x1, y1) = pos[l - 1][i], pos[l][j]
                w = float(W[i, j])
                colour = "#2166ac" if w >= 0 else "#b2182b"
                sw = 0.8 + 4.0 * abs(w) / wmax
                name = f"W{l}[{i},{j}] = {quiz.plain_number(w)}"
                out.append(
                    f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{colour}" '
                    f'stroke-width="{sw:.2f}" stroke-opacity="0.75"><title>{html.escape(name)}</title></line>'
                )
                if label:
                    t = 0.3 if j % 2 == 0 else 0.62  # stagger the labels along the edges
                    lx, ly = x0 + t * (x1 - x0), y0 + t * (y1 - y0) - 3
                    out.append(
                        f'<text x="{lx:.1f}" y="{ly:.1f}" class="w" data-name="W{l}[{i},{j}]">'
                        f"{html.escape(quiz.plain_number(w))}</text>"
                    )
    for l, col in enumerate(pos):
        for j, (x, y) in enumerate(col):
            name = f"x[{j}]" if l == 0 else f"a{l}[{j}]"
            act = "" if l == 0 else f" ({net.activations[l - 1]})"
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="17" fill="#f7f7f7" stroke="#333">'
                f"<title>{html.escape(name + act)}</title></circle>"
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" class="n">{html.escape(name)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _network_section(rec: StepRecord, loss: str, w) -> str:
    net = rec.before
    spec = LOSSES[loss]
    rows = [
        [w("sizes"), "-".join(str(n) for n in net.sizes)],
        [w("activations"), ", ".join(net.activations)],
        [w("loss"), f"{loss} ({spec.reduction})"],
        [w("biases"), net.bias_mode if net.biases is not None else w("no_biases")],
        [w("eta"), quiz.plain_number(rec.learning_rate)],
    ]
    return f"<h2>{html.escape(w('network'))}</h2>" + _table(None, rows)


def _batch_section(rec: StepRecord, w) -> str:
    X, Y = rec.trace.input, rec.grads.targets
    head = [w("row_head"), w("sample")]
    head += [f"x[{i}]" for i in range(X.shape[1])] + [f"y[{k}]" for k in range(Y.shape[1])]
    rows = [
        [str(r), f"#{int(rec.indices[r])}"]
        + [quiz.plain_number(v) for v in X[r]]
        + [quiz.plain_number(v) for v in Y[r]]
        for r in range(len(X))
    ]
    idx = ", ".join(f"#{int(i)}" for i in rec.indices)
    note = w("batch_note").format(idx=idx)
    if len(X) > MAX_ROWS:
        note += " " + w("rows_note").format(m=MAX_ROWS - 1, n=len(X))
    return f"<h2>{html.escape(w('batch'))}</h2><p>{html.escape(note)}</p>" + _table(head, rows)


def _weights_section(rec: StepRecord, w) -> str:
    net = rec.before
    parts = [f"<h2>{html.escape(w('weights'))}</h2>"]
    for l, W in enumerate(net.weights, start=1):
        head = [f"W{l}"] + [f"→ {l}[{j}]" for j in range(W.shape[1])]
        rows = [[f"{l - 1}[{i}]"] + [quiz.plain_number(v) for v in W[i]] for i in range(W.shape[0])]
        if net.biases is not None:
            rows.append([f"b{l}"] + [quiz.plain_number(v) for v in net.biases[l - 1]])
        parts.append(_table(head, rows))
    return "".join(parts)


def _parameter_lines(sheet: _Sheet, rec: StepRecord, layer: int, phase: Phase, w_what: str, b_what: str) -> list[str]:
    """The lines of kind ``w_what`` of every weight of ``layer`` (1-based), then ``b_what`` of its biases."""
    W = rec.before.weights[layer - 1]
    out = [
        sheet.line(ln)
        for i in range(W.shape[0])
        for j in range(W.shape[1])
        for ln in arithmetic.edge_lines(rec, layer, i, j, phase)
        if ln.what == w_what
    ]
    if rec.before.biases is not None:
        for j in range(W.shape[1]):
            out += [sheet.line(ln) for ln in arithmetic.neuron_lines(rec, layer, j, 0, phase) if ln.what == b_what]
    return out


def _phase_lines(rec: StepRecord, phase: Phase, sheet: _Sheet, w) -> list[str]:
    """The HTML of every line one phase computes, for every neuron / weight of its layer."""
    net = rec.before
    rows = range(min(MAX_ROWS, rec.trace.input.shape[0]))
    out: list[str] = []

    def row_head(r: int) -> str:
        return f'<p class="row">{html.escape(w("row").format(r=r, i=int(rec.indices[r])))}</p>'

    if phase.kind == "forward":
        layer = phase.layer + 1
        for r in rows:
            if len(rows) > 1:
                out.append(row_head(r))
            for j in range(net.sizes[layer]):
                for ln in arithmetic.neuron_lines(rec, layer, j, r, phase):
                    if ln.what in ("z", "a"):
                        out.append(sheet.line(ln))
    elif phase.kind == "loss":
        formula, total = arithmetic.loss_lines(rec, phase)[:2]
        out += [sheet.line(formula, given=True), sheet.line(total)]
    elif phase.kind == "backward":
        layer = phase.layer + 1
        for r in rows:
            if len(rows) > 1:
                out.append(row_head(r))
            for j in range(net.sizes[layer]):
                out += [sheet.line(ln) for ln in arithmetic.delta_lines(rec, layer, j, r)]
        out += _parameter_lines(sheet, rec, layer, phase, "dW", "db")
    else:  # the update
        for l in range(1, net.n_layers + 1):
            out += _parameter_lines(sheet, rec, l, phase, "dW_new", "b_new")
        after = arithmetic.loss_lines(rec, phase)[-1]
        out += [f"<h3>{html.escape(w('after'))}</h3>", sheet.line(after)]
    return out


CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 1.6rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.4rem 0; } td, th { border: 1px solid #bbb; padding: 0.2rem 0.5rem; }
td { font-variant-numeric: tabular-nums; text-align: right; }
.eq { margin: 0.35rem 0; font-size: 1.05rem; } .eq .row + .row { padding-left: 1.5rem; }
.ex { display: flex; gap: 0.6rem; align-items: baseline; margin: 0.5rem 0; flex-wrap: wrap; }
.blank { font-family: monospace; } p.row { font-weight: 600; margin: 0.6rem 0 0.1rem; }
svg text.w { font-size: 11px; fill: #333; } svg text.n { font-size: 10px; }
.key .eq { margin-left: 2rem; }
@media print { h2 { break-after: avoid; } .ex, .eq { break-inside: avoid; } }
"""


def document(
    rec: StepRecord,
    *,
    step: int,
    page: str,
    blank: bool = False,
    cache: dict | None = None,
    lang: str | None = None,
) -> str:
    """The worked step ``step`` (1-based) of ``page`` as one HTML document (UTF-8 text); ``cache``: a
    MathML template cache to reuse (the player session's), else a new one. ``lang``: the language of
    the words (an :data:`nnviz.i18n.LANGUAGES` code), by default the session's; a caller that builds the
    document later, outside the script run (a deferred download), passes the run's ``i18n.current()``."""
    tl = i18n.translator() if lang is None else i18n.translations(lang)

    def w(key: str) -> str:
        return tl.gettext(TEXT[key])

    sheet = _Sheet(blank, cache)
    loss = rec.grads.loss_name
    title = w("title_blank" if blank else "title").format(step=step, page=page)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(w('intro_blank' if blank else 'intro'))}</p>",
        _network_section(rec, loss, w),
        _batch_section(rec, w),
        f"<h2>{html.escape(w('diagram'))}</h2>",
        diagram_svg(rec, tl=tl),
        f"<p>{html.escape(w('diagram_note'))}</p>",
        _weights_section(rec, w),
    ]
    for n, ph in enumerate(rec.phases, start=1):
        head = w("phase").format(n=n, label=i18n.phase_label(ph, tl))
        # data-phase: the engine's label (English in every language), what readers of the file look for
        body.append(f'<section data-phase="{html.escape(ph.label)}"><h2>{html.escape(head)}</h2>')
        body += _phase_lines(rec, ph, sheet, w)
        body.append("</section>")
    if blank:
        body.append(f'<section class="key"><h2>{html.escape(w("answers"))}</h2><ol>')
        for n, line in sheet.key:
            body.append(
                f'<li data-answer="{n}"><b>({n}) {html.escape(quiz.plain_number(line.value))}</b>'
                f"{_eq(line.latex, sheet.cache)}</li>"
            )
        body.append("</ol></section>")
    body.append(f"<footer><p>{html.escape(w('footer'))}</p></footer>")
    code = i18n.current() if lang is None else lang
    return (
        f'<!DOCTYPE html>\n<html lang="{code}"><head><meta charset="utf-8"/>'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>" + "".join(body) + "</body></html>\n"
    )

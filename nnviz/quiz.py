"""Quiz mode: the question a phase asks, its hint and its answer, from the arithmetic panel's own lines.

NumPy only (no streamlit). For each phase of a recorded step the learner is asked the values the
phase computes next, in the panel's order — forward l: z then a of the neuron; loss: L; backward l:
δ of the neuron then ∂L/∂w of the weight; update: the new weight (or bias) — for the neuron or
weight the panel shows (the learner's selection when the phase computes it, else what the phase
computes by default, :func:`nnviz.player.payload.auto_selection`).

Every question is one :class:`~nnviz.arithmetic.Line`: the answer is the line's ``value`` (the
engine's number), the hint is the line's own LaTeX with the value cut off ("= ?"), so the quiz
keeps no second copy of the maths. A check agrees to 3 significant figures when
|typed − answer| ≤ :func:`tolerance`, half a unit in the answer's third significant digit (any
correct rounding to 3 or more figures passes; a wrong third figure does not). The browser compares
(the question, hint, answer and tolerance ride in each phase's frame), so a check costs the server
nothing.
"""

from __future__ import annotations

import math

import numpy as np

from nnviz import arithmetic, i18n
from nnviz.engine import LOSSES, Phase, StepRecord
from nnviz.i18n import N_

#: significant figures a typed answer must agree to
SIG_FIGS = 3

#: what each phase kind asks, in order (``Line.what``)
ASKED = {
    "forward": ("z", "a"),
    "loss": ("loss",),
    "backward": ("dz", "dW"),
    "update": ("dW_new", "b_new"),
}

#: the question asked for each ``Line.what`` (whole sentences, translated where the questions are made)
TEXT = {
    "z": N_("What is the pre-activation {name}?"),
    "a": N_("What is the activation {name}?"),
    "loss": N_("What is the loss L of this batch?"),
    "dz": N_("What is the delta {name} = ∂L/∂z?"),
    "dW": N_("What is the gradient ∂L/∂{name}?"),
    "dW_new": N_("What is the new value of {name} after the update?"),
    "b_new": N_("What is the new value of {name} after the update?"),
}


def tolerance(answer: float, sig: int = SIG_FIGS) -> float:
    """Half a unit in the ``sig``-th significant digit of ``answer`` (0 for an answer of 0, plus
    float rounding slack)."""
    a = abs(float(answer))
    if a == 0 or not math.isfinite(a):
        return 1e-12
    return 0.5 * 10.0 ** (math.floor(math.log10(a)) - sig + 1) * (1 + 1e-9)


def agrees(typed: float, answer: float, sig: int = SIG_FIGS) -> bool:
    """The rule the browser applies (``|typed − answer| ≤ tol``), for tests and for the server's use."""
    return abs(float(typed) - float(answer)) <= tolerance(answer, sig)


def plain_number(x: float) -> str:
    """The engine's number as the panel prints it (6 significant digits), as plain text: ``-0.0312345``."""
    return f"{float(x):.6g}"


def _name(what: str, sel: tuple) -> str:
    """The plain-text name of the asked quantity, as the panel's heading names it."""
    if what in ("z", "a"):
        return f"{what}{sel[1]}[{sel[2]}]"
    if what == "dz":
        return f"δ{sel[1]}[{sel[-1]}]"
    if what in ("dW", "dW_new"):
        return f"W{sel[1]}[{sel[2]},{sel[3]}]"
    if what == "b_new":
        return f"b{sel[1]}[{sel[2]}]"
    return "L"


def hint_tex(line: arithmetic.Line) -> str:
    """The line's LaTeX with its value cut off: every top-level "= …" up to the last, then "= ?"."""
    parts = arithmetic._split_top(line.latex, " = ")
    if len(parts) < 2:
        return line.latex + " = ?"
    return " = ".join(parts[:-1]) + " = ?"


def _loss_hint(rec: StepRecord, t=None) -> str:
    """The loss formula with the batch's outputs and targets (a one-sample batch's L = Σ of one term
    would give the value away); the reduction's words in the catalogue ``t``'s language (English: None)."""
    spec = LOSSES[rec.grads.loss_name]
    out, y = rec.trace.output, rec.grads.targets
    rows = min(len(out), 3)

    def vec(m: np.ndarray) -> str:
        return r"\left(" + ", ".join(arithmetic.fmt(v) for v in m) + r"\right)"

    yhat = ", ".join(vec(out[n]) for n in range(rows))
    ys = ", ".join(vec(y[n]) for n in range(rows))
    more = r",\ \dots" if len(out) > rows else ""
    reduction = spec.reduction if t is None else t.gettext(spec.reduction)
    return (
        rf"{spec.formula}\ \text{{({reduction})}},\quad \hat y = {yhat}{more},\quad y = {ys}{more}"
        r",\quad L = ?"
    )


def _computes(phase: Phase, sel: tuple | None) -> bool:
    """Whether ``phase`` computes the quantities of the selected neuron or weight (so the quiz may ask them)."""
    if sel is None or phase.kind == "loss":
        return False
    if phase.kind == "update":
        return sel[0] == "edge" or sel[1] > 0
    return sel[1] == phase.layer + 1


def phase_lines(rec: StepRecord, phase: Phase, selection: tuple | None, sample: int) -> tuple[tuple, list]:
    """(the neuron or weight asked about, the panel's lines this phase asks), in the panel's order."""
    from nnviz.player.payload import _lines, auto_selection  # the panel's own choice of lines

    if phase.kind == "loss":
        return ("loss",), [ln for ln in arithmetic.loss_lines(rec, phase) if ln.what == "loss"]
    auto = auto_selection(phase, rec.before.n_layers)
    for sel in (selection, auto) if _computes(phase, selection) else (auto,):
        lines = [ln for ln in _lines(rec, phase, sel, sample) if ln.what in ASKED[phase.kind]]
        if lines:
            return sel, lines
    return auto, []


def questions(rec: StepRecord, phase: Phase, selection: tuple | None, sample: int, k: int, p: int) -> list[dict]:
    """The questions of one phase of recorded step k (0-based), p its index: what the browser is sent.

    Each: ``id`` (unique in the run), ``prompt`` (plain text), ``hint`` (LaTeX: the formula with its
    numbers, the value hidden), ``answer`` (the engine's float), ``shown`` (it as the panel prints it),
    ``tol`` (the 3-significant-figure tolerance). The prompt is in the session's language (English outside
    a Streamlit run); the player rebuilds its frames when the language changes.
    """
    t = i18n.translator()  # once: this runs for every phase of every step the player builds
    sel, lines = phase_lines(rec, phase, selection, sample)
    out = []
    for n, line in enumerate(lines):
        name = _name(line.what, sel)
        hint = _loss_hint(rec, t) if line.what == "loss" and len(rec.grads.per_sample) == 1 else hint_tex(line)
        out.append(
            {
                "id": f"{k}:{p}:{'.'.join(map(str, sel))}:{sample}:{n}",
                "what": line.what,
                "name": name,
                "prompt": t.gettext(TEXT[line.what]).format(name=name),
                "hint": hint,
                "answer": line.value,
                "shown": plain_number(line.value),
                "tol": tolerance(line.value),
            }
        )
    return out

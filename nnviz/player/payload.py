"""What the browser player is sent: recorded steps as figure specs, MathML and status text.

The engine records on the server; the browser plays. For each recorded step in a window around
the step on screen, every phase gets its frame — the network diagram, the arithmetic of the
neuron or weight the phase computes (or the one the learner selected), the layer matrices, the
current point and the −∇ arrow on the loss surface — so that moving between phases, Back, and
scrubbing need no server round trip. For Play, light frames (the diagram after each update, the
loss, the decision regions) are sent in chunks computed ahead.

Everything here is built from the :class:`~nnviz.stepper.Run` and the figure/arithmetic modules;
no streamlit. Numbers are the engine's; formatting is the figure and arithmetic modules' own.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from nnviz import arithmetic, figures, i18n, quiz, sampling
from nnviz.engine import Network, Phase, StepRecord
from nnviz.i18n import N_, _, ngettext
from nnviz.player.mathml import equation_html
from nnviz.stepper import Run

#: server time spent building detailed steps for one reply (the rest come with the next prefetch)
DETAIL_BUDGET_S = 0.08
#: at most this many detailed steps in one reply
MAX_DETAIL_STEPS = 4  # the browser prefetches the next ones as it moves
#: light frames per Play chunk, and the time one chunk may take to compute
PLAY_CHUNK = 30
PLAY_BUDGET_S = 0.5
#: decision-region grid points per axis in the player, and the data points drawn on it at most
REGION_POINTS = 40
REGION_POINTS_PLAY = 30  # while playing
REGION_ROWS = 500


@dataclass(frozen=True)
class View:
    """What the learner looks at, besides the cursor: batch row, selected neuron/edge, matrices' layer."""

    sample: int = 0
    selection: tuple | None = None
    layer: int = 0
    show_test: bool = True  # the test points on the decision regions (when the run has test data)
    discretize: bool = False  # the regions as two flat colours (Playground's "discretize output")


#: every word of the player's controls, tooltips, status and quiz box (player.js translates nothing: it
#: shows :func:`ui_text`, filling the ``{name}`` fields in the browser: counts, step numbers, the quiz's numbers)
UI_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "root": N_("Step-through player: → next phase, ← back, Shift+→ next step, Space play/pause"),
        "back": N_("Back"),
        "back_tip": N_("Undo one phase, or one whole step at a step boundary (←)"),
        "next": N_("Next phase"),
        "next_tip": N_("Compute the next phase (→)"),
        "step": N_("Step"),
        "step_tip": N_("Finish the step on screen, or take the next one (Shift+→)"),
        "epoch": N_("Epoch"),
        "epoch_tip": N_("Steps until the end of the current epoch"),
        "run": N_("Run"),
        "run_tip": N_("Take N steps"),
        "play": N_("Play"),
        "pause": N_("Pause"),
        "play_tip": N_("Animate training (Space)"),
        "speed": N_("Steps per second"),
        "speed_option": N_("{v} steps/s"),
        "reset": N_("Reset"),
        "reset_tip": N_("Back to the initial network; history cleared"),
        "lr": N_("Learning rate η"),
        "share": N_("Share for class"),
        "share_tip": N_("Copy a link that opens this screen for the class (settings hidden; the quiz as you have it)"),
        "share_label": N_("Classroom link"),
        "share_making": N_("Making the link…"),
        "share_copied": N_("Copied to the clipboard."),
        "share_manual": N_("Select the link and copy it (Ctrl+C): the browser did not allow the clipboard."),
        "slider": N_("History: updates applied (drag to scrub; every figure redraws for that step)"),
        "slider_label": N_("History: updates applied"),
        "slider_text": N_("{u} of {n}"),
        "arithmetic": N_("Arithmetic"),
        "sample": N_("Sample shown in the diagram"),
        "sample_label": N_("Sample shown"),
        "sample_option": N_("#{index} (row {row} of the batch)"),
        "layer": N_("Matrices of layer"),
        "layer_label": N_("Matrices of"),
        "layer_option": N_("layer {layer}"),
        "idle_status": N_("Network after <b>{k}</b> updates."),
        "step_head": N_("Step {step}"),
        "playing_arith": N_("Playing… pause to see the arithmetic of step {step}."),
        "matrices_note": N_("Matrices appear once a step is under way (press Next phase)."),
        "computing": N_("Computing…"),
        "loading": N_("Loading…"),
        "progress": N_("{done} of {total} steps"),
        "stop": N_("Stop"),
        "plotly_missing": N_("Plotly.js did not load from {url}"),
        "plotly_failed": N_("could not load {url}"),
        # quiz mode (the contract labels: Quiz me, Your answer, Check, Show answer, Correct, Not quite, Answer:)
        "quiz_toggle": N_("Quiz me"),
        "quiz_answer": N_("Your answer"),
        "quiz_check": N_("Check"),
        "quiz_show": N_("Show answer"),
        "quiz_next": N_("Next question"),
        "quiz_of": N_("Question {i} of {n} · {phase}"),
        "quiz_correct": N_("Correct: {name} = {shown}."),
        "quiz_wrong": N_("Not quite. Hint — the formula with its numbers:"),
        "quiz_not_number": N_("Type a number, e.g. 0.123 or -1.5e-3."),
        "quiz_answer_is": N_("Answer: {shown}"),
        "quiz_score": N_("Score: {right} / {total} correct"),
        "quiz_none": N_("Nothing to compute before the first phase: press Next phase."),
        "quiz_done": N_(
            "Every question of this phase is answered: its numbers are shown. Press Next phase (→) to go on."
        ),
        "quiz_playing": N_("Playing… pause to be quizzed."),
    }
)


def ui_text(keys=None) -> dict[str, str]:
    """:data:`UI_TEXT` (or its ``keys``) in the session's language, with its code under ``"lang"``
    (English at ``?lang=en``: "Next phase", "Quiz me", "Answer: {shown}" …)."""
    t = i18n.translator()
    return {"lang": i18n.current(), **{key: t.gettext(UI_TEXT[key]) for key in (keys or UI_TEXT)}}


def selection_name(sel: tuple | None) -> str:
    """The one name of a neuron or weight, as the diagram's hover and the parameter lists write it
    (the symbol stays; the words are in the session's language)."""
    if sel is None:
        return _("nothing selected")
    if sel[0] == "neuron":
        if sel[1] == 0:
            return _("{name} (input {i})").format(name=f"x[{sel[2]}]", i=sel[2])
        return _("{name} (neuron {j} of layer {layer})").format(name=f"a{sel[1]}[{sel[2]}]", j=sel[2], layer=sel[1])
    return _("{name} (neuron {i} of layer {below} → neuron {j} of layer {layer})").format(
        name=f"W{sel[1]}[{sel[2]},{sel[3]}]", i=sel[2], below=sel[1] - 1, j=sel[3], layer=sel[1]
    )


def auto_selection(phase: Phase | None, n_layers: int) -> tuple | None:
    """The neuron or weight a phase computes: forward l → neuron 0 of layer l; backward l → W_l[0,0]
    (with the delta of its neuron 0); update → W1[0,0]; loss → the output neuron 0."""
    if phase is None:
        return None
    if phase.kind == "forward":
        return ("neuron", phase.layer + 1, 0)
    if phase.kind == "backward":
        return ("edge", phase.layer + 1, 0, 0)
    if phase.kind == "update":
        return ("edge", 1, 0, 0)
    return ("neuron", n_layers, 0)


def _lines(rec: StepRecord, phase: Phase, sel: tuple, sample: int) -> list[arithmetic.Line]:
    if sel[0] == "neuron":
        return arithmetic.neuron_lines(rec, sel[1], sel[2], sample, phase)
    return arithmetic.edge_lines(rec, sel[1], sel[2], sel[3], phase, sample)


def arithmetic_html(rec: StepRecord, phase: Phase, view: View, cache: MutableMapping[str, str]) -> str:
    """The arithmetic panel of one phase: the loss (from the loss phase on), then the selection's lines."""
    parts = []
    if phase.kind != "forward":
        lines = arithmetic.loss_lines(rec, phase)
        if phase.kind != "loss":
            lines = lines[1:]  # the loss formula itself was shown in the loss phase
        parts += [equation_html(line.latex, cache) for line in lines]
    auto = auto_selection(phase, rec.before.n_layers)
    sel = view.selection or auto
    lines = _lines(rec, phase, sel, view.sample)
    note = ""
    if view.selection is not None and not lines:
        text = _("{name}: not computed yet in this phase.").format(name=selection_name(sel))
        note = f'<p class="note">{html.escape(text)}</p>'
        sel, lines = auto, _lines(rec, phase, auto, view.sample)
    if phase.kind == "loss" and view.selection is None:
        lines = lines[-1:] if lines else []  # the output neuron's value; the loss lines say the rest
    who = _("what this phase computes") if sel == auto and view.selection is None else _("selected")
    head = f'<h4>{html.escape(selection_name(sel))} <span class="who">({who})</span></h4>'
    parts = [note, head] + [equation_html(line.latex, cache) for line in lines] + parts
    return "".join(parts)


def _surface_point(net: Network, run: Run, surface: dict | None):
    """(current point, arrow end) of the network on screen in the loss-surface plane, or (None, None)."""
    if surface is None:
        return None, None
    i1, i2 = surface["index"]
    theta = net.parameter_vector()
    cur = (float(theta[i1]), float(theta[i2]))
    X, Y = surface["X"], surface["Y"]
    with np.errstate(all="ignore"):
        g = net.gradient_vector(net.backward(net.forward(X), Y, run.config.loss))
    end = figures._descent_arrow(g[[i1, i2]], cur, surface["x"], surface["y"])
    return list(cur), None if end is None else [cur[0], cur[1], float(end[0]), float(end[1])]


def _status(run: Run, k: int, lead: bool = True) -> str:
    """'Step 3 (epoch 1) on sample #2' for 0-based step k ('step 3 …' after "Next:" when not ``lead``)."""
    sched = run.history.schedule
    idx = sched.batch(k)
    if len(idx) == 1:
        on = _("sample #{i}").format(i=int(idx[0]))
    elif len(idx) <= 10:
        on = _("samples {samples}").format(samples=", ".join(f"#{int(i)}" for i in idx))
    else:
        on = ngettext("a batch of {n} sample", "a batch of {n} samples", len(idx)).format(n=len(idx))
    text = _("Step {step} (epoch {epoch}) on {batch}") if lead else _("step {step} (epoch {epoch}) on {batch}")
    return text.format(step=k + 1, epoch=sched.epoch_of(k) + 1, batch=on)


def has_regions(run: Run) -> bool:
    """Whether the run's data lie in a plane the decision regions can be drawn over."""
    data = run.data
    return data.task == "classification" and (data.X if data.plane is None else data.plane).shape[1] == 2


def input_labels(run: Run) -> tuple[str, ...] | None:
    """The input nodes' labels in the diagram: the features' formulas (playground), else none."""
    return run.data.input_names if run.data.features is not None else None


def _regions(run: Run, net: Network, resolution: int = REGION_POINTS, view: View | None = None) -> dict | None:
    data = run.data
    if not has_regions(run):
        return None
    view = view or View()
    plane = data.X if data.plane is None else data.plane
    rows = sampling.capped_subsample(data.n_samples, REGION_ROWS, seed=0)  # a seeded sample of large data sets
    test = None
    t = run.test_data
    if view.show_test and t is not None and t.n_samples:
        t_rows = sampling.capped_subsample(t.n_samples, REGION_ROWS, seed=0)
        test = ((t.X if t.plane is None else t.plane)[t_rows], t.labels[t_rows])
    spec = figures.decision_boundary(
        net,
        plane[rows],
        data.labels[rows],
        resolution=resolution,
        features=data.features,
        threshold=data.threshold,
        test=test,
        discretize=view.discretize,
        # the built-in data's class names are catalogue entries (N_); a CSV's are in no catalogue: as they are
        class_names=tuple(map(_, data.output_names)) if len(data.output_names) >= 2 else None,
        axis_names=data.input_names if data.plane is None else ("x₁", "x₂"),
    )
    if len(rows) < data.n_samples:
        shown = _("{shown} of {total} points shown").format(shown=len(rows), total=f"{data.n_samples:,}")
        spec["layout"]["title"]["text"] += f" — {shown}"
    return spec


def idle_frame(run: Run, k: int, view: View, surface: dict | None) -> dict:
    """The network after k updates, before step k+1 starts."""
    net = run.history.network(k)
    sc, sa = _surface_point(net, run, surface)
    after = _("Network after <b>{k}</b> updates.").format(k=k)
    nxt = _("Next: {step} — press <b>{button}</b> to compute {phase}.").format(
        step=_status(run, k, lead=False), button=html.escape(_("Next phase")), phase=i18n.phase_label(run.phases[0])
    )
    return {
        "d": figures.network_diagram(net, None, None, 0, view.selection, input_labels=input_labels(run)),
        "a": f'<p class="note">{after} {nxt}</p>',
        "m": None,
        "sc": sc,
        "sa": sa,
        "r": _regions(run, net, view=view),
    }


def step_frames(run: Run, k: int, view: View, surface: dict | None, cache: MutableMapping[str, str]) -> dict:
    """Every phase of recorded step k (0-based): diagram, arithmetic, matrices, surface point."""
    rec = run.history.record(k)
    s = min(view.sample, rec.trace.input.shape[0] - 1)
    v = View(s, view.selection, min(view.layer, rec.before.n_layers - 1))
    phases = rec.phases
    before = _surface_point(rec.before, run, surface)
    after = _surface_point(rec.after, run, surface)
    frames = []
    for p, ph in enumerate(phases):
        upd = ph.kind == "update"
        sc, sa = after if upd else before
        ring = view.selection or auto_selection(ph, rec.before.n_layers)
        frames.append(
            {
                "d": figures.network_diagram(rec.before, rec, ph, s, ring, input_labels=input_labels(run)),
                "a": arithmetic_html(rec, ph, v, cache),
                "m": figures.layer_matrices(rec, v.layer, s, ph),
                "sc": sc,
                "sa": sa,
                "r": _regions(run, rec.after, view=view) if upd else None,
                # quiz mode: what this phase asks, hint as MathML (the browser checks the answers)
                "q": [
                    dict(q, hint=equation_html(q["hint"], cache))
                    for q in quiz.questions(rec, ph, view.selection, s, k, p)
                ],
            }
        )
    for f in frames:
        f["loss"] = float(rec.loss_before)
    return {"t": _status(run, k), "ph": frames, "batch": [int(i) for i in rec.indices]}


def detail_window(
    run: Run,
    around: int,
    view: View,
    surface: dict | None,
    cache: MutableMapping[str, str],
    skip: frozenset[int] = frozenset(),
) -> dict[int, dict]:
    """Detailed frames of recorded steps near ``around`` (0-based), nearest first, within the time budget;
    the steps in ``skip`` (the browser has them) are not built again."""
    n = len(run.history)
    order = [around, around + 1, around - 1] + list(range(around + 2, around + MAX_DETAIL_STEPS))
    out: dict[int, dict] = {}
    t0 = time.perf_counter()
    for k in order:
        if 0 <= k < n and k not in out and k not in skip:
            out[k] = step_frames(run, k, view, surface, cache)
            if time.perf_counter() - t0 > DETAIL_BUDGET_S or len(out) >= MAX_DETAIL_STEPS:
                break
    return out


def light_frames(run: Run, first: int, last: int, stride: int, view: View, surface: dict | None) -> dict[int, dict]:
    """Play frames for steps first … last (0-based, recorded), every ``stride``-th: the network after
    the update, its regions and surface point (the loss comes with the loss curve)."""
    out = {}
    for k in range(first, last + 1, max(1, stride)):
        rec = run.history.record(k)
        upd = rec.phases[-1]
        sc, sa = _surface_point(rec.after, run, surface)
        out[k] = {
            "d": figures.network_diagram(
                rec.before, rec, upd, 0, view.selection, compact=True, input_labels=input_labels(run)
            ),
            "sc": sc,
            "sa": sa,
            # the player redraws the regions on every 2nd frame: only those frames carry them
            "r": _regions(run, rec.after, REGION_POINTS_PLAY, view) if (k // max(1, stride)) % 2 == 0 else None,
            "t": _status(run, k),
            "loss": float(rec.loss_before),
        }
    return out

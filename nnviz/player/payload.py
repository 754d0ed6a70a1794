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
from collections.abc import MutableMapping
from dataclasses import dataclass

import numpy as np

from nnviz import arithmetic, figures, quiz, sampling
from nnviz.engine import Network, Phase, StepRecord
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


def selection_name(sel: tuple | None) -> str:
    """The one name of a neuron or weight, as the diagram's hover and the parameter lists write it."""
    if sel is None:
        return "nothing selected"
    if sel[0] == "neuron":
        if sel[1] == 0:
            return f"x[{sel[2]}] (input {sel[2]})"
        return f"a{sel[1]}[{sel[2]}] (neuron {sel[2]} of layer {sel[1]})"
    return f"W{sel[1]}[{sel[2]},{sel[3]}] (neuron {sel[2]} of layer {sel[1] - 1} → neuron {sel[3]} of layer {sel[1]})"


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
        note = f'<p class="note">{html.escape(selection_name(sel))}: not computed yet in this phase.</p>'
        sel, lines = auto, _lines(rec, phase, auto, view.sample)
    if phase.kind == "loss" and view.selection is None:
        lines = lines[-1:] if lines else []  # the output neuron's value; the loss lines say the rest
    who = "what this phase computes" if sel == auto and view.selection is None else "selected"
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


def _status(run: Run, k: int) -> str:
    """'Step 3 (epoch 1) on sample #2' for 0-based step k."""
    sched = run.history.schedule
    idx = sched.batch(k)
    if len(idx) == 1:
        on = f"sample #{int(idx[0])}"
    elif len(idx) <= 10:
        on = "samples " + ", ".join(f"#{int(i)}" for i in idx)
    else:
        on = f"a batch of {len(idx)} samples"
    return f"Step {k + 1} (epoch {sched.epoch_of(k) + 1}) on {on}"


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
        class_names=data.output_names if len(data.output_names) >= 2 else None,  # a CSV's class names
        axis_names=data.input_names if data.plane is None else ("x₁", "x₂"),
    )
    if len(rows) < data.n_samples:
        spec["layout"]["title"]["text"] += f" — {len(rows)} of {data.n_samples:,} points shown"
    return spec


def idle_frame(run: Run, k: int, view: View, surface: dict | None) -> dict:
    """The network after k updates, before step k+1 starts."""
    net = run.history.network(k)
    sc, sa = _surface_point(net, run, surface)
    nxt = f"Next: {_status(run, k).replace('Step', 'step', 1)} — press <b>Next phase</b> to compute forward layer 1."
    return {
        "d": figures.network_diagram(net, None, None, 0, view.selection, input_labels=input_labels(run)),
        "a": f'<p class="note">Network after <b>{k}</b> updates. {nxt}</p>',
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

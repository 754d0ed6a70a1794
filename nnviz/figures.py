"""Plotly figures: pure functions from engine records and arrays to figure specs.

A spec is the plain dict ``{"data": [...], "layout": {...}}`` that ``go.Figure(spec)``
takes and that the browser player hands to ``Plotly.react`` (after :func:`jsonable`):
building dicts skips plotly's validation, which cost ~15 ms a figure. NumPy only
(never streamlit, and plotly only through the specs): every function builds a new
figure from its arguments, reads no state and leaves its inputs unchanged.

Conventions shared by all figures:

- Layers are numbered as in the parameter names: layer 0 is the input, layers
  1 … L are the engine's ``weights[0] … weights[L-1]`` (so ``W2`` belongs to layer 2).
- Signed values use :data:`DIVERGING` (ColorBrewer RdBu, colour-blind safe):
  negative red, zero white, positive blue, always symmetric around 0. Edges
  coloured by sign use its two ends, :data:`POSITIVE` and :data:`NEGATIVE`.
- Labels show 3 significant digits, hover text 6 (:func:`_fmt`).
- ``layout.uirevision`` is a constant per figure kind (and architecture), so a
  user's zoom survives the redraw that every click causes.
- Words (titles, axis titles, hover text, legends) are in the session's language
  (:mod:`nnviz.i18n`: each figure takes ``tl = i18n.translator()`` once); numbers and
  symbols are the same in every language. Trace names that readers look traces up by
  and that no legend shows (``"neurons"``, ``"edges"``, ``"path"``, ``"current"`` of the
  loss surface …) stay English; a name a legend shows is translated, and such a trace
  carries its English name in ``meta`` as well (``"training loss"``, ``"test: class 0"``).
  The loss curve's ``"current"`` marker is one of these: the player finds it by ``meta``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np

from nnviz import i18n, safe_text
from nnviz.arithmetic import reached
from nnviz.datasets import feature_matrix
from nnviz.engine import GradientCheck, LossSurface, Network, Phase, StepRecord
from nnviz.i18n import N_

# ---------------------------------------------------------------------------
# Colours and number formats.

# ColorBrewer RdBu (11 classes), ordered low → high: negative red, positive blue.
_RDBU = (
    "#67001f",
    "#b2182b",
    "#d6604d",
    "#f4a582",
    "#fddbc7",
    "#f7f7f7",
    "#d1e5f0",
    "#92c5de",
    "#4393c3",
    "#2166ac",
    "#053061",
)
#: the one diverging colour scale for signed values (use with zmid=0 / cmid=0)
DIVERGING = tuple((i / (len(_RDBU) - 1), c) for i, c in enumerate(_RDBU))
POSITIVE = "#2166ac"
NEGATIVE = "#b2182b"
#: sequential scale for unsigned values (losses)
SEQUENTIAL = "Viridis"
#: values not yet computed in the shown phase, and quantities shown greyed
GREY = "#bdbdbd"
_GREY_FILL = "#eeeeee"
_GREY_SCALE = ((0.0, _GREY_FILL), (1.0, _GREY_FILL))
#: class colours (Okabe–Ito, colour-blind safe); class 0 red-ish and class 1 blue, like the diverging scale
CLASS_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
_LINE_DASHES = ("solid", "dash", "dot", "dashdot")

LABEL_DIGITS = 3
HOVER_DIGITS = 6
_HOVER = ".6~g"  # d3 format of hover numbers; "~" drops trailing zeros like Python's g

#: matrices up to this size get their values written in the cells
ANNOTATE_MAX = 12
#: the diagram draws at most this many edges per layer, the strongest ones
MAX_EDGES_PER_LAYER = 400
#: edge widths, by |value| / max |value| in the quarters 0–¼, ¼–½, ½–¾, ¾–1
_EDGE_WIDTHS = (0.8, 1.8, 3.0, 4.5)
# Where along an edge its hover handle sits: not 0.5, where the edges i→j and
# j→i between equal-sized layers cross and their handles would coincide.
_HANDLE_AT = 0.35
_HEIGHT = 400
_MARGIN = dict(l=40, r=20, t=60, b=40)


def _fmt(x, digits: int = LABEL_DIGITS) -> str:
    """``x`` to ``digits`` significant digits (3 for labels, :data:`HOVER_DIGITS` for hover)."""
    if x is None:
        return "–"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.{digits}g}"
    return "0" if s == "-0" else s


def _h(x) -> str:
    return _fmt(x, HOVER_DIGITS)


def _vec(v) -> str:
    return "[" + ", ".join(_h(x) for x in np.ravel(v)) + "]"


def _max_abs(*arrays) -> float:
    """Largest finite |value| over ``arrays``; 1 when there is none (all zero or non-finite)."""
    m = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        finite = a[np.isfinite(a)]
        if finite.size:
            m = max(m, float(np.abs(finite).max()))
    return m if m > 0 else 1.0


def _finite_or_nan(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return np.where(np.isfinite(a), a, np.nan)


def _flat_range(values, log: bool = False) -> dict:
    """An explicit y range around values that are all (nearly) equal, else nothing: on a range of
    1e-15 Plotly writes ticks with every digit of a double ("1.18905000000154515"); around one value
    the axis spans ±0.1 % of it instead (log axes: ±0.001 decades), so the ticks read as numbers."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0 if log else True)]
    if v.size == 0:
        return {}
    lo, hi = float(v.min()), float(v.max())
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
        return {"range": [lo - 1e-3, hi + 1e-3]} if hi - lo < 1e-3 else {}
    pad = max(abs(hi), abs(lo)) * 1e-3 or 1e-3
    return {"range": [lo - pad, hi + pad]} if hi - lo < pad else {}


def _tr(kind: str, **kw) -> dict:
    """A trace as a plain dict (``go.Scatter(**kw)`` without its validation, which costs ~1 ms a trace)."""
    return dict(type=kind, **kw)


def _fig(data: list | None = None, layout: dict | None = None) -> dict:
    """A figure spec: what ``go.Figure`` takes, and what the browser player hands to ``Plotly.react``."""
    return {"data": data or [], "layout": layout or {}}


def jsonable(spec):
    """``spec`` with NumPy arrays and scalars as lists and floats, and non-finite numbers as None (JSON has no NaN)."""
    if isinstance(spec, dict):
        return {k: jsonable(v) for k, v in spec.items() if v is not None}
    if isinstance(spec, (list, tuple)):
        return [jsonable(v) for v in spec]
    if isinstance(spec, np.ndarray):
        if spec.dtype.kind == "f":
            return np.where(np.isfinite(spec), spec, None).tolist() if not np.isfinite(spec).all() else spec.tolist()
        return jsonable(spec.tolist()) if spec.dtype == object else spec.tolist()
    if isinstance(spec, (float, np.floating)):
        return float(spec) if math.isfinite(spec) else None
    if isinstance(spec, np.integer):
        return int(spec)
    if isinstance(spec, np.bool_):
        return bool(spec)
    return spec


def _json_default(x):
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            return np.where(np.isfinite(x), x, None).tolist()
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")


def to_json(data) -> str:
    """``data`` (figure specs and anything else) as JSON text, NumPy included, non-finite numbers as null.

    The C encoder does the work (``jsonable`` walks every element in Python, ~10× slower); only
    data with a non-finite Python float in it takes the slow path.
    """
    try:
        return json.dumps(data, default=_json_default, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(jsonable(data), separators=(",", ":"))


def _layout(title: str, uirevision: str, height: int = _HEIGHT, **kw) -> dict:
    d = dict(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        height=height,
        margin=dict(_MARGIN),
        uirevision=uirevision,
        hovermode="closest",
        plot_bgcolor="white",
    )
    d.update(kw)
    return d


def _empty(title: str, message: str, uirevision: str) -> dict:
    return _fig(
        layout=_layout(
            title,
            uirevision,
            height=300,
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            annotations=[dict(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)],
        )
    )


# ---------------------------------------------------------------------------
# 1. The network diagram.


class _Known:
    """What the diagram may show at one phase of one step (engine layer indices, 0-based).

    ``forward``: layers < forward have z and a; ``back_from``: layers ≥ back_from
    have gradients; ``loss``, ``update``: the loss and ΔW are known.
    """

    def __init__(self, n_layers: int, record: StepRecord | None, phase: Phase | None):
        L = n_layers
        kind = None if phase is None else phase.kind
        if kind not in (None, "forward", "loss", "backward", "update"):
            raise ValueError(f"unknown phase kind {kind!r}")
        if kind in ("forward", "backward") and not (phase.layer is not None and 0 <= phase.layer < L):
            raise ValueError(f"phase {phase} does not fit a network with {L} layers")
        if record is None:
            self.forward, self.back_from, self.loss, self.update = 0, L, False, False
        elif kind == "forward":
            self.forward, self.back_from, self.loss, self.update = phase.layer + 1, L, False, False
        elif kind == "loss":
            self.forward, self.back_from, self.loss, self.update = L, L, True, False
        elif kind == "backward":
            self.forward, self.back_from, self.loss, self.update = L, phase.layer, True, False
        else:  # update, or no phase: the whole step is known
            self.forward, self.back_from, self.loss, self.update = L, 0, True, True
        self.show_deltas = record is not None and kind == "backward"
        self.show_updates = record is not None and kind == "update"
        # the diagram layer (0 = input) the phase is about, and the x range to shade
        self.focus_layer, self.focus = None, None
        if record is not None and kind in ("forward", "backward"):
            self.focus_layer, self.focus = phase.layer + 1, (phase.layer + 0.2, phase.layer + 1.25)
        elif record is not None and kind == "loss":
            self.focus_layer, self.focus = L, (L - 0.3, L + 0.3)


def _node_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """y of each node, centred, neuron 0 at the top; x is the layer index."""
    return [(n - 1) / 2 - np.arange(n, dtype=float) for n in sizes]


def _edge_bins(values: np.ndarray) -> np.ndarray:
    """Width bin 0–3 of each edge, by |value| relative to the largest finite |value|."""
    rel = np.abs(_finite_or_nan(values)) / _max_abs(values)
    return np.where(np.isfinite(rel), np.digitize(rel, [0.25, 0.5, 0.75]), 3)


def _segments(x0, y0, x1, y1) -> tuple[list, list]:
    """One polyline of separate segments (None between them), for a single trace."""
    n = len(x0)
    xs = np.empty(3 * n, dtype=object)
    ys = np.empty(3 * n, dtype=object)
    xs[0::3], xs[1::3] = x0, x1
    ys[0::3], ys[1::3] = y0, y1
    return xs.tolist(), ys.tolist()


def network_diagram(
    net: Network,
    record: StepRecord | None,
    phase: Phase | None,
    sample: int = 0,
    selected: tuple | None = None,
    compact: bool = False,
    input_labels: Sequence[str] | None = None,
) -> dict:
    """Layered diagram of ``net`` at ``phase`` of ``record``, for batch row ``sample``.

    ``input_labels``: what each input node is (e.g. Playground's features ``x₁²``, ``sin x₁``),
    written left of it (trace ``name="input labels"``).

    When ``record`` is given its ``before`` network (the weights the step used) is
    drawn, and ``net`` must have the same sizes. ``phase=None`` with a record shows
    the finished step (activations, weights; hover shows every quantity).

    Traces, for readers of the figure (tests, click handlers):

    - ``name="neurons"``: nodes with a value, ``marker.color`` = that value (x or a
      in forward/loss/update phases, the delta dz in backward phases);
      ``name="neurons (greyed)"``: the other nodes, ``marker.color`` = the activation
      shown greyed, or a colour string when nothing is known yet.
    - ``name="edges"`` / ``"edges (greyed)"``: one hover handle per edge,
      ``marker.color`` = the value the edge shows (w, ∂L/∂w or Δw).
    - ``compact=True`` (the player's Play frames): no number labels on the nodes and no colour bar.
    - customdata: nodes ``["neuron", layer, index]`` (layer 0 = input, 1 … L),
      edge handles ``["edge", layer, i, j]`` (layer 1 … L, i input index, j output index).
    """
    L = net.n_layers
    s = int(sample)
    if record is not None:
        if record.before.sizes != net.sizes:
            raise ValueError(f"the record is of a {record.before.sizes} network, not {net.sizes}")
        net = record.before
        batch = record.trace.input.shape[0]
        if not 0 <= s < batch:
            raise IndexError(f"sample {s} is outside the batch of {batch}")
    known = _Known(L, record, phase)
    tl = i18n.translator()
    sizes = net.sizes
    ypos = _node_positions(sizes)
    n_max = max(sizes)
    node_size = 30 if n_max <= 6 else max(6, int(180 / n_max))
    sel = tuple(selected) if selected is not None else ()

    edges = _Edges(net, record, known, ypos, tl)
    traces = edges.traces(sel, handle_size=8 if n_max <= 16 else 5)
    traces += _node_traces(net, record, known, s, ypos, node_size, show_text=n_max <= 12 and not compact, tl=tl)
    if compact:  # an animation frame: no number labels, no colour bar (a third of the drawing time)
        for t in traces:
            if isinstance(t.get("marker"), dict):
                t["marker"].pop("colorbar", None)
                t["marker"]["showscale"] = False

    if input_labels is not None:
        traces.append(
            _tr("scatter",
                x=[-0.17] * sizes[0],
                y=ypos[0].tolist(),
                mode="text",
                text=[str(t) for t in input_labels],
                textposition="middle left",
                textfont=dict(size=13),
                hoverinfo="skip",
                name="input labels",
                showlegend=False,
            )
        )
    ring = None
    if len(sel) == 3 and sel[0] == "neuron" and 0 <= sel[1] <= L and 0 <= sel[2] < sizes[sel[1]]:
        ring = (sel[1], ypos[sel[1]][sel[2]], node_size + 12)
    elif (hit := edges.find(sel)) is not None:
        ring = (edges.hx[hit], edges.hy[hit], 16)
    if ring is not None:
        traces.append(
            _tr("scatter",
                x=[ring[0]],
                y=[ring[1]],
                mode="markers",
                marker=dict(symbol="circle-open", size=ring[2], color="black", line=dict(width=3)),
                hoverinfo="skip",
                showlegend=False,
            )
        )

    half = (n_max - 1) / 2 + 0.8
    shapes = []
    if known.focus is not None:
        shapes.append(
            dict(
                type="rect",
                x0=known.focus[0],
                x1=known.focus[1],
                y0=-half,
                y1=half,
                fillcolor="rgba(0,0,0,0.06)",
                line=dict(width=0),
                layer="below",
            )
        )
    title = _diagram_title(net, record, phase, s, known, tl)
    if edges.values.size < edges.total:
        title = tl.gettext("{title} (strongest {shown} of {total} edges)").format(
            title=title, shown=f"{edges.values.size:,}", total=f"{edges.total:,}"
        )
    layer_tick = tl.gettext("layer {layer}<br>{activation}")
    return _fig(
        data=traces,
        layout=_layout(
            title,
            f"network-{sizes}",
            xaxis=dict(
                range=[-0.45 - (0.35 if input_labels is not None else 0.0), L + 0.45],
                tickvals=list(range(L + 1)),
                ticktext=[tl.pgettext("figure", "input")]
                + [layer_tick.format(layer=d, activation=a) for d, a in enumerate(net.activations, start=1)],
                showgrid=False,
                zeroline=False,
            ),
            yaxis=dict(range=[-half, half], visible=False),
            shapes=shapes,
            showlegend=False,
            clickmode="event+select",
        ),
    )


class _Edges:
    """The edges the diagram draws, flat: engine layer ``l``, ``i`` → ``j``, shown value, coloured or greyed."""

    def __init__(self, net: Network, record: StepRecord | None, known: _Known, ypos: list[np.ndarray], tl):
        self.total = sum(w.size for w in net.weights)
        head = tl.gettext("<b>{name}</b> (neuron {i} of layer {l} → neuron {j} of layer {m})")
        values, coloured, ids, hover = [], [], [], []
        for l, W in enumerate(net.weights):
            has_grad = record is not None and l >= known.back_from
            if known.show_deltas:
                V, col = (record.grads.layers[l].dW, True) if has_grad else (W, False)
            elif known.show_updates:
                V, col = record.update.dW[l], True
            else:
                V, col = W, True
            flat = np.arange(W.size)
            if W.size > MAX_EDGES_PER_LAYER:
                order = np.argsort(-np.nan_to_num(np.abs(np.ravel(V)), nan=np.inf), kind="stable")
                flat = np.sort(order[:MAX_EDGES_PER_LAYER])
            ii, jj = np.divmod(flat, W.shape[1])
            for i, j in zip(ii.tolist(), jj.tolist()):
                lines = [
                    head.format(name=f"W{l + 1}[{i},{j}]", i=i, l=l, j=j, m=l + 1),
                    f"w = {_h(W[i, j])}",
                ]
                if has_grad:
                    lines.append(f"∂L/∂w = {_h(record.grads.layers[l].dW[i, j])}")
                if record is not None and known.update:
                    d = record.update.dW[l][i, j]
                    lines += [f"Δw = {_h(d)}", f"w + Δw = {_h(W[i, j] + d)}"]
                hover.append("<br>".join(lines))
                ids.append((l, i, j))
            values.append(np.ravel(V)[flat])
            coloured.append(np.full(flat.size, col))
        self.values = np.concatenate(values).astype(float)
        self.coloured = np.concatenate(coloured)
        self.ids = np.array(ids, dtype=int).reshape(-1, 3)
        self.hover = np.array(hover, dtype=object)
        l, i, j = self.ids.T
        self.x0 = l.astype(float)
        self.y0 = np.array([ypos[a][b] for a, b in zip(l.tolist(), i.tolist())])
        self.y1 = np.array([ypos[a + 1][b] for a, b in zip(l.tolist(), j.tolist())])
        self.hx = self.x0 + _HANDLE_AT
        self.hy = self.y0 + _HANDLE_AT * (self.y1 - self.y0)
        # widths are binned within each group, coloured and greyed, which show different quantities
        self.bins = np.zeros(self.values.size, dtype=int)
        for flag in (True, False):
            m = self.coloured == flag
            if m.any():
                self.bins[m] = _edge_bins(self.values[m])

    def find(self, sel: tuple) -> int | None:
        """Index of the edge that ``sel`` (``("edge", layer, i, j)``) names, or None."""
        if len(sel) != 4 or sel[0] != "edge":
            return None
        hit = np.flatnonzero((self.ids[:, 0] + 1 == sel[1]) & (self.ids[:, 1] == sel[2]) & (self.ids[:, 2] == sel[3]))
        return int(hit[0]) if hit.size else None

    def _lines(self, m: np.ndarray, colour: str, width: float, opacity: float) -> dict:
        xs, ys = _segments(self.x0[m], self.y0[m], self.x0[m] + 1, self.y1[m])
        return _tr("scatter",
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=colour, width=width),
            opacity=opacity,
            hoverinfo="skip",
            showlegend=False,
        )

    def traces(self, sel: tuple, handle_size: int) -> list:
        """Line traces, one per (sign, width bin), then the hover handles; a halo under a selected edge."""
        out = []
        hit = self.find(sel)
        if hit is not None:
            m = np.arange(self.values.size) == hit
            out.append(self._lines(m, "black", _EDGE_WIDTHS[self.bins[hit]] + 6, 1.0))
        finite = np.isfinite(self.values)
        groups = [
            (self.coloured & finite & (self.values >= 0), POSITIVE, 0.85),
            (self.coloured & finite & (self.values < 0), NEGATIVE, 0.85),
            (~self.coloured | ~finite, GREY, 0.7),
        ]
        for mask, colour, opacity in groups:
            for b, width in enumerate(_EDGE_WIDTHS):
                m = mask & (self.bins == b)
                if m.any():
                    out.append(self._lines(m, colour, width, opacity))
        scale = _max_abs(self.values[self.coloured]) if self.coloured.any() else 1.0
        for flag, name in ((True, "edges"), (False, "edges (greyed)")):
            m = self.coloured == flag
            if not m.any():
                continue
            out.append(
                _tr("scatter",
                    name=name,
                    x=self.hx[m],
                    y=self.hy[m],
                    mode="markers",
                    marker=dict(
                        size=handle_size,
                        color=self.values[m],
                        colorscale=DIVERGING if flag else _GREY_SCALE,
                        cmin=-scale,
                        cmax=scale,
                        line=dict(color="white", width=1),
                    ),
                    customdata=[["edge", l + 1, i, j] for l, i, j in self.ids[m].tolist()],
                    hovertext=self.hover[m].tolist(),
                    hovertemplate="%{hovertext}<extra></extra>",
                    selected=dict(marker=dict(opacity=1)),
                    unselected=dict(marker=dict(opacity=1)),
                    showlegend=False,
                )
            )
        return out


def _node_traces(
    net: Network,
    record: StepRecord | None,
    known: _Known,
    s: int,
    ypos: list[np.ndarray],
    size: int,
    show_text: bool,
    tl=None,
) -> list:
    """Two node traces: nodes with a value on the diverging scale, and greyed ones."""
    tl = i18n.translator() if tl is None else tl
    input_head = tl.gettext("<b>input, neuron {k}</b>")
    layer_head = tl.gettext("<b>layer {layer}, neuron {k}</b> ({activation})")
    target_line = tl.gettext("target y = {value}")
    L = net.n_layers
    trace = record.trace if record is not None else None
    grads = record.grads if record is not None else None
    groups = {flag: dict(x=[], y=[], v=[], text=[], hover=[], cd=[], lw=[]) for flag in (True, False)}
    for d, n in enumerate(net.sizes):
        l = d - 1  # engine index of the layer ending at these nodes
        for k in range(n):
            if d == 0:
                lines = [input_head.format(k=k)]
                act = trace.input[s, k] if trace is not None else None
                if act is not None:
                    lines.append(f"x = {_h(act)}")
                if grads is not None and known.back_from == 0:
                    lines.append(f"∂L/∂x = {_h(grads.layers[0].dx[s, k])}")
            else:
                lines = [layer_head.format(layer=d, k=k, activation=net.activations[l])]
                act = trace.layers[l].a[s, k] if d <= known.forward else None
                if net.biases is not None:
                    lines.append(f"b = {_h(net.biases[l][k])}")
                if act is not None:
                    lines += [f"z = {_h(trace.layers[l].z[s, k])}", f"a = {_h(act)}"]
                if known.loss and d == L:
                    lines.append(target_line.format(value=_h(grads.targets[s, k])))
                if l >= known.back_from:
                    lines += [f"∂L/∂a = {_h(grads.layers[l].da[s, k])}", f"δ = ∂L/∂z = {_h(grads.layers[l].dz[s, k])}"]
                if known.update and record.update.db is not None:
                    lines.append(f"Δb = {_h(record.update.db[l][k])}")
            if known.show_deltas:
                has_delta = d >= 1 and l >= known.back_from
                value, coloured = (grads.layers[l].dz[s, k], True) if has_delta else (act, False)
            else:
                value, coloured = act, act is not None
            g = groups[coloured]
            g["x"].append(d)
            g["y"].append(ypos[d][k])
            g["v"].append(None if value is None else float(value))
            g["text"].append("" if value is None else _fmt(value))
            g["hover"].append("<br>".join(lines))
            g["cd"].append(["neuron", d, k])
            g["lw"].append(3 if d == known.focus_layer else 1)
    scale = _max_abs(groups[True]["v"]) if groups[True]["v"] else 1.0
    out = []
    for coloured in (True, False):
        g = groups[coloured]
        if not g["x"]:
            continue
        if coloured:
            marker = dict(
                color=g["v"],
                colorscale=DIVERGING,
                cmin=-scale,
                cmax=scale,
                showscale=True,
                colorbar=dict(title=dict(text="δ = ∂L/∂z" if known.show_deltas else "x, a"), thickness=12, len=0.75),
            )
        elif all(v is not None for v in g["v"]):
            marker = dict(color=g["v"], colorscale=_GREY_SCALE, cmin=-1, cmax=1)
        else:
            marker = dict(color=_GREY_FILL)
        marker.update(size=size, line=dict(color=["black" if w == 3 else "#555555" for w in g["lw"]], width=g["lw"]))
        out.append(
            _tr("scatter",
                name="neurons" if coloured else "neurons (greyed)",
                x=g["x"],
                y=g["y"],
                mode="markers+text" if show_text else "markers",
                text=g["text"],
                textposition="top center",
                textfont=dict(size=11, color="#222222" if coloured else "#999999"),
                marker=marker,
                customdata=g["cd"],
                hovertext=g["hover"],
                hovertemplate="%{hovertext}<extra></extra>",
                selected=dict(marker=dict(opacity=1)),
                unselected=dict(marker=dict(opacity=1)),
                showlegend=False,
            )
        )
    return out


def _diagram_title(
    net: Network, record: StepRecord | None, phase: Phase | None, s: int, known: _Known, tl
) -> str:
    arch = "-".join(str(n) for n in net.sizes)
    if record is None:
        return tl.gettext("Network {sizes}: weights (no step computed yet)").format(sizes=arch)
    who = tl.gettext("sample #{index}").format(index=int(record.indices[s]))
    if phase is None:
        return tl.gettext("Step on network {sizes}, {sample}").format(sizes=arch, sample=who)
    label = i18n.phase_label(phase, tl)
    if known.loss:
        return tl.gettext("{phase}, {sample}: ℓ = {loss} (batch L = {batch_loss})").format(
            phase=label, sample=who, loss=_fmt(record.per_sample[s]), batch_loss=_fmt(record.loss_before)
        )
    return tl.gettext("{phase}, {sample}").format(phase=label, sample=who)


def _subplot_grid(
    cells: Sequence[tuple[int, int]], titles: Sequence[str], rows: int, cols: int, hgap: float, vgap: float
):
    """Axes for the grid cells (row, col), 0-based, in trace order: ([(xref, yref)], layout entries).

    Built directly rather than with ``make_subplots``, which costs ~10 ms per call.
    """
    w = (1 - hgap * (cols - 1)) / cols
    h = (1 - vgap * (rows - 1)) / rows
    refs, layout, annotations = [], {}, []
    for n, ((r, c), title) in enumerate(zip(cells, titles), start=1):
        x0, y1 = c * (w + hgap), 1 - r * (h + vgap)
        sfx = "" if n == 1 else str(n)
        xd, yd = np.clip([x0, x0 + w], 0, 1).tolist(), np.clip([y1 - h, y1], 0, 1).tolist()
        layout[f"xaxis{sfx}"] = dict(domain=xd, anchor=f"y{sfx}", showgrid=False, zeroline=False)
        layout[f"yaxis{sfx}"] = dict(domain=yd, anchor=f"x{sfx}", showgrid=False, zeroline=False)
        refs.append((f"x{sfx}", f"y{sfx}"))
        annotations.append(
            dict(
                text=title,
                x=x0 + w / 2,
                y=y1,
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=12),
            )
        )
    layout["annotations"] = annotations
    return refs, layout


# ---------------------------------------------------------------------------
# 2–3. Matrices as annotated heatmaps.


def _auto_annotate(M: np.ndarray, annotate: bool | None) -> bool:
    if annotate is None:
        return M.shape[0] <= ANNOTATE_MAX and M.shape[1] <= ANNOTATE_MAX
    return bool(annotate)


def _heatmap(M: np.ndarray, name: str, annotate: bool | None, y=None, showscale: bool = True, **kw) -> dict:
    """Heatmap of a 2-D matrix with M[0, 0] at the top left (the y axis must be reversed)."""
    M = np.asarray(M)
    if M.ndim == 1:
        M = M.reshape(1, -1)
    m = _max_abs(M)
    return _tr("heatmap",
        z=M,
        x=np.arange(M.shape[1]),
        y=np.arange(M.shape[0]) if y is None else y,
        name=name,
        colorscale=DIVERGING,
        zmin=-m,
        zmax=m,
        zmid=0,
        showscale=showscale,
        texttemplate="%{z:.3~g}" if _auto_annotate(M, annotate) else None,
        textfont=dict(size=11),
        hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{z:{_HOVER}}}<extra></extra>",
        xgap=1,
        ygap=1,
        **kw,
    )


def _shape(M: np.ndarray) -> str:
    return f"{M.shape[0]}×{M.shape[1]}" if np.ndim(M) == 2 else f"{np.size(M)}"


def matrix_heatmap(
    M: np.ndarray, title: str, row_label: str = "i", col_label: str = "j", annotate: bool | None = None
) -> dict:
    """One matrix (rows, cols), row 0 at the top; values in the cells when ≤ 12×12 (``annotate=None``)."""
    M = np.asarray(M)
    if M.ndim == 1:
        M = M.reshape(1, -1)
    h = _heatmap(M, title, annotate, colorbar=dict(thickness=12))
    small = max(M.shape) <= 30
    return _fig(
        data=[h],
        layout=_layout(
            title,
            f"matrix-{title}",
            height=int(np.clip(120 + 32 * M.shape[0], 300, 450)),
            xaxis=dict(title=dict(text=col_label), dtick=1 if small else None, showgrid=False, side="top"),
            yaxis=dict(title=dict(text=row_label), dtick=1 if small else None, showgrid=False, autorange="reversed"),
            margin=dict(l=50, r=20, t=80, b=20),
        ),
    )


#: batches up to this many rows are shown whole in :func:`layer_matrices`
MATRIX_MAX_ROWS = 16


def layer_matrices(record: StepRecord, layer: int, sample: int | None = None, phase: Phase | None = None) -> dict:
    """W, ∂L/∂W, ΔW and the batch matrices a_{l-1}, z, a, δ of one layer (0-based ``layer``).

    With a ``phase``, what that phase has not computed yet is left blank (NaN) and
    its title says "not yet", as the diagram greys out layers not reached.

    Heatmap trace names (for readers of the figure): ``W{l}``, ``∂L/∂W{l}``,
    ``ΔW{l}``, ``a{l-1}``, ``z{l}``, ``a{l}``, ``δ{l}`` with 1-based l; with an optimiser that has
    state (momentum, RMSProp, Adam), a third row: each buffer of W{l} after the step, named
    ``"{buffer} W{l}"`` (e.g. ``"exp_avg W1"``), blank before the update phase. Weight
    matrices are (n_in, n_out); batch matrices (batch, n) with rows labelled by
    dataset index ("#3"). ``sample`` (a batch row) is outlined; in batches of more
    than 16 rows only that row is shown.
    """
    L = record.before.n_layers
    if not 0 <= layer < L:
        raise IndexError(f"layer {layer} is outside 0 … {L - 1}")
    n = layer + 1
    t, g = record.trace.layers[layer], record.grads.layers[layer]
    batch = t.x.shape[0]
    rows, outline = slice(None), sample
    if sample is not None:
        if not 0 <= int(sample) < batch:
            raise IndexError(f"sample {sample} is outside the batch of {batch}")
        if batch > MATRIX_MAX_ROWS:
            rows, outline = slice(int(sample), int(sample) + 1), 0
    batch_labels = [f"#{int(i)}" for i in np.asarray(record.indices)[rows]]
    fwd = phase is None or reached(phase, "forward", layer)
    bwd = phase is None or reached(phase, "backward", layer)
    upd = phase is None or phase.kind == "update"
    matrices = [
        (f"W{n}", record.before.weights[layer], None, True),
        (f"∂L/∂W{n}", g.dW, None, bwd),
        (f"ΔW{n}", record.update.dW[layer], None, upd),
        (f"a{n - 1}", t.x[rows], batch_labels, True),
        (f"z{n}", t.z[rows], batch_labels, fwd),
        (f"a{n}", t.a[rows], batch_labels, fwd),
        (f"δ{n}", g.dz[rows], batch_labels, bwd),
    ]
    tl = i18n.translator()
    not_yet = tl.gettext("{matrix} — not yet")
    titles = [f"{name}{' = x' if name == 'a0' else ''} ({_shape(M)})" for name, M, _, _ in matrices]
    titles = [text if done else not_yet.format(matrix=text) for text, (_, _, _, done) in zip(titles, matrices)]
    matrices = [(name, M if done else np.full(np.shape(M), np.nan), y, done) for name, M, y, done in matrices]
    cells = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3)]
    n_rows = 2
    if record.optimizer is not None and record.opt_after is not None and record.opt_after.slots:
        for c, slot in enumerate(record.opt_after.slots):
            M = record.opt_after.layers(record.before, slot)[0][layer]
            step = record.opt_after.step
            text = tl.gettext("{buffer} after step t = {step} ({shape})").format(
                buffer=f"{slot} W{n}", step=step, shape=_shape(M)
            )
            titles.append(text if upd else not_yet.format(matrix=text))
            matrices.append((f"{slot} W{n}", M if upd else np.full(np.shape(M), np.nan), None, upd))
            cells.append((2, c))
        n_rows = 3
    refs, axes = _subplot_grid(cells, titles, rows=n_rows, cols=4, hgap=0.05, vgap=0.2 if n_rows == 2 else 0.12)
    traces, shapes = [], []
    for (name, M, ylabels, done), (xr, yr) in zip(matrices, refs):
        traces.append(_heatmap(M, name, None, y=ylabels, showscale=False, xaxis=xr, yaxis=yr))
        ax = axes["yaxis" + yr[1:]]
        ax.update(autorange="reversed", type="category" if ylabels is not None else "linear")
        if not done:  # nothing to draw yet: the title says so, and no empty axes with made-up ticks
            ax.update(visible=False)
            axes["xaxis" + xr[1:]].update(visible=False)
            continue
        if M.shape[0] <= ANNOTATE_MAX:
            ax.update(dtick=1)
        if M.shape[1] <= ANNOTATE_MAX:
            axes["xaxis" + xr[1:]].update(dtick=1)
        if ylabels is not None and outline is not None and M.shape[0] > 1:
            shapes.append(
                dict(
                    type="rect",
                    xref=xr,
                    yref=yr,
                    x0=-0.5,
                    x1=M.shape[1] - 0.5,
                    y0=int(outline) - 0.5,
                    y1=int(outline) + 0.5,
                    line=dict(color="black", width=2),
                )
            )
    title = tl.gettext("Layer {layer} ({activation}): this step's matrices").format(
        layer=n, activation=record.before.activations[layer]
    )
    height = 450 if n_rows == 2 else 640
    return _fig(data=traces, layout=_layout(title, f"layer-{n}", height=height, shapes=shapes, **axes))


# ---------------------------------------------------------------------------
# 4. Loss surface slice.


def _bilinear(xg: np.ndarray, yg: np.ndarray, V: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """V (len(yg), len(xg)) interpolated at the points (px, py), clamped to the grid."""
    if len(xg) < 2 or len(yg) < 2:
        return np.full(np.shape(px), V.flat[0] if V.size else np.nan)
    px = np.clip(px, xg[0], xg[-1])
    py = np.clip(py, yg[0], yg[-1])
    i = np.clip(np.searchsorted(xg, px) - 1, 0, len(xg) - 2)
    j = np.clip(np.searchsorted(yg, py) - 1, 0, len(yg) - 2)
    tx = (px - xg[i]) / (xg[i + 1] - xg[i])
    ty = (py - yg[j]) / (yg[j + 1] - yg[j])
    bottom = V[j, i] * (1 - tx) + V[j, i + 1] * tx
    top = V[j + 1, i] * (1 - tx) + V[j + 1, i + 1] * tx
    return bottom * (1 - ty) + top * ty


def _use_log(V: np.ndarray) -> bool:
    finite = V[np.isfinite(V)]
    return bool(finite.size) and finite.min() > 0 and finite.max() / finite.min() > 100


def loss_surface_figure(
    surface: LossSurface,
    path: np.ndarray,
    names: tuple[str, str],
    kind: str = "contour",
    gradient: np.ndarray | None = None,
    current: tuple[float, float] | None = None,
) -> dict:
    """The loss over two parameters, with the path taken and the step −∇L would take.

    Axes are the parameters' values: x = alphas + center·d1, y = betas + center·d2.
    ``path``: (n, 2) points in those coordinates, or (n, 3) with the loss as the
    third column (otherwise the 3-D path's height is interpolated from the grid).
    When the loss spans more than two decades the colour is log10(L): the contour's
    ``z`` is then log10(values) and its ``customdata`` the true values (hover shows
    those); the surface's ``z`` is always the true values.
    """
    if kind not in ("contour", "surface"):
        raise ValueError(f"kind must be 'contour' or 'surface', not {kind!r}")
    x = surface.alphas + float(surface.center @ surface.d1)
    y = surface.betas + float(surface.center @ surface.d2)
    V = _finite_or_nan(surface.values)
    log = _use_log(V)
    with np.errstate(divide="ignore", invalid="ignore"):
        C = np.log10(V) if log else V
    tl = i18n.translator()
    loss_word = tl.pgettext("figure", "loss")
    colorbar = dict(title=dict(text=loss_word), thickness=12)
    if log:
        lo, hi = np.nanmin(C), np.nanmax(C)
        decades = np.arange(math.ceil(lo), math.floor(hi) + 1)
        colorbar.update(tickvals=decades.tolist(), ticktext=[f"1e{int(k)}" for k in decades])
    p = np.asarray(path, dtype=float)
    p = p.reshape(0, 2) if p.size == 0 else np.atleast_2d(p)
    n1, n2 = names
    hover = f"{n1} = %{{x:{_HOVER}}}<br>{n2} = %{{y:{_HOVER}}}<br>L = %{{customdata:{_HOVER}}}<extra></extra>"
    if current is None and p.shape[0]:
        cur = (float(p[-1, 0]), float(p[-1, 1]))
    elif current is None:
        cur = (float(x[len(x) // 2]), float(y[len(y) // 2]))
    else:
        cur = (float(current[0]), float(current[1]))
    arrow = _descent_arrow(gradient, cur, x, y)
    title = dict(
        text=tl.gettext("Loss over {x} and {y}").format(x=n1, y=n2),
        x=0.01,
        xanchor="left",
        font=dict(size=15),
        subtitle=dict(text=tl.gettext("slice: other parameters held at their current values")),
    )
    path_word = tl.pgettext("figure", "path")
    path_hover = f"{n1} = %{{x:{_HOVER}}}<br>{n2} = %{{y:{_HOVER}}}<extra>{path_word}</extra>"

    if kind == "contour":
        traces = [
            _tr("contour",
                x=x,
                y=y,
                z=C,
                customdata=V,
                colorscale=SEQUENTIAL,
                ncontours=24,
                colorbar=colorbar,
                hovertemplate=hover,
                name="log10 loss" if log else "loss",
            ),
            _tr("scatter",
                x=p[:, 0],
                y=p[:, 1],
                mode="lines+markers",
                line=dict(color="white", width=2),
                marker=dict(size=5, color="white", line=dict(color="black", width=1)),
                name="path",
                hovertemplate=path_hover,
            ),
            _tr("scatter",
                x=[cur[0]],
                y=[cur[1]],
                mode="markers",
                marker=dict(symbol="star", size=16, color="#E69F00", line=dict(color="black", width=1)),
                name="current",
                hovertemplate=tl.pgettext("figure", "current")
                + f"<br>{n1} = %{{x:{_HOVER}}}<br>{n2} = %{{y:{_HOVER}}}<extra></extra>",
            ),
        ]
        annotations = []
        if arrow is not None:
            annotations.append(
                dict(
                    x=arrow[0],
                    y=arrow[1],
                    ax=cur[0],
                    ay=cur[1],
                    xref="x",
                    yref="y",
                    axref="x",
                    ayref="y",
                    showarrow=True,
                    arrowhead=2,
                    arrowwidth=2.5,
                    arrowcolor="#E69F00",
                    text="",
                    hovertext=f"−∇L = ({_h(-gradient[0])}, {_h(-gradient[1])})",
                )
            )
        layout = _layout(
            "",
            "loss-surface-contour",
            height=450,
            xaxis=dict(title=dict(text=n1), range=[x.min(), x.max()]),
            yaxis=dict(title=dict(text=n2), range=[y.min(), y.max()]),
            annotations=annotations,
            showlegend=False,
            margin=dict(l=60, r=20, t=80, b=50),
        )
        layout["title"] = title
        return _fig(data=traces, layout=layout)

    # surface
    heights = p[:, 2] if p.shape[1] >= 3 else _bilinear(x, y, V, p[:, 0], p[:, 1]) if p.shape[0] else np.empty(0)
    cur_z = float(_bilinear(x, y, V, np.array([cur[0]]), np.array([cur[1]]))[0])
    traces = [
        _tr("surface",
            x=x,
            y=y,
            z=V,
            surfacecolor=C,
            customdata=V,
            colorscale=SEQUENTIAL,
            colorbar=colorbar,
            hovertemplate=hover,
            opacity=0.92,
            name="loss",
        ),
        _tr("scatter3d",
            x=p[:, 0],
            y=p[:, 1],
            z=heights,
            mode="lines+markers",
            line=dict(color="white", width=5),
            marker=dict(size=3, color="black"),
            name="path",
            hovertemplate=f"{n1} = %{{x:{_HOVER}}}<br>{n2} = %{{y:{_HOVER}}}<br>L ≈ %{{z:{_HOVER}}}"
            f"<extra>{path_word}</extra>",
        ),
        _tr("scatter3d",
            x=[cur[0]],
            y=[cur[1]],
            z=[cur_z],
            mode="markers",
            marker=dict(size=7, color="#E69F00", symbol="diamond"),
            name="current",
            hoverinfo="skip",
        ),
    ]
    if arrow is not None:
        ax = np.linspace(cur[0], arrow[0], 12)
        ay = np.linspace(cur[1], arrow[1], 12)
        traces.append(
            _tr("scatter3d",
                x=ax,
                y=ay,
                z=_bilinear(x, y, V, ax, ay),
                mode="lines",
                line=dict(color="#E69F00", width=8),
                name="−∇L",
                hovertemplate=f"−∇L = ({_h(-gradient[0])}, {_h(-gradient[1])})<extra></extra>",
            )
        )
    layout = _layout(
        "",
        "loss-surface-3d",
        height=450,
        scene=dict(
            xaxis=dict(title=dict(text=n1)),
            yaxis=dict(title=dict(text=n2)),
            zaxis=dict(title=dict(text=loss_word), type="log" if log else "linear"),
        ),
        showlegend=False,
        margin=dict(l=0, r=0, t=70, b=0),
    )
    layout["title"] = title
    return _fig(data=traces, layout=layout)


def _descent_arrow(gradient, cur: tuple[float, float], x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """End of an arrow from ``cur`` along −gradient, 15% of the plot's span long (in axis-relative units)."""
    if gradient is None:
        return None
    g = np.asarray(gradient, dtype=float).ravel()[:2]
    span = np.array([x.max() - x.min(), y.max() - y.min()])
    if g.size < 2 or not np.all(np.isfinite(g)) or not np.all(span > 0):
        return None
    rel = np.hypot(*(g / span))
    if rel == 0:
        return None
    step = -g * (0.15 / rel)
    return cur[0] + float(step[0]), cur[1] + float(step[1])


# ---------------------------------------------------------------------------
# 5–6. Losses over steps and per sample.


def loss_curve(
    losses: np.ndarray,
    current: int | None = None,
    epoch_size: int | None = None,
    log_y: bool = True,
    x: np.ndarray | None = None,
    measures: np.ndarray | None = None,
    measure_note: str = "",
    pinned: Sequence[tuple[str, np.ndarray, np.ndarray]] = (),
) -> dict:
    """Batch loss before each step, x = step 1 … n; ``current`` (a step number, 1 … n) is marked.

    ``x``: the step numbers of ``losses`` when they are a thinned selection (default 1 … n).
    ``measures`` (4, len(losses)): after each step, the loss over all training points, over the test
    points, and the share of training / test points right (NaN: none). They are drawn as traces
    ``"training loss"``, ``"test loss"`` (on the loss axis) and ``"training accuracy"``,
    ``"test accuracy"`` (a second axis, in %), and the title gives the last step's values.
    ``pinned``: (label, step numbers, batch losses) of runs pinned for comparison, drawn grey and
    dashed as traces named ``"pinned: <label>"``.
    Dotted lines mark epoch boundaries when ``epoch_size`` is given and there are
    at most 50 of them. The y axis falls back to linear when a loss is ≤ 0.
    """
    losses = _finite_or_nan(np.ravel(losses))
    steps = np.arange(1, losses.size + 1) if x is None else np.ravel(x)
    n = int(steps[-1]) if steps.size else 0
    tl = i18n.translator()
    if n == 0:
        return _empty(tl.gettext("Loss per step"), tl.gettext("no steps taken yet"), "loss-curve")
    finite = losses[np.isfinite(losses)]
    log = log_y and finite.size > 0 and finite.min() > 0
    traces = [
        _tr("scatter",
            x=steps,
            y=losses,
            mode="lines" if n > 60 else "lines+markers",
            line=dict(color=POSITIVE, width=1.5),
            marker=dict(size=4),
            name=tl.pgettext("figure", "loss"),
            meta="loss",
            hovertemplate=tl.gettext("step {step}: L = {loss}").format(step="%{x}", loss=f"%{{y:{_HOVER}}}")
            + "<extra></extra>",
        )
    ]
    if current is not None and 1 <= current <= n:
        # The player moves this marker and finds it by its meta "current" (player.js traceIndex), so its
        # name, shown in the legend, is in the session's language.
        traces.append(
            _tr("scatter",
                x=[int(current)],
                y=[losses[int(np.searchsorted(steps, int(current)).clip(0, losses.size - 1))]],
                mode="markers",
                marker=dict(size=12, color="#E69F00", symbol="diamond", line=dict(color="black", width=1)),
                name=tl.pgettext("figure", "current"),
                meta="current",
                hovertemplate=tl.gettext("current step {step}: L = {loss}").format(step="%{x}", loss=f"%{{y:{_HOVER}}}")
                + "<extra></extra>",
            )
        )
    title, extra_axis, legend = tl.gettext("Loss per step"), {}, False
    if measures is not None and np.isfinite(measures).any():
        styles = (
            (N_("training loss"), "y", "#009E73", "solid", lambda v: f"{v:.4g}"),
            (N_("test loss"), "y", "#D55E00", "dash", lambda v: f"{v:.4g}"),
            (N_("training accuracy"), "y2", "#009E73", "dot", lambda v: f"{100 * v:.1f} %"),
            (N_("test accuracy"), "y2", "#D55E00", "dot", lambda v: f"{100 * v:.1f} %"),
        )
        parts = []
        for row, (name, axis, colour, dash, show) in zip(measures, styles):
            if not np.isfinite(row).any():
                continue
            english, name = name, tl.gettext(name)
            y = 100 * row if axis == "y2" else row
            unit = " %" if axis == "y2" else ""
            traces.append(
                _tr("scatter",
                    x=steps,
                    y=_finite_or_nan(y),
                    mode="lines",
                    line=dict(color=colour, width=1.5, dash=dash),
                    name=name,
                    meta=english,
                    yaxis=axis,
                    hovertemplate=tl.gettext("after step {step}: {name} {value}").format(
                        step="%{x}", name=name, value=f"%{{y:{_HOVER}}}{unit}"
                    )
                    + "<extra></extra>",
                )
            )
            last = row[np.isfinite(row)]
            parts.append(f"{name} {show(float(last[-1]))}")
        title = tl.gettext("Loss per step — {measures}").format(measures=", ".join(parts))
        title += f" {measure_note}" if measure_note else ""
        legend = True
        if np.isfinite(measures[2:]).any():
            extra_axis = dict(
                yaxis2=dict(
                    title=dict(text=tl.gettext("accuracy %")),
                    overlaying="y",
                    side="right",
                    range=[0, 100],
                    showgrid=False,
                )
            )
    for i, (label, px, py) in enumerate(pinned):
        traces.append(
            _tr("scatter",
                x=np.ravel(px),
                y=_finite_or_nan(np.ravel(py)),
                mode="lines",
                line=dict(color=("#777777", "#AA3377", "#4477AA")[i % 3], width=1.2, dash="dash"),
                name=tl.gettext("pinned: {label}").format(label=label),
                meta=f"pinned: {label}",
                hovertemplate=tl.gettext("pinned {label}, step {step}: L = {loss}").format(
                    label=label, step="%{x}", loss=f"%{{y:{_HOVER}}}"
                )
                + "<extra></extra>",
            )
        )
        legend = True
    shapes = []
    if epoch_size is not None and epoch_size > 0:
        boundaries = np.arange(epoch_size, n, epoch_size) + 0.5
        if 0 < boundaries.size <= 50:
            shapes = [
                dict(
                    type="line",
                    x0=b,
                    x1=b,
                    y0=0,
                    y1=1,
                    xref="x",
                    yref="paper",
                    line=dict(color="#888888", width=1, dash="dot"),
                    layer="below",
                )
                for b in boundaries.tolist()
            ]
    return _fig(
        data=traces,
        layout=_layout(
            title,
            "loss-curve",
            height=320,
            **extra_axis,
            # whole steps only on a short run; full numbers on a log axis (not its bare "2", "5" digit ticks)
            xaxis=dict(
                title=dict(text=tl.pgettext("figure", "step")), gridcolor="#eeeeee", dtick=1 if n <= 10 else None
            ),
            yaxis=dict(
                title=dict(text=tl.gettext("batch loss")),
                type="log" if log else "linear",
                tickformat="~g" if log else None,
                automargin=True,
                gridcolor="#eeeeee",
                **_flat_range(np.concatenate([losses, *(np.ravel(c) for _, _, c in pinned or ())]), log),
            ),
            shapes=shapes,
            showlegend=legend,
            **({"legend": dict(orientation="h", y=-0.3, yanchor="top", font=dict(size=10))} if legend else {}),
        ),
    )


def per_sample_losses(per_sample: np.ndarray, indices: np.ndarray) -> dict:
    """One bar per sample of the step's batch; ``per_sample`` (batch,) sums to the batch loss."""
    per_sample = np.ravel(per_sample).astype(float)
    indices = np.ravel(indices)
    total = float(per_sample.sum())
    tl = i18n.translator()
    sample = tl.gettext("sample #{index}")
    labels = [sample.format(index=int(i)) for i in indices]
    if total:
        share = tl.gettext("{sample}: ℓ = {loss} ({share} of L)")  # share: "12.5%"
        hover = [
            share.format(sample=lab, loss=_h(v), share=f"{100 * v / total:.3g}%")
            for lab, v in zip(labels, per_sample.tolist())
        ]
    else:
        plain = tl.gettext("{sample}: ℓ = {loss}")
        hover = [plain.format(sample=lab, loss=_h(v)) for lab, v in zip(labels, per_sample.tolist())]
    return _fig(
        data=[
            _tr("bar",
                x=labels,
                y=per_sample,
                marker=dict(color=POSITIVE),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                text=[_fmt(v) for v in per_sample.tolist()] if len(labels) <= 20 else None,
                textposition="outside",
            )
        ],
        layout=_layout(
            tl.gettext("Loss per sample (batch L = {loss})").format(loss=_fmt(total)),
            "per-sample",
            height=300,
            yaxis=dict(title=dict(text="ℓ"), gridcolor="#eeeeee", tickformat="~g", automargin=True),  # 0.0003, not 300μ
            xaxis=dict(type="category"),
        ),
    )


# ---------------------------------------------------------------------------
# 7–8. The input plane: decision regions and per-neuron maps.


#: the plane's margin around the points, as a share of their range on each axis (``pad=None``)
PLANE_MARGIN = 0.05


def _plane_grid(X: np.ndarray, resolution: int, pad: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid axes xs, ys (resolution,) around the points and the grid points (resolution², 2), row-major in y.

    ``pad``: the margin in the data's units; None: :data:`PLANE_MARGIN` of each axis's range, so that
    the points fill the plot whatever the inputs' scaling (scaled into [0.55, 1], a fixed margin of
    0.5 left them in a corner)."""
    pads = []
    for c in range(2):
        span = float(X[:, c].max() - X[:, c].min()) if X.size else 0.0
        pads.append(pad if pad is not None else (PLANE_MARGIN * span if span > 0 else 0.5))
    xs = np.linspace(X[:, 0].min() - pads[0], X[:, 0].max() + pads[0], resolution)
    ys = np.linspace(X[:, 1].min() - pads[1], X[:, 1].max() + pads[1], resolution)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([XX.ravel(), YY.ravel()])


def _classify(out: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Predicted class: a single output is class 1 when ŷ ≥ ``threshold`` (0.5 for 0/1 targets, 0 for
    Playground's ±1), several take the argmax."""
    if out.shape[1] == 1:
        return (out[:, 0] >= threshold).astype(int)
    return np.argmax(out, axis=1)


def predicted_classes(net: Network, X: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The class ``net`` predicts for each row of ``X`` (see :func:`_classify`)."""
    return _classify(net.predict(X), threshold)


def _plane_inputs(G: np.ndarray, features: Sequence[str] | None) -> np.ndarray:
    """The network's input at plane points G (n, 2): G itself, or Playground's features of it."""
    return G if features is None else feature_matrix(G, features)


def _mix_white(colour: str, share: float) -> str:
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return "rgb({},{},{})".format(*(round(c + (255 - c) * share) for c in (r, g, b)))


def _class_scale(k: int) -> list[list]:
    """Colour scale over [0, k]: class c spans [c, c+1), pale at its start, stronger towards c+1."""
    scale = []
    for c in range(k):
        colour = CLASS_COLOURS[c % len(CLASS_COLOURS)]
        scale += [[c / k, _mix_white(colour, 0.92)], [(c + 1) / k, _mix_white(colour, 0.45)]]
    return scale


# Pale colours of DIVERGING, so that the points drawn on the regions stay visible, with a jump at
# the centre so that the predicted class shows even where the network hesitates.
_REGION_SCALE = ((0.0, _RDBU[3]), (0.5, _RDBU[4]), (0.5, _RDBU[6]), (1.0, _RDBU[7]))


def _region_heatmap(
    xs: np.ndarray,
    ys: np.ndarray,
    out: np.ndarray,
    cls: np.ndarray,
    threshold: float = 0.5,
    discretize: bool = False,
    tl=None,
) -> dict:
    """The predicted class over the grid, shaded by how clear the decision is.

    One output: z = ŷ, centred on the threshold (0.5, or 0 for ±1 targets). ``discretize``
    (Playground's "discretize output"): z = the predicted class only, two flat colours. Two outputs: z = ŷ1 − ŷ0,
    centred on 0. More: z = class + 0.999·(top-1 − top-2) on a per-class scale.
    The colour range covers at least what probabilities can reach (ŷ in [0, 1],
    ŷ1 − ŷ0 in [−1, 1]), so a hesitant network looks pale, yet each class keeps its hue.
    ``customdata`` is the predicted class (int8), (len(ys), len(xs)).
    """
    r_y, r_x = len(ys), len(xs)
    k = out.shape[1]
    common = dict(x=xs, y=ys, customdata=cls.astype(np.int8).reshape(r_y, r_x), showscale=False, name="regions")
    tl = i18n.translator() if tl is None else tl
    where = "x1 = %{x:.4~g}, x2 = %{y:.4~g}<br>" + tl.gettext("predicted class {cls}").format(cls="%{customdata}")
    where += "<br>"
    if discretize and k <= 2:
        return _tr("heatmap",
            z=cls.reshape(r_y, r_x).astype(float),
            zmin=0,
            zmax=1,
            colorscale=((0.0, _RDBU[3]), (0.5, _RDBU[3]), (0.5, _RDBU[7]), (1.0, _RDBU[7])),
            hovertemplate=where + tl.gettext("(discretized)") + "<extra></extra>",
            **common,
        )
    if k == 1:
        z = out[:, 0].reshape(r_y, r_x)
        half = 1.0 if threshold == 0 else 0.5  # ±1 targets: tanh's range; 0/1: a probability's
        m = max(half, _max_abs(z - threshold))
        return _tr("heatmap",
            z=z,
            zmin=threshold - m,
            zmax=threshold + m,
            colorscale=_REGION_SCALE,
            hovertemplate=where + f"ŷ = %{{z:{_HOVER}}}<extra></extra>",
            **common,
        )
    if k == 2:
        z = (out[:, 1] - out[:, 0]).reshape(r_y, r_x)
        m = max(1.0, _max_abs(z))
        return _tr("heatmap",
            z=z,
            zmin=-m,
            zmax=m,
            zmid=0,
            colorscale=_REGION_SCALE,
            hovertemplate=where + f"ŷ1 − ŷ0 = %{{z:{_HOVER}}}<extra></extra>",
            **common,
        )
    top2 = np.sort(out, axis=1)[:, -2:]
    margin = np.clip(np.nan_to_num(top2[:, 1] - top2[:, 0]), 0, 1)
    return _tr("heatmap",
        z=(cls + 0.999 * margin).reshape(r_y, r_x),
        zmin=0,
        zmax=k,
        colorscale=_class_scale(k),
        hovertemplate=where + tl.gettext("(paler: closer to another class)") + "<extra></extra>",
        **common,
    )


def decision_boundary(
    net: Network,
    X: np.ndarray,
    labels: np.ndarray,
    resolution: int = 80,
    pad: float | None = None,
    *,
    features: Sequence[str] | None = None,
    threshold: float = 0.5,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    discretize: bool = False,
    class_names: Sequence[str] | None = None,
    axis_names: Sequence[str] = ("x1", "x2"),
) -> dict:
    """Predicted class over the input plane, shaded by confidence, with the points coloured by label.

    ``X``: (n, 2) points in the plane; ``labels``: (n,) class indices (or one-hot (n, K)). Trace 0 is
    the region heatmap: ``customdata[j, i]`` is the class predicted at (x[i], y[j])
    (for one output ŷ ≥ ``threshold`` → 1, else the argmax). Then one marker trace per class,
    misclassified points outlined in black; with ``test`` = (points, labels), one hollow marker
    trace per class named ``"test: …"``. ``features``: the network's inputs are these
    ``datasets.FEATURES`` of the point (Playground's x₁², sin x₁ …), not the point itself.
    """
    n_in = 2 if features is None else len(features)
    if net.sizes[0] != n_in:
        raise ValueError(f"decision regions need {n_in} inputs, the network has {net.sizes[0]}")
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = np.argmax(labels, axis=1)
    labels = labels.astype(int)
    pts = X if test is None else np.concatenate([X, np.asarray(test[0], dtype=float)])
    xs, ys, G = _plane_grid(pts, resolution, pad)
    out = net.predict(_plane_inputs(G, features))
    tl = i18n.translator()
    traces = [_region_heatmap(xs, ys, out, _classify(out, threshold), threshold, discretize, tl)]
    p_out = net.predict(_plane_inputs(X, features))
    p_cls = _classify(p_out, threshold)
    wrong = p_cls != labels
    k = max(2, out.shape[1], int(labels.max()) + 1 if labels.size else 0)
    cls_name = tl.gettext("class {index}")
    # a CSV's class and column names are a visitor's text: Plotly renders <a>, <b> … in legends and hover
    names = [
        safe_text.plotly(class_names[c], limit=40)
        if class_names is not None and c < len(class_names)
        else cls_name.format(index=c)
        for c in range(k)
    ]
    a1, a2 = (safe_text.plotly(a, limit=40) for a in axis_names)
    said = tl.gettext("label {label}, predicted {predicted}")
    outputs = tl.gettext("outputs {values}")
    for c in range(k):
        m = labels == c
        if not m.any():
            continue
        hover = [
            f"{a1} = {_h(a)}, {a2} = {_h(b)}<br>{said.format(label=c, predicted=pc)}{' ✗' if pc != c else ''}"
            f"<br>{outputs.format(values=_vec(o))}"
            for a, b, pc, o in zip(X[m, 0].tolist(), X[m, 1].tolist(), p_cls[m].tolist(), p_out[m])
        ]
        traces.append(
            _tr("scatter",
                x=X[m, 0],
                y=X[m, 1],
                mode="markers",
                name=names[c],
                marker=dict(
                    color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                    symbol=CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)],
                    size=11,
                    line=dict(color=np.where(wrong[m], "black", "white").tolist(), width=np.where(wrong[m], 3, 1)),
                ),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    n_wrong = int(wrong.sum())
    title = tl.gettext("Decision regions: {wrong} of {total} misclassified (outlined)").format(
        wrong=n_wrong, total=labels.size
    )
    if test is not None:
        tX, t_lab = np.asarray(test[0], dtype=float), np.asarray(test[1]).astype(int)
        t_cls = _classify(net.predict(_plane_inputs(tX, features)), threshold)
        test_point = tl.gettext("test point: {point}")
        test_name = tl.gettext("test: {name}")
        for c in range(k):
            m = t_lab == c
            if not m.any():
                continue
            hover = [
                test_point.format(point=f"{a1} = {_h(a)}, {a2} = {_h(b)}")
                + f"<br>{said.format(label=c, predicted=pc)}{' ✗' if pc != c else ''}"
                for a, b, pc in zip(tX[m, 0].tolist(), tX[m, 1].tolist(), t_cls[m].tolist())
            ]
            traces.append(
                _tr("scatter",
                    x=tX[m, 0],
                    y=tX[m, 1],
                    mode="markers",
                    name=test_name.format(name=names[c]),
                    meta=f"test: {names[c]}",
                    marker=dict(
                        color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                        symbol=CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)] + "-open",
                        size=10,
                        line=dict(width=2),
                    ),
                    hovertext=hover,
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
        title = tl.gettext("{title}; test: {wrong} of {total} wrong (hollow)").format(
            title=title, wrong=int((t_cls != t_lab).sum()), total=t_lab.size
        )
    return _fig(
        data=traces,
        layout=_layout(
            title,
            "decision-boundary",
            height=420,
            # the points' range plus 5 % (PLANE_MARGIN), in the network's input units
            xaxis=dict(title=dict(text=a1), range=[xs[0], xs[-1]], showgrid=False, zeroline=False),
            yaxis=dict(title=dict(text=a2), range=[ys[0], ys[-1]], showgrid=False, zeroline=False),
            legend=dict(orientation="h", y=-0.18, yanchor="top"),  # below the x axis title
        ),
    )


NEURON_MAP_COLUMNS = 8


def neuron_maps(
    net: Network,
    X: np.ndarray,
    resolution: int = 40,
    pad: float | None = None,
    features: Sequence[str] | None = None,
    axis_names: Sequence[str] | None = None,
) -> dict:
    """Each neuron's activation over the input plane (rows = layers, ≤ 8 neurons per row).

    Heatmap trace names are ``"L{layer} n{neuron}"`` (layer 1-based), ``z[j, i]``
    the activation at (x[i], y[j]); each layer's maps share one colour range,
    symmetric around 0. All maps zoom together. ``features``: as :func:`decision_boundary`'s.
    ``axis_names``: the two inputs' names for the hover text (a CSV's columns), else bare coordinates.
    """
    n_in = 2 if features is None else len(features)
    if net.sizes[0] != n_in:
        raise ValueError(f"neuron maps need {n_in} inputs, the network has {net.sizes[0]}")
    X = np.asarray(X, dtype=float)
    xs, ys, G = _plane_grid(X, resolution, pad)
    trace = net.forward(_plane_inputs(G, features))
    L = net.n_layers
    cols = min(NEURON_MAP_COLUMNS, max(net.sizes[1:]))
    shown = [(l, k) for l in range(L) for k in range(min(net.sizes[l + 1], cols))]
    # Always an 8-column grid, so that each map stays roughly square however many neurons a layer has.
    refs, axes = _subplot_grid(
        shown, [f"L{l + 1} n{k}" for l, k in shown], rows=L, cols=NEURON_MAP_COLUMNS, hgap=0.015, vgap=0.3 / L
    )
    for name, ax in axes.items():
        if name.startswith(("xaxis", "yaxis")):
            ax.update(showticklabels=False, range=[xs[0], xs[-1]] if name[0] == "x" else [ys[0], ys[-1]])
            if name not in ("xaxis", "yaxis"):
                ax.update(matches=name[0])
    r = resolution
    scales = [_max_abs(trace.layers[l].a[:, :cols]) for l in range(L)]
    tl = i18n.translator()
    map_hover = tl.gettext("{name}: a = {value} at ({x}, {y})")
    hx, hy = "%{x:.3~g}", "%{y:.3~g}"
    if axis_names is not None:
        hx, hy = (f"{safe_text.plotly(a, limit=40)} = {v}" for a, v in zip(axis_names, (hx, hy)))
    traces = []
    for (l, k), (xr, yr) in zip(shown, refs):
        name = f"L{l + 1} n{k}"
        m = scales[l]
        traces.append(
            _tr("heatmap",
                x=xs,
                y=ys,
                z=trace.layers[l].a[:, k].reshape(r, r),
                name=name,
                colorscale=DIVERGING,
                zmin=-m,
                zmax=m,
                zmid=0,
                showscale=False,
                xaxis=xr,
                yaxis=yr,
                hovertemplate=map_hover.format(name=name, value=f"%{{z:{_HOVER}}}", x=hx, y=hy) + "<extra></extra>",
            )
        )
        traces.append(
            _tr("scatter",
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                marker=dict(size=4, color="black", opacity=0.35),
                xaxis=xr,
                yaxis=yr,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    truncated = max(net.sizes[1:]) > cols
    title = (
        tl.gettext("Neuron activations over the input plane (first {n} per layer)").format(n=cols)
        if truncated
        else tl.gettext("Neuron activations over the input plane")
    )
    layout = _layout(title, f"neuron-maps-{net.sizes}", height=int(np.clip(60 + 120 * L, 300, 450)), **axes)
    layout["showlegend"] = False
    return _fig(data=traces, layout=layout)


# ---------------------------------------------------------------------------
# 9–11. Study predictions, gradient check, parameter trajectories.


def study_predictions(predicted: np.ndarray, target: np.ndarray, labels: list[str]) -> dict:
    """Predicted vs target, grouped per sample; ``predicted``, ``target``: (n,) or (n, 1).

    The values are drawn as given: pass real units (the study example's score out
    of 100, i.e. 100 × the network's output and ``STUDY_Y_RAW``) for real units.
    """
    p = np.ravel(predicted).astype(float)
    t = np.ravel(target).astype(float)
    labels = list(labels)
    tl = i18n.translator()
    said = tl.gettext("predicted {value}"), tl.gettext("target {value}"), tl.gettext("error {value}")
    traces = []
    series = (
        ("predicted", tl.pgettext("figure", "predicted"), p, POSITIVE),
        ("target", tl.pgettext("figure", "target"), t, "#888888"),
    )
    for name, shown, v, colour in series:
        hover = [
            "<br>".join((lab, *(w.format(value=_h(x)) for w, x in zip(said, (p_, t_, p_ - t_)))))
            for lab, p_, t_ in zip(labels, p.tolist(), t.tolist())
        ]
        traces.append(
            _tr("bar",
                x=labels,
                y=v,
                name=shown,
                meta=name,
                marker=dict(color=colour),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                text=[_fmt(a) for a in v.tolist()] if len(labels) <= 12 else None,
                textposition="outside",
            )
        )
    return _fig(
        data=traces,
        layout=_layout(
            tl.gettext("Predicted vs target"),
            "study-predictions",
            height=320,
            barmode="group",
            yaxis=dict(gridcolor="#eeeeee"),
            xaxis=dict(type="category"),
            legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
        ),
    )


GRADIENT_CHECK_ROWS = 200
_CHECK_OK, _CHECK_WARN, _CHECK_BAD = "#d9f0d3", "#fee6b3", "#f4b6b6"


def gradient_check_figure(check: GradientCheck) -> dict:
    """Analytic vs numerical gradient per parameter; rows green (< 1e-6), amber (< 1e-4) or red.

    With more than 200 parameters only the 200 with the largest relative error are listed.
    """
    err = check.relative_error
    idx = np.arange(err.size)
    tl = i18n.translator()
    worst = f"{check.max_relative_error:.2e}"
    title = tl.gettext("Gradient check: max relative error {error}").format(error=worst)
    if err.size > GRADIENT_CHECK_ROWS:
        idx = np.argsort(-np.nan_to_num(err, nan=np.inf), kind="stable")[:GRADIENT_CHECK_ROWS]
        title = tl.gettext("Gradient check: max relative error {error} ({rows} worst of {total})").format(
            error=worst, rows=GRADIENT_CHECK_ROWS, total=f"{err.size:,}"
        )
    e = err[idx]
    fill = np.where(e < 1e-6, _CHECK_OK, np.where(e < 1e-4, _CHECK_WARN, _CHECK_BAD)).tolist()
    mark = np.where(e < 1e-6, "✓", np.where(e < 1e-4, "~", "✗")).tolist()
    cells = [
        [check.names[i] for i in idx.tolist()],
        [f"{check.analytic[i]:.6e}" for i in idx.tolist()],
        [f"{check.numerical[i]:.6e}" for i in idx.tolist()],
        [f"{v:.2e} {m}" for v, m in zip(e.tolist(), mark)],
    ]
    return _fig(
        data=[
            _tr("table",
                header=dict(
                    values=[
                        tl.gettext("parameter"),
                        tl.gettext("analytic ∂L/∂θ"),
                        tl.gettext("numerical (central difference)"),
                        tl.gettext("relative error"),
                    ],
                    fill_color="#f0f0f0",
                    align="left",
                    font=dict(size=12),
                ),
                cells=dict(values=cells, fill_color=[fill] * 4, align=["left", "right", "right", "right"], height=24),
                columnwidth=[1, 1.4, 1.4, 1],
            )
        ],
        layout=_layout(
            title,
            "gradient-check",
            height=int(np.clip(90 + 25 * (len(idx) + 1), 300, 450)),
            margin=dict(l=10, r=10, t=50, b=10),
        ),
    )


WEIGHT_TRAJECTORY_POINTS = 2000


def weight_trajectories(params: np.ndarray, names: list[str], top: int = 12) -> dict:
    """Each parameter's value over steps 0 … n (``params``: History.parameters, (n+1, n_params)).

    With more than ``top`` parameters, the ``top`` whose value moved furthest from
    its start are drawn, furthest first. Longer runs are thinned to about 2,000
    points per line (always keeping the first and last step).
    """
    params = np.asarray(params, dtype=float)
    if params.ndim != 2 or params.shape[1] != len(names):
        raise ValueError(f"params must be (n_steps + 1, {len(names)}), got {params.shape}")
    n_rows, n_params = params.shape
    with np.errstate(invalid="ignore"):
        moved = np.nanmax(np.abs(params - params[0]), axis=0) if n_rows > 1 else np.zeros(n_params)
    moved = np.nan_to_num(moved, nan=np.inf)
    order = np.argsort(-moved, kind="stable")[: min(top, n_params)]
    stride = max(1, math.ceil(n_rows / WEIGHT_TRAJECTORY_POINTS))
    rows = np.unique(np.r_[np.arange(0, n_rows, stride), n_rows - 1])
    tl = i18n.translator()
    at_step = tl.gettext("{name} at step {step}: {value}")
    traces = []
    for rank, p in enumerate(order.tolist()):
        traces.append(
            _tr("scatter",
                x=rows,
                y=params[rows, p],
                mode="lines",
                name=names[p],
                line=dict(
                    color=CLASS_COLOURS[rank % len(CLASS_COLOURS)],
                    dash=_LINE_DASHES[(rank // len(CLASS_COLOURS)) % len(_LINE_DASHES)],
                    width=1.8,
                ),
                hovertemplate=at_step.format(name=names[p], step="%{x}", value=f"%{{y:{_HOVER}}}") + "<extra></extra>",
            )
        )
    what = tl.gettext("Parameters over steps")
    if n_params > top:
        what = tl.gettext("The {shown} of {total} parameters that moved most").format(
            shown=len(order), total=f"{n_params:,}"
        )
    return _fig(
        data=traces,
        layout=_layout(
            what,
            "weight-trajectories",
            height=360,
            xaxis=dict(title=dict(text=tl.pgettext("figure", "step")), gridcolor="#eeeeee"),
            yaxis=dict(
                title=dict(text=tl.pgettext("figure", "value")),
                gridcolor="#eeeeee",
                zeroline=True,
                zerolinecolor="#bbbbbb",
            ),
        ),
    )

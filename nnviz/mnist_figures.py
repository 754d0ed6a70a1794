"""Plotly figures for the MNIST page: pure functions from arrays to ``go.Figure``.

Plotly and NumPy only (never streamlit): each function builds a new figure from
its arguments, reads no state and leaves its inputs unchanged. Hover shows numbers.

Conventions (as in :mod:`nnviz.figures`): signed values (weights, gradients, weight
changes, saliency) use the ColorBrewer RdBu scale symmetric around 0, negative red,
positive blue; digit images are dark ink on white, 0 … 1. A grid of 28 × 28 tiles
(filters, galleries) is one heatmap with one-pixel gaps, which keeps the figure small.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_RDBU = [
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
]
DIVERGING: list[list] = [[i / (len(_RDBU) - 1), c] for i, c in enumerate(_RDBU)]
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]  # 0 = paper, 1 = ink
BAR = "#4393c3"
HIGHLIGHT = "#d6604d"
BEFORE, AFTER = "#bdbdbd", "#2166ac"
SIDE = 28
_MARGIN = dict(l=30, r=20, t=50, b=30)


def _square_axes(fig: go.Figure, row=None, col=None) -> None:
    kw = {} if row is None else dict(row=row, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **kw)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed", scaleanchor=None, **kw)


def _image_layout(fig: go.Figure, title: str, height: int, uirevision: str) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=_MARGIN, uirevision=uirevision, plot_bgcolor="white")
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed")
    return fig


def _max_abs(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    m = float(np.abs(finite).max()) if finite.size else 0.0
    return m if m > 0 else 1.0


# ---------------------------------------------------------------------------
# Single images.


def digit_image(img: np.ndarray, title: str = "", height: int = 260, zmax: float = 1.0) -> go.Figure:
    """One grey image (h, w) in [0, zmax], ink dark; hover shows row, column, value."""
    img = np.asarray(img, dtype=np.float64)
    fig = go.Figure(
        go.Heatmap(
            z=img,
            colorscale=INK,
            zmin=0,
            zmax=zmax,
            showscale=False,
            hovertemplate="row %{y}, column %{x}<br>value %{z:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(scaleanchor="x")
    return _image_layout(fig, title, height, "digit")


def saliency_figure(x: np.ndarray, grad: np.ndarray, digit: int, height: int = 300) -> go.Figure:
    """∂score/∂pixel (28, 28) on the diverging scale, with the digit's outline drawn over it."""
    grad = np.asarray(grad, dtype=np.float64).reshape(SIDE, SIDE)
    x = np.asarray(x, dtype=np.float64).reshape(SIDE, SIDE)
    m = _max_abs(grad)
    fig = go.Figure(
        [
            go.Heatmap(
                z=grad,
                customdata=x,
                colorscale=DIVERGING,
                zmin=-m,
                zmax=m,
                colorbar=dict(title="∂z/∂x", thickness=10),
                hovertemplate="row %{y}, column %{x}<br>∂ score/∂ pixel %{z:.4g}<br>pixel %{customdata:.3f}"
                "<extra></extra>",
            ),
            go.Contour(
                z=x,
                contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                line=dict(color="black", width=1.5),
                showscale=False,
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_yaxes(scaleanchor="x")
    return _image_layout(fig, f"Saliency: ∂ score({digit}) / ∂ pixel (outline: the digit)", height, "saliency")


# ---------------------------------------------------------------------------
# Preprocessing, step by step.


def _display(img: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Area-averaged copy no larger than max_side × max_side (keeps a canvas figure light); and the factor."""
    h, w = img.shape
    f = max(h, w) / max_side
    if f <= 1:
        return img, 1.0
    oh, ow = max(1, int(round(h / f))), max(1, int(round(w / f)))

    def m(n_in, n_out):
        edges = np.linspace(0, n_in, n_out + 1)
        lo, hi = edges[:-1, None], edges[1:, None]
        c = np.arange(n_in)[None, :]
        o = np.clip(np.minimum(hi, c + 1) - np.maximum(lo, c), 0, None)
        return o / o.sum(axis=1, keepdims=True)

    return m(h, oh) @ img @ m(w, ow).T, h / oh


def preprocessing_steps(pre, height: int = 260) -> go.Figure:
    """The four steps of :func:`nnviz.mnist.preprocess`: canvas with ink box, crop, fit 20×20, centre in 28×28."""
    titles = ["1. canvas (ink box)", "2. crop to the ink", "3. fit 20 × 20", "4. centre of mass → centre"]
    fig = make_subplots(rows=1, cols=4, subplot_titles=titles, horizontal_spacing=0.03)
    canvas, f = _display(np.asarray(pre.grey, dtype=np.float64), 56)
    panels = [canvas]
    if pre.empty:
        panels += [np.zeros((1, 1)), np.zeros((1, 1)), pre.centered]
    else:
        panels += [_display(np.asarray(pre.cropped, dtype=np.float64), 56)[0], pre.scaled, pre.centered]
    for i, img in enumerate(panels, start=1):
        fig.add_trace(
            go.Heatmap(
                z=img,
                colorscale=INK,
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="row %{y}, column %{x}<br>value %{z:.3f}<extra></extra>",
            ),
            row=1,
            col=i,
        )
        fig.update_yaxes(scaleanchor=f"x{i if i > 1 else ''}", row=1, col=i)
    if not pre.empty:
        top, bottom, left, right = (v / f for v in pre.bbox)
        fig.add_shape(
            type="rect",
            x0=left - 0.5,
            x1=right - 0.5,
            y0=top - 0.5,
            y1=bottom - 0.5,
            line=dict(color=HIGHLIGHT, width=2),
            row=1,
            col=1,
        )
        cy, cx = pre.com
        fig.add_trace(
            go.Scatter(
                x=[cx],
                y=[cy],
                mode="markers",
                marker=dict(symbol="x", size=10, color=HIGHLIGHT),
                name="centre of mass",
                hovertemplate="centre of mass (%{y:.2f}, %{x:.2f})<extra></extra>",
            ),
            row=1,
            col=4,
        )
        for v in (13.5,):
            fig.add_hline(y=v, line=dict(color="#999", width=1, dash="dot"), row=1, col=4)
            fig.add_vline(x=v, line=dict(color="#999", width=1, dash="dot"), row=1, col=4)
    fig.update_layout(showlegend=False)
    return _image_layout(fig, "", height, "preprocessing")


# ---------------------------------------------------------------------------
# Probabilities and activations.


def probability_bars(p: np.ndarray, title: str = "Output probabilities", true_label: int | None = None) -> go.Figure:
    """Bars of ŷ_k for k = 0 … 9; the predicted digit highlighted, the true one (if given) outlined."""
    p = np.asarray(p, dtype=np.float64).ravel()
    pred = int(np.argmax(p))
    colours = [HIGHLIGHT if k == pred else BAR for k in range(len(p))]
    widths = [3 if k == true_label else 0 for k in range(len(p))]
    fig = go.Figure(
        go.Bar(
            x=[str(k) for k in range(len(p))],
            y=p,
            marker=dict(color=colours, line=dict(color="black", width=widths)),
            text=[f"{v:.0%}" if v >= 0.005 else "" for v in p],
            textposition="outside",
            hovertemplate="digit %{x}<br>probability %{y:.4f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=280, margin=_MARGIN, uirevision="probs")
    fig.update_yaxes(range=[0, 1.12], title="probability")
    fig.update_xaxes(title="digit", type="category")
    return fig


def probability_compare(before: np.ndarray, after: np.ndarray, true_label: int | None = None) -> go.Figure:
    """Grouped bars: ŷ before and after an update, for k = 0 … 9."""
    before, after = np.asarray(before, dtype=np.float64).ravel(), np.asarray(after, dtype=np.float64).ravel()
    ks = [str(k) for k in range(len(before))]
    fig = go.Figure(
        [
            go.Bar(x=ks, y=before, name="before", marker_color=BEFORE, hovertemplate="digit %{x}: %{y:.4f}"),
            go.Bar(x=ks, y=after, name="after", marker_color=AFTER, hovertemplate="digit %{x}: %{y:.4f}"),
        ]
    )
    title = "Probabilities before and after the update"
    if true_label is not None:
        title += f" (true label {true_label}: {before[true_label]:.3f} → {after[true_label]:.3f})"
    fig.update_layout(title=title, barmode="group", height=280, margin=_MARGIN, uirevision="probcompare")
    fig.update_yaxes(range=[0, 1.05], title="probability")
    fig.update_xaxes(title="digit", type="category")
    return fig


def hidden_activations(acts: Sequence[np.ndarray], after: Sequence[np.ndarray] | None = None) -> go.Figure:
    """Bars of each hidden layer's activations a_l (n_l,) for one digit; optional 'after' bars beside them."""
    n = len(acts)
    fig = make_subplots(
        rows=n, cols=1, subplot_titles=[f"hidden layer {l + 1}" for l in range(n)], vertical_spacing=0.12
    )
    for l, a in enumerate(acts):
        a = np.asarray(a, dtype=np.float64).ravel()
        units = np.arange(a.size)
        name = "before" if after is not None else f"a{l + 1}"
        fig.add_trace(
            go.Bar(
                x=units,
                y=a,
                name=name,
                marker_color=BEFORE if after is not None else BAR,
                showlegend=l == 0,
                hovertemplate=f"a{l + 1}" + "[%{x}] = %{y:.4g}<extra></extra>",
            ),
            row=l + 1,
            col=1,
        )
        if after is not None:
            fig.add_trace(
                go.Bar(
                    x=units,
                    y=np.asarray(after[l], dtype=np.float64).ravel(),
                    name="after",
                    marker_color=AFTER,
                    showlegend=l == 0,
                    hovertemplate=f"a{l + 1}" + "[%{x}] after = %{y:.4g}<extra></extra>",
                ),
                row=l + 1,
                col=1,
            )
        fig.update_xaxes(title="unit", row=l + 1, col=1)
    fig.update_layout(
        title="Hidden activations for this digit",
        barmode="group",
        bargap=0.05,
        height=170 + 150 * n,
        margin=_MARGIN,
        uirevision="hidden",
    )
    return fig


# ---------------------------------------------------------------------------
# Grids of 28 × 28 tiles.


def _mosaic(tiles: np.ndarray, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) → one image with NaN gaps; and the tile index of every cell (−1 in gaps)."""
    n = tiles.shape[0]
    rows = -(-n // cols)
    step = SIDE + 1
    img = np.full((rows * step - 1, cols * step - 1), np.nan)
    which = np.full(img.shape, -1)
    for i in range(n):
        r, c = divmod(i, cols)
        img[r * step : r * step + SIDE, c * step : c * step + SIDE] = tiles[i]
        which[r * step : r * step + SIDE, c * step : c * step + SIDE] = i
    return img, which


def filter_grid(
    W1: np.ndarray,
    units: Sequence[int] | None = None,
    title: str = "First-layer weights",
    cols: int = 8,
    symmetric_max: float | None = None,
    height: int | None = None,
    uirevision: str = "filters",
) -> go.Figure:
    """Each hidden unit's incoming weights W1[:, j] (784,) drawn as a 28 × 28 image, on the diverging scale.

    ``W1``: (784, n_1) (weights, gradients or weight changes); ``units``: which columns (default all);
    one colour scale for all tiles, symmetric around 0 (``symmetric_max`` to fix it).
    """
    W1 = np.asarray(W1, dtype=np.float64)
    units = list(range(W1.shape[1])) if units is None else [int(u) for u in units]
    tiles = W1[:, units].T.reshape(len(units), SIDE, SIDE)
    cols = max(1, min(cols, len(units)))
    img, which = _mosaic(tiles, cols)
    unit_of = np.where(which >= 0, np.asarray(units)[np.maximum(which, 0)], -1)
    m = symmetric_max if symmetric_max else _max_abs(tiles)
    fig = go.Figure(
        go.Heatmap(
            z=img,
            customdata=np.dstack([unit_of, _pixel_index(img.shape)]),
            colorscale=DIVERGING,
            zmin=-m,
            zmax=m,
            colorbar=dict(thickness=10),
            hoverongaps=False,
            hovertemplate="unit %{customdata[0]}, pixel %{customdata[1]}<br>%{z:.4g}<extra></extra>",
        )
    )
    fig.update_yaxes(scaleanchor="x")
    rows = img.shape[0] // (SIDE + 1) + 1
    return _image_layout(fig, title, height or 90 + 62 * rows, uirevision)


def _pixel_index(shape: tuple[int, int]) -> np.ndarray:
    """Row-major pixel number (0 … 783) inside each tile of a mosaic."""
    r = np.arange(shape[0]) % (SIDE + 1)
    c = np.arange(shape[1]) % (SIDE + 1)
    return (r[:, None] * SIDE + c[None, :]).astype(float)


def digit_gallery(
    images: np.ndarray, captions: Sequence[str], title: str = "", cols: int = 8, hover: Sequence[str] | None = None
) -> go.Figure:
    """Digits (n, 28, 28) in a grid, a caption under each, a hover text per digit."""
    images = np.asarray(images, dtype=np.float64)
    if images.max(initial=0) > 1:
        images = images / 255
    n = images.shape[0]
    if n == 0:
        fig = go.Figure()
        fig.add_annotation(text="none", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        return _image_layout(fig, title, 120, "gallery")
    cols = max(1, min(cols, n))
    img, which = _mosaic(images, cols)
    texts = np.asarray(list(hover) if hover is not None else list(captions), dtype=object)
    fig = go.Figure(
        go.Heatmap(
            z=img,
            customdata=np.where(which >= 0, texts[np.maximum(which, 0)], ""),
            colorscale=INK,
            zmin=0,
            zmax=1,
            showscale=False,
            hoverongaps=False,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    step = SIDE + 1
    for i, cap in enumerate(captions):
        r, c = divmod(i, cols)
        fig.add_annotation(
            x=c * step + SIDE / 2,
            y=r * step + SIDE + 0.2,
            text=cap,
            showarrow=False,
            yanchor="top",
            font=dict(size=10),
        )
    fig.update_yaxes(scaleanchor="x")
    rows = -(-n // cols)
    return _image_layout(fig, title, 80 + 95 * rows, "gallery")


# ---------------------------------------------------------------------------
# Training figures.


def training_curves(
    epochs: Sequence[int], loss: Sequence[float], train_acc: Sequence[float], val_acc: Sequence[float], title: str = ""
) -> go.Figure:
    """Loss (left axis) and train / validation accuracy (right axis) per epoch."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    ep = list(epochs)
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=list(loss),
            name="training loss",
            mode="lines+markers",
            line=dict(color="#b2182b"),
            hovertemplate="epoch %{x}<br>loss %{y:.4f}<extra></extra>",
        ),
        secondary_y=False,
    )
    for acc, name, colour in ((train_acc, "train accuracy", "#92c5de"), (val_acc, "validation accuracy", "#2166ac")):
        acc = np.asarray(list(acc), dtype=np.float64)
        if np.all(np.isnan(acc)):
            continue
        fig.add_trace(
            go.Scatter(
                x=ep,
                y=acc,
                name=name,
                mode="lines+markers",
                line=dict(color=colour),
                hovertemplate="epoch %{x}<br>" + name + " %{y:.2%}<extra></extra>",
            ),
            secondary_y=True,
        )
    fig.update_layout(
        title=title or "Loss and accuracy per epoch",
        height=320,
        margin=_MARGIN,
        uirevision="curves",
        legend=dict(orientation="h", y=-0.25),
    )
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="loss", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title="accuracy", tickformat=".0%", secondary_y=True)
    return fig


def step_losses(losses: Sequence[float], title: str = "Batch loss per update", smooth: int = 0) -> go.Figure:
    """The loss of each update's batch; with ``smooth`` > 1 a running mean over that many steps too."""
    y = np.asarray(list(losses), dtype=np.float64)
    x = np.arange(1, y.size + 1)
    traces = [
        go.Scatter(
            x=x,
            y=y,
            name="batch loss",
            mode="lines" if y.size > 60 else "lines+markers",
            line=dict(color="#bdbdbd" if smooth > 1 else "#b2182b"),
            hovertemplate="step %{x}<br>loss %{y:.4f}<extra></extra>",
        )
    ]
    if smooth > 1 and y.size >= smooth:
        run = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
        traces.append(
            go.Scatter(
                x=x[smooth - 1 :],
                y=run,
                name=f"mean of {smooth}",
                line=dict(color="#b2182b"),
                hovertemplate="step %{x}<br>running mean %{y:.4f}<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(title=title, height=280, margin=_MARGIN, uirevision="steplosses", showlegend=len(traces) > 1)
    fig.update_xaxes(title="update")
    fig.update_yaxes(title="loss", rangemode="tozero")
    return fig


def confusion_matrix(cm: np.ndarray, title: str = "Confusion matrix (test digits)") -> go.Figure:
    """counts[true, predicted] (10, 10), the diagonal being the correct ones; each cell labelled."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    off = cm.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    labels = [str(i) for i in range(k)]
    fig = go.Figure(
        [
            go.Heatmap(
                z=np.log1p(cm.astype(float)),
                x=labels,
                y=labels,
                customdata=cm,
                colorscale="Blues",
                showscale=False,
                hovertemplate="true %{y}, predicted %{x}<br>%{customdata} digits<extra></extra>",
            )
        ]
    )
    top = np.log1p(cm.max()) if cm.size else 1
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                fig.add_annotation(
                    x=labels[j],
                    y=labels[i],
                    text=str(cm[i, j]),
                    showarrow=False,
                    font=dict(size=11, color="white" if np.log1p(cm[i, j]) > 0.6 * top else "black"),
                )
    fig.update_layout(title=title, height=420, margin=dict(l=60, r=20, t=50, b=50), uirevision="confusion")
    fig.update_xaxes(title="predicted", type="category")
    fig.update_yaxes(title="true", type="category", autorange="reversed", scaleanchor="x")
    return fig


def loss_surface_contour(
    alphas: np.ndarray,
    betas: np.ndarray,
    values: np.ndarray,
    title: str,
    path: np.ndarray | None = None,
    axis_titles: tuple[str, str] = ("α (direction 1)", "β (direction 2)"),
) -> go.Figure:
    """Contours of L(α, β) (len(betas), len(alphas)); optional path (n, 2) of (α, β) points; ★ the current weights."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    log = finite.size and finite.min() > 0 and finite.max() / finite.min() > 50
    z = np.log10(v) if log else v
    fig = go.Figure(
        go.Contour(
            x=alphas,
            y=betas,
            z=z,
            customdata=v,
            colorscale="Viridis",
            ncontours=30,
            colorbar=dict(title="log₁₀ L" if log else "L", thickness=10),
            hovertemplate="α %{x:.3g}, β %{y:.3g}<br>loss %{customdata:.4g}<extra></extra>",
        )
    )
    if path is not None and len(path):
        path = np.asarray(path, dtype=np.float64)
        fig.add_trace(
            go.Scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers",
                name="training path",
                line=dict(color="white", width=2),
                marker=dict(size=5, color="white", line=dict(color="black", width=1)),
                customdata=np.arange(len(path)),
                hovertemplate="snapshot %{customdata}<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers",
            name="current weights",
            marker=dict(symbol="star", size=14, color="#d6604d", line=dict(color="black", width=1)),
            hovertemplate="current weights<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=440, margin=_MARGIN, uirevision=title, showlegend=False)
    fig.update_xaxes(title=axis_titles[0])
    fig.update_yaxes(title=axis_titles[1])
    return fig

"""Plotly figures for the MNIST page: pure functions from arrays to ``go.Figure``.

Plotly and NumPy only (never streamlit): each function builds a new figure from
its arguments, reads no state and leaves its inputs unchanged. Hover shows numbers.

Conventions (as in :mod:`nnviz.figures`): signed values (weights, gradients, weight
changes, saliency) use the ColorBrewer RdBu scale symmetric around 0, negative red,
positive blue; digit images are dark ink on white, 0 … 1. A grid of 28 × 28 tiles
(filters, galleries) is one heatmap with one-pixel gaps, which keeps the figure small.
No figure sets a background, font or text colour of its own: Streamlit's chart theme
(``st.plotly_chart(theme="streamlit")``) gives them the app's light or dark theme; the
colours set here (bars, scales, outlines) read on both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.figures import DIVERGING
from nnviz.i18n import _, pgettext

INK = ((0.0, "#ffffff"), (1.0, "#000000"))  # 0 = paper, 1 = ink
BAR = "#4393c3"
HIGHLIGHT = "#d6604d"
BEFORE, AFTER = "#bdbdbd", "#2166ac"
#: ColorBrewer Blues (9 classes), light → dark: the confusion matrix's counts
BLUES = tuple(
    (i / 8, c)
    for i, c in enumerate(
        ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
    )
)
TRUE_OUTLINE = "#e69f00"  # Okabe–Ito orange: the true digit's bar outline, visible on light and dark themes
SIDE = 28
_MARGIN = dict(l=30, r=20, t=50, b=30)


_IMAGE_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False)
CAPTION_ROWS = 11  # pixel rows under each gallery row, for its captions

_EXTRA = "<extra></extra>"  # plotly: no trace name beside the hover box


def _hover_pixel() -> str:
    """Hover of one pixel of a grey image (plotly's %{…} fields formatted into the translated words)."""
    return _("row {row}, column {col}<br>value {value}").format(row="%{y}", col="%{x}", value="%{z:.3f}") + _EXTRA


def _figure(data: list, layout: dict) -> go.Figure:
    # One constructor call with plain dicts and without plotly's validation (``_validate=False``):
    # the specs here are fixed by this module and tested, and validating them cost half the
    # server time of a teaching click (st.plotly_chart validates a dict again, not a Figure).
    return go.Figure(data=data, layout=layout, _validate=False)


def _image_layout(title: str, height: int, uirevision: str, **axes) -> dict:
    layout = dict(
        title=dict(text=title),
        height=height,
        margin=_MARGIN,
        uirevision=uirevision,
        xaxis=dict(_IMAGE_AXIS, constrain="domain"),
        yaxis=dict(_IMAGE_AXIS, autorange="reversed", scaleanchor="x", constrain="domain"),
    )
    layout.update(axes)
    return layout


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
    heat = dict(type="heatmap", z=img, colorscale=INK, zmin=0, zmax=zmax, showscale=False, hovertemplate=_hover_pixel())
    return _figure([heat], _image_layout(title, height, "digit"))


def saliency_figure(x: np.ndarray, grad: np.ndarray, digit: int, height: int = 300) -> go.Figure:
    """∂score/∂pixel (28, 28) on the diverging scale, with the digit's outline drawn over it."""
    grad = np.asarray(grad, dtype=np.float64).reshape(SIDE, SIDE)
    x = np.asarray(x, dtype=np.float64).reshape(SIDE, SIDE)
    m = _max_abs(grad)
    data = [
        dict(
            type="heatmap",
            z=grad,
            customdata=x,
            colorscale=DIVERGING,
            zmin=-m,
            zmax=m,
            colorbar=dict(title=dict(text="∂z/∂x"), thickness=10),
            hovertemplate=_("row {row}, column {col}<br>∂ score/∂ pixel {grad}<br>pixel {value}").format(
                row="%{y}", col="%{x}", grad="%{z:.4g}", value="%{customdata:.3f}"
            )
            + _EXTRA,
        ),
        dict(
            type="contour",
            z=x,
            contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
            line=dict(color="black", width=1.5),
            showscale=False,
            hoverinfo="skip",
        ),
    ]
    title = _("Saliency: ∂ score({digit}) / ∂ pixel (outline: the digit)").format(digit=digit)
    return _figure(data, _image_layout(title, height, "saliency"))


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


def _panel_axes(n: int, gap: float = 0.03) -> tuple[dict, list[tuple[float, float]]]:
    """Layout axes for n image panels side by side: xaxis, xaxis2, …; and each panel's x domain."""
    width = (1 - gap * (n - 1)) / n
    axes, domains = {}, []
    for i in range(n):
        dom = (max(0.0, i * (width + gap)), min(1.0, i * (width + gap) + width))
        sfx = "" if i == 0 else str(i + 1)
        axes[f"xaxis{sfx}"] = dict(_IMAGE_AXIS, domain=dom, anchor=f"y{sfx}", constrain="domain")
        axes[f"yaxis{sfx}"] = dict(
            _IMAGE_AXIS, autorange="reversed", anchor=f"x{sfx}", scaleanchor=f"x{sfx}", constrain="domain"
        )
        domains.append(dom)
    return axes, domains


def preprocessing_steps(pre, height: int = 260) -> go.Figure:
    """The four steps of :func:`nnviz.mnist.preprocess`: canvas with ink box, crop, fit 20×20, centre in 28×28."""
    titles = [_("1. canvas (ink box)"), _("2. crop to the ink"), _("3. fit 20 × 20"), _("4. centre of mass → centre")]
    canvas, f = _display(np.asarray(pre.grey, dtype=np.float64), 56)
    panels = [canvas]
    if pre.empty:
        panels += [np.zeros((1, 1)), np.zeros((1, 1)), pre.centered]
    else:
        panels += [_display(np.asarray(pre.cropped, dtype=np.float64), 56)[0], pre.scaled, pre.centered]
    axes, domains = _panel_axes(4)
    data = []
    for i, img in enumerate(panels):
        sfx = "" if i == 0 else str(i + 1)
        data.append(
            dict(
                type="heatmap",
                z=img,
                colorscale=INK,
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate=_hover_pixel(),
                xaxis=f"x{sfx}",
                yaxis=f"y{sfx}",
            )
        )
    annotations = [
        dict(
            text=t,
            x=(d[0] + d[1]) / 2,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=13),
        )
        for t, d in zip(titles, domains)
    ]
    shapes = []
    if not pre.empty:
        top, bottom, left, right = (v / f for v in pre.bbox)
        shapes.append(
            dict(
                type="rect",
                x0=left - 0.5,
                x1=right - 0.5,
                y0=top - 0.5,
                y1=bottom - 0.5,
                xref="x",
                yref="y",
                line=dict(color=HIGHLIGHT, width=2),
            )
        )
        line = dict(color="#999", width=1, dash="dot")
        shapes.append(dict(type="line", x0=-0.5, x1=27.5, y0=13.5, y1=13.5, xref="x4", yref="y4", line=line))
        shapes.append(dict(type="line", x0=13.5, x1=13.5, y0=-0.5, y1=27.5, xref="x4", yref="y4", line=line))
        cy, cx = pre.com
        data.append(
            dict(
                type="scatter",
                x=[cx],
                y=[cy],
                mode="markers",
                xaxis="x4",
                yaxis="y4",
                marker=dict(symbol="x", size=10, color=HIGHLIGHT),
                name=_("centre of mass"),
                hovertemplate=_("centre of mass ({row}, {col})").format(row="%{y:.2f}", col="%{x:.2f}") + _EXTRA,
            )
        )
    layout = dict(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        uirevision="preprocessing",
        showlegend=False,
        annotations=annotations,
        shapes=shapes,
        **axes,
    )
    return _figure(data, layout)


# ---------------------------------------------------------------------------
# Probabilities and activations.


def probability_bars(p: np.ndarray, title: str | None = None, true_label: int | None = None) -> go.Figure:
    """Bars of ŷ_k for k = 0 … 9; the predicted digit highlighted, the true one (if given) outlined.

    ``title``: default "Output probabilities" (in the session's language)."""
    p = np.asarray(p, dtype=np.float64).ravel()
    pred = int(np.argmax(p))
    bar = dict(
        type="bar",
        x=[str(k) for k in range(len(p))],
        y=p,
        marker=dict(
            color=[HIGHLIGHT if k == pred else BAR for k in range(len(p))],
            line=dict(color=TRUE_OUTLINE, width=[3 if k == true_label else 0 for k in range(len(p))]),
        ),
        text=[f"{v:.0%}" if v >= 0.005 else "" for v in p],
        textposition="outside",
        hovertemplate=_("digit {digit}<br>probability {p}").format(digit="%{x}", p="%{y:.4f}") + _EXTRA,
    )
    layout = dict(
        title=dict(text=_("Output probabilities") if title is None else title),
        height=280,
        margin=_MARGIN,
        uirevision="probs",
        yaxis=dict(range=[0, 1.12], title=dict(text=_("probability"))),
        xaxis=dict(title=dict(text=_("digit")), type="category"),
    )
    return _figure([bar], layout)


def probability_compare(
    before: np.ndarray,
    after: np.ndarray,
    true_label: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Grouped bars: ŷ before and after an update, for k = 0 … 9 (``title``: default "Probabilities before
    and after the update", in the session's language)."""
    before, after = np.asarray(before, dtype=np.float64).ravel(), np.asarray(after, dtype=np.float64).ravel()
    ks = [str(k) for k in range(len(before))]
    hover = _("digit {digit}: {p}").format(digit="%{x}", p="%{y:.5f}")
    data = [
        dict(type="bar", x=ks, y=before, name=_("before"), marker_color=BEFORE, hovertemplate=hover),
        dict(type="bar", x=ks, y=after, name=_("after"), marker_color=AFTER, hovertemplate=hover),
    ]
    title = _("Probabilities before and after the update") if title is None else title
    if true_label is not None:
        title += "<br><sup>{}</sup>".format(
            _("true label {label}: {before} → {after}").format(
                label=true_label, before=f"{before[true_label]:.3f}", after=f"{after[true_label]:.3f}"
            )
        )
    layout = dict(
        title=dict(text=title),
        barmode="group",
        height=280,
        margin=_MARGIN,
        uirevision="probcompare",
        legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.12, yanchor="top"),
        yaxis=dict(range=[0, 1.05], title=dict(text=_("probability"))),
        xaxis=dict(type="category"),  # the digits 0 … 9; the legend sits where an axis title would
    )
    return _figure(data, layout)


def hidden_activations(acts: Sequence[np.ndarray], after: Sequence[np.ndarray] | None = None) -> go.Figure:
    """Bars of each hidden layer's activations a_l (n_l,) for one digit; optional 'after' bars beside them."""
    n = len(acts)
    gap = 0.12 if n > 1 else 0.0
    height = (1 - gap * (n - 1)) / n
    data, layout = [], {}
    before_name, after_name = _("before"), _("after")
    unit_title = _("unit of hidden layer {layer}")
    for l, a in enumerate(acts):
        sfx = "" if l == 0 else str(l + 1)
        a = np.asarray(a, dtype=np.float64).ravel()
        units = np.arange(a.size)
        top = 1 - l * (height + gap)
        dom = (max(0.0, top - height), min(1.0, top))
        layout[f"yaxis{sfx}"] = dict(domain=dom, anchor=f"x{sfx}", title=dict(text=f"a{l + 1}"))
        layout[f"xaxis{sfx}"] = dict(anchor=f"y{sfx}", title=dict(text=unit_title.format(layer=l + 1)))
        data.append(
            dict(
                type="bar",
                x=units,
                y=a,
                name=before_name if after is not None else f"a{l + 1}",
                marker_color=BEFORE if after is not None else BAR,
                showlegend=after is not None and l == 0,
                xaxis=f"x{sfx}",
                yaxis=f"y{sfx}",
                hovertemplate=f"a{l + 1}" + "[%{x}] = %{y:.4g}<extra></extra>",
            )
        )
        if after is not None:
            data.append(
                dict(
                    type="bar",
                    x=units,
                    y=np.asarray(after[l], dtype=np.float64).ravel(),
                    name=after_name,
                    marker_color=AFTER,
                    showlegend=l == 0,
                    xaxis=f"x{sfx}",
                    yaxis=f"y{sfx}",
                    hovertemplate=_("{a} after = {value}").format(a=f"a{l + 1}" + "[%{x}]", value="%{y:.4g}") + _EXTRA,
                )
            )
    layout.update(
        title=dict(text=_("Hidden activations for this digit")),
        barmode="group",
        bargap=0.05,
        height=170 + 150 * n,
        margin=_MARGIN,
        uirevision="hidden",
    )
    return _figure(data, layout)


# ---------------------------------------------------------------------------
# Grids of 28 × 28 tiles.


def _mosaic(tiles: np.ndarray, cols: int, row_gap: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) → one image with NaN gaps (1 pixel between columns, ``row_gap`` between rows);
    and the tile index of every cell (−1 in gaps)."""
    n = tiles.shape[0]
    rows = -(-n // cols)
    step, rstep = SIDE + 1, SIDE + row_gap
    img = np.full((rows * rstep - row_gap, cols * step - 1), np.nan)
    which = np.full(img.shape, -1)
    for i in range(n):
        r, c = divmod(i, cols)
        img[r * rstep : r * rstep + SIDE, c * step : c * step + SIDE] = tiles[i]
        which[r * rstep : r * rstep + SIDE, c * step : c * step + SIDE] = i
    return img, which


def filter_grid(
    W1: np.ndarray,
    units: Sequence[int] | None = None,
    title: str | None = None,
    cols: int = 8,
    symmetric_max: float | None = None,
    height: int | None = None,
    uirevision: str = "filters",
    unit_names: Sequence[int] | None = None,
) -> go.Figure:
    """Each hidden unit's incoming weights W1[:, j] (784,) drawn as a 28 × 28 image, on the diverging scale.

    ``W1``: (784, n_1) (weights, gradients or weight changes); ``units``: which columns (default all);
    ``unit_names``: the unit number hover shows for each drawn column (default: its column number,
    for W1 holding only some units' columns); one colour scale for all tiles, symmetric around 0
    (``symmetric_max`` to fix it); ``title``: default "First-layer weights" (in the session's language).
    """
    W1 = np.asarray(W1, dtype=np.float64)
    units = list(range(W1.shape[1])) if units is None else [int(u) for u in units]
    tiles = W1[:, units].T.reshape(len(units), SIDE, SIDE)
    cols = max(1, min(cols, len(units)))
    img, which = _mosaic(tiles, cols)
    names = np.asarray(units if unit_names is None else [int(u) for u in unit_names])
    unit_of = np.where(which >= 0, names[np.maximum(which, 0)], -1)
    m = symmetric_max if symmetric_max else _max_abs(tiles)
    heat = dict(
        type="heatmap",
        z=img,
        # whole numbers: int16 travels in a quarter of float64's bytes (a 16-unit grid's spec 422 → ~210 kB)
        customdata=np.dstack([unit_of, _pixel_index(img.shape)]).astype(np.int16),
        colorscale=DIVERGING,
        zmin=-m,
        zmax=m,
        colorbar=dict(thickness=10),
        hoverongaps=False,
        hovertemplate=_("unit {unit}, pixel {pixel}").format(unit="%{customdata[0]}", pixel="%{customdata[1]}")
        + "<br>%{z:.4g}"
        + _EXTRA,
    )
    rows = img.shape[0] // (SIDE + 1) + 1
    title = _("First-layer weights") if title is None else title
    return _figure([heat], _image_layout(title, height or 90 + 62 * rows, uirevision))


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
        note = dict(text=_("none"), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        return _figure([], _image_layout(title, 120, "gallery", annotations=[note]))
    cols = max(1, min(cols, n))
    # Each row leaves CAPTION_ROWS pixel rows under its digits for the captions, so a caption
    # never reaches into the digits below it.
    img, which = _mosaic(images, cols, row_gap=CAPTION_ROWS)
    texts = np.asarray(list(hover) if hover is not None else list(captions), dtype=object)
    heat = dict(
        type="heatmap",
        z=img,
        customdata=np.where(which >= 0, texts[np.maximum(which, 0)], ""),
        colorscale=INK,
        zmin=0,
        zmax=1,
        showscale=False,
        hoverongaps=False,
        hovertemplate="%{customdata}<extra></extra>",
    )
    step, rstep = SIDE + 1, SIDE + CAPTION_ROWS
    notes = [
        dict(
            x=(i % cols) * step + (SIDE - 1) / 2,
            y=(i // cols) * rstep + SIDE,
            text=cap,
            showarrow=False,
            yanchor="top",
            font=dict(size=11),
        )
        for i, cap in enumerate(captions)
    ]
    rows = -(-n // cols)
    return _figure([heat], _image_layout(title, 70 + 100 * rows, "gallery", annotations=notes))


# ---------------------------------------------------------------------------
# Training figures.


def training_curves(
    epochs: Sequence[int], loss: Sequence[float], train_acc: Sequence[float], val_acc: Sequence[float], title: str = ""
) -> go.Figure:
    """Loss (left axis) and train / validation accuracy (right axis) per epoch."""
    ep = list(epochs)
    data = [
        dict(
            type="scatter",
            x=ep,
            y=list(loss),
            name=_("training loss"),
            mode="lines+markers",
            line=dict(color="#b2182b"),
            hovertemplate=_("epoch {epoch}<br>loss {loss}").format(epoch="%{x}", loss="%{y:.4f}") + _EXTRA,
        )
    ]
    accuracies = (
        (train_acc, _("train accuracy"), _("epoch {epoch}<br>train accuracy {accuracy}"), "#92c5de"),
        (val_acc, _("validation accuracy"), _("epoch {epoch}<br>validation accuracy {accuracy}"), "#2166ac"),
    )
    for acc, name, hover, colour in accuracies:
        acc = np.asarray(list(acc), dtype=np.float64)
        if np.all(np.isnan(acc)):
            continue
        data.append(
            dict(
                type="scatter",
                x=ep,
                y=acc,
                name=name,
                mode="lines+markers",
                line=dict(color=colour),
                yaxis="y2",
                hovertemplate=hover.format(epoch="%{x}", accuracy="%{y:.2%}") + _EXTRA,
            )
        )
    layout = dict(
        title=dict(text=title or _("Loss and accuracy per epoch")),
        height=320,
        margin=_MARGIN,
        uirevision="curves",
        legend=dict(orientation="h", y=-0.25),
        xaxis=dict(title=dict(text=_("epoch"))),
        yaxis=dict(title=dict(text=pgettext("axis", "loss")), rangemode="tozero"),
        yaxis2=dict(title=dict(text=_("accuracy")), tickformat=".0%", overlaying="y", side="right", showgrid=False),
    )
    return _figure(data, layout)


def step_losses(losses: Sequence[float], title: str | None = None, smooth: int = 0) -> go.Figure:
    """The loss of each update's batch; with ``smooth`` > 1 a running mean over that many steps too
    (``title``: default "Batch loss per update", in the session's language)."""
    y = np.asarray(list(losses), dtype=np.float64)
    x = np.arange(1, y.size + 1)
    data = [
        dict(
            type="scatter",
            x=x,
            y=y,
            name=_("batch loss"),
            mode="lines" if y.size > 60 else "lines+markers",
            line=dict(color="#bdbdbd" if smooth > 1 else "#b2182b"),
            hovertemplate=_("step {step}<br>loss {loss}").format(step="%{x}", loss="%{y:.4f}") + _EXTRA,
        )
    ]
    if smooth > 1 and y.size >= smooth:
        run = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
        data.append(
            dict(
                type="scatter",
                x=x[smooth - 1 :],
                y=run,
                name=_("mean of {n}").format(n=smooth),
                line=dict(color="#b2182b"),
                hovertemplate=_("step {step}<br>running mean {loss}").format(step="%{x}", loss="%{y:.4f}") + _EXTRA,
            )
        )
    layout = dict(
        title=dict(text=_("Batch loss per update") if title is None else title),
        height=280,
        margin=_MARGIN,
        uirevision="steplosses",
        showlegend=len(data) > 1,
        xaxis=dict(title=dict(text=_("update"))),
        yaxis=dict(title=dict(text=pgettext("axis", "loss")), rangemode="tozero"),
    )
    return _figure(data, layout)


def confusion_matrix(cm: np.ndarray, title: str | None = None) -> go.Figure:
    """counts[true, predicted] (10, 10), the diagonal being the correct ones; each non-zero cell labelled
    (``title``: default "Confusion matrix (test digits)", in the session's language)."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    labels = [str(i) for i in range(k)]
    heat = dict(
        type="heatmap",
        z=np.log1p(cm.astype(float)),
        x=labels,
        y=labels,
        customdata=cm,
        colorscale=BLUES,  # not plotly.js "Blues", which runs dark (rgb(5,10,172)) → light, against the text colours
        showscale=False,
        hovertemplate=_("true {true}, predicted {predicted}<br>{count} digits").format(
            true="%{y}", predicted="%{x}", count="%{customdata}"
        )
        + _EXTRA,
    )
    top = np.log1p(cm.max()) if cm.size else 1
    notes = [
        dict(
            x=labels[j],
            y=labels[i],
            text=str(cm[i, j]),
            showarrow=False,
            font=dict(size=11, color="white" if np.log1p(cm[i, j]) > 0.6 * top else "black"),
        )
        for i in range(k)
        for j in range(k)
        if cm[i, j]
    ]
    layout = dict(
        title=dict(text=_("Confusion matrix (test digits)") if title is None else title),
        height=420,
        margin=dict(l=60, r=20, t=50, b=50),
        uirevision="confusion",
        annotations=notes,
        xaxis=dict(title=dict(text=_("predicted")), type="category"),
        yaxis=dict(title=dict(text=_("true")), type="category", autorange="reversed", scaleanchor="x"),
    )
    return _figure([heat], layout)


def loss_surface_contour(
    alphas: np.ndarray,
    betas: np.ndarray,
    values: np.ndarray,
    title: str,
    path: np.ndarray | None = None,
    axis_titles: tuple[str, str] | None = None,
) -> go.Figure:
    """Contours of L(α, β) (len(betas), len(alphas)); optional path (n, 2) of (α, β) points; ★ the current weights.

    ``axis_titles``: default "α (direction 1)", "β (direction 2)" (in the session's language)."""
    if axis_titles is None:
        axis_titles = (_("α (direction 1)"), _("β (direction 2)"))
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    log = finite.size and finite.min() > 0 and finite.max() / finite.min() > 50
    data = [
        dict(
            type="contour",
            x=alphas,
            y=betas,
            z=np.log10(v) if log else v,
            customdata=v,
            colorscale="Viridis",
            ncontours=30,
            colorbar=dict(title=dict(text="log₁₀ L" if log else "L"), thickness=10),
            hovertemplate="α %{x:.3g}, β %{y:.3g}<br>" + _("loss {loss}").format(loss="%{customdata:.4g}") + _EXTRA,
        )
    ]
    if path is not None and len(path):
        path = np.asarray(path, dtype=np.float64)
        data.append(
            dict(
                type="scatter",
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers",
                name=_("training path"),
                line=dict(color="white", width=2),
                marker=dict(size=5, color="white", line=dict(color="black", width=1)),
                customdata=np.arange(len(path)),
                hovertemplate=_("snapshot {n}").format(n="%{customdata}") + "<br>(%{x:.3g}, %{y:.3g})" + _EXTRA,
            )
        )
    data.append(
        dict(
            type="scatter",
            x=[0],
            y=[0],
            mode="markers",
            name=_("current weights"),
            marker=dict(symbol="star", size=14, color="#d6604d", line=dict(color="black", width=1)),
            hovertemplate=_("current weights") + _EXTRA,
        )
    )
    layout = dict(
        title=dict(text=title),
        height=440,
        margin=_MARGIN,
        uirevision=title,
        showlegend=False,
        xaxis=dict(title=dict(text=axis_titles[0])),
        yaxis=dict(title=dict(text=axis_titles[1])),
    )
    return _figure(data, layout)

"""Figure content: every number a figure draws is the engine's number, read back from the figure.

The records come from the seed examples: the toy classification (2-2-2 sigmoid
with biases, online SGD, batch of 1) and study hours (2-3-1 sigmoid without
biases, full batch of 3, so ``sample`` picks a real row).
"""

from __future__ import annotations

import html
import json
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest

from nnviz import figures
from nnviz.engine import (
    GradientCheck,
    LossSurface,
    Network,
    Phase,
    gradient_check,
    loss_surface,
    train_step,
    unit_direction,
)
from nnviz.examples import STUDY_X, STUDY_Y, STUDY_Y_RAW, TOY_LABELS, TOY_X, TOY_Y, study_history, toy_history


class _Validated:
    """``nnviz.figures`` with every figure spec passed through ``go.Figure``: plotly's validation
    rejects a malformed spec, and the tests read the figure as plotly does."""

    def __getattr__(self, name):
        value = getattr(figures, name)
        if not callable(value) or isinstance(value, type):
            return value

        def call(*args, **kwargs):
            out = value(*args, **kwargs)
            return go.Figure(out) if isinstance(out, dict) and "data" in out and "layout" in out else out

        return call


F = _Validated()

# ---------------------------------------------------------------------------
# Records and readers.


@pytest.fixture(scope="module")
def toy():
    h = toy_history()
    h.step(0.02)
    rec = h.step(0.02)  # step 1: sample #1, so batch row 0 is dataset index 1
    return h, rec


@pytest.fixture(scope="module")
def study():
    h = study_history()
    h.step(1.0)
    rec = h.step(1.0)
    return h, rec


def by_name(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"expected one trace called {name!r}, found {len(found)}"
    return found[0]


def maybe(fig, name):
    found = [t for t in fig.data if t.name == name]
    return found[0] if found else None


def node_values(fig) -> dict:
    """{(layer, index): (value or None, coloured)} from the two node traces."""
    out = {}
    for name, coloured in (("neurons", True), ("neurons (greyed)", False)):
        t = maybe(fig, name)
        if t is None:
            continue
        colours = t.marker.color
        for n, cd in enumerate(t.customdata):
            assert cd[0] == "neuron"
            v = colours[n] if not isinstance(colours, str) else None
            out[(cd[1], cd[2])] = (v, coloured)
    return out


def edge_values(fig) -> dict:
    """{(layer, i, j): (value, coloured, hover)} from the two edge-handle traces."""
    out = {}
    for name, coloured in (("edges", True), ("edges (greyed)", False)):
        t = maybe(fig, name)
        if t is None:
            continue
        for n, cd in enumerate(t.customdata):
            assert cd[0] == "edge"
            out[(cd[1], cd[2], cd[3])] = (t.marker.color[n], coloured, t.hovertext[n])
    return out


def node_hover(fig, layer, index) -> str:
    for name in ("neurons", "neurons (greyed)"):
        t = maybe(fig, name)
        if t is None:
            continue
        for n, cd in enumerate(t.customdata):
            if (cd[1], cd[2]) == (layer, index):
                return t.hovertext[n]
    raise KeyError((layer, index))


# ---------------------------------------------------------------------------
# Module hygiene.


def test_figures_import_neither_streamlit_nor_state():
    code = "import sys, nnviz.figures; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fmt_three_digits_for_labels_six_for_hover():
    assert F._fmt(0.123456789) == "0.123"
    assert F._fmt(0.123456789, F.HOVER_DIGITS) == "0.123457"
    assert F._fmt(-0.0) == "0"
    assert F._fmt(12345.0) == "1.23e+04"
    assert F._fmt(float("nan")) == "nan"
    assert F._fmt(float("-inf")) == "−∞"


def test_diverging_scale_runs_red_to_blue():
    # negative values red, positive blue: the scale's ends, and the edge colours by sign
    assert F.DIVERGING[0][0] == 0 and F.DIVERGING[-1][0] == 1
    assert F.DIVERGING[1][1] == F.NEGATIVE and F.DIVERGING[-2][1] == F.POSITIVE


# ---------------------------------------------------------------------------
# 1. Network diagram, phase by phase.


@pytest.mark.parametrize("example", ["toy", "study"])
def test_diagram_every_phase_shows_the_recorded_numbers(example, request):
    h, rec = request.getfixturevalue(example)
    s = rec.trace.input.shape[0] - 1  # the last batch row: 0 for toy, 2 for study
    L = rec.before.n_layers
    for phase in rec.phases:
        fig = F.network_diagram(h.network(), rec, phase, sample=s)
        nodes, edges = node_values(fig), edge_values(fig)
        assert set(nodes) == {(d, k) for d, n in enumerate(rec.before.sizes) for k in range(n)}
        assert set(edges) == {(l + 1, i, j) for l, W in enumerate(rec.before.weights) for i, j in np.ndindex(W.shape)}
        for (d, k), (v, coloured) in nodes.items():
            activation = rec.trace.input[s, k] if d == 0 else rec.trace.layers[d - 1].a[s, k]
            if phase.kind == "forward":
                if d <= phase.layer + 1:
                    assert coloured and v == activation
                else:
                    assert not coloured and v is None  # not computed yet: grey and empty
            elif phase.kind == "backward":
                if d >= 1 and d - 1 >= phase.layer:
                    assert coloured and v == rec.grads.layers[d - 1].dz[s, k]
                else:
                    assert not coloured and v == activation
            else:  # loss and update show the activations
                assert coloured and v == activation
        for (d, i, j), (v, coloured, hover) in edges.items():
            l = d - 1
            w = rec.before.weights[l][i, j]
            if phase.kind == "backward" and l >= phase.layer:
                assert coloured and v == rec.grads.layers[l].dW[i, j]
                assert f"∂L/∂w = {F._fmt(rec.grads.layers[l].dW[i, j], 6)}" in hover
            elif phase.kind == "backward":
                assert not coloured and v == w
                assert "∂L/∂w" not in hover
            elif phase.kind == "update":
                assert coloured and v == rec.update.dW[l][i, j]
                assert f"Δw = {F._fmt(rec.update.dW[l][i, j], 6)}" in hover
            else:
                assert coloured and v == w
            assert f"w = {F._fmt(w, 6)}" in hover
        if phase.kind in ("loss", "backward", "update"):
            assert f"ℓ = {F._fmt(rec.per_sample[s])}" in fig.layout.title.text
            assert f"target y = {F._fmt(rec.grads.targets[s, 0], 6)}" in node_hover(fig, L, 0)
        assert f"sample #{rec.indices[s]}" in fig.layout.title.text


def test_diagram_loss_phase_output_nodes_show_the_output(study):
    h, rec = study
    fig = F.network_diagram(h.network(), rec, Phase("loss"), sample=1)
    v, coloured = node_values(fig)[(2, 0)]
    assert coloured and v == rec.trace.output[1, 0]
    assert f"ℓ = {F._fmt(rec.per_sample[1])}" in fig.layout.title.text


def test_diagram_draws_the_weights_the_step_used(toy):
    h, rec = toy
    after = h.network()  # the page may pass today's network: the step's own weights are drawn
    assert not np.array_equal(after.weights[0], rec.before.weights[0])
    edges = edge_values(F.network_diagram(after, rec, Phase("forward", 0)))
    assert edges[(1, 0, 1)][0] == rec.before.weights[0][0, 1]
    with pytest.raises(ValueError):
        F.network_diagram(Network.init([2, 3, 2], ["sigmoid", "sigmoid"]), rec, None)
    with pytest.raises(IndexError):
        F.network_diagram(after, rec, None, sample=1)


def test_diagram_without_a_record_draws_weights_and_biases_only(toy, study):
    h, _ = toy
    net = h.network(0)
    fig = F.network_diagram(net, None, None)
    assert all(v is None and not c for v, c in node_values(fig).values())
    edges = edge_values(fig)
    for l, W in enumerate(net.weights):
        for i, j in np.ndindex(W.shape):
            assert edges[(l + 1, i, j)][:2] == (W[i, j], True)
    assert f"b = {F._fmt(net.biases[0][1], 6)}" in node_hover(fig, 1, 1)
    no_bias = F.network_diagram(study[0].network(0), None, None)
    assert "b =" not in node_hover(no_bias, 1, 1)


def test_diagram_hover_has_z_a_and_delta_when_known(toy):
    h, rec = toy
    t, g = rec.trace.layers[0], rec.grads.layers[0]
    hover = node_hover(F.network_diagram(h.network(), rec, Phase("backward", 0)), 1, 1)
    for text in (f"z = {F._fmt(t.z[0, 1], 6)}", f"a = {F._fmt(t.a[0, 1], 6)}", f"δ = ∂L/∂z = {F._fmt(g.dz[0, 1], 6)}"):
        assert text in hover
    before = node_hover(F.network_diagram(h.network(), rec, Phase("backward", 1)), 1, 1)
    assert "δ" not in before


def test_diagram_selection_and_focus(toy):
    h, rec = toy
    fig = F.network_diagram(h.network(), rec, Phase("backward", 1), selected=("edge", 2, 1, 0))
    rings = [t for t in fig.data if t.marker is not None and t.marker.symbol == "circle-open"]
    assert len(rings) == 1
    # the ring sits on the handle of W2[1→0]
    handles = by_name(fig, "edges")
    n = [tuple(cd) for cd in handles.customdata].index(("edge", 2, 1, 0))
    assert (rings[0].x[0], rings[0].y[0]) == (handles.x[n], handles.y[n])
    # the phase's layer is shaded: backward layer 2 spans the edges into layer 2
    (rect,) = fig.layout.shapes
    assert rect.x0 < 2 < rect.x1 and rect.x0 > 1
    node = F.network_diagram(h.network(), rec, None, selected=["neuron", 0, 1])
    rings = [t for t in node.data if t.marker is not None and t.marker.symbol == "circle-open"]
    assert (rings[0].x[0], rings[0].y[0]) == (0, -0.5)  # input neuron 1 of 2, centred on 0
    stale = F.network_diagram(h.network(), rec, None, selected=("neuron", 7, 0))
    assert not [t for t in stale.data if t.marker is not None and t.marker.symbol == "circle-open"]


def test_diagram_customdata_survives_json(toy):
    h, rec = toy
    data = json.loads(F.network_diagram(h.network(), rec, Phase("update")).to_json())["data"]
    cds = [cd for t in data if t.get("customdata") is not None for cd in t["customdata"]]
    assert ["neuron", 0, 0] in cds and ["edge", 2, 1, 0] in cds
    assert len(cds) == sum(h.network().sizes) + sum(w.size for w in h.network().weights)


def test_diagram_of_a_large_network_draws_the_strongest_edges():
    net = Network.init([64, 40, 10], ["relu", "softmax"], rng=0)
    fig = F.network_diagram(net, None, None)
    edges = edge_values(fig)
    assert len(edges) == F.MAX_EDGES_PER_LAYER + 400  # 400 of W1's 2,560 edges, all 400 of W2's
    W = net.weights[0]
    drawn = np.array([abs(v) for (d, _, _), (v, _, _) in edges.items() if d == 1])
    # every drawn edge of layer 1 is at least as strong as every edge left out
    assert drawn.min() >= np.sort(np.abs(W).ravel())[-drawn.size]
    assert "strongest" in fig.layout.title.text


# ---------------------------------------------------------------------------
# 2–3. Matrices.


def test_matrix_heatmap_is_the_matrix_row_zero_on_top(toy):
    _, rec = toy
    dW = rec.grads.layers[0].dW
    fig = F.matrix_heatmap(dW, "∂L/∂W1")
    (h,) = fig.data
    assert np.array_equal(h.z, dW)
    assert h.zmid == 0 and h.zmin == -h.zmax
    assert h.texttemplate is not None  # small: values written in the cells
    assert "∂L/∂W1[%{y}, %{x}]" in h.hovertemplate and ".6~g" in h.hovertemplate
    assert fig.layout.yaxis.autorange == "reversed"
    big = F.matrix_heatmap(np.arange(169.0).reshape(13, 13) - 80, "M")
    assert big.data[0].texttemplate is None
    assert F.matrix_heatmap(np.ones((13, 13)), "M", annotate=True).data[0].texttemplate is not None


@pytest.mark.parametrize("example", ["toy", "study"])
def test_layer_matrices_are_the_engine_arrays(example, request):
    _, rec = request.getfixturevalue(example)
    for l in range(rec.before.n_layers):
        n = l + 1
        fig = F.layer_matrices(rec, l)
        t, g = rec.trace.layers[l], rec.grads.layers[l]
        expected = {
            f"W{n}": rec.before.weights[l],
            f"∂L/∂W{n}": g.dW,
            f"ΔW{n}": rec.update.dW[l],
            f"a{n - 1}": t.x,
            f"z{n}": t.z,
            f"a{n}": t.a,
            f"δ{n}": g.dz,
        }
        for name, M in expected.items():
            h = by_name(fig, name)
            assert np.array_equal(h.z, M), name
            assert h.zmin == -h.zmax
        assert list(by_name(fig, f"z{n}").y) == [f"#{i}" for i in rec.indices]
        titles = [a.text for a in fig.layout.annotations]
        assert f"W{n} ({rec.before.weights[l].shape[0]}×{rec.before.weights[l].shape[1]})" in titles


def test_layer_matrices_draw_no_axes_for_what_the_phase_has_not_computed(toy):
    # at "forward layer 1" of the toy's step, layer 1 has z1 and a1 but no δ1, ∂L/∂W1 or ΔW1 yet:
    # those three are titled "— not yet" and draw no axes (no ticks for an empty plot); at the
    # update every matrix has its axes
    _, rec = toy
    forward1 = next(ph for ph in rec.phases if ph.label == "forward layer 1")
    fig = F.layer_matrices(rec, 0, sample=0, phase=forward1)
    hidden = set()
    for tr in fig.data:
        xa = fig.layout["xaxis" + tr.xaxis[1:]]
        ya = fig.layout["yaxis" + tr.yaxis[1:]]
        assert xa.visible is ya.visible
        if xa.visible is False:
            hidden.add(tr.name)
            assert np.isnan(np.asarray(tr.z, dtype=float)).all()
    assert hidden == {"∂L/∂W1", "ΔW1", "δ1"}
    titles = [a.text for a in fig.layout.annotations]
    assert sum(t.endswith("— not yet") for t in titles) == 3
    update = F.layer_matrices(rec, 0, sample=0, phase=rec.phases[-1])
    assert all(update.layout["xaxis" + tr.xaxis[1:]].visible is not False for tr in update.data)


def test_layer_matrices_outline_the_sample_row(study):
    _, rec = study
    fig = F.layer_matrices(rec, 0, sample=2)
    assert np.array_equal(by_name(fig, "z1").z, rec.trace.layers[0].z)  # the whole batch of 3
    outlines = fig.layout.shapes
    assert len(outlines) == 4  # a0, z1, a1, δ1
    assert all((s.y0, s.y1) == (1.5, 2.5) for s in outlines)


def test_layer_matrices_of_a_large_batch_show_the_sample_row_only():
    rng = np.random.default_rng(0)
    net = Network.init([3, 4, 2], ["tanh", "sigmoid"], rng=rng)
    X, Y = rng.normal(size=(20, 3)), rng.random((20, 2))
    rec = train_step(net, X, Y, "half_sse", 0.1)
    fig = F.layer_matrices(rec, 1, sample=7)
    assert np.array_equal(by_name(fig, "δ2").z, rec.grads.layers[1].dz[7:8])
    assert list(by_name(fig, "δ2").y) == ["#7"]
    assert np.array_equal(by_name(fig, "W2").z, net.weights[1])
    assert np.array_equal(by_name(F.layer_matrices(rec, 1), "a1").z, rec.trace.layers[1].x)


# ---------------------------------------------------------------------------
# 4. Loss surface.


def _toy_surface(toy):
    h, rec = toy
    net = h.network()
    d1, d2 = unit_direction(net, "W1[0,0]"), unit_direction(net, "W2[1,0]")
    return net, loss_surface(net, TOY_X, TOY_Y, "half_sse", d1, d2, np.linspace(-2, 2, 21), np.linspace(-1, 1, 11))


def test_contour_axes_are_parameter_values_and_z_the_loss(toy):
    net, surf = _toy_surface(toy)
    theta = net.parameter_vector()
    names = net.parameter_names()
    p1, p2 = names.index("W1[0,0]"), names.index("W2[1,0]")
    path = np.array([[theta[p1] - 0.1, theta[p2] + 0.1], [theta[p1], theta[p2]]])
    g = np.array([0.3, -0.4])
    fig = F.loss_surface_figure(surf, path, ("W1[0,0]", "W2[1,0]"), gradient=g, current=(theta[p1], theta[p2]))
    c = fig.data[0]
    assert np.array_equal(c.x, surf.alphas + theta[p1]) and np.array_equal(c.y, surf.betas + theta[p2])
    if F._use_log(surf.values):
        assert np.array_equal(c.z, np.log10(surf.values))
    else:
        assert np.array_equal(c.z, surf.values)
    assert np.array_equal(c.customdata, surf.values)
    assert np.array_equal(by_name(fig, "path").x, path[:, 0])
    # the arrow points along −∇L from the current point
    (arrow,) = fig.layout.annotations
    step = np.array([arrow.x - arrow.ax, arrow.y - arrow.ay])
    assert (arrow.ax, arrow.ay) == (theta[p1], theta[p2])
    assert np.allclose(step / np.linalg.norm(step), -g / np.linalg.norm(g))
    assert fig.layout.title.subtitle.text == "slice: other parameters held at their current values"


def test_contour_colours_by_log_when_the_loss_spans_decades():
    a, b = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    values = 10.0 ** np.add.outer(b, a)  # 10^-2 … 10^2
    surf = LossSurface(a, b, values, np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, -0.5]))
    fig = F.loss_surface_figure(surf, np.empty((0, 2)), ("p", "q"))
    c = fig.data[0]
    assert np.array_equal(c.z, np.log10(values))
    assert np.array_equal(c.customdata, values)
    assert np.array_equal(c.x, a + 0.5) and np.array_equal(c.y, b - 0.5)
    assert list(c.colorbar.ticktext) == ["1e-2", "1e-1", "1e0", "1e1", "1e2"]
    surface = F.loss_surface_figure(surf, np.array([[0.5, -0.5, 1.0]]), ("p", "q"), kind="surface")
    assert np.array_equal(surface.data[0].z, values)
    assert np.array_equal(surface.data[0].surfacecolor, np.log10(values))
    assert list(by_name(surface, "path").z) == [1.0]  # a third path column is the height
    assert surface.layout.scene.zaxis.type == "log"


def test_surface_path_heights_interpolate_the_grid(toy):
    _, surf = _toy_surface(toy)
    x = surf.alphas + surf.center @ surf.d1
    y = surf.betas + surf.center @ surf.d2
    path = np.array([[x[3], y[4]], [x[7], y[2]]])  # grid nodes: interpolation returns the grid values
    fig = F.loss_surface_figure(surf, path, ("a", "b"), kind="surface", gradient=np.array([1.0, 1.0]))
    assert np.allclose(by_name(fig, "path").z, [surf.values[4, 3], surf.values[2, 7]], rtol=0, atol=1e-12)
    assert np.array_equal(fig.data[0].z, surf.values)
    with pytest.raises(ValueError):
        F.loss_surface_figure(surf, path, ("a", "b"), kind="wireframe")


# ---------------------------------------------------------------------------
# 5–6. Loss over steps and per sample.


def test_loss_curve():
    losses = np.array([1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.04])
    fig = F.loss_curve(losses, current=3, epoch_size=3)
    line, marker = fig.data
    assert np.array_equal(line.y, losses) and np.array_equal(line.x, np.arange(1, 8))
    assert (marker.x[0], marker.y[0]) == (3, 0.25)  # step 3 is losses[2]
    assert len(F.loss_curve(losses, current=8).data) == 1  # no step 8 yet: no marker
    assert [s.x0 for s in fig.layout.shapes] == [3.5, 6.5]  # between steps 3|4 and 6|7
    assert fig.layout.yaxis.type == "log"
    assert F.loss_curve(np.arange(1.0, 200.0), epoch_size=3).layout.shapes == ()  # 66 boundaries: too many
    assert F.loss_curve(np.array([0.0, 1.0])).layout.yaxis.type == "linear"
    assert F.loss_curve(np.array([])).data == ()


def test_per_sample_losses(study):
    _, rec = study
    fig = F.per_sample_losses(rec.per_sample, rec.indices)
    (bar,) = fig.data
    assert np.array_equal(bar.y, rec.per_sample)
    assert list(bar.x) == [f"sample #{i}" for i in rec.indices]
    assert F._fmt(rec.loss_before) in fig.layout.title.text


# ---------------------------------------------------------------------------
# 7–8. The input plane.


def _grid_of(heatmap) -> np.ndarray:
    XX, YY = np.meshgrid(heatmap.x, heatmap.y)
    return np.column_stack([XX.ravel(), YY.ravel()])


def test_decision_boundary_grid_is_the_networks_argmax(toy):
    h, _ = toy
    net = h.network()
    fig = F.decision_boundary(net, TOY_X, TOY_LABELS, resolution=30)
    regions = fig.data[0]
    out = net.predict(_grid_of(regions))
    assert np.array_equal(regions.customdata, np.argmax(out, axis=1).reshape(30, 30))
    assert np.array_equal(regions.z, (out[:, 1] - out[:, 0]).reshape(30, 30))
    assert regions.zmin == -regions.zmax
    # misclassified points are outlined in black, the others in white
    wrong = np.argmax(net.predict(TOY_X), axis=1) != TOY_LABELS
    assert f"{wrong.sum()} of 10" in fig.layout.title.text
    for c in (0, 1):
        t = by_name(fig, f"class {c}")
        m = TOY_LABELS == c
        assert np.array_equal(t.x, TOY_X[m, 0])
        assert list(t.marker.line.color) == ["black" if w else "white" for w in wrong[m]]


def test_decision_boundary_single_sigmoid_thresholds_at_one_half():
    net = Network.init([2, 3, 1], ["tanh", "sigmoid"], rng=3)
    X = np.array([[0.0, 0.0], [1.0, -1.0], [-1.0, 2.0]])
    fig = F.decision_boundary(net, X, np.array([0, 1, 1]), resolution=20)
    regions = fig.data[0]
    p = net.predict(_grid_of(regions))[:, 0]
    assert np.array_equal(regions.customdata, (p >= 0.5).astype(int).reshape(20, 20))
    assert np.array_equal(regions.z, p.reshape(20, 20))
    assert regions.zmin + regions.zmax == pytest.approx(1.0)  # centred on the threshold
    with pytest.raises(ValueError):
        F.decision_boundary(Network.init([3, 2], ["sigmoid"]), np.zeros((2, 3)), np.zeros(2))


def test_neuron_maps_are_each_neurons_activation(toy):
    h, _ = toy
    net = h.network()
    fig = F.neuron_maps(net, TOY_X, resolution=12)
    first = by_name(fig, "L1 n0")
    trace = net.forward(_grid_of(first))
    for l in range(net.n_layers):
        for k in range(net.sizes[l + 1]):
            m = by_name(fig, f"L{l + 1} n{k}")
            assert np.array_equal(m.z, trace.layers[l].a[:, k].reshape(12, 12))
            assert m.zmin == -m.zmax
    wide = Network.init([2, 10, 1], ["tanh", "sigmoid"], rng=0)
    names = [t.name for t in F.neuron_maps(wide, TOY_X, resolution=5).data if t.type == "heatmap"]
    assert names == [f"L1 n{k}" for k in range(8)] + ["L2 n0"]


# ---------------------------------------------------------------------------
# 9–11. Study predictions, gradient check, trajectories.


def test_study_predictions_draw_the_values_given(study):
    h, _ = study
    score = 100 * h.network().predict(STUDY_X)[:, 0]
    fig = F.study_predictions(score, STUDY_Y_RAW, ["a", "b", "c"])
    assert np.array_equal(by_name(fig, "predicted").y, score)
    assert np.array_equal(by_name(fig, "target").y, [92.0, 86.0, 89.0])
    assert f"predicted {F._fmt(score[1], 6)}" in by_name(fig, "target").hovertext[1]


def test_gradient_check_table(toy):
    h, _ = toy
    check = gradient_check(h.network(), TOY_X, TOY_Y)
    fig = F.gradient_check_figure(check)
    cells = fig.data[0].cells.values
    assert list(cells[0]) == check.names
    assert list(cells[1]) == [f"{v:.6e}" for v in check.analytic]
    assert list(cells[2]) == [f"{v:.6e}" for v in check.numerical]
    assert [c.split()[0] for c in cells[3]] == [f"{v:.2e}" for v in check.relative_error]
    assert f"{check.max_relative_error:.2e}" in fig.layout.title.text
    # relative errors 0, 1e-5 and 1: green, amber, red
    made_up = GradientCheck(["p", "q", "r"], np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.00002, -1.0]))
    fills = F.gradient_check_figure(made_up).data[0].cells.fill.color[0]
    assert list(fills) == [F._CHECK_OK, F._CHECK_WARN, F._CHECK_BAD]


def test_weight_trajectories_pick_the_parameters_that_moved_most(toy):
    h, _ = toy
    params, names = h.parameters, h.network().parameter_names()
    fig = F.weight_trajectories(params, names, top=3)
    moved = np.abs(params - params[0]).max(axis=0)
    top = np.argsort(-moved, kind="stable")[:3]
    assert [t.name for t in fig.data] == [names[p] for p in top]
    for t, p in zip(fig.data, top):
        assert np.array_equal(t.y, params[:, p]) and np.array_equal(t.x, np.arange(params.shape[0]))
    assert len(F.weight_trajectories(params, names).data) == len(names)


# ---------------------------------------------------------------------------
# Purity: no input is changed, every figure serialises.


def test_no_figure_changes_its_inputs(toy, study):
    h, rec = toy
    net, surf = _toy_surface(toy)
    arrays = [rec.trace.input, *[a for t in rec.trace.layers for a in (t.x, t.z, t.a)]]
    arrays += [a for g in rec.grads.layers for a in (g.da, g.dz, g.dW, g.db, g.dx)] + list(rec.update.dW)
    X, labels, params = TOY_X.copy(), TOY_LABELS.copy(), h.parameters.copy()
    losses, path, grad = h.losses, np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([1.0, -1.0])
    inputs = arrays + [X, labels, params, losses, path, grad, surf.values, surf.alphas, rec.per_sample]
    before = [a.copy() for a in inputs]
    check = gradient_check(net, X, TOY_Y)
    figs = [F.network_diagram(net, rec, p, selected=("edge", 1, 0, 0)) for p in rec.phases]
    figs += [
        F.network_diagram(net, None, None),
        F.matrix_heatmap(rec.grads.layers[0].dW, "dW"),
        F.layer_matrices(rec, 1),
        F.loss_surface_figure(surf, path, ("a", "b"), "contour", grad, (0.1, 0.2)),
        F.loss_surface_figure(surf, path, ("a", "b"), "surface", grad),
        F.loss_curve(losses, 1, 10),
        F.per_sample_losses(rec.per_sample, rec.indices),
        F.decision_boundary(net, X, labels, resolution=10),
        F.neuron_maps(net, X, resolution=8),
        F.study_predictions(study[0].network().predict(STUDY_X), STUDY_Y, ["a", "b", "c"]),
        F.gradient_check_figure(check),
        F.weight_trajectories(params, net.parameter_names(), 4),
    ]
    for a, b in zip(inputs, before):
        assert np.array_equal(a, b)
    for fig in figs:
        d = json.loads(fig.to_json())
        assert d["layout"]["uirevision"]
        assert 300 <= d["layout"]["height"] <= 450


def test_compact_diagram_for_play_frames_has_no_labels_and_no_colour_bar():
    # the same nodes and edges as the full diagram, only without what a 20 frames/s animation cannot show
    hist = toy_history()
    rec = hist.step(0.02)
    full = F.network_diagram(rec.before, rec, rec.phases[-1], 0, None)
    small = F.network_diagram(rec.before, rec, rec.phases[-1], 0, None, compact=True)
    assert [t.name for t in full.data] == [t.name for t in small.data]
    nodes_full = next(t for t in full.data if t.name == "neurons")
    nodes_small = next(t for t in small.data if t.name == "neurons")
    assert nodes_full.mode == "markers+text" and nodes_full.marker.showscale
    assert nodes_small.mode == "markers" and not nodes_small.marker.showscale
    assert list(nodes_small.marker.color) == list(nodes_full.marker.color)


def test_a_flat_loss_curve_gets_a_readable_axis_not_every_digit_of_a_double():
    # a saturated run: the loss stays at 1.18905 to 1e-15 (the η = 100 study run of issue 10); Plotly
    # would tick that range with "1.18905000000154515". The axis spans ±0.1 % of the value instead
    # (linear) or ±0.001 decades (log), and a curve that moves keeps Plotly's own range.
    flat = 1.18905 + np.array([0.0, 1.5e-15, 3e-16, 1.2e-15])
    fig = F.loss_curve(flat, 4, log_y=False)
    lo, hi = fig["layout"]["yaxis"]["range"]
    assert lo == pytest.approx(1.18905 - 1.18905e-3) and hi == pytest.approx(1.18905 + 1.18905e-3)
    log = F.loss_curve(flat, 4)
    assert log["layout"]["yaxis"]["type"] == "log"
    assert log["layout"]["yaxis"]["range"] == pytest.approx([np.log10(1.18905) - 1e-3, np.log10(1.18905) + 1e-3])
    moving = F.loss_curve(np.array([0.5, 0.4, 0.3]), 3)
    assert moving.layout.yaxis.range is None
    # a pinned curve elsewhere widens nothing by hand: the range is Plotly's again, so both show
    pinned = F.loss_curve(flat, 4, pinned=[("η=0.1", np.arange(1, 4), np.array([0.9, 0.5, 0.2]))])
    assert pinned.layout.yaxis.range is None


def test_a_csvs_class_and_column_names_reach_the_plane_figures_as_text(toy):
    # a visitor's CSV may name a class '<a href="https://evil.example">Session expired: log in</a>' and a
    # column '<b>x</b>': Plotly renders that HTML subset in legends, axis titles and hover, so the names
    # arrive escaped (&lt;a …) and show as the characters typed
    net = toy[0].network()
    link = '<a href="https://evil.example">Session expired: log in</a>'
    fig = F.decision_boundary(
        net, TOY_X, TOY_LABELS, resolution=10, class_names=[link, "ok"], axis_names=("<b>x</b>", "y & z")
    )
    spec = fig.to_json()
    assert "<a href" not in spec and "<b>x</b>" not in spec
    shown = [t.name for t in fig.data][1]  # after the regions' trace: the class, cut to 40 characters
    assert shown.startswith(html.escape('<a href="https://evil.example">', quote=True)) and shown.endswith("…")
    assert fig.layout.xaxis.title.text == "&lt;b&gt;x&lt;/b&gt;"
    assert fig.layout.yaxis.title.text == "y &amp; z"
    maps = F.neuron_maps(net, TOY_X, resolution=5, axis_names=("<b>x</b>", "y"))
    hovers = [t.hovertemplate for t in maps.data if t.type == "heatmap"]
    assert all("(&lt;b&gt;x&lt;/b&gt; = %{x:.3~g}, y = %{y:.3~g})" in h for h in hovers), hovers[0]
    plain = F.neuron_maps(net, TOY_X, resolution=5)
    assert "at (%{x:.3~g}, %{y:.3~g})" in plain.data[0].hovertemplate

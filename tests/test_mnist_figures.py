"""nnviz.mnist_figures: what each figure shows, and that inputs are left unchanged."""

import numpy as np
import plotly.graph_objects as go
import pytest

from nnviz import mnist
from nnviz import mnist_figures as mf


def test_filter_grid_tiles_are_the_columns_of_w1():
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((784, 10))
    copy = W1.copy()
    fig = mf.filter_grid(W1, [3, 7, 9], cols=2)
    np.testing.assert_array_equal(W1, copy)
    hm = fig.data[0]
    z = np.asarray(hm.z, dtype=float)
    # 3 tiles in 2 columns: 2 rows of 28 with a 1-pixel gap → 57 × 57
    assert z.shape == (57, 57)
    np.testing.assert_allclose(z[:28, :28], W1[:, 3].reshape(28, 28))
    np.testing.assert_allclose(z[:28, 29:], W1[:, 7].reshape(28, 28))
    np.testing.assert_allclose(z[29:, :28], W1[:, 9].reshape(28, 28))
    assert np.isnan(z[28]).all() and np.isnan(z[29:, 29:]).all()
    # one scale for all tiles, symmetric around 0
    m = np.abs(W1[:, [3, 7, 9]]).max()
    assert hm.zmin == pytest.approx(-m) and hm.zmax == pytest.approx(m)
    custom = np.asarray(hm.customdata)
    assert custom[5, 30, 0] == 7 and custom[5, 30, 1] == 5 * 28 + 1  # unit 7, pixel (5, 1)


def test_probability_bars_highlight_the_prediction():
    p = np.array([0.01, 0.02, 0.6, 0.3, 0.07, 0, 0, 0, 0, 0])
    fig = mf.probability_bars(p, true_label=3)
    bar = fig.data[0]
    np.testing.assert_allclose(bar.y, p)
    colours = list(bar.marker.color)
    assert colours[2] == mf.HIGHLIGHT and colours.count(mf.HIGHLIGHT) == 1
    assert list(bar.marker.line.width)[3] == 3


def test_probability_compare_has_before_and_after():
    before, after = np.full(10, 0.1), np.eye(10)[4]
    fig = mf.probability_compare(before, after, true_label=4)
    assert [t.name for t in fig.data] == ["before", "after"]
    assert "0.100 → 1.000" in fig.layout.title.text
    assert fig.layout.legend.orientation == "h"  # under the bars, out of the title's way


def test_confusion_matrix_cells_hold_the_counts():
    cm = np.diag(np.arange(1, 11))
    cm[3, 5] = 4
    fig = mf.confusion_matrix(cm)
    np.testing.assert_array_equal(np.asarray(fig.data[0].customdata), cm)
    texts = {(a.y, a.x): a.text for a in fig.layout.annotations}
    assert texts[("3", "5")] == "4" and texts[("9", "9")] == "10"
    assert len(texts) == 11  # zero cells are not labelled
    # ColorBrewer Blues runs light (#f7fbff) → dark (#08306b): small counts light, under black text
    scale = fig.data[0].colorscale
    assert scale[0] == (0.0, "#f7fbff") and scale[-1] == (1.0, "#08306b")
    colours = {(a.y, a.x): a.font.color for a in fig.layout.annotations}
    # log1p(1) = 0.69 < 0.6·log1p(10) = 1.44 < log1p(10): the count 1 is light, the count 10 dark
    assert colours[("0", "0")] == "black" and colours[("9", "9")] == "white"


def test_digit_gallery_captions_and_hover():
    d = mnist.load_subset()
    fig = mf.digit_gallery(d.images[:5], [f"c{i}" for i in range(5)], cols=3, hover=[f"h{i}" for i in range(5)])
    z = np.asarray(fig.data[0].z, dtype=float)
    np.testing.assert_allclose(z[:28, :28], d.images[0] / 255)
    assert [a.text for a in fig.layout.annotations] == [f"c{i}" for i in range(5)]
    custom = np.asarray(fig.data[0].customdata)
    # row 2 starts after the 28 pixel rows of row 1 and the caption band under them
    second = 28 + mf.CAPTION_ROWS
    assert custom[0, 0] == "h0" and custom[second, 0] == "h3" and custom[second - 1, 0] == ""
    np.testing.assert_allclose(z[second:, :28], d.images[3] / 255)
    # the captions sit in that band, which holds no digit: they cannot cover the row below
    assert np.isnan(z[28:second]).all()
    assert [a.y for a in fig.layout.annotations] == [28, 28, 28, 28 + second, 28 + second]
    empty = mf.digit_gallery(np.zeros((0, 28, 28)), [])
    assert isinstance(empty, go.Figure)


def test_preprocessing_steps_show_four_stages_and_the_ink_box():
    grey = np.zeros((280, 280))
    grey[40:240, 130:150] = 1.0
    pre = mnist.preprocess(grey)
    fig = mf.preprocessing_steps(pre)
    heatmaps = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heatmaps) == 4
    np.testing.assert_allclose(np.asarray(heatmaps[3].z, dtype=float), pre.centered)
    (rect,) = [s for s in fig.layout.shapes if s.type == "rect"]
    # canvas shown at 56 × 56 (factor 5): ink rows 40 … 239 → 8 … 48 on screen
    assert rect.y0 == pytest.approx(40 / 5 - 0.5) and rect.y1 == pytest.approx(240 / 5 - 0.5)
    blank = mf.preprocessing_steps(mnist.preprocess(np.zeros((280, 280))))
    assert not [s for s in blank.layout.shapes if s.type == "rect"]


def test_saliency_is_symmetric_around_zero():
    g = np.linspace(-2, 1, 784)
    fig = mf.saliency_figure(np.zeros(784), g, 3)
    assert fig.data[0].zmin == -2 and fig.data[0].zmax == 2
    assert "score(3)" in fig.layout.title.text


def test_loss_surface_contour_with_path_and_log_scale():
    a = b = np.linspace(-1, 1, 5)
    values = np.exp(3 * (a[None, :] ** 2 + b[:, None] ** 2)) * 0.01  # spans 0.01 … 4: > 50×
    path = np.array([[0.9, 0.9], [0.5, 0.2], [0.0, 0.0]])
    fig = mf.loss_surface_contour(a, b, values, "t", path)
    np.testing.assert_allclose(np.asarray(fig.data[0].z), np.log10(values))
    np.testing.assert_allclose(np.asarray(fig.data[0].customdata), values)
    assert fig.data[1].name == "training path"
    np.testing.assert_allclose(fig.data[1].x, path[:, 0])
    flat = mf.loss_surface_contour(a, b, np.ones((5, 5)) + values * 0.01, "t")
    assert len(flat.data) == 2  # no path: contour + current weights


def test_training_curves_skip_missing_accuracies():
    fig = mf.training_curves([1, 2], [0.5, 0.3], [np.nan, np.nan], [0.9, 0.95])
    assert [t.name for t in fig.data] == ["training loss", "validation accuracy"]


def test_hidden_activations_one_panel_per_layer():
    fig = mf.hidden_activations([np.arange(5.0), np.arange(3.0)], after=[np.ones(5), np.ones(3)])
    assert len(fig.data) == 4
    np.testing.assert_allclose(fig.data[2].y, np.arange(3.0))


def test_filter_grid_names_the_units_it_was_given():
    W = np.zeros((784, 2))
    W[0, 0], W[783, 1] = 1.0, -2.0
    fig = mf.filter_grid(W, title="t", cols=2, unit_names=[17, 5])
    unit, pixel = np.asarray(fig.data[0].customdata)[0, 0]  # the first tile's top-left pixel
    assert (unit, pixel) == (17, 0)
    unit, pixel = np.asarray(fig.data[0].customdata)[27, 29 + 27]  # the second tile's last pixel
    assert (unit, pixel) == (5, 783) and fig.data[0].z[27][29 + 27] == -2.0

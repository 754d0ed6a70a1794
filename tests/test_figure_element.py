"""component.figure's spec: what Plotly.js draws is the figure Python built, without plotly.py's template."""

from __future__ import annotations

import base64

import numpy as np

from nnviz import mnist_figures as mf
from nnviz.player.component import figure_spec


def test_the_spec_is_the_figure_without_the_template():
    before = np.array([0.05, 0.6, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025])
    after = before[::-1].copy()
    fig = mf.probability_compare(before, after, 1, "t")
    spec = figure_spec(fig)
    assert "template" in fig.to_plotly_json()["layout"] and "template" not in spec["layout"]
    assert spec["layout"]["barmode"] == "group" and spec["layout"]["height"] == 280
    # the bars' heights travel as the float64 bytes of the engine's numbers (plotly's typed arrays)
    ys = [np.frombuffer(base64.b64decode(t["y"]["bdata"]), dtype=t["y"]["dtype"]) for t in spec["data"]]
    np.testing.assert_array_equal(ys[0], before)
    np.testing.assert_array_equal(ys[1], after)
    # a plain dict passes through
    assert figure_spec({"data": [{"type": "bar"}], "layout": {"height": 3}}) == {
        "data": [{"type": "bar"}],
        "layout": {"height": 3},
    }

"""The figures' Playground parts: features over the plane, test points, discretized regions, the optimiser's
buffers as matrices, the input nodes' labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnviz import figures, stepper
from nnviz.engine import phases
from nnviz.stepper import Run


def _run(**kw) -> Run:
    return Run(replace(stepper.default_config("playground"), **kw))


def test_regions_over_features_are_the_networks_output_at_the_features_of_each_grid_point():
    run = _run(features=("x1", "x2", "x1_squared", "sin_x2"))
    net, d, t = run.network, run.data, run.test_data
    spec = figures.decision_boundary(
        net, d.plane, d.labels, resolution=7, features=d.features, threshold=0.0, test=(t.plane, t.labels)
    )
    heat = spec["data"][0]
    xs, ys = np.asarray(heat["x"]), np.asarray(heat["y"])
    # grid point (x[2], y[5]) fed as (x1, x2, x1², sin x2): the heatmap holds that output
    x1, x2 = xs[2], ys[5]
    want = net.predict(np.array([[x1, x2, x1 * x1, np.sin(x2)]]))[0, 0]
    assert np.asarray(heat["z"])[5, 2] == want
    assert np.asarray(heat["customdata"])[5, 2] == int(want >= 0.0)  # ±1 targets: the sign decides
    names = [tr.get("name") for tr in spec["data"]]
    assert {"test: class 0", "test: class 1"} <= set(names)
    test_traces = [tr for tr in spec["data"] if str(tr.get("name", "")).startswith("test:")]
    assert all(tr["marker"]["symbol"].endswith("-open") for tr in test_traces)
    assert sum(len(tr["x"]) for tr in test_traces) == t.n_samples
    wrong = int(np.sum((net.predict(t.X)[:, 0] >= 0).astype(int) != t.labels))
    assert f"test: {wrong} of {t.n_samples} wrong" in spec["layout"]["title"]["text"]


def test_discretized_regions_show_only_the_class():
    run = _run()
    d = run.data
    spec = figures.decision_boundary(run.network, d.plane, d.labels, resolution=9, threshold=0.0, discretize=True)
    heat = spec["data"][0]
    np.testing.assert_array_equal(np.asarray(heat["z"]), np.asarray(heat["customdata"]).astype(float))


def test_adam_buffers_are_drawn_as_matrices_after_the_update():
    run = _run(optimizer="adam")
    run.run(3, 0.003)
    rec = run.history.record(2)
    upd = phases(rec.before.n_layers)[-1]
    spec = figures.layer_matrices(rec, 0, 0, upd)
    by_name = {tr["name"]: tr for tr in spec["data"]}
    m = np.asarray(by_name["exp_avg W1"]["z"], dtype=float)
    np.testing.assert_array_equal(m, rec.opt_after.layers(rec.before, "exp_avg")[0][0])
    assert "exp_avg_sq W1" in by_name
    before = figures.layer_matrices(rec, 0, 0, phases(rec.before.n_layers)[0])
    assert np.isnan(np.asarray({tr["name"]: tr for tr in before["data"]}["exp_avg W1"]["z"], dtype=float)).all()


def test_input_nodes_are_labelled_with_their_features():
    run = _run(features=("x1", "x1_x2", "sin_x1"))
    spec = figures.network_diagram(run.network, None, None, input_labels=run.data.input_names)
    labels = next(tr for tr in spec["data"] if tr.get("name") == "input labels")
    assert labels["text"] == ["x₁", "x₁x₂", "sin x₁"]


def test_the_plane_fills_the_plot_whatever_the_inputs_scaling():
    # inputs scaled into [0.55, 1] (a column divided by its max): the axes span the points plus 5 %
    rng = np.random.default_rng(2)
    X = rng.uniform(0.55, 1.0, (30, 2))
    labels = (X[:, 0] > 0.8).astype(int)
    net = stepper.build_network(stepper.default_config("toy"))
    spec = figures.decision_boundary(net, X, labels, resolution=5)
    lo, hi = X[:, 0].min(), X[:, 0].max()
    assert spec["layout"]["xaxis"]["range"] == [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]

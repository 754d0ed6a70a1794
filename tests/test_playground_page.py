"""AppTest wiring of the playground page: its sidebar controls make the run the engine computes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from streamlit.testing.v1 import AppTest

from nnviz import datasets, stepper
from nnviz.engine import INITIALIZER_NOTES

TIMEOUT = 60
EX = "playground"


def _script():
    from nnviz.pages import stepper_page

    stepper_page.render_playground()


def _page(query: dict | None = None) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _run(at) -> stepper.Run:
    return at.session_state[f"{EX}_run"]


def _ps(at):
    return at.session_state[f"{EX}_player_session"]


def test_the_page_opens_on_playgrounds_defaults():
    at = _page()
    run = _run(at)
    assert run.config == stepper.default_config(EX)
    assert run.network.sizes == [2, 4, 2, 1]
    assert at.session_state[f"{EX}_lr"] == stepper.default_learning_rate(EX)
    data = _ps(at).data("/static/plotly.min.js", True)
    # Playground's menu of rates divided by the batch size 10
    assert data["lrs"] == [r / 10 for r in stepper.PLAYGROUND_RATES]
    d = data["idle"][0]["d"]
    labels = next(t for t in d["data"] if t.get("name") == "input labels")
    assert labels["text"] == ["x₁", "x₂"]
    assert data["idle"][0]["r"] is not None  # the decision regions over the plane


def test_sidebar_controls_make_the_run():
    at = _page()
    at.selectbox(key=f"{EX}_dataset").set_value("spiral").run()
    at.slider(key=f"{EX}_noise").set_value(20).run()
    at.slider(key=f"{EX}_train_percent").set_value(80).run()
    at.checkbox(key=f"{EX}_feat_x1_squared").check().run()
    at.checkbox(key=f"{EX}_feat_sin_x2").check().run()
    at.selectbox(key=f"{EX}_reg").set_value("l2").run()
    at.selectbox(key=f"{EX}_opt").set_value("adam").run()
    assert not at.exception, at.exception
    run = _run(at)
    cfg = run.config
    assert (cfg.dataset, cfg.noise, cfg.train_percent) == ("spiral", 20, 80)
    assert cfg.features == ("x1", "x2", "x1_squared", "sin_x2")
    assert cfg.regularization == "l2" and cfg.optimizer == "adam"
    # λ = 0.01 (the menu's default) times B = 10 is the engine's rate
    assert run.history.regularization_rate == 0.01 * 10
    assert run.network.sizes == [4, 4, 2, 1]
    assert run.data.n_samples == 400 and run.test_data.n_samples == 100  # 80 % of 500
    np.testing.assert_array_equal(run.data.X[:, 3], np.sin(run.data.plane[:, 1]))
    # the run the link describes is the same
    # the data set's rule is shown under the picker (datasets.DATASETS' formula, no words)
    assert any(e.value == f"${datasets.DATASETS['spiral'].rule}$" for e in at.sidebar.caption)
    flat = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert flat["data"] == "spiral" and flat["feat"] == "x1,x2,x1_squared,sin_x2" and flat["opt"] == "adam"


def test_regenerate_draws_new_points_with_the_next_seed():
    at = _page()
    before = _run(at).data.plane.copy()
    at.button(key=f"{EX}_regenerate").click().run()
    run = _run(at)
    assert run.config.data_seed == 1
    again = stepper.playground_data(run.config)[0].plane  # seeded: the same points again
    np.testing.assert_array_equal(run.data.plane, again)
    assert not np.array_equal(run.data.plane, before)


def test_zeros_initialiser_says_why_it_fails():
    at = _page()
    at.selectbox(key=f"{EX}_init").set_value("zeros").run()
    assert any(INITIALIZER_NOTES["zeros"] in c.value for c in at.sidebar.caption)
    assert all(not w.any() for w in _run(at).network.weights)


def test_a_link_with_bad_values_opens_the_default_run_with_a_warning():
    q = stepper.to_query(stepper.default_config(EX), 0.003, 0)
    at = _page({**q, "opt": "lbfgs"})
    assert any("Could not open the shared link" in w.value and "lbfgs" in w.value for w in at.warning)
    assert _run(at).config == stepper.default_config(EX)


def test_a_link_restores_spiral_features_l2_adam_and_its_steps():
    cfg = replace(
        stepper.default_config(EX),
        dataset="spiral",
        features=("x1", "x2", "x1_x2"),
        regularization="l2",
        regularization_rate=0.03,
        optimizer="adam",
    )
    q = stepper.to_query(cfg, 0.003, 12)
    at = _page(q)
    run = _run(at)
    assert run.config == cfg
    assert run.updates_applied == 12
    # the same 12 steps as a fresh run of the configuration
    ref = stepper.Run(cfg)
    ref.run(12, 0.003)
    np.testing.assert_array_equal(run.network.parameter_vector(), ref.network.parameter_vector())


def test_editing_the_selected_weight_continues_from_the_edited_network():
    at = _page()
    run = _run(at)
    _ps(at).handle({"a": "goto", "k": 2, "p": len(run.phases) - 1})  # three steps
    _ps(at).handle({"a": "select", "sel": ["edge", 2, 1, 0], "k": 2, "p": len(run.phases) - 1})
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=f"{EX}_edit_name").value == "W2[1,0]"  # the weight clicked in the diagram
    before = run.history.network(3)
    assert at.number_input(key=f"{EX}_edit_value").value == before.weights[1][1, 0]
    at.number_input(key=f"{EX}_edit_value").set_value(0.25).run()
    at.button(key=f"{EX}_edit_apply").click().run()
    assert not at.exception, at.exception
    run = _run(at)
    assert run.updates_applied == 3 and run.phase_index == -1
    assert run.network.weights[1][1, 0] == 0.25
    assert any("W2[1,0]" in s.value and "0.25" in s.value for s in at.success)
    # the next step starts from the edited network
    _ps(at).handle({"a": "goto", "k": 3, "p": len(run.phases) - 1})
    assert run.history.record(3).before.weights[1][1, 0] == 0.25
    assert run.history.record(2).after.weights[1][1, 0] == before.weights[1][1, 0]  # Back: before the edit


def test_a_pinned_loss_curve_stays_in_the_chart_of_the_next_run():
    at = _page()
    run = _run(at)
    _ps(at).handle({"a": "goto", "k": 4, "p": len(run.phases) - 1})
    at.run()
    losses = run.history.losses.copy()
    at.button(key=f"{EX}_pin").click().run()
    assert not at.exception, at.exception
    at.selectbox(key=f"{EX}_opt").set_value("adam").run()  # a new run
    assert _run(at) is not run
    _ps(at).handle({"a": "goto", "k": 0, "p": len(_run(at).phases) - 1})  # its first step
    spec = _ps(at).data("/static/plotly.min.js", True)["loss_spec"]
    pinned = [t for t in spec["data"] if str(t.get("name", "")).startswith("pinned: ")]
    assert len(pinned) == 1 and pinned[0]["name"].startswith("pinned: η=0.003, sgd, 4-2, 5 steps")
    np.testing.assert_array_equal(np.asarray(pinned[0]["y"], dtype=float), losses)
    assert any("Pinned (dashed" in c.value for c in at.caption)

"""AppTest wiring of the step-through pages: one interaction, then what is shown."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz import examples, stepper

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def _page(name: str) -> AppTest:
    def script(page_name):
        from nnviz.pages import forward_page, stepper_page

        {"study": stepper_page.render_study, "toy": stepper_page.render_toy, "forward": forward_page.render}[
            page_name
        ]()

    at = AppTest.from_function(script, args=(name,), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _run(at: AppTest, example: str) -> stepper.Run:
    return at.session_state[f"{example}_run"]


def test_app_entry_renders_the_default_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert any("Study hours" in t.value for t in at.title)


@pytest.mark.parametrize("name", ["study", "toy", "forward"])
def test_every_page_renders_without_exception(name):
    _page(name)


def _request(at: AppTest, example: str, **req) -> AppTest:
    """What a click in the player does on the server: its request, handled by this session's
    PlayerSession (the component's callback calls the same method), then a rerun."""
    at.session_state[f"{example}_player_session"].handle(req)
    at.run()
    assert not at.exception, at.exception
    return at


def _last(run: stepper.Run) -> int:
    return len(run.phases) - 1


@pytest.mark.parametrize("example", ["study", "toy"])
def test_the_player_is_sent_every_phase_of_the_step_in_order(example):
    at = _page(example)
    run = _run(at, example)
    _request(at, example, a="goto", k=0, p=0)  # Next phase from the start
    assert (run.step_index, run.phase_index) == (0, 0) and len(run.history) >= 1
    data = at.session_state[f"{example}_player_session"].data("/app/static/plotly.min.js", False)
    assert data["labels"] == [
        "forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"
    ]
    frames = data["steps"][0]["ph"]
    assert len(frames) == 6
    # forward layer 1 of step 1 writes neuron 0's z with the engine's number (6 significant digits)
    from nnviz.arithmetic import fmt

    z = run.history.record(0).trace.layers[0].z[0, 0]
    assert f"= {fmt(z)}" in frames[0]["a"].replace("&#x3D;", "=") or fmt(z) in frames[0]["a"]


@pytest.mark.parametrize("example", ["study", "toy"])
def test_step_changes_every_weight_by_minus_eta_times_gradient_and_back_restores(example):
    at = _page(example)
    before = _run(at, example).network
    lr = at.session_state[f"{example}_lr"]
    run = _run(at, example)
    _request(at, example, a="goto", k=0, p=_last(run))  # Step: the update phase of step 1
    run = _run(at, example)
    after = run.network
    idx, Xb, Yb = run.history.batch(0)
    grads = before.backward(before.forward(Xb), Yb, run.config.loss)
    for w0, w1, g in zip(before.weights, after.weights, grads.layers):
        assert np.array_equal(w1, w0 - lr * g.dW)
    _request(at, example, a="goto", k=0, p=-1)  # Back from the update of step 1: the start
    restored = _run(at, example).network
    assert all(np.array_equal(a, b) for a, b in zip(restored.weights, before.weights))


def test_run_epoch_and_reset_on_the_toy_page():
    at = _page("toy")
    _request(at, "toy", a="goto", k=9, p=5)  # Epoch: 10 one-sample steps
    assert _run(at, "toy").updates_applied == 10
    _request(at, "toy", a="goto", k=49, p=5)  # Run N = 40 more
    assert _run(at, "toy").updates_applied == 50
    _request(at, "toy", a="reset")
    assert _run(at, "toy").updates_applied == 0 and len(_run(at, "toy").history) == 0


def test_changing_the_learning_rate_drops_the_future_only_and_architecture_resets():
    at = _page("toy")
    _request(at, "toy", a="goto", k=9, p=5)
    _request(at, "toy", a="goto", k=3, p=5)  # back to the update of step 4 (history kept)
    assert len(_run(at, "toy").history) >= 10
    _request(at, "toy", a="lr", lr=0.5, k=3, p=5)
    run = _run(at, "toy")
    # steps 1-4 keep their rate; the recorded future (steps 5 on, at 0.02) is gone
    assert len(run.history) == 4 and run.history.learning_rates.tolist() == [0.02] * 4
    assert at.session_state["toy_lr"] == 0.5
    _request(at, "toy", a="goto", k=4, p=5)
    assert run.history.learning_rates[4] == 0.5
    at.number_input(key="toy_size0").set_value(4).run()
    assert not at.exception
    run = _run(at, "toy")
    assert len(run.history) == 0 and run.network.sizes == [2, 4, 2]


def test_url_round_trips_the_run():
    at = _page("toy")
    _request(at, "toy", a="goto", k=9, p=5)
    q = dict(at.query_params)
    flat = {k: v[0] if isinstance(v, list) else v for k, v in q.items()}
    assert flat["steps"] == "10" and flat["ex"] == "toy" and flat["lr"] == "0.02"
    # A new session opened with that query string lands on the same network.
    at2 = AppTest.from_function(_toy_only, default_timeout=TIMEOUT)
    for k, v in flat.items():
        at2.query_params[k] = v
    at2.run()
    assert not at2.exception
    a, b = _run(at, "toy").network, _run(at2, "toy").network
    assert np.array_equal(a.parameter_vector(), b.parameter_vector())


def _toy_only():
    from nnviz.pages import stepper_page

    stepper_page.render_toy()


def test_study_page_shows_the_query_prediction_with_training_scaling():
    at = _page("study")
    metric = next(m for m in at.metric if "4 h studied" in m.label)
    net = _run(at, "study").network
    expected = float(net.predict(np.array([4 / 3, 8 / 9]))[0, 0]) * 100
    assert metric.value == f"{expected:.2f}"
    assert examples.study_scale_query(examples.STUDY_QUERY_RAW).tolist() == [4 / 3, 8 / 9]


def test_forward_page_prints_the_seed_output():
    at = _page("forward")
    shown = next(m.value for m in at.markdown if m.value.startswith("**Output y**"))
    assert "[0.31682708 0.69627909]" in shown


def test_huge_learning_rate_shows_divergence_message_and_keeps_history():
    at = _page("study")
    at.selectbox(key="study_act0").set_value("relu").run()
    at.selectbox(key="study_act_out").set_value("identity").run()
    at.selectbox(key="study_init").set_value("normal").run()
    _request(at, "study", a="lr", lr=100.0, k=0, p=-1)
    _request(at, "study", a="goto", k=299, p=len(_run(at, "study").phases) - 1)  # Run N = 300
    run = _run(at, "study")
    assert run.diverged_at is not None
    data = at.session_state["study_player_session"].data("/app/static/plotly.min.js", False)
    assert data["message"].startswith(f"Diverged at step {run.diverged_at + 1}")
    assert len(run.history) == run.diverged_at + 1

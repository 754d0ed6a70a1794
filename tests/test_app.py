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


@pytest.mark.parametrize("example", ["study", "toy"])
def test_next_phase_cycles_through_the_phases_in_order(example):
    at = _page(example)
    labels = []
    for _ in range(6):
        at.button(key=f"{example}_next").click().run()
        assert not at.exception, at.exception
        labels.append(_run(at, example).phase.label)
    assert labels == ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
    # The status line marks the phase on screen.
    assert any("**[update]**" in m.value for m in at.markdown)


@pytest.mark.parametrize("example", ["study", "toy"])
def test_step_changes_every_weight_by_minus_eta_times_gradient_and_back_restores(example):
    at = _page(example)
    before = _run(at, example).network
    lr = at.session_state[f"{example}_lr"]
    at.button(key=f"{example}_step").click().run()
    assert not at.exception
    run = _run(at, example)
    after = run.network
    idx, Xb, Yb = run.history.batch(0)
    grads = before.backward(before.forward(Xb), Yb, run.config.loss)
    for w0, w1, g in zip(before.weights, after.weights, grads.layers):
        assert np.array_equal(w1, w0 - lr * g.dW)
    at.button(key=f"{example}_back").click().run()
    assert not at.exception
    restored = _run(at, example).network
    assert all(np.array_equal(a, b) for a, b in zip(restored.weights, before.weights))


def test_run_epoch_and_reset_on_the_toy_page():
    at = _page("toy")
    at.button(key="toy_epoch").click().run()
    assert _run(at, "toy").updates_applied == 10
    at.number_input(key="toy_n_run").set_value(40).run()
    at.button(key="toy_run_n").click().run()
    assert not at.exception
    assert _run(at, "toy").updates_applied == 50
    at.button(key="toy_reset").click().run()
    assert _run(at, "toy").updates_applied == 0 and len(_run(at, "toy").history) == 0


def test_changing_the_learning_rate_keeps_history_but_architecture_resets():
    at = _page("toy")
    at.button(key="toy_epoch").click().run()
    at.select_slider(key="toy_lr").set_value(0.5).run()
    assert not at.exception
    assert len(_run(at, "toy").history) == 10
    at.number_input(key="toy_size0").set_value(4).run()
    assert not at.exception
    run = _run(at, "toy")
    assert len(run.history) == 0 and run.network.sizes == [2, 4, 2]


def test_url_round_trips_the_run():
    at = _page("toy")
    at.button(key="toy_epoch").click().run()
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
    at.select_slider(key="study_lr").set_value(100.0).run()
    at.number_input(key="study_n_run").set_value(300).run()
    at.button(key="study_run_n").click().run()
    assert not at.exception
    run = _run(at, "study")
    assert run.diverged_at is not None
    assert any("Diverged at step" in e.value for e in at.error)
    assert len(run.history) == run.diverged_at + 1

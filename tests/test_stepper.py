"""The step-through run: cursor moves, history reuse, divergence, shareable links."""

import numpy as np
import pytest

from nnviz import examples, stepper
from nnviz.stepper import Config, Run


def _toy_run() -> Run:
    return Run(stepper.default_config("toy"))


def test_default_configs_are_the_tutorials_networks():
    toy = stepper.build_network(stepper.default_config("toy"))
    ref = examples.toy_network()
    assert all(np.array_equal(a, b) for a, b in zip(toy.weights + toy.biases, ref.weights + ref.biases))
    study = stepper.build_network(stepper.default_config("study"))
    assert study.biases is None
    assert all(np.array_equal(a, b) for a, b in zip(study.weights, examples.study_network().weights))


def test_next_phase_walks_forward_loss_backward_update_in_order():
    run = _toy_run()
    seen = []
    for _ in range(2 * len(run.phases)):
        assert run.next_phase(0.02)
        seen.append((run.step_index, run.phase.label))
    labels = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
    assert seen == [(0, lab) for lab in labels] + [(1, lab) for lab in labels]


def test_step_equals_engine_sgd_step_and_back_restores_exactly():
    run = _toy_run()
    before = run.network
    assert run.step(0.02)
    rec = run.record
    # Step changes every weight by exactly −η·∂L/∂w of the same batch (sample #0).
    grads = before.backward(before.forward(examples.TOY_X[:1]), examples.TOY_Y[:1], "half_sse")
    expected = before.sgd_step(grads, 0.02)
    for w_new, w_exp, g, w_old in zip(run.network.weights, expected.weights, grads.layers, before.weights):
        assert np.array_equal(w_new, w_exp)
        assert np.array_equal(w_new, w_old - 0.02 * g.dW)
    assert rec.indices.tolist() == [0]
    run.back()
    assert all(np.array_equal(a, b) for a, b in zip(run.network.weights, before.weights))
    assert all(np.array_equal(a, b) for a, b in zip(run.network.biases, before.biases))


def test_back_never_goes_past_the_start():
    run = _toy_run()
    for _ in range(5):
        run.back()
    assert (run.step_index, run.phase_index, run.updates_applied) == (0, -1, 0)


def test_run_epoch_and_seek():
    run = _toy_run()
    assert run.epoch(0.02) == 10  # 10 samples, one per step
    assert run.updates_applied == 10
    assert run.run(25, 0.02) == 25
    assert run.updates_applied == 35
    run.seek(12)
    assert run.updates_applied == 12
    assert np.array_equal(run.network.parameter_vector(), run.history.parameters[12])
    assert run.steps_to_epoch_end() == 8  # 12 done → epoch 2 ends at 20


def test_stepping_after_back_reuses_history_unless_learning_rate_changes():
    run = _toy_run()
    run.run(5, 0.02)
    params5 = run.history.parameters[5].copy()
    run.seek(2)
    run.run(3, 0.02)  # same rate: the recorded future is reused
    assert len(run.history) == 5 and np.array_equal(run.network.parameter_vector(), params5)
    run.seek(2)
    run.run(3, 0.5)  # new rate: the future is rewritten from step 3
    assert run.history.learning_rates.tolist() == [0.02, 0.02, 0.5, 0.5, 0.5]
    assert not np.array_equal(run.network.parameter_vector(), params5)


def test_huge_learning_rate_is_reported_as_diverged_and_history_kept():
    cfg = stepper.default_config("study")
    run = Run(Config(**{**cfg.__dict__, "activations": ("relu", "identity"), "init": "normal"}))
    taken = run.run(200, 100.0)
    assert run.diverged_at is not None
    assert taken == run.diverged_at + 1 < 200
    assert len(run.history) == run.diverged_at + 1
    run.seek(run.diverged_at)  # the last state before the diverging step is finite
    assert np.all(np.isfinite(run.network.parameter_vector()))


def test_url_round_trip():
    cfg = Config("toy", (3, 4), ("tanh", "relu", "sigmoid"), "mse", "xavier", 7, "frozen", "3", True)
    q = stepper.to_query(cfg, 0.05, 42)
    assert q["steps"] == "42" and q["hidden"] == "3-4"
    assert stepper.from_query(q, "toy") == (cfg, 0.05, 42)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"hidden": "x"}, "malformed"),
        ({"hidden": "9"}, "1 to 8 neurons"),
        ({"lr": "1e9"}, "outside"),
        ({"steps": "-1"}, "outside"),
        ({"loss": "nope"}, "unknown loss"),
        ({"ex": "study"}, "study"),
    ],
)
def test_bad_links_are_refused_with_a_message(bad, message):
    q = {**stepper.to_query(stepper.default_config("toy"), 0.02, 0), **bad}
    with pytest.raises(ValueError, match=message):
        stepper.from_query(q, "toy")


def test_learning_rates_cover_the_range_on_a_log_scale():
    lrs = stepper.LEARNING_RATES
    assert lrs[0] == 1e-4 and lrs[-1] == 100 and 0.02 in lrs and 1.0 in lrs
    assert all(b / a in (2.0, 2.5) for a, b in zip(lrs, lrs[1:]))

"""Play/Run's stop condition and the measures over the whole data (training and test loss, accuracy).

The references are computed here from the networks of the history with plain NumPy: the predicted
class (argmax of two outputs, or the sign of one tanh output) against the labels, and ½(o − t)²
averaged over the points (Playground's loss)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnviz import examples, stepper
from nnviz.player.session import PlayerSession
from nnviz.stepper import Run


def _all_right_toy(net) -> bool:
    d = examples.toy_dataset()
    return bool(np.all(np.argmax(net.predict(d.X), axis=1) == d.labels))


def test_run_stops_at_the_first_step_with_every_training_point_right():
    run = Run(stepper.default_config("toy"))
    run.set_stop_rule(("all_right",))
    done = run.run(5000, examples.TOY_LR)
    k = run.stopped_at
    assert k is not None and done == k + 1 < 5000
    h = run.history
    assert _all_right_toy(h.network(k + 1))
    assert not any(_all_right_toy(h.network(j + 1)) for j in range(k))  # none before it
    assert run.stop_message() == (
        f"Stopped at step {k + 1}: every training point is classified right (10 of 10). "
        "Choose another stop condition in the sidebar to train on."
    )
    assert not run.step(examples.TOY_LR)  # Play and Run do not go past it
    run.set_stop_rule(None)  # another condition: training goes on
    assert run.step(examples.TOY_LR) and run.stopped_at is None


def test_run_stops_when_the_training_loss_is_below_the_threshold():
    run = Run(stepper.default_config("playground"))
    run.set_stop_rule(("loss_below", 0.4))
    run.run(3000, 0.03)
    k = run.stopped_at
    assert k is not None
    X, T = run.data.X, run.data.Y

    def mean_half_sq(net):  # Playground's loss: the mean of ½(o − t)² over the points
        return float(np.mean(0.5 * np.sum((net.predict(X) - T) ** 2, axis=1)))

    assert mean_half_sq(run.history.network(k + 1)) < 0.4
    assert all(mean_half_sq(run.history.network(j + 1)) >= 0.4 for j in range(k))
    assert "below 0.4" in run.stop_message()


def test_measures_are_the_losses_and_accuracies_over_all_points():
    cfg = replace(stepper.default_config("playground"), dataset="xor", noise=20)
    run = Run(cfg)
    run.run(25, 0.003)
    m = run.metrics()
    assert m.shape == (4, 25)
    for k in (0, 7, 24):
        net = run.history.network(k + 1)
        for row, data in ((0, run.data), (1, run.test_data)):
            o = net.predict(data.X)
            assert np.isclose(m[row, k], np.mean(0.5 * np.sum((o - data.Y) ** 2, axis=1)), rtol=1e-12, atol=0)
            right = np.mean((o[:, 0] >= 0).astype(int) == data.labels)  # ±1 targets: the sign decides
            assert m[row + 2, k] == right
    # Back (a new learning rate from step 10): the measures after it are recomputed for the new steps
    run.history.truncate(10)
    run.forget_after(10)
    run.run(5, 0.03)
    m2 = run.metrics()
    np.testing.assert_array_equal(m2[:, :10], m[:, :10])
    net = run.history.network(15)
    o = net.predict(run.test_data.X)
    assert np.isclose(m2[1, 14], np.mean(0.5 * np.sum((o - run.test_data.Y) ** 2, axis=1)), rtol=1e-12)


def test_the_player_stops_a_long_run_there_and_says_why():
    run = Run(stepper.default_config("toy"))
    run.set_stop_rule(("all_right",))
    ps = PlayerSession(lr=examples.TOY_LR)
    ps.attach(run)
    for _ in range(200):  # a Run of 5,000 steps, in chunks of bounded time
        ps.handle({"a": "goto", "k": 4999, "p": 5})
        if ps.target is None:
            break
    data = ps.data("/static/plotly.min.js", True)
    k = run.stopped_at
    assert ps.cursor == (k, 5) and data["diverged"] == k  # the player may not pass it
    assert data["message_kind"] == "success" and data["message"].startswith(f"Stopped at step {k + 1}:")
    names = [t.get("name") for t in data["loss_spec"]["data"]]
    assert "training loss" in names and "training accuracy" in names
    assert "training accuracy 100.0 %" in data["loss_spec"]["layout"]["title"]["text"]


def test_a_stop_rule_chosen_mid_run_applies_to_the_steps_after_it():
    run = Run(stepper.default_config("toy"))
    run.run(100, examples.TOY_LR)  # no rule yet: nothing measured
    assert np.isnan(run.metrics()).all()
    run.set_stop_rule(("all_right",))
    run.run(5000, examples.TOY_LR)
    k = run.stopped_at
    assert k is not None and k >= 100 and _all_right_toy(run.history.network(k + 1))
    assert not any(_all_right_toy(run.history.network(j + 1)) for j in range(100, k))

"""Engine paths the mutation run found untested by the fast suite, each pinned by a hand computation."""

import math

import numpy as np
import pytest

from nnviz.engine import BatchSchedule, History, Network, train_step


def _line(w: float, b: float | None = None, bias_mode: str | None = None) -> Network:
    """ŷ = w·x (+ b): one identity neuron."""
    return Network.from_arrays([[[w]]], None if b is None else [[b]], ["identity"], bias_mode)


def test_momentum_with_frozen_biases_moves_only_the_weights():
    # ŷ = 2·1 + 0.5 = 2.5, y = 0, half_sse: ∂L/∂w = ŷ·x = 2.5, ∂L/∂b = 2.5. η = 0.1, μ = 0.9, and v₀ = (1, 0)
    # (a frozen bias's velocity is 0 from the start): v = 0.9·v₀ − 0.1·g masked to the weights
    # = (0.9 − 0.25, 0) = (0.65, 0): w = 2.65, b stays 0.5.
    net = _line(2.0, 0.5, "frozen")
    rec = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1, momentum=0.9, velocity=np.array([1.0, 0.0]))
    np.testing.assert_allclose(rec.update.velocity, [0.65, 0.0], rtol=1e-15)
    assert rec.after.weights[0][0, 0] == pytest.approx(2.65, rel=1e-15)
    assert rec.after.biases[0][0] == 0.5


def test_diverged_at_names_the_first_step_whose_loss_overflows():
    # ŷ = w·1, y = 0, L = ½w², g = w, w ← w(1 − η). With η = 3, w doubles in size each step (1, −2, 4, …),
    # all finite; with η = 1e200 after step 0 w = 1 − 1e200 and L_after = ½·1e400 = inf: diverged at step 0.
    calm = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    for _ in range(3):
        calm.step(3.0)
    assert calm.network().weights[0][0, 0] == -8.0 and calm.diverged_at() is None
    calm.step(1e200)
    assert calm.diverged_at() == 3
    assert History(_line(1.0), [[1.0]], [[0.0]], "half_sse").diverged_at() is None
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(1e200)
    assert math.isinf(hist.losses_after[0]) and hist.diverged_at() == 0


def test_epoch_losses_sum_complete_epochs_only():
    # ŷ = 2x, y = 0, one sample a step over x = 1, 2, 3: L_n = ½(2x)² = 2x² = 2, 8, 18 — an epoch sums to 28.
    # η = 0 keeps w; 7 steps are two complete epochs and one step of a third, which is left out.
    hist = History(_line(2.0), [[1.0], [2.0], [3.0]], [[0.0]] * 3, "half_sse", BatchSchedule(3, 1))
    for _ in range(7):
        hist.step(0.0)
    np.testing.assert_array_equal(hist.losses, [2, 8, 18, 2, 8, 18, 2])
    np.testing.assert_array_equal(hist.epoch_losses(), [28.0, 28.0])


def test_phases_of_a_two_layer_step_in_order():
    # the README's order: forward layer 1 … L → loss → backward layer L … 1 → update
    from nnviz.engine import phases

    assert [p.label for p in phases(2)] == [
        "forward layer 1",
        "forward layer 2",
        "loss",
        "backward layer 2",
        "backward layer 1",
        "update",
    ]


def test_record_of_a_step_not_taken_is_refused():
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.5)
    assert hist.record(0).loss_before == 0.5  # ½·1²
    with pytest.raises(IndexError):
        hist.record(1)
    with pytest.raises(IndexError):
        hist.record(-1)


def test_loss_surface_keeps_its_grid_and_centre():
    # ŷ = w·1 + b, y = 0: L(w, b) = ½(w + b)²; at θ = (1, 0) along unit directions: L(1 + α, β) = ½(1 + α + β)²
    from nnviz.engine import loss_surface

    net = _line(1.0, 0.0)
    alphas, betas = np.array([-1.0, 0.0, 1.0]), np.array([0.0, 2.0])
    s = loss_surface(net, [[1.0]], [[0.0]], "half_sse", np.array([1.0, 0.0]), np.array([0.0, 1.0]), alphas, betas)
    np.testing.assert_array_equal(s.alphas, alphas)
    np.testing.assert_array_equal(s.betas, betas)
    np.testing.assert_array_equal(s.center, [1.0, 0.0])
    np.testing.assert_array_equal(s.values, [[0.0, 0.5, 2.0], [2.0, 4.5, 8.0]])
    assert s.values.dtype == np.float64

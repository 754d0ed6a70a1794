"""Engine paths the mutation run found untested by the fast suite, each pinned by a hand computation."""

import math

import numpy as np
import pytest

from nnviz.engine import BatchSchedule, History, Network, network_from_dict, train_step


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


def test_diverged_at_reads_both_losses_and_the_kept_parameters():
    # 1. L before the step is inf and after it finite: ŷ = 1e200·1, L = ½·1e400 = inf; g = ŷ = 1e200, η = 1
    #    gives w = 0 and L_after = 0. The run diverged at step 0 (its loss before).
    h = History(_line(1e200), [[1.0]], [[0.0]], "half_sse")
    h.step(1.0)
    assert math.isinf(h.losses[0]) and h.losses_after[0] == 0.0 and h.diverged_at() == 0
    # 2. parameters overflow while both losses stay finite: ŷ = relu(w·x), x = 10, y = 0, w = 1: g = ŷ·x = 100;
    #    η = 1e307 gives w = 1 − 1e309 = −inf, ŷ = relu(−inf) = 0 and L_after = 0. Only row 1 (the network after
    #    step 0) is non-finite: diverged at step 0.
    relu = Network.from_arrays([[[1.0]]], None, ["relu"])
    h = History(relu, [[10.0]], [[0.0]], "half_sse")
    h.step(1e307)
    assert np.isfinite(h.losses).all() and np.isfinite(h.losses_after).all()
    assert h.network().weights[0][0, 0] == -math.inf and h.diverged_at() == 0
    # 3. the rows tell first, a loss later: as 2 with a second sample x = 0 taken one at a time. Step 0 (x = 10)
    #    makes w = −inf with finite losses; step 1 (x = 0) has z = −inf·0 = nan, a nan loss. First: step 0.
    h = History(relu, [[10.0], [0.0]], [[0.0], [0.0]], "half_sse", BatchSchedule(2, 1))
    h.step(1e307)
    h.step(1.0)
    assert math.isnan(h.losses[1]) and h.diverged_at() == 0
    # 4. a loss first, the rows later: ŷ = w, w = 1, η = 3 doubles |w| (1, −2, 4); step 2 with η = 1e200 gives
    #    w = 4 − 4e200 and L_after = ½·16e400 = inf (step 2), finite w; step 3 with η = 1e200: w − 1e200·w = +inf
    #    (row 4). First: step 2.
    h = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    for lr in (3.0, 3.0, 1e200, 1e200):
        h.step(lr)
    assert math.isinf(h.losses_after[2]) and np.isfinite(h.parameters[3]).all()
    assert not np.isfinite(h.parameters[4]).all() and h.diverged_at() == 2
    # 5. the same step in both: ŷ = w, w = 1e200, η = 1e200 → w = 1e200 − 1e400 = −inf, L_after = inf: step 0
    h = History(_line(1e200), [[1.0]], [[0.0]], "half_sse")
    h.step(1e200)
    assert h.network().weights[0][0, 0] == -math.inf and h.diverged_at() == 0


def test_epoch_losses_sum_the_losses_before_each_step():
    # ŷ = w·1, y = 0, L = ½w², g = w; η = 0.5 halves w each step: w = 1, ½, ¼, ⅛ before steps 0…3, so the losses
    # before are ½, ⅛, 1/32, 1/128 and the losses after ⅛, 1/32, 1/128, 1/512. Two samples (both x = 1), one a
    # step: epochs of two steps sum ½ + ⅛ = 0.625 and 1/32 + 1/128 = 0.0390625.
    hist = History(_line(1.0), [[1.0], [1.0]], [[0.0], [0.0]], "half_sse", BatchSchedule(2, 1))
    for _ in range(4):
        hist.step(0.5)
    np.testing.assert_array_equal(hist.losses_after, [1 / 8, 1 / 32, 1 / 128, 1 / 512])
    np.testing.assert_array_equal(hist.epoch_losses(), [0.625, 0.0390625])


def test_a_thinning_history_keeps_the_stated_steps():
    # one weight, no bias: a row is 8 bytes, max_row_bytes = 32 keeps at most 4 rows. ŷ = w, L = ½w², η = ½: the
    # network after k steps is w = 2⁻ᵏ exactly. Rows kept, step by step (the stride doubles when a 5th row comes;
    # a last row that is not a multiple of the stride is replaced by the next one):
    #   1: 0 1 · 2: 0 1 2 · 3: 0 1 2 3 · 4: 0 1 2 3 4 → stride 2: 0 2 4 · 5: 0 2 4 5 · 6: 0 2 4 6 ·
    #   7: 0 2 4 6 7 → stride 4: 0 4 7 · 8: 0 4 8 · 9: 0 4 8 9
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", max_row_bytes=32)
    assert hist.max_rows == 4
    for _ in range(4):
        hist.step(0.5)
    np.testing.assert_array_equal(hist.kept_steps(), [0, 2, 4])
    assert hist.stride == 2
    for _ in range(5):
        hist.step(0.5)
    np.testing.assert_array_equal(hist.kept_steps(), [0, 4, 8, 9])
    assert hist.stride == 4
    np.testing.assert_array_equal(hist.parameters[:, 0], [1.0, 2.0**-4, 2.0**-8, 2.0**-9])
    assert [k for k in range(-1, 14) if hist.is_kept(k)] == [0, 4, 8, 9]
    # nearest kept step, ties to the earlier one: 1 → 0, 2 (2 from 0 and from 4) → 0, 3 → 4, 6 (tie) → 4, 7 → 8
    assert [hist.nearest_kept(k) for k in range(-1, 12)] == [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 9, 9, 9]
    # every step's network, kept or recomputed, is 2⁻ᵏ; the loss before step k is ½·4⁻ᵏ
    assert [hist.network(k).weights[0][0, 0] for k in range(10)] == [2.0**-k for k in range(10)]
    assert [hist.loss_at(k) for k in range(9)] == [0.5 * 4.0**-k for k in range(9)]
    for k in (-1, 9):
        with pytest.raises(IndexError):
            hist.loss_at(k)


def test_a_thinned_history_with_momentum_replays_its_velocity():
    # with momentum a row is 16 bytes (θ and v); 64 bytes keep 4 rows. Reference: the same run kept in full.
    # ŷ = w, g = w, v ← μv − ηg, w ← w + v with μ = ½, η = ½ from w = 1, by hand: v₁ = −½, w₁ = ½; v₂ = −¼ − ¼ = −½,
    # w₂ = 0; v₃ = −¼, w₃ = −¼; v₄ = −⅛ + ⅛ = 0, w₄ = −¼.
    thin = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5, max_row_bytes=64)
    full = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5)
    for _ in range(9):
        thin.step(0.5)
        full.step(0.5)
    assert thin.stride == 4 and full.stride == 1
    assert [full.network(k).weights[0][0, 0] for k in range(5)] == [1.0, 0.5, 0.0, -0.25, -0.25]
    for k in range(10):
        assert thin.network(k).weights[0][0, 0] == full.network(k).weights[0][0, 0]
    for k in range(9):
        np.testing.assert_array_equal(thin.record(k).update.velocity, full.record(k).update.velocity)


def test_alive_mask_in_flat_order():
    # flat order W1[0,0], W1[1,0], b1[0]: a dead W1[0,0] is 0, the live weight and the bias 1
    net = Network.from_arrays(
        [np.array([[0.0], [0.5]])], [np.array([0.2])], ["identity"], dead=[np.array([[True], [False]])]
    )
    np.testing.assert_array_equal(net._alive_mask(), [0.0, 1.0, 1.0])
    live = Network.from_arrays(
        [np.array([[0.3], [0.5]], np.float32)], [np.array([0.2])], ["identity"], dtype=np.float32
    )
    mask = live._alive_mask()
    np.testing.assert_array_equal(mask, [1.0, 1.0, 1.0])
    assert mask.dtype == np.float32


def test_with_value_keeps_layer_dead_links_bias_mode_and_dtype():
    # a 2-2-1 network with W2[0,0] and W1[1,0] dead; editing W2[0,0] (layer 2, row 0) revives only it
    W1, W2 = np.array([[0.5, 0.25], [0.0, 1.0]]), np.array([[0.0], [2.0]])
    dead = [np.array([[False, False], [True, False]]), np.array([[True], [False]])]
    net = Network.from_arrays([W1, W2], [np.zeros(2), np.zeros(1)], ["tanh", "identity"], "frozen", np.float32, dead)
    e = net.with_value("W2[0,0]", 0.75)
    assert e.weights[1][0, 0] == 0.75 and not e.dead[1][0, 0]
    np.testing.assert_array_equal(e.dead[0], dead[0])  # layer 1's dead link is untouched
    assert e.bias_mode == "frozen" and e.dtype == np.float32
    e = net.with_value("b1[1]", 0.5)  # a bias: every dead link stays dead
    np.testing.assert_array_equal(e.dead[0], dead[0])
    np.testing.assert_array_equal(e.dead[1], dead[1])
    plain = Network.from_arrays([W1], None, ["identity"]).with_value("W1[1,0]", 3.0)
    assert plain.dead is None and plain.weights[0][1, 0] == 3.0


def test_from_dict_sizes_must_be_whole_numbers():
    d = Network.from_arrays([[[1.0], [2.0]]], None, ["identity"]).to_dict()
    assert network_from_dict(d).sizes == [2, 1]
    for bad in ([2.0, 1], [True, 1], "2-1"):
        with pytest.raises(ValueError, match="field 'sizes' must be a list of whole numbers"):
            network_from_dict(d | {"sizes": bad})


def test_loss_surface_reads_integer_grids_and_directions_as_floats():
    # as test_loss_surface_keeps_its_grid_and_centre, given plain integer lists: L(1 + α, β) = ½(1 + α + β)²
    from nnviz.engine import loss_surface

    s = loss_surface(_line(1.0, 0.0), [[1]], [[0]], "half_sse", [1, 0], [0, 1], [-1, 0, 1], [0, 2])
    for a in (s.alphas, s.betas, s.d1, s.d2, s.center, s.values):
        assert a.dtype == np.float64
    np.testing.assert_array_equal(s.values, [[0.0, 0.5, 2.0], [2.0, 4.5, 8.0]])


def test_penalty_by_hand():
    # weights 0.5 and −2 (the bias 3 is not penalised): Σ|w| = 2.5
    net = Network.from_arrays([[[0.5], [-2.0]]], [[3.0]], ["identity"])
    assert net.penalty("l1", 1.0) == 2.5  # rate exactly 1
    assert net.penalty("l1", 0.1) == pytest.approx(0.25, rel=1e-15)
    assert net.penalty("none", 0.5) == 0.0 and net.penalty(None, 0.5) == 0.0
    assert net.penalty("l1", 0.0) == 0.0
    # rate 0 is no penalty even where Σ R(w) overflows: 1e308 + 1e308 = inf, and 0·inf would be nan
    inf = Network.from_arrays([[[1e308], [1e308]]], None, ["identity"])
    with np.errstate(over="ignore"):
        assert inf.penalty("l1", 1.0) == math.inf
    assert inf.penalty("l1", 0.0) == 0.0 and inf.penalty("l2", 0.0) == 0.0


def test_l1_at_rate_0_is_plain_sgd_and_a_weight_landing_on_0_lives():
    # ŷ = w·1, y = 0, half_sse: g = w. w = 0.5, η = 0.5: w = 0.25; with η = 3: w = −1 (crossing 0 through the data
    # gradient alone never kills). L1 at rate 0 has no penalty term (dW_penalty is None).
    net = _line(0.5)
    for lr, want in ((0.5, 0.25), (3.0, -1.0)):
        g = net.backward(net.forward([[1.0]]), [[0.0]], "half_sse", "l1", 0.0)
        after = net.sgd_step(g, lr)
        assert after.weights[0][0, 0] == want and after.dead is None
    # Playground (nn.ts updateWeights) kills a link only when w·w″ < 0. x = 0 (no data gradient), w = −0.01,
    # λ = 0.01, η = 1: w′ = −0.01, w″ = −0.01 − 1·0.01·sign(−0.01) = 0 exactly: w·w″ = 0, the link lives at 0.
    net = Network.from_arrays([[[-0.01], [0.5]]], None, ["identity"])
    g = net.backward(net.forward([[0.0, 1.0]]), [[0.5]], "half_sse", "l1", 0.01)
    after = net.sgd_step(g, 1.0)
    assert after.weights[0][0, 0] == 0.0 and after.dead is None


def test_masks_of_a_network_without_biases():
    net = Network.from_arrays([[[0.0], [2.0]]], None, ["identity"], dead=[[[True], [False]]])
    np.testing.assert_array_equal(net._weight_mask(), [1.0, 1.0])
    np.testing.assert_array_equal(net.trainable_mask(), [False, True])
    # the default is update_biases=True: trainable biases are trainable
    with_b = Network.from_arrays([[[1.0]]], [[0.0]], ["identity"])
    np.testing.assert_array_equal(with_b.trainable_mask(), [True, True])
    np.testing.assert_array_equal(with_b.trainable_mask(False), [True, False])


def test_record_out_of_range_names_the_steps():
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.5)
    hist.step(0.5)
    with pytest.raises(IndexError, match=r"^step 2 is outside 0 … 1$"):
        hist.record(2)


def test_truncating_a_thinned_history():
    # the history of test_a_thinning_history_keeps_the_stated_steps: w = 2⁻ᵏ, kept 0 4 8 9 (stride 4) after 9 steps
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", max_row_bytes=32)
    for _ in range(9):
        hist.step(0.5)
    hist.truncate(6)  # not kept: recomputed from step 4 and kept as the last step
    assert len(hist) == 6 and hist.network().weights[0][0, 0] == 2.0**-6
    np.testing.assert_array_equal(hist.kept_steps(), [0, 4, 6])
    hist.step(0.5)  # 6 was kept only for being last: 0 4 7
    np.testing.assert_array_equal(hist.kept_steps(), [0, 4, 7])
    assert hist.network(7).weights[0][0, 0] == 2.0**-7
    hist.truncate(4)  # a kept step
    np.testing.assert_array_equal(hist.kept_steps(), [0, 4])
    assert len(hist) == 4 and hist.network().weights[0][0, 0] == 2.0**-4
    hist.back(3)  # to step 1
    np.testing.assert_array_equal(hist.kept_steps(), [0, 1])
    assert hist.network().weights[0][0, 0] == 0.5
    hist.truncate(0)  # back to the start: one row, stride 1 again
    for _ in range(2):
        hist.step(0.5)
    np.testing.assert_array_equal(hist.kept_steps(), [0, 1, 2])
    assert hist.stride == 1 and hist.network().weights[0][0, 0] == 0.25


def test_network_files_name_the_bad_field_exactly():
    good = Network.from_arrays([[[1.0], [2.0]]], [[0.5]], ["identity"]).to_dict()
    assert good["sizes"] == [2, 1]  # the file states the layer sizes
    assert network_from_dict({k: v for k, v in good.items() if k != "bias_mode"}).bias_mode == "trainable"
    cases = [
        (good | {"format": "x"}, 'not an nnviz network file (missing "format": "nnviz-network")'),
        (good | {"activations": [1]}, "field 'activations' must be a list of names such as \"sigmoid\""),
        (good | {"activations": "identity"}, "field 'activations' must be a list"),
        (good | {"weights": 1.0}, "field 'weights' must be a list"),
        (good | {"biases": "b"}, "field 'biases' must be a list (or null for no biases)"),
        (good | {"bias_mode": 3}, "field 'bias_mode' must be one of ('trainable', 'frozen', 'none'), got 3"),
    ]
    for d, message in cases:
        with pytest.raises(ValueError) as err:
            network_from_dict(d)
        assert str(err.value) == message
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.5)
    with pytest.raises(IndexError, match=r"^step 1 is outside 0 … 0$"):
        hist.loss_at(1)


def test_dead_links_in_a_file_are_checked_pair_by_pair():
    # a 2-1-1 network: W1 is 2×1 (pairs [i, 0], i < 2), W2 is 1×1 (only [0, 0]); W1[1,0] = 0 may be dead
    good = Network.from_arrays([[[0.5], [0.0]], [[2.0]]], None, ["tanh", "identity"]).to_dict()
    net = network_from_dict(good | {"dead": [[[1, 0]], []]})
    np.testing.assert_array_equal(net.dead[0], [[False], [True]])  # row 1 ≥ the 1 column: still a weight
    layers = "field 'dead' must list the dead weights of each of the 2 layers"
    cases = [
        ({"dead": "x"}, layers),
        ({"dead": [[]]}, layers),
        ({"dead": [5, []]}, "field 'dead', layer 1: None is not the [i, j] of a weight"),
        ({"dead": [[[2, 0]], []]}, "field 'dead', layer 1: [2, 0] is not the [i, j] of a weight"),  # i = rows
        ({"dead": [[[0, 1]], []]}, "field 'dead', layer 1: [0, 1] is not the [i, j] of a weight"),  # j = columns
        ({"dead": [[[1.0, 0]], []]}, "field 'dead', layer 1: [1.0, 0] is not the [i, j] of a weight"),
        ({"dead": [[[1, 0, 0]], []]}, "field 'dead', layer 1: [1, 0, 0] is not the [i, j] of a weight"),
        ({"dead": [[], [[0, 0, 1]]]}, "field 'dead', layer 2: [0, 0, 1] is not the [i, j] of a weight"),
        ({"dead": [[[-1, 0]], []]}, "field 'dead', layer 1: [-1, 0] is not the [i, j] of a weight"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError) as err:
            network_from_dict(good | change)
        assert str(err.value) == message
    with pytest.raises(ValueError, match="could not convert string to float"):
        network_from_dict(good | {"weights": [[["a"], [0.0]], [[2.0]]]})


def test_other_input_messages_exactly():
    net = _line(1.0)
    with pytest.raises(ValueError) as err:
        net.with_parameters([1.0, 2.0])
    assert str(err.value) == "expected 1 parameters, got shape (2,)"
    with pytest.raises(ValueError) as err:
        Network.from_json(b"\xff\xfe{}")
    assert str(err.value) == "the file is not UTF-8 text"


def test_a_long_momentum_history_grows_its_velocity_rows():
    # 20 steps (more than the 16 rows a history starts with): each kept network and velocity equals the
    # chain of train_step calls it replaces (v₀ = 0)
    hist = History(_line(1.0, 0.5), [[1.0]], [[0.0]], "half_sse", momentum=0.5)
    net, v = _line(1.0, 0.5), np.zeros(2)
    for k in range(20):
        hist.step(0.1)
        rec = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1, momentum=0.5, velocity=v)
        net, v = rec.after, rec.update.velocity
        np.testing.assert_array_equal(hist.network(k + 1).parameter_vector(), net.parameter_vector())
        np.testing.assert_array_equal(hist.record(k).update.velocity, v)


def test_with_value_revives_the_named_layers_link():
    # W2[1,0] (layer 2, row 1) dead, and W1[1,0] (layer 1, row 1) dead: editing W2[1,0] revives only layer 2's
    W1, W2 = np.array([[0.5, 0.25], [0.0, 1.0]]), np.array([[2.0], [0.0]])
    dead = [np.array([[False, False], [True, False]]), np.array([[False], [True]])]
    net = Network.from_arrays([W1, W2], None, ["tanh", "identity"], dead=dead)
    e = net.with_value("W2[1,0]", 0.75)
    assert e.weights[1][1, 0] == 0.75
    np.testing.assert_array_equal(e.dead[0], dead[0])
    assert e.dead[1] is None or not e.dead[1].any()


def test_truncating_a_thinned_momentum_history_to_a_dropped_step_keeps_its_velocity():
    # as test_a_thinned_history_with_momentum_replays_its_velocity: 9 steps thin to kept 0 4 8 9; truncating to
    # step 6 (not kept) recomputes the network and the velocity there; stepping on must match the full history
    thin = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5, max_row_bytes=64)
    full = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5)
    for _ in range(9):
        thin.step(0.5)
        full.step(0.5)
    thin.truncate(6)
    full.truncate(6)
    for _ in range(3):
        a, b = thin.step(0.5), full.step(0.5)
        np.testing.assert_array_equal(a.update.velocity, b.update.velocity)
        assert a.after.weights[0][0, 0] == b.after.weights[0][0, 0]


def test_with_parameters_keeps_frozen_biases_and_masks_are_named():
    net = _line(1.0, 0.5, "frozen")
    assert net.with_parameters([2.0, 0.25]).bias_mode == "frozen"
    with pytest.raises(ValueError) as err:
        Network.from_arrays([[[0.0]], [[1.0]]], None, ["tanh", "identity"], dead=[[[False]], [[True, False]]])
    assert str(err.value) == "dead-link mask 2 must have shape (1, 1), got (1, 2)"


def test_gradient_check_defaults_to_half_sse():
    # ŷ = w·x with w = 2, x = 3, y = 0: half_sse L = ½(6)², ∂L/∂w = ŷ·x = 18 (mse would give 2·6·3 = 36)
    from nnviz.engine import gradient_check

    check = gradient_check(_line(2.0), [[3.0]], [[0.0]])
    assert check.numerical[0] == pytest.approx(18.0, rel=1e-8) and check.analytic[0] == 18.0

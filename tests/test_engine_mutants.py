"""Engine checks the mutation run found missing: every input message as the user reads it (the whole
sentence), and the bookkeeping of History (sizes, limits, optimiser state) pinned by hand-computed numbers.

Each message test states the exact text: a mutant that garbles a word, a number or the layer it names
fails it (a match on the exception type alone let those through).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nnviz import engine
from nnviz.engine import History, Network

ACTS = "['identity', 'leaky_relu', 'relu', 'sigmoid', 'softmax', 'tanh']"  # the registry's names, sorted


def _raises(message: str, exc: type[Exception] = ValueError):
    """pytest.raises matching the whole message, character for character."""
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


def _net(ws, bs=None, acts=None, **kw) -> Network:
    return Network.from_arrays(ws, bs, acts or ["identity"] * len(ws), **kw)


# -- _validate: what a network must be -----------------------------------------------------------------


def test_network_shape_messages_name_the_layer_and_the_shapes():
    w21, w11 = np.ones((2, 1)), np.ones((1, 1))
    with _raises("a network needs at least one layer"):
        _net([], acts=[])
    with _raises("1 weight matrices need 1 activations, got 2"):
        _net([w21], acts=["identity", "identity"])
    with _raises(f"unknown activation 'relu6' in layer 2; choose one of {ACTS}"):
        _net([w21, w11], acts=["tanh", "relu6"])
    with _raises("softmax is only allowed on the output layer"):
        _net([w21, w11], acts=["softmax", "identity"])
    assert _net([w21, w11], acts=["tanh", "softmax"]).activations == ["tanh", "softmax"]  # last layer: allowed
    with _raises("W1 must be a non-empty 2-D array, got shape (2,)"):
        _net([np.ones(2)])
    with _raises("W2 must be a non-empty 2-D array, got shape (1, 0)"):
        _net([w21, np.ones((1, 0))])
    with _raises("W2 must be a non-empty 2-D array, got shape (0, 1)"):
        _net([w21, np.ones((0, 1))])
    with _raises("shapes do not chain: W1 is (2, 3) but W2 is (2, 1)"):
        _net([np.ones((2, 3)), np.ones((2, 1))])
    with _raises("shapes do not chain: W2 is (1, 2) but W3 is (1, 1)"):
        _net([w21, np.ones((1, 2)), w11])
    # one layer of any shape chains with nothing (layer 1 has no layer before it)
    assert _net([np.ones((2, 3))]).sizes == [2, 3]
    assert _net([np.ones((3, 2)), np.ones((2, 4))]).sizes == [3, 2, 4]


def test_non_finite_parameters_are_refused_by_layer():
    for bad in (np.nan, np.inf, -np.inf):
        with _raises("W2 contains non-finite numbers"):
            _net([np.ones((2, 1)), np.array([[bad]])])
        with _raises("W1 contains non-finite numbers"):
            _net([np.array([[1.0], [bad]])])
        with _raises("b1 contains non-finite numbers"):
            _net([np.ones((2, 2))], [np.array([0.0, bad])])
        with _raises("b2 contains non-finite numbers"):
            _net([np.ones((2, 1)), np.ones((1, 1))], [np.zeros(1), np.array([bad])])


def test_bias_messages_name_the_layer_and_the_shapes():
    w = [np.ones((2, 1)), np.ones((1, 3))]
    with _raises("2 layers need 2 bias vectors, got 1"):
        _net(w, [np.zeros(1)])
    with _raises("b2 must have shape (3,), got (2,)"):
        _net(w, [np.zeros(1), np.zeros(2)])
    with _raises("b1 must have shape (1,), got (1, 1)"):
        _net(w, [np.zeros((1, 1)), np.zeros(3)])


def test_the_parameter_limit_is_one_million_weights_and_biases_counted_together():
    # 1000 × 1000 weights = 1,000,000 parameters: at the limit, allowed; 1000 biases more: 1,001,000, refused;
    # 999 × 1000 weights + 1000 biases = 999,000 + 1,000 = 1,000,000: allowed
    assert _net([np.zeros((1000, 1000))]).n_parameters == 1_000_000
    with _raises("1,001,000 parameters is more than the limit of 1,000,000"):
        _net([np.zeros((1000, 1000))], [np.zeros(1000)])
    assert _net([np.zeros((999, 1000))], [np.zeros(1000)]).n_parameters == 1_000_000
    with _raises("1,000,001 parameters is more than the limit of 1,000,000"):
        _net([np.zeros((1, 1)), np.zeros((1, 1_000_000))])


# -- from_arrays: bias modes, dtype, copies ----------------------------------------------------------


def test_bias_mode_messages_and_defaults():
    w = [np.ones((1, 1))]
    with _raises("bias_mode must be one of ('trainable', 'frozen', 'none'), not 'maybe'"):
        _net(w, [np.zeros(1)], bias_mode="maybe")
    with _raises("biases=None goes with bias_mode='none' and only with it"):
        _net(w, None, bias_mode="trainable")
    with _raises("biases=None goes with bias_mode='none' and only with it"):
        _net(w, None, bias_mode="frozen")
    with _raises("biases=None goes with bias_mode='none' and only with it"):
        _net(w, [np.zeros(1)], bias_mode="none")
    assert _net(w, [np.zeros(1)]).bias_mode == "trainable"  # biases given, no mode: trainable
    assert _net(w).bias_mode == "none"  # no biases, no mode: none
    assert _net(w, [np.zeros(1)], bias_mode="frozen").bias_mode == "frozen"
    assert _net(w, None, bias_mode="none").biases is None


def test_from_arrays_copies_converts_and_freezes():
    w = np.array([[1.5], [2.5]])  # float64, 2×1
    b = np.array([0.25])
    net = _net([w], [b], acts=[np.str_("tanh")], dtype=np.float32)
    w[0, 0] = b[0] = 99.0  # the caller's arrays change afterwards: the network keeps its copy
    assert net.weights[0].dtype == np.float32 and net.biases[0].dtype == np.float32
    np.testing.assert_array_equal(net.weights[0], [[1.5], [2.5]])
    np.testing.assert_array_equal(net.biases[0], [0.25])
    assert not net.weights[0].flags.writeable and not net.biases[0].flags.writeable
    assert net.weights[0].flags.c_contiguous
    assert net.activations == ["tanh"] and type(net.activations[0]) is str
    assert _net([[[1]]]).weights[0].dtype == np.float64  # integer lists become float64 by default
    # Fortran-ordered input is stored in C order (History rebuilds C-ordered arrays from flat rows)
    assert _net([np.asfortranarray(np.ones((3, 2)))]).weights[0].flags.c_contiguous


# -- _dead_masks ------------------------------------------------------------------------------------


def test_dead_link_mask_messages():
    ws = [np.array([[0.0], [1.0]]), np.array([[0.0]])]
    with _raises("2 layers need 2 dead-link masks, got 1"):
        _net(ws, dead=[np.zeros((2, 1), bool)])
    with _raises("dead-link mask 2 must have shape (1, 1), got (1,)"):
        _net(ws, dead=[np.zeros((2, 1), bool), np.zeros(1, bool)])
    with _raises("layer 1: a dead weight must be 0"):
        _net(ws, dead=[[[False], [True]], [[False]]])  # W1[1,0] = 1 is not 0
    with _raises("layer 2: a dead weight must be 0"):
        _net([ws[0], np.array([[3.0]])], dead=[[[True], [False]], [[True]]])


def test_dead_link_masks_are_bool_copies_and_read_only():
    ws = [np.array([[0.0], [1.0]]), np.array([[0.0]])]
    given = [np.array([[1], [0]]), np.array([[0]])]  # integers 1/0: read as True/False, not as indices
    net = _net(ws, dead=given)
    assert [m.dtype for m in net.dead] == [np.dtype(bool), np.dtype(bool)]
    np.testing.assert_array_equal(net.dead[0], [[True], [False]])
    np.testing.assert_array_equal(net.dead[1], [[False]])
    given[0][1, 0] = 1  # the caller's mask changes afterwards: the network keeps its copy
    np.testing.assert_array_equal(net.dead[0], [[True], [False]])
    assert not any(m.flags.writeable for m in net.dead)
    assert _net(ws, dead=[np.zeros((2, 1), bool), np.zeros((1, 1), bool)]).dead is None  # nothing dead: None
    only_second = _net(ws, dead=[np.zeros((2, 1), bool), np.ones((1, 1), bool)])
    np.testing.assert_array_equal(only_second.dead[1], [[True]])  # one dead link anywhere keeps all masks


# -- History: inputs ---------------------------------------------------------------------------------


def _line(w=1.0, b=None, **kw) -> Network:
    """ŷ = w·x (+ b): one identity neuron."""
    return Network.from_arrays([[[w]]], None if b is None else [[b]], ["identity"], **kw)


def test_history_input_messages():
    net = _line()
    with _raises("X has 2 rows but Y has 1"):
        History(net, [[1.0], [2.0]], [[0.0]], "half_sse")
    wide = Network.from_arrays([np.ones((1, 3))], None, ["identity"])  # 3 outputs: rows ≠ columns
    with _raises("X has 2 rows but Y has 1"):
        History(wide, [[1.0], [2.0]], [[0.0, 0.0, 0.0]], "half_sse")
    with _raises("momentum: momentum must be below 1, got 2.0"):  # the optimiser's values are checked at once
        History(net, [[1.0]], [[0.0]], "half_sse", optimizer="momentum", optimizer_hyper={"momentum": 2})
    with _raises("X must have shape (batch, 1), got (1, 2)"):
        History(net, [[1.0, 2.0]], [[0.0]], "half_sse")
    with _raises("Y must have shape (batch, 1), got (1, 2)"):
        History(net, [[1.0]], [[0.0, 1.0]], "half_sse")
    for rate in (-0.1, float("nan"), float("inf")):
        with _raises(f"the regularization rate must be finite and ≥ 0, got {rate!r}"):
            History(net, [[1.0]], [[0.0]], "half_sse", regularization="l2", regularization_rate=rate)
    with _raises("unknown regularization 'l3'; choose one of ['l1', 'l2', 'none']"):
        History(net, [[1.0]], [[0.0]], "half_sse", regularization="l3")
    with _raises("give momentum= or optimizer=, not both"):
        History(net, [[1.0]], [[0.0]], "half_sse", momentum=0.9, optimizer="adam")
    with _raises("the learning rate is given per step, not in optimizer_hyper"):
        History(net, [[1.0]], [[0.0]], "half_sse", optimizer="adam", optimizer_hyper={"learning_rate": 0.1})
    with _raises("loss 'cross_entropy' needs a softmax output layer, but the output layer is identity"):
        History(net, [[1.0]], [[0.0]], "cross_entropy")
    adam = History(net, [[1.0]], [[0.0]], "half_sse", optimizer="adam")
    with _raises("a 'adam' state cannot start a 'rmsprop' run"):
        History(net, [[1.0]], [[0.0]], "half_sse", optimizer="rmsprop", optimizer_state=adam.optimizer_state())
    # rate 0 and the "none" regulariser are fine; the rate is kept as a float
    hist = History(net, [[1.0]], [[0.0]], "half_sse", regularization="none", regularization_rate=0)
    assert hist.regularization_rate == 0.0 and type(hist.regularization_rate) is float


# -- batched_loss, gradient_check, loss_surface: many parameter vectors at once --------------------------


def test_batched_loss_by_hand_in_every_chunking():
    # ŷ = w·x + b on X = (1, 2), Y = (0, 1), half_sse L = ½Σ(ŷ − y)²:
    # θ = (1, 0): ŷ = (1, 2), errors (1, 1), L = 1;  θ = (2, 1): ŷ = (3, 5), errors (3, 4), L = 12.5;
    # θ = (0, 0): errors (0, −1), L = 0.5.  A point needs 2 samples × 1 + 2 parameters = 4 numbers, so
    # chunk_elems 1 … 4 is one θ a chunk, 8 is two (a full chunk, then one), 12 all three.
    net = _line(0.0, 0.0)
    thetas = [[1.0, 0.0], [2.0, 1.0], [0.0, 0.0]]
    for chunk_elems in (1, 4, 7, 8, 12, 2_000_000):
        out = engine.batched_loss(net, thetas, [[1.0], [2.0]], [[0.0], [1.0]], "half_sse", chunk_elems)
        np.testing.assert_array_equal(out, [1.0, 12.5, 0.5])
        assert out.dtype == np.float64
    # one θ given as a flat vector; the default loss is half_sse: θ = (1, 0) on X = (1, 2, 3), Y = 0 has
    # errors (1, 2, 3): ½·14 = 7 (mse would be 14/3)
    X3, Y3 = [[1.0], [2.0], [3.0]], [[0.0]] * 3
    assert engine.batched_loss(net, [1.0, 0.0], X3, Y3).tolist() == [7.0]
    assert engine.batched_loss(net, [1.0, 0.0], X3, Y3, "mse")[0] == pytest.approx(14 / 3, rel=1e-15)
    # a 1-D input row is one sample: ŷ = 2·3 + 0 = 6, L = ½·6² = 18
    assert engine.batched_loss(net, [2.0, 0.0], [3.0], [0.0]).tolist() == [18.0]


def test_batched_loss_of_a_two_layer_network_without_biases_by_hand():
    # 1-2-1 identity network, no biases, θ = (W1[0,0], W1[0,1], W2[0,0], W2[1,0]); x = 1, y = 0:
    # ŷ = x·(W1[0,0]·W2[0,0] + W1[0,1]·W2[1,0]).  θ = (1, 2, 3, 4): ŷ = 3 + 8 = 11, L = 60.5;
    # θ = (1, 0, 1, 0): ŷ = 1, L = 0.5; θ = (0, 1, 5, −2): ŷ = −2, L = 2.
    net = Network.from_arrays([np.zeros((1, 2)), np.zeros((2, 1))], None, ["identity", "identity"])
    thetas = [[1, 2, 3, 4], [1, 0, 1, 0], [0, 1, 5, -2]]
    for chunk_elems in (1, 5, 2_000_000):  # a point: 1 sample × 2 (the widest layer) + 4 parameters = 6
        out = engine.batched_loss(net, thetas, [[1.0]], [[0.0]], "half_sse", chunk_elems)
        np.testing.assert_array_equal(out, [60.5, 0.5, 2.0])
    # with biases: 1-1-1 tanh → identity, θ = (W1, b1, W2, b2) = (1, −1, 2, 0.5), x = 1: a1 = tanh 0 = 0,
    # ŷ = 2·0 + 0.5 = 0.5, y = 1: L = ½·0.25 = 0.125; θ = (0, 0, 0, 3): ŷ = 3, L = 2
    net = Network.from_arrays([[[0.0]], [[0.0]]], [[0.0], [0.0]], ["tanh", "identity"])
    out = engine.batched_loss(net, [[1, -1, 2, 0.5], [0, 0, 0, 3]], [[1.0]], [[1.0]], "half_sse", 1)
    np.testing.assert_array_equal(out, [0.125, 2.0])


def test_batched_loss_overflows_quietly_to_inf():
    # θ = 1e200: ŷ = 1e200, ½ŷ² overflows to inf — a diverged point of a loss surface, no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = engine.batched_loss(_line(0.0, 0.0), [[1e200, 0.0], [1.0, 0.0]], [[1.0]], [[0.0]])
    assert out[0] == np.inf and out[1] == 0.5
    # x = (10, −10) with both weights 1e308: z = inf − inf = nan (NumPy's "invalid"), also without a warning
    net2 = Network.from_arrays([[[0.0], [0.0]]], None, ["identity"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = engine.batched_loss(net2, [[1e308, 1e308]], [[10.0, -10.0]], [[0.0]])
    assert math.isnan(out[0])


def test_batched_loss_refuses_a_loss_the_output_cannot_take():
    with _raises("loss 'cross_entropy' needs a softmax output layer, but the output layer is identity"):
        engine.batched_loss(_line(1.0), [[1.0]], [[1.0]], [[0.0]], "cross_entropy")
    with _raises("X must have shape (batch, 1), got (1, 2)"):
        engine.batched_loss(_line(1.0), [[1.0]], [[1.0, 2.0]], [[0.0]])
    with _raises("Y must have shape (batch, 1), got (1, 2)"):
        engine.batched_loss(_line(1.0), [[1.0]], [[1.0]], [[0.0, 1.0]])


def test_summed_sums_each_networks_samples():
    # _summed turns a per-sample loss (…, B) into one total per stacked network (…,): here the per-sample
    # values of two networks over three samples, (1, 2, 3) and (10, 20, 30), sum to 6 and 60
    per = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    total = engine._summed(lambda z, a, y: per + 0 * z.sum() + 0 * a.sum() + 0 * y.sum())
    np.testing.assert_array_equal(total(np.zeros(1), np.zeros(1), np.zeros(1)), [6.0, 60.0])
    one = engine._summed(lambda z, a, y: np.array([1.0, 2.0, 3.0]))  # one network's (B,) shares: one total
    assert one(None, None, None) == 6.0
    # and the registry's half_sse total is ½Σ(a − y)² over each network's batch: ½(1 + 4) = 2.5, ½·9 = 4.5
    a = np.array([[[1.0], [2.0]], [[3.0], [0.0]]])
    np.testing.assert_array_equal(engine._summed(engine._half_sse_per_sample)(a, a, np.zeros((2, 1))), [2.5, 4.5])


def test_gradient_check_by_hand_with_l2_and_float32():
    # ŷ = w·x + b, w = 2, b = 1, x = 1, y = 0: L = ½(3)² = 4.5, ∂L/∂w = ∂L/∂b = 3.  Playground's L2 at
    # λ = 0.5 adds λ·½w² (the weights only): ∂/∂w = λw = 1, so ∂L/∂w = 4, ∂L/∂b stays 3.
    net = _line(2.0, 1.0)
    check = engine.gradient_check(net, [[1.0]], [[0.0]], regularization="l2", regularization_rate=0.5)
    assert check.names == ["W1[0,0]", "b1[0]"]
    np.testing.assert_allclose(check.numerical, [4.0, 3.0], rtol=1e-8)
    np.testing.assert_allclose(check.analytic, [4.0, 3.0], rtol=1e-15)
    # rate 0 or no regulariser: the plain gradient (3, 3)
    for reg, rate in (("l2", 0.0), (None, 0.5), ("none", 0.5)):
        check = engine.gradient_check(net, [[1.0]], [[0.0]], regularization=reg, regularization_rate=rate)
        np.testing.assert_allclose(check.numerical, [3.0, 3.0], rtol=1e-8)
    check = engine.gradient_check(net, [[1.0]], [[0.0]], regularization="l2")  # no rate given: λ = 0
    np.testing.assert_allclose(check.numerical, [3.0, 3.0], rtol=1e-8)
    # a float32 network is checked in float64 (float32 differences at ε = 1e-6 would be noise), frozen biases
    # and dead links kept: W1[0,1] = 0 is dead; ŷ = 2·1 + 0·1 + 1 = 3 with x = (1, 1): ∂L/∂W1[0,1] = 3
    net32 = Network.from_arrays([[[2.0], [0.0]]], [[1.0]], ["identity"], "frozen", np.float32, dead=[[[False], [True]]])
    check = engine.gradient_check(net32, [[1.0, 1.0]], [[0.0]], eps=1e-6)
    np.testing.assert_allclose(check.numerical, [3.0, 3.0, 3.0], rtol=1e-8)
    assert check.analytic.dtype == np.float64 and check.max_relative_error < 1e-8
    # ε is the step: with ε = 0.5 the central difference of the quadratic L is still exact
    np.testing.assert_allclose(engine.gradient_check(net, [[1.0]], [[0.0]], eps=0.5).numerical, [3.0, 3.0])


# -- History: sizes, the optimiser's state, edits --------------------------------------------------


def test_history_row_budget_by_hand():
    # a row is the parameters (n × itemsize) plus the optimiser's buffers (slots × n × 8 with an optimiser,
    # which keeps float64 buffers; History's own momentum keeps its velocity in the network's dtype)
    X, Y = [[1.0]], [[0.0]]
    n2 = _line(1.0, 0.0)  # n = 2 parameters, float64
    assert History(n2, X, Y, "half_sse", max_row_bytes=640).max_rows == 640 // 16  # 2·8 = 16 B a row
    assert History(n2, X, Y, "half_sse", momentum=0.5, max_row_bytes=640).max_rows == 640 // 32  # + 2·8
    assert History(n2, X, Y, "half_sse", optimizer="adam", max_row_bytes=640).max_rows == 640 // 48  # + 2·2·8
    f32 = _line(1.0, 0.0, dtype=np.float32)
    assert History(f32, X, Y, "half_sse", max_row_bytes=400).max_rows == 400 // 8  # 2·4
    assert History(f32, X, Y, "half_sse", momentum=0.5, max_row_bytes=400).max_rows == 400 // 16  # 2·4 + 2·4
    assert History(f32, X, Y, "half_sse", optimizer="adam", max_row_bytes=400).max_rows == 400 // 40  # 8 + 32
    assert History(n2, X, Y, "half_sse", max_row_bytes=47).max_rows == 3  # 47 // 16 = 2, but at least 3
    assert History(n2, X, Y, "half_sse", max_row_bytes=64).max_rows == 4
    assert History(n2, X, Y, "half_sse", max_steps=7.0).max_steps == 7


def test_history_memory_and_full_message_by_hand():
    # momentum history of ŷ = w·x + b (2 parameters), 2 steps: 3 rows × (2 + 2) × 8 B = 96, the per-step
    # scalars 3 × 8 × 2 = 48, the died-at counters 2 × 8 = 16: 160 bytes
    hist = History(_line(1.0, 0.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5, max_steps=2)
    hist.step(0.1)
    hist.step(0.1)
    assert hist.nbytes == 160 and hist.full
    with _raises("the history holds at most 2 steps; Reset to start again", engine.HistoryFull):
        hist.step(0.1)
    big = History(_line(1.0), [[1.0]], [[0.0]], "half_sse", max_steps=1234)
    for _ in range(1234):
        big.step(0.0)
    with _raises("the history holds at most 1,234 steps; Reset to start again", engine.HistoryFull):
        big.step(0.0)
    assert len(big) == 1234 and big.losses.shape == (1234,)


def test_history_optimizer_state_by_hand():
    # ŷ = w·x + b from (w, b) = (1, 0), x = 1, y = 0, half_sse: g = (ŷ, ŷ). SGD + momentum, μ = 0.5, η = 0.1:
    # step 0: ŷ = 1, v = 0.5·0 + 1 = (1, 1), θ = (1, 0) − 0.1·(1, 1) = (0.9, −0.1)
    # step 1: ŷ = 0.8, v = 0.5·1 + 0.8 = (1.3, 1.3), θ = (0.9 − 0.13, −0.1 − 0.13) = (0.77, −0.23)
    hist = History(
        _line(1.0, 0.0), [[1.0]], [[0.0]], "half_sse", optimizer="momentum", optimizer_hyper={"momentum": 0.5}
    )
    assert hist.optimizer_state().step == 0 and hist.optimizer_state().name == "momentum"
    np.testing.assert_array_equal(hist.optimizer_state(0).slots["velocity"], [0.0, 0.0])
    hist.step(0.1)
    hist.step(0.1)
    np.testing.assert_allclose(hist.network().parameter_vector(), [0.77, -0.23], rtol=1e-15)
    expected = {0: [0.0, 0.0], 1: [1.0, 1.0], 2: [1.3, 1.3]}
    for k, v in expected.items():
        state = hist.optimizer_state(k)
        assert state.step == k and list(state.slots) == ["velocity"]
        np.testing.assert_allclose(state.slots["velocity"], v, rtol=1e-15)
        assert state.slots["velocity"].dtype == np.float64 and not state.slots["velocity"].flags.writeable
    assert hist.optimizer_state().step == 2
    with _raises("step 3 is outside 0 … 2", IndexError):
        hist.optimizer_state(3)
    with _raises("step -1 is outside 0 … 2", IndexError):
        hist.optimizer_state(-1)
    assert History(_line(1.0), [[1.0]], [[0.0]], "half_sse").optimizer_state() is None  # plain SGD: no state
    assert History(_line(1.0), [[1.0]], [[0.0]], "half_sse", momentum=0.5).optimizer_state() is None


def test_history_resumes_a_loaded_optimizer_state():
    # a loaded file's momentum state: 5 steps taken, velocity (2, 0). Step 0 of the new run:
    # ŷ = 1, v = 0.5·(2, 0) + (1, 1) = (2, 1), θ = (1 − 0.2, 0 − 0.1) = (0.8, −0.1); the state after it is step 6
    from nnviz.optim import OptimizerState

    start = OptimizerState("momentum", 5, {"velocity": np.array([2.0, 0.0])})
    hyper = {"momentum": 0.5}
    hist = History(
        _line(1.0, 0.0),
        [[1.0]],
        [[0.0]],
        "half_sse",
        optimizer="momentum",
        optimizer_hyper=hyper,
        optimizer_state=start,
    )
    assert hist.optimizer_state(0).step == 5
    np.testing.assert_array_equal(hist.optimizer_state(0).slots["velocity"], [2.0, 0.0])
    rec = hist.step(0.1)
    np.testing.assert_allclose(rec.after.parameter_vector(), [0.8, -0.1], rtol=1e-15)
    assert rec.opt_before.step == 5 and rec.opt_after.step == 6
    np.testing.assert_array_equal(hist.optimizer_state(1).slots["velocity"], [2.0, 1.0])
    assert hist.optimizer_state(1).step == 6
    # Adam's bias correction reads the step count: after t = 5 loaded steps the 6th divides by 1 − β^6.
    # From m = v = 0 (so m = (1 − β1)·g, v = (1 − β2)·g²) with g = 1: m̂ = 0.1/(1 − 0.9⁶), v̂ = 0.001/(1 − 0.999⁶),
    # Δw = −η·m̂/(√v̂ + ε)
    zero = {"exp_avg": np.zeros(2), "exp_avg_sq": np.zeros(2)}
    adam = History(
        _line(1.0, 0.0), [[1.0]], [[0.0]], "half_sse", optimizer="adam", optimizer_state=OptimizerState("adam", 5, zero)
    )
    m_hat, v_hat = 0.1 / (1 - 0.9**6), 0.001 / (1 - 0.999**6)
    step = -0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(adam.step(0.01).after.parameter_vector(), [1 + step, step], rtol=1e-12)
    np.testing.assert_allclose(adam.optimizer_state(1).slots["exp_avg"], [0.1, 0.1], rtol=1e-15)
    np.testing.assert_allclose(adam.optimizer_state(1).slots["exp_avg_sq"], [0.001, 0.001], rtol=1e-12)


def test_history_optimizer_with_frozen_biases_and_l2_by_hand():
    # SGD + momentum μ = 0.5 with update_biases=False and L2 at λ = 0.5 (R = ½w², the weights only):
    # (w, b) = (1, 0), x = 1, y = 0: ŷ = 1, g_w = ŷ + λw = 1.5, the bias is not updated:
    # w = 1 − 0.1·1.5 = 0.85, b = 0. L before = ½·1 + 0.5·½·1 = 0.75; after: ŷ = 0.85,
    # ½·0.7225 + 0.25·0.7225 = 0.541875
    hist = History(
        _line(1.0, 0.0),
        [[1.0]],
        [[0.0]],
        "half_sse",
        update_biases=False,
        optimizer="momentum",
        optimizer_hyper={"momentum": 0.5},
        regularization="l2",
        regularization_rate=0.5,
    )
    rec = hist.step(0.1)
    np.testing.assert_allclose(rec.after.parameter_vector(), [0.85, 0.0], rtol=1e-15)
    assert rec.loss_before == pytest.approx(0.75, rel=1e-15)
    assert rec.loss_after == pytest.approx(0.541875, rel=1e-15)
    assert hist.losses_after[0] == pytest.approx(0.541875, rel=1e-15)
    # the same without an optimiser (History's own SGD), frozen biases and L2: the same numbers
    plain = History(
        _line(1.0, 0.0), [[1.0]], [[0.0]], "half_sse", update_biases=False, regularization="l2", regularization_rate=0.5
    )
    rec = plain.step(0.1)
    np.testing.assert_allclose(rec.after.parameter_vector(), [0.85, 0.0], rtol=1e-15)
    assert rec.loss_after == pytest.approx(0.541875, rel=1e-15)


def test_history_records_the_batch_and_learning_rate_of_each_step():
    # one sample a step over x = 1, 2, 3 (y = 0), η = 0 keeps w = 2: step k uses sample k mod 3,
    # L = ½(2x)² = 2, 8, 18
    hist = History(_line(2.0), [[1.0], [2.0], [3.0]], [[0.0]] * 3, "half_sse", engine.BatchSchedule(3, 1))
    for lr in (0.0, 0.0, 0.0, 0.0):
        hist.step(lr)
    for k, (i, loss) in enumerate([(0, 2.0), (1, 8.0), (2, 18.0), (0, 2.0)]):
        rec = hist.record(k)
        assert rec.indices.tolist() == [i] and rec.loss_before == loss and rec.learning_rate == 0.0
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.25)
    hist.step(0.5)
    assert hist.learning_rates.tolist() == [0.25, 0.5] and hist.record(1).learning_rate == 0.5
    # w: 1 → 1 − 0.25·1 = 0.75 → 0.75 − 0.5·0.75 = 0.375; the record of step 1 starts at 0.75
    assert hist.record(1).before.weights[0][0, 0] == 0.75 and hist.network(2).weights[0][0, 0] == 0.375


def test_edit_messages_and_bookkeeping():
    hist = History(_line(1.0, 0.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.5)  # ŷ = 1, g = (1, 1): (w, b) = (1 − 0.5, 0 − 0.5) = (0.5, −0.5)
    with _raises("no parameter called 'W9[0,0]'"):
        hist.edit("W9[0,0]", 1.0)
    with _raises("b1[0] must be a finite number, got nan"):
        hist.edit("b1[0]", float("nan"))
    with _raises("W1[0,0] must be a finite number, got inf"):
        hist.edit("W1[0,0]", "inf")
    edited = hist.edit("W1[0,0]", 2)
    assert edited.parameter_vector().tolist() == [2.0, -0.5] and hist.network().parameter_vector().tolist() == [
        2.0,
        -0.5,
    ]
    assert hist.edits() == {1: [("W1[0,0]", 2.0)]} and type(hist.edits()[1][0][1]) is float
    hist.edit("b1[0]", 0.0)
    assert hist.edits() == {1: [("W1[0,0]", 2.0), ("b1[0]", 0.0)]}
    # the next step starts from (2, 0): ŷ = 2, w = 2 − 0.5·2 = 1, b = 0 − 0.5·2 = −1
    rec = hist.step(0.5)
    assert rec.before.parameter_vector().tolist() == [2.0, 0.0] and rec.after.parameter_vector().tolist() == [1.0, -1.0]
    assert hist.record(1).loss_before == 2.0 and hist.record(0).after.parameter_vector().tolist() == [0.5, -0.5]
    # a dead link (Playground's rule): L1 at λ = 1, η = 1, w = 0.5, x = 1, y = 0.4 (no bias): the data step
    # w′ = 0.5 − 1·(0.5 − 0.4) = 0.4, the penalty step w″ = 0.4 − 1·1·sign(0.5) = −0.6 crosses 0: w = 0, dead
    # after step 1
    l1 = History(_line(0.5), [[1.0]], [[0.4]], "half_sse", regularization="l1", regularization_rate=1.0)
    l1.step(1.0)
    assert l1.network().weights[0][0, 0] == 0.0 and l1.died_at().tolist() == [1]
    # editing it brings it back: alive at 1.0 after step 1, dead in between (the span (1, 1) is empty)
    assert l1.edit("W1[0,0]", 1.0).dead is None and l1.died_at().tolist() == [-1] and l1.revived() == {}
    # step 2 from w = 1: data step 1 − 1·(1 − 0.4) = 0.4, penalty 0.4 − 1 = −0.6 crosses 0 again: dead after 2
    l1.step(1.0)
    assert l1.network().weights[0][0, 0] == 0.0 and l1.died_at().tolist() == [2]
    assert l1.death("W1[0,0]") == 2 and l1.death("W1[0,0]", 1) is None and l1.death("W9[0,0]") is None
    assert History(_line(0.5), [[1.0]], [[0.0]], "half_sse").died_at().tolist() == [-1]


# -- activations and losses at their edges ------------------------------------------------------------


def test_softmax_shifts_each_row_by_its_own_max():
    # softmax(z) = softmax(z − max z) row by row: a row at −1000 is (½, ½) like a row at 0; a shift by the
    # batch's max instead would underflow it to 0/0
    a = engine.ACTIVATIONS["softmax"].forward(np.array([[0.0, 0.0], [-1000.0, -1000.0], [1000.0, 999.0]]))
    e = 1 / (1 + math.exp(-1))  # the last row: e^1/(e^1 + e^0)
    np.testing.assert_allclose(a, [[0.5, 0.5], [0.5, 0.5], [e, 1 - e]], rtol=1e-15)


def test_sigmoid_is_bounded_below_at_minus_500():
    # the engine evaluates σ(max(z, −500)) (exp(500) is finite, exp(1000) is not): below −500 the value is
    # σ(−500) = 1/(1 + e^500) ≈ 7.1e−218, and no overflow warning is raised
    import warnings

    floor = 1 / (1 + math.exp(500))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = engine.ACTIVATIONS["sigmoid"].forward(np.array([-1000.0, -600.0, -500.0, 0.0, 800.0]))
    np.testing.assert_array_equal(a[:3], [floor, floor, floor])
    assert a[3] == 0.5 and a[4] == 1.0


def test_binary_cross_entropy_records_dl_dyhat_over_the_batch():
    # BCE L = −1/(B·K) Σ [y log ŷ + (1 − y) log(1 − ŷ)]: ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)·B·K). Two samples, one
    # output (B·K = 2), z = 0 so ŷ = ½: for y = 1, (−½)/(¼·2) = −1; for y = 0, (½)/(¼·2) = 1.
    # L = −½(log ½ + log ½) = log 2
    net = Network.from_arrays([[[0.0]]], None, ["sigmoid"])
    grads = net.backward(net.forward([[1.0], [2.0]]), [[1.0], [0.0]], "binary_cross_entropy")
    np.testing.assert_allclose(grads.layers[0].da, [[-1.0], [1.0]], rtol=1e-15)
    assert grads.loss == pytest.approx(math.log(2), rel=1e-15)


def test_cross_entropy_totals_by_hand():
    # −Σ_k y_k log softmax(z)_k, over the batch / B. z = (0, 0): log softmax = −log 2 per class.
    # y = (1, 1) (not a distribution: the formula is linear in y): 2·log 2; y = (1, 0): log 2.
    # Two samples, B = 2: (2 log 2 + log 2) / 2 = 1.5 log 2
    totals = engine.LOSSES["cross_entropy"].totals
    z = np.zeros((2, 2))
    y = np.array([[1.0, 1.0], [1.0, 0.0]])
    assert totals(z, None, y) == pytest.approx(1.5 * math.log(2), rel=1e-15)
    # float32 logits: the total is float64 (the docstring's contract), as in the one-hot shortcut
    z32 = np.array([[[0.0, 0.0]], [[1.0, 0.0]]], dtype=np.float32)  # two stacked networks, B = 1
    out = totals(z32, None, np.array([[1.0, 0.0]], dtype=np.float32))
    assert out.dtype == np.float64 and out.shape == (2,)
    np.testing.assert_allclose(out, [math.log(2), math.log(1 + math.exp(-1))], rtol=1e-6)
    out = totals(z32, None, np.array([[0.5, 0.5]], dtype=np.float32))  # the general (not one-hot) sum
    assert out.dtype == np.float64


def test_a_normal_initialiser_may_have_sigma_0():
    # normal(μ, σ) with σ = 0 is the constant μ (σ ≥ 0 is allowed); a negative σ is not
    w = engine.initializer("normal(0.5, 0)")(np.random.default_rng(0), 2, 3)
    np.testing.assert_array_equal(w, np.full((2, 3), 0.5))
    with _raises("initialiser 'normal(0, -1)': mean and standard deviation must be finite, sigma ≥ 0"):
        engine.initializer("normal(0, -1)")


# -- Network: construction, inputs, updates ---------------------------------------------------------


def test_from_arrays_never_shares_or_freezes_the_callers_array():
    w = np.array([[1.0], [2.0]])  # already float64 and C-ordered: still copied
    net = _net([w])
    assert w.flags.writeable  # the caller's array is not made read-only
    w[0, 0] = 5.0
    assert net.weights[0][0, 0] == 1.0


def test_network_init_messages_and_default_seed():
    with _raises("a network needs at least an input and an output size"):
        Network.init([3], [])
    with _raises("every layer needs at least one neuron, got sizes [2, 0, 1]"):
        Network.init([2, 0, 1], ["tanh", "identity"])
    with _raises("2 layers need 2 activations, got 1"):
        Network.init([2, 3, 1], ["tanh"])
    # the default rng is seed 0
    a, b = Network.init([2, 3, 1], ["tanh", "identity"]), Network.init([2, 3, 1], ["tanh", "identity"], rng=0)
    np.testing.assert_array_equal(a.parameter_vector(), b.parameter_vector())
    c = Network.init([2, 3, 1], ["tanh", "identity"], rng=1)
    assert not np.array_equal(a.parameter_vector(), c.parameter_vector())


def test_forward_backward_and_loss_name_a_wrong_input_shape():
    net = Network.from_arrays([np.ones((2, 3))], None, ["identity"])  # 2 inputs, 3 outputs
    with _raises("X must have shape (batch, 2), got (1, 3)"):
        net.forward(np.ones((1, 3)))  # a float64 array of the wrong width is checked too
    with _raises("X must have shape (batch, 2), got (2, 2, 2)"):
        net.forward(np.ones((2, 2, 2)))
    trace = net.forward(np.ones((1, 2)))
    with _raises("Y must have shape (batch, 3), got (1, 2)"):
        net.backward(trace, np.ones((1, 2)))
    with _raises("Y has 2 rows but the trace has 1 samples"):
        net.backward(trace, np.ones((2, 3)))
    with _raises("Y must have shape (batch, 3), got (1, 2)"):
        net.loss(np.ones((1, 2)), np.ones((1, 2)))
    with _raises("regularization_rate must be finite and ≥ 0, got -1"):
        net.backward(trace, np.ones((1, 3)), "half_sse", "l2", -1)


def test_backward_without_a_rate_adds_no_penalty_and_records_lambda_0():
    # ŷ = w·x, w = 2, x = 1, y = 0: ∂L/∂w = 2. L2 named but no rate given: λ = 0, no penalty term; the
    # record says λ = 0 whenever no penalty was applied (also for "none" with a rate)
    net = _line(2.0)
    trace = net.forward([[1.0]])
    g = net.backward(trace, [[0.0]], "half_sse", "l2")
    assert g.layers[0].dW.tolist() == [[2.0]] and g.layers[0].dW_penalty is None and g.loss == 2.0
    assert (g.regularization, g.regularization_rate, g.penalty) == ("l2", 0.0, 0.0)
    g = net.backward(trace, [[0.0]], "half_sse", "none", 0.5)
    assert (g.regularization, g.regularization_rate, g.penalty) == ("none", 0.0, 0.0)
    # λ = 0.5 with L2 (R = ½w²): penalty 0.5·½·4 = 1, ∂/∂w = 0.5·2 = 1
    g = net.backward(trace, [[0.0]], "half_sse", "l2", 0.5)
    assert (g.regularization_rate, g.penalty, g.loss, g.layers[0].dW.tolist()) == (0.5, 1.0, 3.0, [[3.0]])


def test_momentum_without_a_velocity_starts_from_0():
    # ŷ = w·x, w = 2, x = 1, y = 0: g = 2; v = μ·0 − η·g = −0.2 with η = 0.1 (whatever μ)
    net = _line(2.0)
    grads = net.backward(net.forward([[1.0]]), [[0.0]])
    upd = net.compute_update(grads, 0.1, momentum=0.9, velocity=None)
    np.testing.assert_allclose(upd.velocity, [-0.2], rtol=1e-15)
    np.testing.assert_allclose(upd.dW[0], [[-0.2]], rtol=1e-15)


def test_float32_networks_stay_float32_through_updates_and_new_parameters():
    net = _line(2.0, 0.5, dtype=np.float32)
    grads = net.backward(net.forward([[1.0]]), [[0.0]])
    after = net.apply_update(net.compute_update(grads, 0.1))
    assert after.dtype == np.float32 and after.biases[0].dtype == np.float32
    new = net.with_parameters([0.1, 0.2])
    assert new.dtype == np.float32 and new.weights[0][0, 0] == np.float32(0.1)


def test_with_parameters_keeps_dead_links():
    # W1[1,0] = 0 is dead; new parameters with it still 0 keep it dead, a non-zero value there is refused
    net = Network.from_arrays([[[2.0], [0.0]]], None, ["identity"], dead=[[[False], [True]]])
    kept = net.with_parameters([3.0, 0.0])
    np.testing.assert_array_equal(kept.dead[0], [[False], [True]])
    assert kept.weights[0].tolist() == [[3.0], [0.0]]
    with _raises("layer 1: a dead weight must be 0"):
        net.with_parameters([3.0, 1.0])


# -- network files: size limits and nesting ------------------------------------------------------


def test_network_file_size_limits():
    good = _line(1.0).to_json()
    # exactly MAX_JSON_BYTES (5,000,000 bytes; JSON allows the padding spaces) is accepted, one byte more is not
    at_limit = good + " " * (engine.MAX_JSON_BYTES - len(good))
    assert len(at_limit) == 5_000_000
    assert Network.from_json(at_limit).weights[0].tolist() == [[1.0]]
    assert Network.from_json(at_limit.encode()).weights[0].tolist() == [[1.0]]
    with _raises("the file is over the limit of 5 MB"):
        Network.from_json(at_limit + " ")
    # bytes: 5,150,000 of them are 5.15 MB, written 5.2 (one decimal)
    with _raises("the file is 5.2 MB; the limit is 5 MB"):
        Network.from_json(b" " * 5_150_000)
    with _raises("the file nests lists or objects too deeply to be a network"):
        Network.from_json("[" * 100_000 + "]" * 100_000)


def test_network_file_messages_quote_the_visitors_values():
    good = _line(1.0).to_dict()  # sizes [1, 1]
    for not_a_dict in ([1], "net", None):
        with _raises("a network file must hold a JSON object"):
            engine.network_from_dict(not_a_dict)
    with _raises("field 'sizes' must be a list of whole numbers, got 'x'"):
        engine.network_from_dict(good | {"sizes": "x"})
    with _raises("field 'sizes' says [3, 1] but the weights give [1, 1]"):
        engine.network_from_dict(good | {"sizes": [3, 1]})
    # NumPy's complaint about a non-number is quoted, cut to 80 characters: 79 and "…"
    head = "\"could not convert string to float: '"
    reason = head + "x" * (79 - len(head)) + "…"
    with _raises(f"weights and biases must be nested lists of numbers ({reason})"):
        engine.network_from_dict(good | {"weights": [[["x" * 100]]]})


def test_a_bool_dead_mask_is_copied_not_frozen_in_place():
    ws = [np.array([[0.0], [1.0]])]
    mask = np.array([[True], [False]])  # already bool: copied anyway
    net = _net(ws, dead=[mask])
    assert mask.flags.writeable
    mask[0, 0] = False
    np.testing.assert_array_equal(net.dead[0], [[True], [False]])


def test_train_step_defaults_to_plain_sgd():
    # no momentum given: plain SGD, whose update has no velocity and applies Playground's L1 rule
    # (see test_edit_messages_and_bookkeeping: w = 0.5, x = 1, y = 0.4, λ = η = 1 → w dies)
    net = _line(0.5)
    rec = engine.train_step(net, [[1.0]], [[0.4]], "half_sse", 1.0, regularization="l1", regularization_rate=1.0)
    assert rec.update.velocity is None
    assert rec.after.weights[0][0, 0] == 0.0 and rec.after.dead[0].tolist() == [[True]]
    # the record's indices default to the whole batch, in order
    rec = engine.train_step(_line(1.0), [[1.0], [2.0], [3.0]], [[0.0]] * 3, "half_sse", 0.1)
    assert rec.indices.tolist() == [0, 1, 2] and rec.learning_rate == 0.1


def test_a_float32_history_keeps_float32_networks_in_every_step():
    # rows are stored in the network's dtype (4 bytes a number): 3 rows × 2 parameters × 4 B + 2 velocities
    # × 4 B × 3 rows = 48 B, the scalars 3 × 8 × 2 = 48, died-at 2 × 8 = 16: 112 bytes
    net = _line(1.0, 0.0, dtype=np.float32)
    hist = History(net, [[1.0]], [[0.0]], "half_sse", momentum=0.5)
    hist.step(0.1)
    hist.step(0.1)
    assert hist.nbytes == 112
    for k in range(3):
        assert hist.network(k).dtype == np.float32 and hist.network(k).biases[0].dtype == np.float32
    for k in range(2):
        rec = hist.record(k)  # recomputed from the row before it, with that row's velocity
        assert rec.after.dtype == np.float32 and rec.update.velocity.dtype == np.float32
    # kept steps are step numbers (ints)
    assert [type(k) for k in hist.kept_steps().tolist()] == [int, int, int]
    adam = History(net, [[1.0]], [[0.0]], "half_sse", optimizer="adam")
    adam.step(0.1)
    assert adam.optimizer_state(1).slots["exp_avg"].dtype == np.float64  # optimiser buffers: float64
    assert adam.network(0).dtype == np.float32 and adam.record(0).after.dtype == np.float32


def test_a_history_started_from_a_network_with_dead_links():
    # W1[1,0] = 0 is dead in the starting network: dead "after 0 steps", it stays 0 until it is edited
    net = Network.from_arrays([[[1.0], [0.0]]], None, ["identity"], dead=[[[False], [True]]])
    hist = History(net, [[1.0, 1.0]], [[0.0]], "half_sse")
    assert hist.died_at().tolist() == [-1, 0]
    np.testing.assert_array_equal(hist.network(0).dead[0], [[False], [True]])
    hist.step(0.5)  # ŷ = 1: w = 1 − 0.5·1 = 0.5, the dead weight keeps 0
    assert hist.network().weights[0].tolist() == [[0.5], [0.0]]
    np.testing.assert_array_equal(hist.network(1).dead[0], [[False], [True]])
    # edited after 1 step it lives again: dead from 0 to 1, alive after (no dead mask left)
    assert hist.edit("W1[1,0]", 1.0).dead is None and hist.revived() == {"W1[1,0]": [(0, 1)]}
    np.testing.assert_array_equal(hist.network(0).dead[0], [[False], [True]])  # before the edit: still dead
    hist.step(0.5)  # ŷ = 0.5 + 1 = 1.5: w = (0.5 − 0.75, 1 − 0.75) = (−0.25, 0.25)
    assert hist.network().weights[0].tolist() == [[-0.25], [0.25]] and hist.network().dead is None


def test_a_regulariser_without_a_rate_adds_nothing():
    # L2 named, no rate: λ = 0. ŷ = w·x, w = 2, x = 1, y = 0, η = 0.1: plain SGD w = 2 − 0.1·2 = 1.8,
    # loss after ½·1.8² = 1.62 (with λ = 1 it would be w = 2 − 0.1·(2 + 2) = 1.6)
    rec = engine.train_step(_line(2.0), [[1.0]], [[0.0]], "half_sse", 0.1, regularization="l2")
    assert rec.after.weights[0][0, 0] == pytest.approx(1.8, rel=1e-15)
    assert rec.loss_after == pytest.approx(1.62, rel=1e-15)
    hist = History(_line(2.0), [[1.0]], [[0.0]], "half_sse", regularization="l2")
    assert hist.regularization_rate == 0.0
    assert hist.step(0.1).after.weights[0][0, 0] == pytest.approx(1.8, rel=1e-15)


def test_a_plain_sgd_record_has_no_optimiser_and_read_only_networks():
    rec = engine.train_step(_line(2.0, 1.0), [[1.0]], [[0.0]], "half_sse", 0.1)
    assert rec.optimizer is None and rec.opt_before is None and rec.opt_after is None
    assert not rec.after.weights[0].flags.writeable and not rec.after.biases[0].flags.writeable


def test_a_diverging_step_is_recorded_without_warnings():
    # w = 1e200, x = 1, y = 0: ŷ = 1e200, L = ½·1e400 overflows to inf (and the update's inf − inf gives nan):
    # the record keeps inf/nan so the page can say "diverged", and NumPy's overflow/invalid warnings are
    # silenced inside the step
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = engine.train_step(_line(1e200, 1e200), [[1.0]], [[0.0]], "half_sse", 1e200)
        assert rec.diverged
        rec = engine.train_step(
            Network.from_arrays([[[1e308], [1e308]]], None, ["identity"]), [[10.0, -10.0]], [[0.0]], "half_sse", 1.0
        )
        assert math.isnan(rec.loss_before)


def test_loss_after_includes_the_penalty_even_when_it_was_0_before():
    # w = 0, b = 1, x = 1, y = 0, L2 at λ = 0.5 (R = ½w²), η = 0.1: before, the penalty is 0 (w = 0).
    # ŷ = 1, g_w = ŷ·x + λw = 1, g_b = 1: w = −0.1, b = 0.9; after, ŷ = 0.8: ½·0.64 = 0.32 plus the
    # penalty 0.5·½·0.01 = 0.0025 → 0.3225
    rec = engine.train_step(
        _line(0.0, 1.0), [[1.0]], [[0.0]], "half_sse", 0.1, regularization="l2", regularization_rate=0.5
    )
    assert rec.grads.penalty == 0.0 and rec.loss_before == 0.5
    assert rec.loss_after == pytest.approx(0.3225, rel=1e-14)


def test_a_long_thinning_history_grows_its_rows_and_keeps_every_step_exact():
    # ŷ = w·x, x = 1, y = 0, η = 0.5: w ← w − 0.5·w, so w_k = 0.5^k exactly. One parameter, 8 bytes a row:
    # max_row_bytes 160 keeps 20 rows (more than the 16 a history starts with, so the arrays grow); past 20
    # rows the stride doubles. 25 steps: stride 2, the multiples of 2 and the last step kept.
    for dtype in (np.float64, np.float32):
        hist = History(
            _line(1.0, dtype=dtype), [[1.0]], [[0.0]], "half_sse", max_row_bytes=20 * np.dtype(dtype).itemsize
        )
        assert hist.max_rows == 20
        for _ in range(25):
            hist.step(0.5)
        assert hist.stride == 2
        assert hist.kept_steps().tolist() == list(range(0, 25, 2)) + [25]
        assert {type(k) for k in hist.kept_steps().tolist()} == {int}
        for k in range(26):
            net = hist.network(k)
            assert net.weights[0][0, 0] == 0.5**k and net.dtype == dtype
    # a wide network (20 parameters > the 16 starting rows) grows its rows the same way: 40 steps of η = 0
    wide = Network.from_arrays([np.ones((5, 4))], None, ["identity"])
    hist = History(wide, np.zeros((1, 5)), np.zeros((1, 4)), "half_sse")
    for _ in range(40):
        hist.step(0.0)
    assert hist.kept_steps().tolist() == list(range(41)) and hist.network(17).weights[0].tolist() == [[1.0] * 4] * 5
    with _raises("step 41 is outside 0 … 40", IndexError):
        hist.network(41)


def test_truncate_keeps_what_happened_up_to_the_step():
    # the L1 death of test_edit_messages_and_bookkeeping happens in step 0 (dead after 1 step)
    l1 = History(_line(0.5), [[1.0]], [[0.4]], "half_sse", regularization="l1", regularization_rate=1.0)
    for _ in range(3):
        l1.step(1.0)
    l1.truncate(1)  # back to the network after step 0: the link died in that step, it stays dead
    assert l1.died_at().tolist() == [1] and l1.network(1).dead is not None
    l1.truncate(0)
    assert l1.died_at().tolist() == [-1] and l1.network(0).dead is None
    # an edit made after 1 step stays when truncating to 1 step, and goes when truncating to 0
    hist = History(_line(1.0), [[1.0]], [[0.0]], "half_sse")
    hist.step(0.5)
    hist.edit("W1[0,0]", 3.0)
    hist.step(0.5)
    hist.step(0.5)
    hist.truncate(1)
    assert hist.edits() == {1: [("W1[0,0]", 3.0)]} and hist.network(1).weights[0][0, 0] == 3.0
    hist.truncate(0)
    assert hist.edits() == {}


def test_an_optimiser_history_records_its_batches():
    # Adam over x = 1, 2, 3 one sample a step: step k uses sample k mod 3
    hist = History(
        _line(1.0), [[1.0], [2.0], [3.0]], [[0.0]] * 3, "half_sse", engine.BatchSchedule(3, 1), optimizer="adam"
    )
    for _ in range(4):
        hist.step(0.01)
    assert [hist.record(k).indices.tolist() for k in range(4)] == [[0], [1], [2], [0]]


def test_a_replayed_edit_carries_the_dead_links_of_its_step():
    # L1 at λ = 1, η = 1, x = (1, 1), y = 0.5, no bias. Playground's rule: the data
    # step w′ = w − η·(ŷ − y)·x, then w″ = w′ − ηλ·sign(w); w′·w″ < 0 kills the weight.
    # step 0 from w = (0.5, 0.25): ŷ = 0.75, ŷ − y = 0.25: w0′ = 0.25, w0″ = −0.75 → dies; w1′ = 0, w1″ = −1
    #   (w′·w″ = 0: lives). Network after 1 step: (0, −1), W1[0,0] dead.
    # edit W1[1,0] = 0.3 after 1 step. step 1: ŷ = 0.3, ŷ − y = −0.2: w1′ = 0.5, w1″ = −0.5 → dies.
    # Network after 2 steps: (0, 0), both dead. With 2 parameters (16 B a row) and 48 B, 3 rows are kept:
    # after 4 steps row 1 is dropped, and network(1) is replayed from row 0 through the edit.
    hist = History(
        Network.from_arrays([[[0.5], [0.25]]], None, ["identity"]),
        [[1.0, 1.0]],
        [[0.5]],
        "half_sse",
        regularization="l1",
        regularization_rate=1.0,
        max_row_bytes=48,
    )
    hist.step(1.0)
    hist.edit("W1[1,0]", 0.3)
    for _ in range(3):
        hist.step(1.0)
    assert not hist.is_kept(1) and hist.died_at().tolist() == [1, 2]
    one = hist.network(1)
    assert one.weights[0].tolist() == [[0.0], [0.3]]
    np.testing.assert_array_equal(one.dead[0], [[True], [False]])
    np.testing.assert_array_equal(hist.record(1).before.dead[0], [[True], [False]])
    two = hist.network(2)
    assert two.weights[0].tolist() == [[0.0], [0.0]]
    np.testing.assert_array_equal(two.dead[0], [[True], [True]])


def test_l1_deaths_in_a_network_with_biases_are_counted_per_weight():
    # the dead-link rule of test_edit_messages_and_bookkeeping with a bias b = 0 beside w = 0.5 (x = 1,
    # y = 0.4): ŷ = 0.5, data step w′ = 0.5 − 0.1 = 0.4, penalty step w″ = −0.6: w dies; the bias is never
    # penalised: b = 0 − 1·0.1 = −0.1. Flat order (W1[0,0], b1[0]): died after (1, never)
    hist = History(_line(0.5, 0.0), [[1.0]], [[0.4]], "half_sse", regularization="l1", regularization_rate=1.0)
    hist.step(1.0)
    assert hist.network().parameter_vector().tolist() == pytest.approx([0.0, -0.1], rel=1e-15)
    assert hist.died_at().tolist() == [1, -1]
    hist.step(1.0)
    masks = hist.network(1).dead  # read from the row after step 0: the masks are read-only
    assert masks[0].tolist() == [[True]] and not masks[0].flags.writeable


def test_float32_losses_are_computed_in_float32_everywhere():
    # a float32 network converts X, Y and θ to float32 before any arithmetic, so Network.loss, backward
    # and batched_loss give the same float32 number (0.1, 0.2, 0.7 are not float32 numbers: a float64 path
    # would differ in the last digits)
    net = Network.from_arrays([[[0.1]]], [[0.2]], ["identity"], dtype=np.float32)
    X, Y = [[0.7]], [[0.1]]
    z = np.float32(0.1) * np.float32(0.7) + np.float32(0.2)  # by hand in float32
    expected = float(np.float32(0.5) * (z - np.float32(0.1)) ** 2)
    assert net.loss(X, Y) == expected
    assert net.backward(net.forward(X), Y).loss == expected
    assert engine.batched_loss(net, [[0.1, 0.2]], X, Y).tolist() == [expected]
    assert expected != 0.5 * (0.1 * 0.7 + 0.2 - 0.1) ** 2  # the float64 number is another one


def test_more_messages_as_the_whole_sentence():
    # tests/test_engine.py matches these by a part (re.search); here each is the sentence the user reads
    import json as _json

    from nnviz import examples
    from nnviz.engine import INITIALIZERS, LOSSES, initializer, loss_spec, network_from_dict, unit_direction

    def message(f, *a):
        with pytest.raises(ValueError) as err:
            f(*a)
        return str(err.value)

    toy = examples.toy_network().to_dict()
    text = _json.dumps(toy)
    assert message(Network.from_json, "{not json") == (
        "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert message(Network.from_json, _json.dumps(toy | {"version": 2})) == (
        "unsupported schema version 2; this nnviz reads version 1"
    )
    assert message(Network.from_json, text.replace("0.13436424411240122", "NaN")) == "non-finite number NaN in the file"
    assert message(loss_spec, "hinge") == f"unknown loss 'hinge'; choose one of {sorted(LOSSES)}"
    assert message(initializer, "glorot") == (
        f"unknown initialiser 'glorot'; choose one of {sorted(INITIALIZERS)} or 'normal(mu, sigma)'"
    )
    assert message(unit_direction, examples.toy_network(), "W9[0,0]") == "no parameter called 'W9[0,0]'"
    # a file without "bias_mode": trainable when it has biases, none when it has none; dead links are booleans
    no_mode = {k: v for k, v in toy.items() if k != "bias_mode"}
    assert network_from_dict(no_mode).bias_mode == "trainable"
    assert network_from_dict(no_mode | {"biases": None, "dead": None}).bias_mode == "none"
    weights = [[list(r) for r in w] for w in toy["weights"]]
    weights[0][0][0] = 0.0  # a dead link is 0
    net = network_from_dict(toy | {"weights": weights, "dead": [[[0, 0]], []]})  # each layer's dead [i, j] pairs
    assert [m.dtype for m in net.dead] == [np.dtype(bool)] * 2 and net.dead[0].sum() == 1 and net.dead[0][0, 0]


def test_the_update_rule_in_both_forms_is_the_same_number():
    """engine.SGD: ``step`` (what compute_update records) and ``step_in_place`` (the fast MNIST trainer's
    buffers) give the same bits on random inputs and at the extremes (±0, subnormals, ±1e300, float32's
    largest), for η from 1e-4 to 100 and μ from 0 to 0.999999, in float64 and float32."""
    from nnviz.engine import SGD

    # by hand: g = 2, v = 1, η = 0.1, μ = 0.5 → v′ = 0.5·1 − 0.1·2 = 0.3, p = 1 → 1.3; without μ: Δ = −0.2
    assert SGD.step(np.array([2.0]), np.array([1.0]), 0.1, 0.5).tolist() == [0.5 - 0.2]
    assert SGD.step(np.array([2.0]), None, 0.1, 0.0).tolist() == [-0.2]
    rng = np.random.default_rng(5)
    extremes = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1e300, -1e300, 3.0e38, -3.0e38, 1e-45, 1.0, -1.0]
    with np.errstate(all="ignore"):
        for dtype in (np.float64, np.float32):
            for lr in (1e-4, 0.05, 100.0):
                for mu in (0.0, 0.5, 0.999999):
                    g = np.concatenate([extremes, rng.normal(0, 1, 19)]).astype(dtype)
                    v = rng.permutation(np.concatenate([extremes, rng.normal(0, 3, 19)])).astype(dtype)
                    p = rng.permutation(np.concatenate([extremes, rng.normal(0, 2, 19)])).astype(dtype)
                    for velocity in (v, None):
                        delta = SGD.step(g, velocity, lr, mu)
                        p2, g2 = p.copy(), g.copy()
                        v2 = v.copy() if velocity is not None else np.zeros_like(v)
                        SGD.step_in_place(p2, v2, g2, lr, mu)
                        assert delta.dtype == dtype and p2.tobytes() == (p + delta).tobytes(), (dtype, lr, mu)
                        if mu:
                            assert v2.tobytes() == delta.tobytes()
                        assert g2.tobytes() == (-lr * g).tobytes()  # the buffer is left holding −η·g
                    # rows: g holds only rows 1 and 3 of a (4, 8) parameter; the others have a zero gradient
                    P, V = p[:32].reshape(4, 8), v[:32].reshape(4, 8)
                    rows = np.array([1, 3])
                    G = np.zeros_like(P)
                    G[rows] = g[:16].reshape(2, 8)
                    want = P + SGD.step(G, V, lr, mu)
                    P2, V2 = P.copy(), V.copy()
                    SGD.step_in_place(P2, V2, g[:16].reshape(2, 8).copy(), lr, mu, rows=rows)
                    assert P2.tobytes() == want.tobytes(), (dtype, lr, mu)


def test_a_zero_update_is_written_0_not_minus_0():
    # −η·0 is −0.0 in IEEE arithmetic: plain SGD's Δ of a zero gradient. The panel writes it 0, as the diagram
    # (figures._fmt) does; a small negative number keeps its sign and parentheses
    from nnviz.engine import fmt_number

    assert fmt_number(-0.0) == "0" == fmt_number(0.0)
    assert fmt_number(-0.1 * 0.0) == "0" and fmt_number(-1e-9) == r"(-1\times10^{-9})"
    net = Network.from_arrays([[[1.0], [2.0]]], None, ["identity"])
    rec = engine.train_step(net, [[0.0, 1.0]], [[2.0]], "half_sse", 0.1)  # x₀ = 0: ∂L/∂W1[0,0] = 0
    assert rec.update.dW[0][0, 0] == 0 and np.signbit(rec.update.dW[0][0, 0])
    from nnviz import arithmetic

    update = [ln.latex for ln in arithmetic.edge_lines(rec, 1, 0, 0, engine.phases(1)[-1]) if ln.what == "dW_new"]
    assert update == [
        r"\mathrm{W1}[0,0] \leftarrow \mathrm{W1}[0,0] - \eta\,\frac{\partial L}{\partial \mathrm{W1}[0,0]} = "
        r"1 - 0.1\cdot0 = 1\quad{(\Delta w = 0)}"
    ]

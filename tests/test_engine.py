"""Tests for nnviz.engine.

Every expected number has a stated origin: a hand computation (the arithmetic is
in the comment; digits beyond what fits on paper come from the same formula
evaluated in 30-digit ``decimal``), central finite differences, or a formula
written out in the test.
"""

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnviz import examples
from nnviz.engine import (
    ACTIVATIONS,
    LOSSES,
    MAX_JSON_BYTES,
    BatchSchedule,
    History,
    Network,
    batched_loss,
    gradient_check,
    initializer,
    loss_spec,
    loss_surface,
    unit_direction,
)

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------
# A 2-2-1 sigmoid net worked by hand.


def hand_network() -> Network:
    # W1 columns are the two hidden neurons; b1 their biases.
    return Network.from_arrays(
        [np.array([[0.5, 0.25], [-0.25, 0.5]]), np.array([[1.0], [-1.0]])],
        [np.array([0.1, -0.2]), np.array([0.5])],
        ["sigmoid", "sigmoid"],
    )


HAND_X = np.array([[1.0, 2.0]])
HAND_Y = np.array([[1.0]])


def test_hand_forward():
    t = hand_network().forward(HAND_X)
    # z1_0 = 1·0.5 + 2·(−0.25) + 0.1 = 0.1
    # z1_1 = 1·0.25 + 2·0.5 − 0.2 = 1.05
    np.testing.assert_allclose(t.layers[0].z, [[0.1, 1.05]], rtol=1e-14)
    # σ(0.1) = 1/(1 + e^−0.1) = 1/1.904837418 = 0.524979187478940
    # σ(1.05) = 1/(1 + e^−1.05) = 1/1.349937749 = 0.740774899182154
    np.testing.assert_allclose(t.layers[0].a, [[0.524979187478940, 0.740774899182154]], rtol=1e-14)
    # z2 = 1·0.524979187478940 − 1·0.740774899182154 + 0.5 = 0.284204288296786
    np.testing.assert_allclose(t.layers[1].z, [[0.284204288296786]], rtol=1e-14)
    # σ(0.284204288296786) = 1/(1 + 0.752621656) = 0.570576658418790
    np.testing.assert_allclose(t.output, [[0.570576658418790]], rtol=1e-14)
    # the input is recorded as layer 1's x, layer 1's a as layer 2's x
    assert np.array_equal(t.layers[0].x, HAND_X)
    assert np.array_equal(t.layers[1].x, t.layers[0].a)


def test_hand_backward():
    net = hand_network()
    g = net.backward(net.forward(HAND_X), HAND_Y, "half_sse")
    a1 = np.array([0.524979187478940, 0.740774899182154])
    a2 = 0.570576658418790
    # L = ½(0.570576658 − 1)² = ½·0.184404406 = 0.0922022031473862
    assert g.loss == pytest.approx(0.0922022031473862, rel=1e-13)
    # dz2 = (a2 − y)·a2·(1 − a2) = (−0.429423342)(0.570576658)(0.429423342) = −0.105216849941372
    dz2 = -0.105216849941372
    assert g.layers[1].dz[0, 0] == pytest.approx(dz2, rel=1e-13)
    # dW2 = a1ᵀ·dz2 = [0.524979187·(−0.105216850), 0.740774899·(−0.105216850)]
    #     = [−0.0552366563913151, −0.0779420014075838]
    np.testing.assert_allclose(g.layers[1].dW, [[-0.0552366563913151], [-0.0779420014075838]], rtol=1e-13)
    np.testing.assert_allclose(g.layers[1].db, [dz2], rtol=1e-13)
    # dx2 = dz2·W2ᵀ = [dz2·1, dz2·(−1)]
    np.testing.assert_allclose(g.layers[1].dx, [[dz2, -dz2]], rtol=1e-13)
    # dz1 = dx2 ⊙ a1(1 − a1) = [−0.105216850·0.249376040, 0.105216850·0.192029386]
    #     = [−0.0262385613999491, 0.0202045231728256]
    dz1 = np.array([-0.0262385613999491, 0.0202045231728256])
    np.testing.assert_allclose(g.layers[0].dz[0], dz1, rtol=1e-13)
    np.testing.assert_allclose(g.layers[0].dz[0], dz2 * np.array([1.0, -1.0]) * a1 * (1 - a1), rtol=1e-13)
    # dW1 = xᵀ·dz1 = [[1·dz1_0, 1·dz1_1], [2·dz1_0, 2·dz1_1]]
    np.testing.assert_allclose(g.layers[0].dW, [[dz1[0], dz1[1]], [2 * dz1[0], 2 * dz1[1]]], rtol=1e-13)
    np.testing.assert_allclose(g.layers[0].db, dz1, rtol=1e-13)
    assert g.layers[1].da[0, 0] == pytest.approx(a2 - 1.0, rel=1e-14)  # da = ŷ − y for half_sse


def test_half_sse_and_mse_reduction():
    # One identity layer with W = 0, b = [1, 2]: ŷ = [1, 2] for every sample.
    net = Network.from_arrays([np.zeros((1, 2))], [np.array([1.0, 2.0])], ["identity"])
    X = np.zeros((3, 1))
    Y = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 4.0]])
    # ŷ − y = (1, 2), (0, 1), (0, −2); squares 1 + 4 + 0 + 1 + 0 + 4 = 10
    half = net.backward(net.forward(X), Y, "half_sse")
    mse = net.backward(net.forward(X), Y, "mse")
    assert half.loss == 5.0  # ½·10
    assert mse.loss == pytest.approx(10 / 6, rel=1e-15)  # 10/(B·K) = 10/(3·2)
    assert mse.loss == pytest.approx(2 * half.loss / (3 * 2), rel=1e-15)
    np.testing.assert_allclose(half.per_sample, [2.5, 0.5, 2.0], rtol=1e-15)  # ½·5, ½·1, ½·4
    assert half.per_sample.sum() == half.loss
    # dz = ŷ − y for half_sse; 2(ŷ − y)/(B·K) for mse
    diff = np.array([[1.0, 2.0], [0.0, 1.0], [0.0, -2.0]])
    np.testing.assert_array_equal(half.layers[0].dz, diff)
    np.testing.assert_allclose(mse.layers[0].dz, 2 * diff / 6, rtol=1e-15)
    # db = Σ_batch dz = (1, 1) for half_sse
    np.testing.assert_array_equal(half.layers[0].db, [1.0, 1.0])


# ---------------------------------------------------------------------------
# Finite differences on random small networks.

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
# (loss, output activation): every loss with each output it allows.
OUTPUTS = [
    ("half_sse", "identity"),
    ("half_sse", "sigmoid"),
    ("half_sse", "tanh"),
    ("half_sse", "softmax"),  # the non-fused softmax backward
    ("mse", "identity"),
    ("mse", "sigmoid"),
    ("mse", "tanh"),
    ("cross_entropy", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
]
EPS = 1e-6


def random_case(rng, hidden, out_act, loss, n_layers, width, batch, bias_mode, one_hot):
    """A random network and batch for (hidden, out_act, loss)."""
    sizes = [int(s) for s in rng.integers(1, width + 1, size=n_layers + 1)]
    if out_act == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    acts = [hidden] * (n_layers - 1) + [out_act]
    ws = [rng.normal(0, 1, (m, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    bs = None if bias_mode == "none" else [rng.normal(0, 1, n) for n in sizes[1:]]
    net = Network.from_arrays(ws, bs, acts, bias_mode)
    X = rng.normal(0, 1, (batch, sizes[0]))
    k = sizes[-1]
    if out_act == "identity":
        Y = rng.normal(0, 1, (batch, k))
    elif out_act == "tanh":
        Y = rng.uniform(-1, 1, (batch, k))
    elif loss == "cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, batch)] if one_hot else rng.dirichlet(np.ones(k), batch)
    else:
        Y = rng.random((batch, k))
    return net, X, Y


def assert_gradients_close(analytic, numerical, loss_value):
    # relative error |a − n| / (|a| + |n|) < 1e-5, with an absolute floor: central
    # differences carry rounding error ≈ ulp(L)/ε ≈ 1e−10·|L|, so gradients below
    # 1e−3·max(1, |L|) are compared at an absolute 1e−8·max(1, |L|).
    floor = 1e-3 * max(1.0, abs(loss_value))
    rel = np.abs(analytic - numerical) / np.maximum(np.abs(analytic) + np.abs(numerical), floor)
    assert rel.max(initial=0.0) < 1e-5, (analytic, numerical)


@pytest.mark.parametrize("loss,out_act", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_layers=st.integers(1, 3),
    width=st.integers(1, 4),
    batch=st.integers(1, 4),
    bias_mode=st.sampled_from(["trainable", "frozen", "none"]),
    one_hot=st.booleans(),
)
def test_gradients_match_finite_differences(hidden, loss, out_act, seed, n_layers, width, batch, bias_mode, one_hot):
    rng = np.random.default_rng(seed)
    net, X, Y = random_case(rng, hidden, out_act, loss, n_layers, width, batch, bias_mode, one_hot)
    trace = net.forward(X)
    if hidden in ("relu", "leaky_relu"):
        # keep every hidden z away from the kink, where the derivative jumps
        for t in trace.layers[:-1]:
            assume(np.all(np.abs(t.z) > 1e-3))
    grads = net.backward(trace, Y, loss)
    analytic = net.gradient_vector(grads)

    # the engine's batched central differences
    gc = gradient_check(net, X, Y, loss, eps=EPS)
    assert gc.names == net.parameter_names()
    np.testing.assert_array_equal(gc.analytic, analytic)
    assert_gradients_close(gc.analytic, gc.numerical, grads.loss)

    # an independent loop: perturb one parameter at a time, evaluate net.loss
    theta = net.parameter_vector()
    plus, minus = np.empty(theta.size), np.empty(theta.size)
    for i in range(theta.size):
        e = np.zeros(theta.size)
        e[i] = EPS
        plus[i] = net.with_parameters(theta + e).loss(X, Y, loss)
        minus[i] = net.with_parameters(theta - e).loss(X, Y, loss)
    numerical = (plus - minus) / (2 * EPS)
    assert_gradients_close(analytic, numerical, grads.loss)

    # the batched evaluator gives the same losses as one network at a time
    thetas = np.concatenate([theta + np.eye(theta.size) * EPS, theta - np.eye(theta.size) * EPS])
    np.testing.assert_allclose(
        batched_loss(net, thetas, X, Y, loss), np.concatenate([plus, minus]), rtol=1e-12, atol=1e-15
    )
    assert net.loss(X, Y, loss) == grads.loss


def test_fused_cross_entropy_delta_equals_softmax_backward_of_da():
    # (ŷ − y)/B must equal the softmax Jacobian applied to ∂L/∂ŷ = −y/(B·ŷ) (one-hot y).
    rng = np.random.default_rng(5)
    net = Network.from_arrays([rng.normal(size=(3, 4))], [rng.normal(size=4)], ["softmax"])
    X = rng.normal(size=(5, 3))
    Y = np.eye(4)[[0, 1, 2, 3, 1]]
    t = net.forward(X)
    g = net.backward(t, Y, "cross_entropy")
    out = t.layers[-1]
    via_jacobian = ACTIVATIONS["softmax"].backward(out.z, out.a, g.layers[-1].da)
    np.testing.assert_allclose(g.layers[-1].dz, via_jacobian, rtol=1e-12, atol=1e-16)


# ---------------------------------------------------------------------------
# Updates.


def test_sgd_step_moves_each_weight_by_minus_lr_times_gradient():
    net = examples.toy_network()
    X, Y = examples.TOY_X[:4], examples.TOY_Y[:4]
    g = net.backward(net.forward(X), Y, "half_sse")
    lr = 0.37
    new = net.sgd_step(g, lr)
    for w, b, w_new, b_new, lg in zip(net.weights, net.biases, new.weights, new.biases, g.layers):
        assert np.array_equal(w_new, w - lr * lg.dW)
        assert np.array_equal(b_new, b - lr * lg.db)
        assert not np.array_equal(w_new, w)
    # the old network is unchanged (a step returns a new one)
    assert np.array_equal(net.weights[0], examples.toy_network().weights[0])


def test_frozen_and_kept_biases_never_change():
    trainable = examples.toy_network()
    frozen = Network.from_arrays(trainable.weights, trainable.biases, trainable.activations, "frozen")
    X, Y = examples.TOY_X, examples.TOY_Y
    for net, update_biases in [(frozen, True), (trainable, False)]:
        g = net.backward(net.forward(X), Y, "half_sse")
        assert np.any(g.layers[0].db != 0)  # biases do have a gradient…
        new = net.sgd_step(g, 0.5, update_biases=update_biases)
        for b, b_new in zip(net.biases, new.biases):
            assert np.array_equal(b_new, b)  # …but are not moved
        assert not np.array_equal(new.weights[0], net.weights[0])
        assert new.bias_mode == net.bias_mode
    # frozen biases stay frozen through a whole History
    hist = History(frozen, X, Y, "half_sse", BatchSchedule(10, 3))
    for _ in range(7):
        hist.step(1.0)
    for b, b_new in zip(frozen.biases, hist.network().biases):
        assert np.array_equal(b_new, b)


def test_bias_mode_none_has_no_biases():
    net = Network.init([2, 3, 1], ["tanh", "sigmoid"], bias_mode="none")
    assert net.biases is None
    assert net.n_parameters == 2 * 3 + 3 * 1
    g = net.backward(net.forward([[1.0, 2.0]]), [[0.5]], "half_sse")
    assert all(lg.db is None for lg in g.layers)
    new = net.sgd_step(g, 0.1)
    assert new.biases is None and new.bias_mode == "none"
    assert "b1[0]" not in net.parameter_names()


def test_momentum_two_steps_by_hand():
    net = examples.toy_network()
    lr, mu = 0.5, 0.9
    hist = History(net, examples.TOY_X, examples.TOY_Y, "half_sse", BatchSchedule(10, 1), momentum=mu)

    def gradient(n, k):
        # X[[k]] is a contiguous copy, as History takes it (a strided view may take
        # another matmul path and differ in the last bit)
        X, Y = examples.TOY_X[[k]], examples.TOY_Y[[k]]
        return n.gradient_vector(n.backward(n.forward(X), Y, "half_sse"))

    theta0 = net.parameter_vector()
    r1 = hist.step(lr)
    v1 = -lr * gradient(net, 0)  # v1 = −η·g1
    assert np.array_equal(r1.update.velocity, v1)
    assert np.array_equal(hist.network().parameter_vector(), theta0 + v1)
    r2 = hist.step(lr)
    v2 = mu * v1 - lr * gradient(r1.after, 1)  # v2 = μ·v1 − η·g2
    assert np.array_equal(r2.update.velocity, v2)
    assert np.array_equal(hist.network().parameter_vector(), theta0 + v1 + v2)
    # a recomputed record reads the stored velocity
    assert np.array_equal(hist.record(1).update.velocity, v2)


# ---------------------------------------------------------------------------
# Overflow safety: |z| up to 1e4 gives finite numbers and no RuntimeWarning.


def test_activations_at_large_z_without_warnings():
    z = np.array([[1e4, -1e4, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sig = ACTIVATIONS["sigmoid"].forward(z)
        assert sig[0, 0] == 1.0  # σ(1e4) = 1/(1 + e^−10000) rounds to 1
        assert 0.0 <= sig[0, 1] < 1e-200  # σ(−1e4) ≈ e^−10000 ≈ 0
        assert sig[0, 2] == 0.5
        np.testing.assert_array_equal(ACTIVATIONS["tanh"].forward(z), [[1.0, -1.0, 0.0]])
        np.testing.assert_array_equal(ACTIVATIONS["softmax"].forward(np.array([[1e4, 0.0]])), [[1.0, 0.0]])
        np.testing.assert_array_equal(ACTIVATIONS["softmax"].forward(np.array([[-1e4, 1e4]])), [[0.0, 1.0]])
        for name, act in ACTIVATIONS.items():
            a = act.forward(z)
            dz = act.backward(z, a, np.ones_like(z))
            assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz)), name


@pytest.mark.parametrize("loss,out_act", OUTPUTS)
def test_forward_and_backward_at_large_z_without_warnings(loss, out_act):
    # weights ±1e4 saturate the hidden sigmoid and put |z| ≈ 1e4 at the output
    net = Network.from_arrays(
        [np.array([[1e4, -1e4]]), np.array([[1e4, -1e4], [-1e4, 1e4]])],
        [np.zeros(2), np.zeros(2)],
        ["sigmoid", out_act],
    )
    X = np.array([[1.0], [-1.0]])
    Y = np.array([[1.0, 0.0], [1.0, 0.0]])  # the second sample is confidently wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = net.forward(X)
        assert np.max(np.abs(t.layers[1].z)) >= 9999.0
        g = net.backward(t, Y, loss)
        rec = History(net, X, Y, loss).step(1e-3)
    assert math.isfinite(g.loss) and math.isfinite(rec.loss_after)
    for lt in t.layers:
        assert np.all(np.isfinite(lt.z)) and np.all(np.isfinite(lt.a))
    for lg in g.layers:
        for arr in (lg.dz, lg.dW, lg.db, lg.dx):
            assert np.all(np.isfinite(arr))
    assert np.all(np.isfinite(g.layers[0].da))
    assert np.all(np.isfinite(rec.after.parameter_vector()))


def test_cross_entropy_of_confident_predictions():
    # one softmax layer, z = x·[1e4, 0]: sample 1 (y = class 0) is confidently right,
    # sample 2 (y = class 1) confidently wrong: −log softmax(z)_1 = −(0 − 1e4 − log(1 + e^−1e4)) = 1e4.
    net = Network.from_arrays([np.array([[1e4, 0.0]])], None, ["softmax"])
    X = np.array([[1.0], [1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = net.backward(net.forward(X), Y, "cross_entropy")
    B = 2
    assert g.per_sample[0] == pytest.approx(0.0, abs=1e-300)
    assert g.per_sample[1] == pytest.approx(1e4 / B, rel=1e-12)
    assert g.loss == pytest.approx(1e4 / B, rel=1e-12)
    # fused delta (ŷ − y)/B = ([1, 0] − y)/2
    np.testing.assert_array_equal(g.layers[0].dz, [[0.0, 0.0], [0.5, -0.5]])


def test_binary_cross_entropy_of_confident_predictions():
    # z = ±1e4 through a sigmoid: right → 0, wrong → softplus(1e4) − 0 = 1e4, divided by B·K = 2
    net = Network.from_arrays([np.array([[1e4]])], None, ["sigmoid"])
    X = np.array([[1.0], [1.0]])
    Y = np.array([[1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = net.backward(net.forward(X), Y, "binary_cross_entropy")
    assert g.per_sample[0] == pytest.approx(0.0, abs=1e-300)
    assert g.per_sample[1] == pytest.approx(1e4 / 2, rel=1e-12)
    np.testing.assert_array_equal(g.layers[0].dz, [[0.0], [0.5]])  # (σ(z) − y)/(B·K)


# ---------------------------------------------------------------------------
# History and batching.


def test_history_back_record_and_truncate():
    hist = examples.toy_history()
    saved = [hist.network().parameter_vector()]
    records = []
    for _ in range(25):
        records.append(hist.step(examples.TOY_LR))
        saved.append(hist.network().parameter_vector())
    assert len(hist) == 25
    # record(k) recomputes exactly what step k returned
    for k in (0, 7, 24):
        r = hist.record(k)
        for a, b in zip(r.grads.layers, records[k].grads.layers):
            assert np.array_equal(a.dW, b.dW) and np.array_equal(a.dz, b.dz) and np.array_equal(a.db, b.db)
        assert np.array_equal(r.after.parameter_vector(), records[k].after.parameter_vector())
        assert np.array_equal(r.indices, records[k].indices)
        assert r.loss_before == records[k].loss_before and r.loss_after == records[k].loss_after
    # back() k times: the parameters saved after step n − k
    for k in range(1, 6):
        hist.back()
        assert len(hist) == 25 - k
        assert np.array_equal(hist.network().parameter_vector(), saved[25 - k])
    hist.back(3)
    assert np.array_equal(hist.network().parameter_vector(), saved[17])
    hist.truncate(10)
    assert len(hist) == 10 and len(hist.losses) == 10 and len(hist.learning_rates) == 10
    assert np.array_equal(hist.network().parameter_vector(), saved[10])
    assert np.array_equal(hist.network(3).parameter_vector(), saved[3])
    # stepping again after truncation redoes the same step
    again = hist.step(examples.TOY_LR)
    assert np.array_equal(again.after.parameter_vector(), saved[11])
    hist.back(100)
    assert len(hist) == 0 and np.array_equal(hist.network().parameter_vector(), saved[0])
    with pytest.raises(IndexError):
        hist.record(0)


@pytest.mark.parametrize("loss,out_act", OUTPUTS)
def test_step_losses_are_the_networks_own_losses(loss, out_act):
    # loss_before is the loss of the network before the step on its batch, loss_after
    # that of the network after it, exactly as Network.loss computes them
    rng = np.random.default_rng(8)
    net, X, Y = random_case(rng, "tanh", out_act, loss, 2, 4, 7, "trainable", True)
    hist = History(net, X, Y, loss, BatchSchedule(7, 3, shuffle=True, seed=2), momentum=0.5)
    for k in range(6):
        rec = hist.step(0.3)
        _, Xb, Yb = hist.batch(k)
        assert rec.loss_before == rec.before.loss(Xb, Yb, loss)
        assert rec.loss_after == rec.after.loss(Xb, Yb, loss)
        assert np.array_equal(rec.before.parameter_vector(), hist.parameters[k])


def test_history_nbytes_for_1000_toy_steps():
    hist = examples.toy_history()
    for _ in range(1000):
        hist.step(examples.TOY_LR)
    # 12 parameters × 8 B × 1,001 vectors = 96,096 B, plus 3 floats × 8 B × 1,000 steps = 24,000 B
    assert 12 * 8 * 1001 <= hist.nbytes < 200_000
    assert hist.parameters.shape == (1001, 12)


def test_batch_schedule():
    s = BatchSchedule(10, 4, shuffle=True, seed=3)
    assert s.steps_per_epoch == 3  # ⌈10/4⌉
    again = BatchSchedule(10, 4, shuffle=True, seed=3)
    for k in range(12):
        assert np.array_equal(s.batch(k), again.batch(k))
    # each epoch covers every sample once; the last batch has 10 − 2·4 = 2
    for epoch in range(4):
        batches = [s.batch(epoch * 3 + i) for i in range(3)]
        assert [len(b) for b in batches] == [4, 4, 2]
        assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(10))
    assert not np.array_equal(s.order(0), s.order(1))
    assert not np.array_equal(s.order(0), BatchSchedule(10, 4, shuffle=True, seed=4).order(0))
    # unshuffled: dataset order, as seed 004; full batch by default
    plain = BatchSchedule(10, 3)
    assert [plain.batch(k).tolist() for k in range(5)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9], [0, 1, 2]]
    assert np.array_equal(BatchSchedule(10).batch(5), np.arange(10))
    assert plain.epoch_of(3) == 0 and plain.epoch_of(4) == 1


# ---------------------------------------------------------------------------
# Loss surfaces.


def test_loss_surface_equals_per_point_loop():
    net = examples.study_network()
    X, Y = examples.STUDY_X, examples.STUDY_Y
    d1 = unit_direction(net, "W1[0,1]")
    d2 = unit_direction(net, "W2[2,0]")
    alphas = np.linspace(-2.0, 2.0, 11)  # 0 at index 5
    betas = np.linspace(-3.0, 3.0, 7)  # 0 at index 3
    surf = loss_surface(net, X, Y, "half_sse", d1, d2, alphas, betas)
    assert surf.values.shape == (7, 11)
    theta = net.parameter_vector()
    loop = np.array(
        [[net.with_parameters(theta + a * d1 + b * d2).loss(X, Y, "half_sse") for a in alphas] for b in betas]
    )
    np.testing.assert_allclose(surf.values, loop, rtol=1e-12, atol=0)
    assert surf.values[3, 5] == pytest.approx(net.loss(X, Y, "half_sse"), rel=1e-12)
    np.testing.assert_allclose(surf.project(theta + 0.5 * d1 - 2.0 * d2), [[0.5, -2.0]], atol=1e-12)


def test_unit_direction_picks_the_named_parameter():
    net = examples.toy_network()
    d = unit_direction(net, "W2[1,0]")
    assert d.sum() == 1.0 and np.count_nonzero(d) == 1
    moved = net.with_parameters(net.parameter_vector() + d)
    expected = net.weights[1].copy()
    expected[1, 0] += 1.0
    assert np.array_equal(moved.weights[1], expected)
    assert np.array_equal(moved.weights[0], net.weights[0])
    assert all(np.array_equal(a, b) for a, b in zip(moved.biases, net.biases))
    d = unit_direction(net, "b1[1]")
    assert np.array_equal(net.with_parameters(net.parameter_vector() + d).biases[0], net.biases[0] + [0.0, 1.0])
    with pytest.raises(ValueError, match="no parameter called"):
        unit_direction(net, "W9[0,0]")


# ---------------------------------------------------------------------------
# JSON.


@pytest.mark.parametrize("bias_mode", ["trainable", "frozen", "none"])
def test_json_round_trip_is_exact(bias_mode):
    net = Network.init([3, 4, 2], ["tanh", "softmax"], "normal", rng=11, bias_mode=bias_mode)
    back = Network.from_json(net.to_json(loss="cross_entropy"))
    assert back.activations == net.activations and back.bias_mode == bias_mode and back.sizes == [3, 4, 2]
    assert np.array_equal(back.parameter_vector(), net.parameter_vector())
    assert all(np.array_equal(a, b) for a, b in zip(back.weights, net.weights))
    assert (back.biases is None) == (bias_mode == "none")
    assert Network.from_json(net.to_json().encode()).to_json() == net.to_json()


def _network_text(**changes) -> str:
    d = examples.toy_network().to_dict()
    d.update(changes)
    return json.dumps(d)


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "not valid JSON"),
        (_network_text(version=2), "unsupported schema version 2"),
        (_network_text(activations=["sigmoid", "swish"]), "unknown activation 'swish' in layer 2"),
        (
            _network_text(weights=[[[1.0, 2.0]], [[1.0], [2.0], [3.0]]], biases=None, bias_mode="none"),
            "shapes do not chain",
        ),
        (_network_text().replace("0.13436424411240122", "NaN"), "non-finite number NaN"),
        (_network_text().replace("0.13436424411240122", "Infinity"), "non-finite number Infinity"),
        (_network_text().replace("0.13436424411240122", "-Infinity"), "non-finite number -Infinity"),
        (_network_text().replace("0.13436424411240122", "1e999"), "W1 contains non-finite numbers"),
        (_network_text(format="something-else"), "not an nnviz network file"),
        ("[1, 2]", "must hold a JSON object"),
    ],
)
def test_from_json_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        Network.from_json(text)


def test_from_json_rejects_too_many_parameters():
    # 1,000 × 1,001 weights = 1,001,000 parameters, about 2 MB of text (under the size limit)
    d = {"format": "nnviz-network", "version": 1, "activations": ["identity"], "weights": [[[0] * 1001] * 1000]}
    text = json.dumps(d, separators=(",", ":"))
    assert len(text) < MAX_JSON_BYTES
    with pytest.raises(ValueError, match="1,001,000 parameters is more than the limit of 1,000,000"):
        Network.from_json(text)


def test_from_json_rejects_over_5_mb():
    text = _network_text(padding="x" * MAX_JSON_BYTES)
    with pytest.raises(ValueError, match="over the limit of 5 MB"):
        Network.from_json(text)
    with pytest.raises(ValueError, match="the limit is 5 MB"):
        Network.from_json(text.encode())


# ---------------------------------------------------------------------------
# Module boundaries, validation, initialisers.


def test_engine_imports_neither_streamlit_nor_plotly():
    code = (
        "import sys, nnviz.engine, nnviz.examples, nnviz.safe_text, nnviz.sampling, nnviz.mnist, "
        "nnviz.mnist_train, nnviz.userdata, nnviz.stepper; "
        "assert 'streamlit' not in sys.modules and 'plotly' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)


def test_validation_messages():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        Network.init([2, 2], ["gelu"])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loss_spec("hinge")
    net = Network.init([2, 2], ["sigmoid"])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        net.backward(net.forward([[1.0, 2.0]]), [[0.0, 1.0]], "hinge")
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'"):
        Network.init([2, 2], ["sigmoid"], "glorot")
    with pytest.raises(ValueError, match="softmax is only allowed on the output layer"):
        Network.init([2, 3, 2], ["softmax", "sigmoid"])
    with pytest.raises(ValueError, match="'cross_entropy' needs a softmax output layer"):
        net.backward(net.forward([[1.0, 2.0]]), [[0.0, 1.0]], "cross_entropy")
    with pytest.raises(ValueError, match="needs a softmax output layer"):
        History(net, [[1.0, 2.0]], [[0.0, 1.0]], "cross_entropy")
    soft = Network.init([2, 2], ["softmax"])
    with pytest.raises(ValueError, match="'binary_cross_entropy' needs a sigmoid output layer"):
        soft.loss([[1.0, 2.0]], [[0.0, 1.0]], "binary_cross_entropy")
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 2\)"):
        net.forward([[1.0, 2.0, 3.0]])
    assert sorted(LOSSES) == ["binary_cross_entropy", "cross_entropy", "half_sse", "mse"]


def _draw(name, n_in, n_out, seed=0):
    return Network.init([n_in, n_out], ["identity"], name, rng=seed).weights[0]


def test_initialisers():
    # 60,000 draws: the sample standard deviation has relative standard error ≈ 1/√(2·60000) ≈ 0.3 %,
    # so 2 % is about seven standard errors; the mean's standard error is σ/√60000 ≈ 0.004·σ.
    W = _draw("xavier", 200, 300)
    assert W.std() == pytest.approx(math.sqrt(2 / (200 + 300)), rel=0.02)
    assert abs(W.mean()) < 0.02 * math.sqrt(2 / 500)
    W = _draw("he", 200, 300)
    assert W.std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    W = _draw("normal(0, 0.1)", 200, 300)
    assert W.std() == pytest.approx(0.1, rel=0.02)
    W = Network.init([200, 300], ["identity"], "normal(1.5, 0.5)", rng=0).weights[0]
    assert W.mean() == pytest.approx(1.5, abs=0.02 * 0.5) and W.std() == pytest.approx(0.5, rel=0.02)
    # U[0, 1): every draw in [0, 1), mean ½ and standard deviation 1/√12
    net = Network.init([200, 300], ["identity"], "uniform01", rng=0)
    W = net.weights[0]
    assert W.min() >= 0.0 and W.max() < 1.0
    assert W.mean() == pytest.approx(0.5, abs=0.01) and W.std() == pytest.approx(1 / math.sqrt(12), rel=0.02)
    assert np.all((net.biases[0] >= 0) & (net.biases[0] < 1)) and np.any(net.biases[0] != 0)  # drawn like weights
    assert np.all(Network.init([4, 5], ["identity"], "xavier", rng=0).biases[0] == 0)  # xavier: zero biases
    with pytest.raises(ValueError, match="sigma ≥ 0"):
        initializer("normal(0, -1)")
    # same Generator seed → same network; another seed → another
    a = Network.init([3, 4, 2], ["relu", "sigmoid"], "he", rng=np.random.default_rng(42))
    b = Network.init([3, 4, 2], ["relu", "sigmoid"], "he", rng=np.random.default_rng(42))
    c = Network.init([3, 4, 2], ["relu", "sigmoid"], "he", rng=np.random.default_rng(43))
    assert np.array_equal(a.parameter_vector(), b.parameter_vector())
    assert not np.array_equal(a.parameter_vector(), c.parameter_vector())

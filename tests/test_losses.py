"""One formula per loss: the registry's fast reductions equal its per-sample formula, at the extremes too.

``Loss.per_sample`` is the formula (the recorded engine path and the engine's loss surfaces use
it); ``Loss.totals`` is what the MNIST loss planes and the fast trainer call. Here both are tied
together on random logits up to |z| = 1e4, where the probabilities underflow to 0.
"""

import math

import numpy as np
import pytest

from nnviz import mnist_train as mt
from nnviz.engine import ACTIVATIONS, LOSSES, Network, train_step

#: the output activation each loss is used with here (the two cross-entropies need theirs)
OUTPUT = {"half_sse": "sigmoid", "mse": "identity", "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}


def _reference_per_sample(name: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each sample's loss in plain Python floats, row by row, written from the formulas in the engine's docstring."""
    B, K = y.shape
    out = np.empty(z.shape[:-1])
    for idx in np.ndindex(*z.shape[:-1]):
        n = idx[-1]
        zs, ys = [float(v) for v in z[idx]], [float(v) for v in y[n]]
        if name == "cross_entropy":
            m = max(zs)
            lse = m + math.log(math.fsum(math.exp(v - m) for v in zs))
            out[idx] = -math.fsum(t * (v - lse) for t, v in zip(ys, zs)) / B
        elif name == "binary_cross_entropy":
            # −[y log σ(z) + (1 − y) log(1 − σ(z))], with log σ(z) = −log(1 + e^−z) computed without overflow
            def log_sigmoid(v):
                return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))

            out[idx] = -math.fsum(t * log_sigmoid(v) + (1 - t) * log_sigmoid(-v) for t, v in zip(ys, zs)) / (B * K)
        else:
            a = ACTIVATIONS[OUTPUT[name]].forward(np.array(zs))
            sq = math.fsum((float(ai) - t) ** 2 for ai, t in zip(a, ys))
            out[idx] = 0.5 * sq if name == "half_sse" else sq / (B * K)
    return out


def _targets(rng, B, K, kind):
    if kind == "one-hot":
        return np.eye(K)[rng.integers(0, K, B)]
    y = rng.random((B, K))
    return y / y.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0, 1e4])
@pytest.mark.parametrize("targets", ["one-hot", "soft"])
def test_totals_equal_the_per_sample_formula_on_stacked_logits(name, scale, targets):
    # 1 and 30: the cross-entropy reduction's one shared max (logits spanning < 60); 300 and 1e4: each row's
    # own max, probabilities far below float64's smallest number
    rng = np.random.default_rng(int(scale) + len(name))
    B, K = 7, 4
    z = rng.standard_normal((3, 2, B, K)) * scale
    y = _targets(rng, B, K, targets)
    a = ACTIVATIONS[OUTPUT[name]].forward(z)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is expected
        per = LOSSES[name].per_sample(z, a, y)
        totals = LOSSES[name].totals(z, a, y)
    assert per.shape == (3, 2, B) and totals.shape == (3, 2)
    # softplus(z) − y·z cancels for large z: an absolute error of a few ulps of |z| is the formula's own
    np.testing.assert_allclose(per, _reference_per_sample(name, z, y), rtol=1e-12, atol=1e-15 * scale)
    np.testing.assert_allclose(totals, per.sum(axis=-1), rtol=1e-12)
    # one network's batch, as evaluate() sees it: the same numbers as the stacked call
    res = LOSSES[name].evaluate(z[1, 0], a[1, 0], y)
    np.testing.assert_array_equal(res.per_sample, per[1, 0])
    assert res.value == pytest.approx(float(totals[1, 0]), rel=1e-12)


def test_cross_entropy_at_logits_of_1e4_by_hand():
    # z = (1e4, −1e4), y = (0, 1): log Σ e^z = 1e4 + log(1 + e^−2e4) = 1e4, so L = −(−1e4 − 1e4) = 2e4,
    # although softmax(z)₁ = e^−2e4 is 0 in floating point
    z = np.array([[1e4, -1e4]])
    y = np.array([[0.0, 1.0]])
    a = ACTIVATIONS["softmax"].forward(z)
    assert a[0, 1] == 0.0
    spec = LOSSES["cross_entropy"]
    assert spec.per_sample(z, a, y)[0] == 2e4
    assert spec.totals(z, a, y) == 2e4
    assert spec.evaluate(z, a, y).value == 2e4


@pytest.mark.parametrize("loss", sorted(mt.LOSS_OUTPUTS))
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_fast_trainer_loss_equals_the_engines_at_huge_logits(loss, scale):
    # weights scaled by 1e3 give output logits of ~1e3–1e4: some targets' softmax outputs underflow to 0, which
    # the fast trainer once clipped to float's tiny (−log tiny = 708 per sample): it reported L = 551.5
    # for this batch, the engine's log-sum-exp 1087.85
    rng = np.random.default_rng(5)
    net = Network.init([6, 5, 4], ["tanh", mt.LOSS_OUTPUTS[loss]], "xavier", rng)
    net = net.with_parameters(net.parameter_vector() * scale)
    X = rng.random((9, 6))
    Y = np.eye(4)[rng.integers(0, 4, 9)]
    rec = train_step(net, X, Y, loss, 0.01)
    if scale > 1:
        assert np.abs(rec.trace.layers[-1].z).max() > 1e3
    fast = mt.FastMLP(net, loss, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        value = fast.step(X, Y, 0.01)
    assert value == pytest.approx(rec.loss_before, rel=1e-12)


def test_recorded_dL_dyhat_of_the_cross_entropies_by_hand():
    # backward uses the fused δ, but the record keeps ∂L/∂ŷ too (the matrices tab shows it).
    # BCE, ŷ = σ(z) = 0.25 (z = ln(1/3)), y = 1, B = K = 1: ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) = −0.75/0.1875 = −4
    z = np.array([[math.log(1 / 3)]])
    res = LOSSES["binary_cross_entropy"].evaluate(z, ACTIVATIONS["sigmoid"].forward(z), np.array([[1.0]]))
    assert res.da[0, 0] == pytest.approx(-4.0, rel=1e-14)
    assert res.dz[0, 0] == pytest.approx(-0.75, rel=1e-14)  # fused: ŷ − y
    assert res.value == pytest.approx(math.log(4), rel=1e-14)  # −log 0.25
    # CE, ŷ = softmax(ln .25, ln .75) = (.25, .75), y = (1, 0), B = 2 rows alike: ∂L/∂ŷ = −y/(ŷ·B) = (−2, 0)
    z = np.log(np.array([[0.25, 0.75]] * 2))
    res = LOSSES["cross_entropy"].evaluate(z, ACTIVATIONS["softmax"].forward(z), np.array([[1.0, 0.0]] * 2))
    np.testing.assert_allclose(res.da, [[-2.0, 0.0]] * 2, rtol=1e-14)
    np.testing.assert_allclose(res.dz, [[-0.375, 0.375]] * 2, rtol=1e-14)  # (ŷ − y)/B

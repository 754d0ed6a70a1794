"""Regularisation, Playground's L1 dead links, the zeros initialiser and the panel formulas.

Expected numbers come from hand computations (in the comments), central finite
differences, or a line-by-line transcription of Playground's nn.ts
(tests/playground_nn.py).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz.datasets import make_dataset, targets
from nnviz.engine import (
    ACTIVATIONS,
    INITIALIZER_NOTES,
    INITIALIZERS,
    REGULARIZERS,
    Network,
    fmt_number,
    gradient_check,
    regularizer,
    train_step,
)
from tests import playground_nn as pg


def linear_net(w, b=None):
    # 2 → 1 identity, so ∂(½(z − y)²)/∂w_i = (z − y)·x_i by hand
    return Network.from_arrays([np.array(w, float).reshape(2, 1)], None if b is None else [np.array([b])], ["identity"])


X1 = np.array([[1.0, 2.0]])
Y1 = np.array([[1.0]])


def test_l1_hand_example():
    net = linear_net([0.5, -0.2])
    g = net.backward(net.forward(X1), Y1, loss="half_sse", regularization="l1", regularization_rate=0.01)
    # z = 0.5·1 + (−0.2)·2 = 0.1; ½(0.1 − 1)² = 0.405; λΣ|w| = 0.01·(0.5 + 0.2) = 0.007
    assert g.loss == pytest.approx(0.412, abs=1e-15)
    assert g.penalty == pytest.approx(0.007, abs=1e-16)
    assert g.per_sample.sum() == pytest.approx(0.405, abs=1e-15)
    # δ = 0.1 − 1 = −0.9; Σδ·x = (−0.9, −1.8); λ·sign(w) = (0.01, −0.01)
    np.testing.assert_allclose(g.layers[0].dW.ravel(), [-0.89, -1.81], rtol=0, atol=1e-15)
    np.testing.assert_allclose(g.layers[0].dW_penalty.ravel(), [0.01, -0.01], rtol=0, atol=1e-18)
    assert (g.regularization, g.regularization_rate) == ("l1", 0.01)


def test_l2_hand_example_and_biases_unpenalised():
    net = linear_net([0.5, -0.2], b=3.0)
    plain = net.backward(net.forward(X1), Y1)
    g = net.backward(net.forward(X1), Y1, regularization="l2", regularization_rate=0.01)
    # z = 0.1 + 3 = 3.1; ½(3.1 − 1)² = 2.205; λ·½Σw² = 0.01·½(0.25 + 0.04) = 0.00145 (b not in it)
    assert g.loss == pytest.approx(2.205 + 0.00145, abs=1e-14)
    # δ = 2.1; Σδ·x = (2.1, 4.2); + λw = (0.005, −0.002)
    np.testing.assert_allclose(g.layers[0].dW.ravel(), [2.105, 4.198], atol=1e-14)
    # the bias gradient is the data gradient alone
    np.testing.assert_array_equal(g.layers[0].db, plain.layers[0].db)
    assert net.penalty("l2", 0.01) == pytest.approx(0.00145, abs=1e-17)


def test_no_regularization_is_unchanged():
    net = linear_net([0.5, -0.2], b=3.0)
    a = net.backward(net.forward(X1), Y1)
    for reg, lam in (("l1", 0.0), ("none", 0.3), (None, 0.0)):
        b = net.backward(net.forward(X1), Y1, regularization=reg, regularization_rate=lam)
        assert b.loss == a.loss and b.penalty == 0.0 and b.layers[0].dW_penalty is None
        np.testing.assert_array_equal(b.layers[0].dW, a.layers[0].dW)


def test_bad_regularization_is_refused():
    net = linear_net([0.5, -0.2])
    with pytest.raises(ValueError, match="unknown regularization"):
        net.backward(net.forward(X1), Y1, regularization="l3", regularization_rate=0.1)
    with pytest.raises(ValueError, match="regularization_rate"):
        net.backward(net.forward(X1), Y1, regularization="l1", regularization_rate=-1)


@pytest.mark.parametrize("reg", ["l1", "l2"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_finite_differences_with_regularization(reg, act):
    rng = np.random.default_rng(7)
    net = Network.init([3, 4, 2], [act, "sigmoid"], "normal", rng)
    X, Y = rng.normal(size=(5, 3)), rng.random((5, 2))
    gc = gradient_check(net, X, Y, "half_sse", regularization=reg, regularization_rate=0.3)
    assert gc.max_relative_error < 1e-6
    # the check itself sees the penalty: without it the weights' gradients disagree
    plain = gradient_check(net, X, Y, "half_sse")
    assert np.max(np.abs(gc.numerical - plain.numerical)) > 1e-3


def test_finite_differences_of_the_total_loss_by_hand():
    # independent of gradient_check: perturb one weight, evaluate L + λΣR directly
    rng = np.random.default_rng(3)
    net = Network.init([2, 3, 1], ["tanh", "identity"], "normal", rng)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    g = net.backward(net.forward(X), Y, regularization="l1", regularization_rate=0.05)
    v, eps = net.parameter_vector(), 1e-6
    for i in (0, 4, 9):  # W1[0,0], W1[1,1], W2[0,0] in flat order (W1: 6, b1: 3, W2: 3)
        total = []
        for s in (1, -1):
            n2 = net.with_parameters(v + s * eps * np.eye(v.size)[i])
            total.append(n2.loss(X, Y) + n2.penalty("l1", 0.05))
        assert net.gradient_vector(g)[i] == pytest.approx((total[0] - total[1]) / (2 * eps), rel=1e-7)


# ---------------------------------------------------------------------------
# Playground's L1 rule: a weight the *penalty* pushes across 0 dies.


def test_l1_penalty_pushing_across_zero_kills_the_weight():
    # x = (0, 1): w₀ gets no data gradient (δ·0 = 0). η = 1, λ = 0.01:
    # w₀ = 0.005: w′ = 0.005, w″ = 0.005 − 1·0.01·1 = −0.005 → crossed 0: w₀ = 0, dead.
    net = linear_net([0.005, 0.5])
    X, Y = np.array([[0.0, 1.0]]), np.array([[0.5]])
    g = net.backward(net.forward(X), Y, regularization="l1", regularization_rate=0.01)
    net2 = net.sgd_step(g, learning_rate=1.0)
    assert net2.weights[0][0, 0] == 0.0
    assert net2.dead is not None and net2.dead[0].tolist() == [[True], [False]]
    # w₁: z = 0.5, δ = 0; w″ = 0.5 − 0.01 = 0.49, alive
    assert net2.weights[0][1, 0] == pytest.approx(0.49, abs=1e-16)
    # now give w₀ a data gradient: it stays 0 for ever, the other weight moves
    X2, Y2 = np.array([[1.0, 1.0]]), np.array([[3.0]])
    for _ in range(3):
        net2 = net2.sgd_step(net2.backward(net2.forward(X2), Y2, regularization="l1", regularization_rate=0.01), 0.1)
        assert net2.weights[0][0, 0] == 0.0 and net2.dead[0][0, 0]
    assert net2.weights[0][1, 0] > 0.49


def test_data_gradient_crossing_zero_does_not_kill():
    # w₀ = 0.005, x = (1, 0), y = 1, z = 0.005: δ = −0.995, ∂E/∂w₀ = −0.995.
    # η = 1: w′ = 0.005 + 0.995 = 1.0; w″ = 1.0 − 0.01 = 0.99 (same sign as w′: alive)
    # and with y = −1: δ = 1.005, w′ = 0.005 − 1.005 = −1.0, w″ = −1.0 − 0.01·sign(0.005) = −1.01:
    # the data step crossed 0, the penalty did not: alive (Playground tests w′·w″ < 0 only)
    net = linear_net([0.005, 0.5])
    for y, expected in ((1.0, 0.99), (-1.0, -1.01)):
        g = net.backward(net.forward(np.array([[1.0, 0.0]])), np.array([[y]]), "half_sse", "l1", 0.01)
        net2 = net.sgd_step(g, learning_rate=1.0)
        assert net2.weights[0][0, 0] == pytest.approx(expected, abs=1e-15)
        assert net2.dead is None


def test_dead_links_survive_json_and_are_validated():
    net = linear_net([0.005, 0.5])
    g = net.backward(net.forward(np.array([[0.0, 1.0]])), np.array([[0.5]]), "half_sse", "l1", 0.01)
    dead = net.sgd_step(g, 1.0)
    text = dead.to_json()
    assert json.loads(text)["dead"] == [[[0, 0]]]
    back = Network.from_json(text)
    assert back.dead[0].tolist() == [[True], [False]]
    assert Network.from_json(net.to_json()).dead is None
    d = json.loads(text)
    d["weights"][0][0][0] = 0.3
    with pytest.raises(ValueError, match="dead weight must be 0"):
        Network.from_json(json.dumps(d))
    d["weights"][0][0][0] = 0.0
    d["dead"] = [[[5, 0]]]
    with pytest.raises(ValueError, match="field 'dead'"):
        Network.from_json(json.dumps(d))


def test_train_step_records_the_penalty_and_the_death():
    net = linear_net([0.005, 0.5])
    rec = train_step(net, np.array([[0.0, 1.0]]), np.array([[0.5]]), "half_sse", 1.0, None, True, 0.0, None, "l1", 0.01)
    # before: ½(0.5 − 0.5)² + 0.01·(0.005 + 0.5) = 0.00505; after: w = (0, 0.49): ½(0.01)² + 0.0049
    assert rec.loss_before == pytest.approx(0.00505, abs=1e-16)
    assert rec.loss_after == pytest.approx(0.00005 + 0.0049, abs=1e-16)
    assert rec.after.dead[0][0, 0] and rec.update.dead[0][0, 0]


def test_momentum_update_leaves_dead_weights_at_zero():
    net = Network.from_arrays([np.array([[0.0], [0.5]])], None, ["identity"], dead=[np.array([[True], [False]])])
    g = net.backward(net.forward(np.array([[1.0, 1.0]])), np.array([[3.0]]))
    upd = net.compute_update(g, 0.1, momentum=0.9, velocity=np.array([1.0, 1.0]))
    after = net.apply_update(upd)
    # dead w₀: its velocity is held at 0, so w₀ stays 0 even with an old velocity of 1
    # live w₁: z = 0.5, δ = 0.5 − 3 = −2.5, g = −2.5; v = 0.9·1 − 0.1·(−2.5) = 1.15; w = 0.5 + 1.15
    assert after.weights[0][0, 0] == 0.0 and after.dead[0][0, 0]
    assert after.weights[0][1, 0] == pytest.approx(1.65, abs=1e-15)
    np.testing.assert_allclose(upd.velocity, [0.0, 1.15], atol=1e-15)


# ---------------------------------------------------------------------------
# Number for number against Playground's nn.ts.


def test_matches_playgrounds_update_with_l1_for_several_steps():
    """Playground: η = 0.03, λ = 0.3 (L1), batch 10, tanh hidden and output, ½(o − t)² per point.

    nnviz's half_sse sums over the batch, so Playground's w ← w − (η/B)·Σ∂E/∂w − η·λ·R′(w)
    is nnviz's sgd_step with learning_rate = η/B and regularization_rate = λ·B:
    (η/B)·(Σ∂E/∂w + λB·R′(w)) = (η/B)·Σ∂E/∂w + η·λ·R′(w).
    """
    eta, lam, B = 0.03, 0.3, 10
    ds = make_dataset("xor", n_samples=40, noise=0.0, seed=4)
    X, T = ds.X, targets(ds, "signed")  # Playground trains a tanh output towards ±1
    rng = np.random.default_rng(11)
    ws = [rng.random((2, 3)) - 0.5, rng.random((3, 1)) - 0.5]  # nn.ts: Math.random() − 0.5
    ws[0][1, 2] = 4e-4  # small: the penalty step η·λ = 0.009 pushes it across 0 in the first epoch
    bs = [np.full(3, 0.1), np.full(1, 0.1)]  # nn.ts: bias = 0.1
    net = Network.from_arrays(ws, bs, ["tanh", "tanh"])
    pnet = pg.build(ws, bs, "tanh", "tanh")
    dead_count = []
    for _ in range(3):
        pg.one_step(pnet, X.tolist(), T[:, 0].tolist(), B, eta, lam, "l1")
        for start in range(0, len(X), B):
            Xb, Tb = X[start : start + B], T[start : start + B]
            g = net.backward(net.forward(Xb), Tb, loss="half_sse", regularization="l1", regularization_rate=lam * B)
            net = net.sgd_step(g, learning_rate=eta / B)
        for l in range(2):
            np.testing.assert_allclose(net.weights[l], pg.weights_of(pnet)[l], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(net.biases[l], pg.biases_of(pnet)[l], rtol=1e-12, atol=1e-15)
            dead_here = np.zeros(net.weights[l].shape, bool) if net.dead is None else net.dead[l]
            np.testing.assert_array_equal(dead_here, pg.dead_of(pnet)[l])
        dead_count.append(0 if net.dead is None else sum(int(m.sum()) for m in net.dead))
        assert net.dead is not None and net.dead[0][1, 2] and net.weights[0][1, 2] == 0.0
    # W1[1,2] dies in epoch 1, W1[0,1] and W1[0,2] later; a dead link stays dead (and 0) throughout
    assert dead_count == [1, 2, 3]


def test_matches_playgrounds_update_with_l2_and_no_regularization():
    eta, lam, B = 0.1, 0.01, 5
    ds = make_dataset("circle", n_samples=20, noise=0.2, seed=1)
    X, T = ds.X, targets(ds, "signed")
    rng = np.random.default_rng(5)
    ws = [rng.random((2, 4)) - 0.5, rng.random((4, 2)) - 0.5, rng.random((2, 1)) - 0.5]
    bs = [np.full(4, 0.1), np.full(2, 0.1), np.full(1, 0.1)]
    for reg, rate in (("l2", lam), (None, 0.0)):
        # Playground has one activation for every hidden layer
        pnet = pg.build(ws, bs, "relu", "tanh")
        net = Network.from_arrays(ws, bs, ["relu", "relu", "tanh"])
        for _ in range(2):
            pg.one_step(pnet, X.tolist(), T[:, 0].tolist(), B, eta, rate, reg)
            for start in range(0, len(X), B):
                g = net.backward(net.forward(X[start : start + B]), T[start : start + B], "half_sse", reg, rate * B)
                net = net.sgd_step(g, eta / B)
        for l in range(3):
            np.testing.assert_allclose(net.weights[l], pg.weights_of(pnet)[l], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(net.biases[l], pg.biases_of(pnet)[l], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------
# The zeros initialiser: symmetry never breaks.


def test_zeros_initialiser_keeps_hidden_units_identical():
    net = Network.init([2, 3, 1], ["sigmoid", "sigmoid"], "zeros", rng=0)
    assert all(not w.any() for w in net.weights) and all(not b.any() for b in net.biases)
    ds = make_dataset("gauss", n_samples=20, seed=0)
    # 10 points of class 1, 3 of class 0: with balanced classes Σδ = 0 and nothing would move at all
    X, Y = ds.X[:13], targets(ds, "binary")[:13]
    for _ in range(25):
        net = net.sgd_step(net.backward(net.forward(X), Y), 0.05)
    W1, b1, W2 = net.weights[0], net.biases[0], net.weights[1]
    # every hidden unit has the same incoming weights, bias and outgoing weight …
    np.testing.assert_array_equal(W1, np.repeat(W1[:, :1], 3, axis=1))
    np.testing.assert_array_equal(b1, np.full(3, b1[0]))
    np.testing.assert_array_equal(W2, np.full((3, 1), W2[0, 0]))
    # … though training did move them (the hidden units just move together)
    assert np.abs(W1).max() > 1e-4 and np.abs(W2).max() > 1e-3
    a = net.forward(X).layers[0].a
    np.testing.assert_array_equal(a, np.repeat(a[:, :1], 3, axis=1))
    assert "symmetry never breaks" in INITIALIZER_NOTES["zeros"]
    assert set(INITIALIZER_NOTES) <= set(INITIALIZERS)


# ---------------------------------------------------------------------------
# One place per thing: every registry entry's panel formula gives the engine's number.


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_derivative_latex_is_the_engines_number(name):
    act = ACTIVATIONS[name]
    assert act.symbol and act.label and act.formula
    if act.derivative is None:
        assert act.derivative_latex(0.3, 0.5) is None  # softmax: the panel writes δ itself
        return
    h = 1e-6
    for z in (-1.7, -0.2, 0.4, 2.3):
        a = float(act.forward(np.array([z]))[0])
        tex, value = act.derivative_latex(z, a)
        # the number shown is the engine's f′ …
        assert value == float(act.derivative(np.array([z]), np.array([a]))[0])
        # … and it is the derivative of f (central differences)
        fd = (act.forward(np.array([z + h]))[0] - act.forward(np.array([z - h]))[0]) / (2 * h)
        assert value == pytest.approx(fd, rel=1e-7, abs=1e-9)
        # the formula is written with the numbers it uses
        if "{a}" in act.derivative_tex:
            assert fmt_number(a) in tex
        if "{z}" in act.derivative_tex:
            assert fmt_number(z) in tex
        assert "{" + "a}" not in tex and "{" + "z}" not in tex


def test_sigmoid_derivative_latex_by_hand():
    # σ(0) = 0.5, σ′ = 0.5·(1 − 0.5) = 0.25
    tex, value = ACTIVATIONS["sigmoid"].derivative_latex(0.0, 0.5)
    assert tex == r"a(1-a) = 0.5\,(1-0.5)" and value == 0.25
    # a negative number is written in parentheses
    assert ACTIVATIONS["tanh"].derivative_latex(-0.5, -0.462117)[0] == "1-a^2 = 1-(-0.462117)^2"


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_every_regularizer_derivative_is_the_engines_number(name):
    reg = regularizer(name)
    assert reg.label and reg.formula
    h = 1e-6
    for w in (-0.8, -0.05, 0.3, 1.9):
        tex, value = reg.derivative_latex(w)
        assert value == float(reg.derivative(np.array([w]))[0])
        fd = (reg.penalty(np.array([w + h]))[0] - reg.penalty(np.array([w - h]))[0]) / (2 * h)
        assert value == pytest.approx(fd, rel=1e-7, abs=1e-12)
        if "{w}" in reg.derivative_tex:
            assert fmt_number(w) in tex
    # Playground's L1 derivative is 0 at 0
    assert reg.derivative_latex(0.0)[1] == 0.0


def test_editing_a_weight_and_reviving_a_dead_one():
    net = Network.from_arrays(
        [np.array([[0.0], [0.5]])], [np.array([0.2])], ["identity"], dead=[np.array([[True], [False]])]
    )
    e = net.with_value("W1[1,0]", -3.0)
    assert e.weights[0][1, 0] == -3.0 and e.dead[0][0, 0]  # another weight: W1[0,0] stays dead
    e = e.with_value("b1[0]", 1.5)
    assert e.biases[0][0] == 1.5
    r = e.with_value("W1[0,0]", 0.25)
    assert r.weights[0][0, 0] == 0.25 and r.dead is None  # the edited dead weight lives again
    assert net.weights[0][1, 0] == 0.5  # the original is unchanged
    with pytest.raises(ValueError, match="no parameter"):
        net.with_value("W2[0,0]", 1.0)
    with pytest.raises(ValueError, match="finite"):
        net.with_value("b1[0]", float("inf"))


def test_new_modules_import_neither_streamlit_nor_plotly():
    code = (
        "import sys, nnviz.optim, nnviz.datasets; "
        "assert 'streamlit' not in sys.modules and 'plotly' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], check=True)

"""The seed tutorials, number for number.

Expected numbers are either what a tutorial printed (quoted from
shared/seeds/00x_*.txt), an independent re-implementation of the tutorial's own
code written out here, or arithmetic shown in a comment.
"""

import math
import random

import numpy as np
import pytest

from nnviz import examples
from nnviz.engine import ACTIVATIONS
from nnviz.seed_reference import (
    seed004_backward_propagate_error,
    seed004_forward_propagate,
    seed004_weights_update,
)

# ---------------------------------------------------------------------------
# Seed 002: fixed-weight forward pass.


def test_seed002_forward_pass_prints_the_tutorials_numbers():
    y = examples.forward_network().predict([1.0, 0.5])[0]
    printed = np.array([0.31682708, 0.69627909])  # ">> [0.31682708 0.69627909]"
    assert np.array_equal(np.round(y, 8), printed)
    assert np.all(np.abs(y - printed) < 5e-9)
    assert np.array_equal(examples.FORWARD_PRINTED, printed)


def test_seed002_stable_softmax_prints_the_tutorials_numbers():
    y = ACTIVATIONS["softmax"].forward(np.array([[0.3, 2.9, 4.0]]))[0]
    assert np.array_equal(
        np.round(y, 8), [0.01821127, 0.24519181, 0.73659691]
    )  # ">> [0.01821127 0.24519181 0.73659691]"
    assert y.sum() == pytest.approx(1.0, abs=1e-15)


# ---------------------------------------------------------------------------
# Seed 003: study hours.


def _sigmoid(s):
    return 1 / (1 + math.exp(-s))


def test_seed003_hand_example_exact_numbers():
    t = examples.study_hand_network().forward(examples.STUDY_X_RAW[:1])
    # (2·.2) + (9·.8) = 7.6; (2·.6) + (9·.3) = 3.9; (2·.1) + (9·.7) = 6.5
    np.testing.assert_allclose(t.layers[0].z[0], [7.6, 3.9, 6.5], rtol=1e-15)
    a1 = [_sigmoid(7.6), _sigmoid(3.9), _sigmoid(6.5)]  # 0.99950, 0.98016, 0.99850
    np.testing.assert_allclose(t.layers[0].a[0], a1, rtol=1e-15)
    z2 = 0.4 * a1[0] + 0.5 * a1[1] + 0.9 * a1[2]  # 0.39980 + 0.49008 + 0.89865 = 1.78853
    assert t.layers[1].z[0, 0] == pytest.approx(z2, rel=1e-15)
    assert t.output[0, 0] == pytest.approx(_sigmoid(z2), rel=1e-15)  # σ(1.78853) = 0.85675
    # The prose rounds σ(7.6) to .9994 and σ(3.9) to 1.000 and so gets
    # (.9994·.4) + (1.000·.5) + (.9984·.9) = 1.79832 and S(1.79832) = .8579443067: not what the weights give.
    assert (0.9994 * 0.4) + (1.000 * 0.5) + (0.9984 * 0.9) == pytest.approx(1.79832, abs=1e-12)
    assert abs(t.layers[1].z[0, 0] - 1.79832) > 5e-3
    assert abs(t.output[0, 0] - 0.8579443067) > 1e-3
    assert _sigmoid(1.79832) == pytest.approx(0.8579443067, abs=1e-10)  # the prose's own last step is right


class SeedStudyNet:
    """Seed 003's Neural_Network, as printed (weights passed in instead of randn)."""

    def __init__(self, W1, W2):
        self.W1 = np.array(W1, dtype=float)
        self.W2 = np.array(W2, dtype=float)

    def forward(self, X):
        self.z = np.dot(X, self.W1)
        self.z2 = self.sigmoid(self.z)
        self.z3 = np.dot(self.z2, self.W2)
        return self.sigmoid(self.z3)

    def sigmoid(self, s):
        return 1 / (1 + np.exp(-s))

    def sigmoidPrime(self, s):
        return s * (1 - s)

    def backward(self, X, y, o):
        self.o_error = y - o
        self.o_delta = self.o_error * self.sigmoidPrime(o)
        self.z2_error = self.o_delta.dot(self.W2.T)
        self.z2_delta = self.z2_error * self.sigmoidPrime(self.z2)
        self.W1 += X.T.dot(self.z2_delta)
        self.W2 += self.z2.T.dot(self.o_delta)

    def train(self, X, y):
        o = self.forward(X)
        self.backward(X, y, o)


def seed003_data():
    X = np.array(([2, 9], [1, 5], [3, 6]), dtype=float)
    y = np.array(([92], [86], [89]), dtype=float)
    return X / np.amax(X, axis=0), y / 100


def test_seed003_data_scaling():
    X, y = seed003_data()
    assert np.array_equal(examples.STUDY_X, X) and np.array_equal(examples.STUDY_Y, y)
    # the query is scaled by the training max [3, 9], not its own max [8]
    np.testing.assert_array_equal(examples.study_scale_query([4.0, 8.0]), [4 / 3, 8 / 9])


def test_seed003_update_equals_the_seeds_numpy_code():
    X, y = seed003_data()
    net = examples.study_network()
    seed_nn = SeedStudyNet(net.weights[0], net.weights[1])
    hist = examples.study_history(net)
    for _ in range(50):
        printed_loss = np.mean(np.square(y - seed_nn.forward(X)))  # the seed's "Loss:" line
        rec = hist.step(examples.STUDY_LR)
        assert rec.loss_before * 2 / 3 == pytest.approx(printed_loss, rel=1e-12)  # ½·Σ·2/3 = Σ/3 = mean
        seed_nn.train(X, y)
        after = hist.network()
        np.testing.assert_allclose(after.weights[0], seed_nn.W1, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(after.weights[1], seed_nn.W2, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_seed003_loss_falls_below_1e_6():
    # The printed loss mean((y − o)²) is below 1e-6 first on printed line #36656, the
    # 36,657th; the seed's own numpy loop from the same initial weights agrees.
    X, y = seed003_data()
    hist = examples.study_history()
    n = 0
    while hist.step(examples.STUDY_LR).loss_after * 2 / 3 >= 1e-6:
        n += 1
        assert n < 40_000
    first_below = n + 1  # printed line index: the loss after n + 1 updates
    assert first_below == 36_656
    net = examples.study_network()
    seed_nn = SeedStudyNet(net.weights[0], net.weights[1])
    i = 0
    while np.mean(np.square(y - seed_nn.forward(X))) >= 1e-6:
        seed_nn.train(X, y)
        i += 1
    assert i == first_below
    final = hist.network()
    np.testing.assert_allclose(final.predict(examples.STUDY_X), examples.STUDY_Y, atol=2e-3)
    # the prediction for 4 h studied, 8 h slept uses the training max
    np.testing.assert_allclose(final.predict([[4 / 3, 8 / 9]]), final.predict(examples.study_scale_query([4, 8])))


def test_seed003_run_study_reports_the_training_max_prediction():
    run = examples.run_study(20)
    assert run.mse.shape == (20,)
    assert run.prediction == run.final.predict([[4 / 3, 8 / 9]])[0, 0]
    assert run.seed_style_prediction == run.final.predict([[0.5, 1.0]])[0, 0]  # [4, 8]/8, the seed's scaling


# ---------------------------------------------------------------------------
# Seed 004: toy classification.


def seed004_initialize_network(n_inputs, n_hidden, n_outputs):
    """Seed 004's initialize_network, on the module-level random() as in the seed."""
    network = list()
    hidden_layer = [{"weights": [random.random() for i in range(n_inputs + 1)]} for i in range(n_hidden)]
    network.append(hidden_layer)
    output_layer = [{"weights": [random.random() for i in range(n_hidden + 1)]} for i in range(n_outputs)]
    network.append(output_layer)
    return network


def seed004_network(n_hidden):
    state = random.getstate()
    try:
        random.seed(1)
        return seed004_initialize_network(2, n_hidden, 2)
    finally:
        random.setstate(state)


def assert_same_weights(net, seed_network, tol):
    """Engine (W, b) against the seed's per-neuron [w_1 … w_n, bias] lists."""
    for l, layer in enumerate(seed_network):
        for j, neuron in enumerate(layer):
            np.testing.assert_allclose(net.weights[l][:, j], neuron["weights"][:-1], rtol=0, atol=tol)
            assert abs(net.biases[l][j] - neuron["weights"][-1]) <= tol


def test_seed004_initial_weights_are_random_seed_1_draws():
    for n_hidden in (1, 2, 3):
        assert_same_weights(examples.toy_network(n_hidden), seed004_network(n_hidden), tol=0.0)
    # the first demo (seed(1), initialize_network(2, 1, 2)) prints these weights
    demo = examples.toy_network(n_hidden=1)
    np.testing.assert_array_equal(demo.weights[0][:, 0], [0.13436424411240122, 0.8474337369372327])
    assert demo.biases[0][0] == 0.763774618976614
    np.testing.assert_array_equal(demo.weights[1], [[0.2550690257394217, 0.4494910647887381]])
    np.testing.assert_array_equal(demo.biases[1], [0.49543508709194095, 0.651592972722763])


def test_seed004_demo_forward_and_deltas_match_the_printout():
    # row [1, 0] through the 2-1-2 demo network, then backward with expected [0, 1]
    net = examples.toy_network(n_hidden=1)
    t = net.forward([[1.0, 0.0]])
    np.testing.assert_allclose(t.layers[0].a[0], [0.7105668883115941], rtol=1e-15)
    np.testing.assert_allclose(t.output[0], [0.6629970129852887, 0.7253160725279748], rtol=1e-15)
    g = net.backward(t, [[0.0, 1.0]], "half_sse")
    # the seed's delta is (expected − output)·σ'; ours is ∂L/∂z = (output − expected)·σ', its negative
    np.testing.assert_allclose(g.layers[1].dz[0], [0.14813473120687762, -0.05472601157879688], rtol=1e-14)
    np.testing.assert_allclose(g.layers[0].dz[0], [0.002711797799238243], rtol=1e-14)


def test_seed004_first_epoch_equals_the_seeds_dict_code():
    seed_net = seed004_network(2)
    dataset = [[*x, int(label)] for x, label in zip(examples.TOY_X.tolist(), examples.TOY_LABELS)]
    hist = examples.toy_history()
    for k, row in enumerate(dataset):
        outputs = seed004_forward_propagate(seed_net, row)
        expected = [0, 0]
        expected[row[-1]] = 1
        sum_error = sum([(expected[i] - outputs[i]) ** 2 for i in range(2)])
        seed004_backward_propagate_error(seed_net, expected)
        seed004_weights_update(seed_net, row, examples.TOY_LR)
        rec = hist.step(examples.TOY_LR)
        assert 2 * rec.loss_before == pytest.approx(sum_error, rel=1e-14)  # printed error = 2·½·Σ(t − o)²
        assert_same_weights(hist.network(), seed_net, tol=1e-15 if k == 0 else 1e-14)


@pytest.fixture(scope="module")
def toy_run():
    return examples.run_toy()


@pytest.mark.slow
def test_seed004_printed_errors(toy_run):
    assert len(toy_run.epoch_errors) == 5001
    ours = [f"{e:.3f}" for e in toy_run.epoch_errors[::100]]
    assert ours == [f"{e:.3f}" for e in examples.TOY_PRINTED_ERRORS]
    assert ours[0] == "6.697" and ours[-1] == "0.027" and len(ours) == 51  # first and last printed lines


@pytest.mark.slow
def test_seed004_final_weights_and_predictions(toy_run):
    ws, bs = examples.neurons_to_arrays(examples.TOY_FINAL)
    for w, b, w_ours, b_ours in zip(ws, bs, toy_run.final.weights, toy_run.final.biases):
        np.testing.assert_allclose(w_ours, w, rtol=0, atol=1e-9)
        np.testing.assert_allclose(b_ours, b, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(toy_run.predictions, examples.TOY_LABELS)
    # The tutorial's own printed final weights, run through the engine, classify every point as
    # its last printout says ("실제값=0, 예측값=0" five times, then "실제값=1, 예측값=1" five times).
    printed_net = examples.toy_network().with_parameters(
        np.concatenate([p for w, b in zip(ws, bs) for p in (w.ravel(), b)])
    )
    np.testing.assert_array_equal(np.argmax(printed_net.predict(examples.TOY_X), axis=1), examples.TOY_LABELS)


@pytest.mark.slow
def test_seed004_last_step_outputs_and_deltas_match_the_printed_network(toy_run):
    # After training the tutorial prints each neuron's dict, whose 'output' and 'delta' are what the
    # last online step (epoch 5000, the last row [7.673756466, 3.508563011, 1]) left there:
    #   layer 1: output 0.016593738310259763, 0.9208338348540293; delta −0.000252180328244517, 0.0005597952940571184
    #   layer 2: output 0.04180758754504879, 0.9593429092162126; delta −0.0016747999653304656, 0.0015857928993322072
    # The seed's delta is (t − o)·σ' (and its back-propagated sum), our δ = ∂L/∂z is its negative.
    last = len(toy_run.history) - 1
    rec = toy_run.history.record(last)
    assert rec.indices.tolist() == [9]
    outputs = [[0.016593738310259763, 0.9208338348540293], [0.04180758754504879, 0.9593429092162126]]
    deltas = [[-0.000252180328244517, 0.0005597952940571184], [-0.0016747999653304656, 0.0015857928993322072]]
    for l in range(2):
        np.testing.assert_allclose(rec.trace.layers[l].a[0], outputs[l], rtol=1e-13)
        np.testing.assert_allclose(-rec.grads.layers[l].dz[0], deltas[l], rtol=1e-13)
    # and the printed weights are the ones after that step
    np.testing.assert_array_equal(rec.after.parameter_vector(), toy_run.final.parameter_vector())

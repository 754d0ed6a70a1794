"""Warnings for failing runs: each fires on a network built to fail that way, with the numbers that
show it (recomputed here from the engine's forward and backward), and none fires on the toy start."""

from __future__ import annotations

import re

import numpy as np

from nnviz import examples, stepper
from nnviz.engine import Network


def _toy():
    return stepper.build_network(stepper.default_config("toy")), examples.toy_dataset()


def test_a_healthy_network_gets_no_warning():
    net, data = _toy()
    assert stepper.diagnose(net, data, "half_sse") == []


def test_saturated_sigmoid_outputs_are_reported_with_their_share():
    net, data = _toy()
    big = Network.from_arrays([w * 60 for w in net.weights], [b * 60 for b in net.biases], net.activations)
    (msg,) = stepper.diagnose(big, data, "half_sse")
    a = big.predict(data.X)
    share = np.mean(np.all(a * (1 - a) < 1e-3, axis=1))  # σ′ = a(1 − a)
    assert share >= 0.9
    assert msg.startswith(f"Saturated output: for {100 * share:.0f} % of the 10 training points")


def test_dead_relu_units_are_named():
    rng = np.random.default_rng(0)
    ws = [rng.normal(0, 1, (2, 3)), rng.normal(0, 1, (3, 2))]
    ws[0][:, 1] = 0.0  # unit 1: z = its bias 1 > 0 on every point
    bs = [np.array([-100.0, 1.0, -100.0]), np.zeros(2)]  # units 0 and 2 never fire on the toy points
    net = Network.from_arrays(ws, bs, ["relu", "sigmoid"])
    (msg,) = [m for m in stepper.diagnose(net, examples.toy_dataset(), "half_sse") if m.startswith("Dead")]
    assert "Dead ReLU units: 2 of 3 in layer 1 (a1[0], a1[2])" in msg


def test_vanishing_gradients_give_both_layers_numbers():
    rng = np.random.default_rng(1)
    sizes = [2, 8, 8, 8, 8, 8, 8, 2]
    ws = [rng.normal(0, 0.05, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    net = Network.from_arrays(ws, [np.zeros(b) for b in sizes[1:]], ["sigmoid"] * 7)
    data = examples.toy_dataset()
    msgs = stepper.diagnose(net, data, "half_sse")
    g = net.backward(net.forward(data.X), data.Y, "half_sse")
    first, top = np.max(np.abs(g.layers[0].dW)), np.max(np.abs(g.layers[-1].dW))
    assert first < 1e-4 * top
    (msg,) = [m for m in msgs if m.startswith("Vanishing")]
    assert re.search(rf"layer 1 is {first:.3g}, {first / top:.2g} times that of layer 7 \({top:.3g}\)", msg), msg

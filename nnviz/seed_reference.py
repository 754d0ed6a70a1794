"""Seed 004's own code (the dict-based network), transcribed from the tutorial.

An independent reference for the tests (same numbers as the engine) and the
benchmarks (the plain per-sample loop the recorded step is compared with). The
app never uses it. NumPy only, as the tutorial.
"""

import numpy as np


def seed004_activate(weights, inputs):
    activation = weights[-1]
    for i in range(len(weights) - 1):
        activation += inputs[i] * weights[i]
    return activation


def seed004_sigmoid(activation):
    return 1 / (1 + np.exp(-activation))


def seed004_forward_propagate(network, row):
    inputs = row
    for layer in network:
        new_inputs = []
        for neuron in layer:
            activation = seed004_activate(neuron["weights"], inputs)
            neuron["output"] = seed004_sigmoid(activation)
            new_inputs.append(neuron["output"])
        inputs = new_inputs
    return inputs


def seed004_backward_propagate_error(network, expected):
    for i in reversed(range(len(network))):
        layer = network[i]
        errors = []
        if i != len(network) - 1:
            for j in range(len(layer)):
                error = 0.0
                for neuron in network[i + 1]:
                    error += neuron["weights"][j] * neuron["delta"]
                errors.append(error)
        else:
            for j in range(len(layer)):
                neuron = layer[j]
                errors.append(expected[j] - neuron["output"])
        for j in range(len(layer)):
            neuron = layer[j]
            neuron["delta"] = errors[j] * neuron["output"] * (1 - neuron["output"])


def seed004_weights_update(network, row, l_rate):
    for i in range(len(network)):
        inputs = row[:-1]
        if i != 0:
            inputs = [neuron["output"] for neuron in network[i - 1]]
        for neuron in network[i]:
            for j in range(len(inputs)):
                neuron["weights"][j] += l_rate * neuron["delta"] * inputs[j]
            neuron["weights"][-1] += l_rate * neuron["delta"]


def seed004_train_step(network, row, l_rate):
    """One online step of seed 004's train_network; returns the summed error it adds, Σ(t − o)²."""
    outputs = seed004_forward_propagate(network, row)
    expected = [0 for _ in range(len(outputs))]
    expected[row[-1]] = 1
    error = sum((expected[i] - outputs[i]) ** 2 for i in range(len(expected)))
    seed004_backward_propagate_error(network, expected)
    seed004_weights_update(network, row, l_rate)
    return error

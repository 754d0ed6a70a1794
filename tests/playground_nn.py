"""A line-by-line transcription of TensorFlow Playground's training loop, for tests only.

From ``src/nn.ts`` (``forwardProp``, ``backProp``, ``updateWeights``) and
``src/playground.ts`` (``oneStep``) of github.com/tensorflow/playground,
Copyright 2016 Google Inc., Apache License 2.0. Only what is needed to compare
numbers: nodes and links as plain Python floats, one point at a time, the same
order of operations. Not used by nnviz itself.
"""

from __future__ import annotations

import math

SQUARE_DER = lambda output, target: output - target  # noqa: E731  Errors.SQUARE.der

ACTIVATIONS = {
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "relu": (lambda x: max(0.0, x), lambda x: 0.0 if x <= 0 else 1.0),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), lambda x: (1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x)))),
    "linear": (lambda x: x, lambda x: 1.0),
}
REGULARIZATIONS = {
    "l1": lambda w: -1.0 if w < 0 else (1.0 if w > 0 else 0.0),
    "l2": lambda w: w,
    None: None,
}


class Link:
    def __init__(self, source, dest, weight):
        self.source, self.dest, self.weight = source, dest, weight
        self.is_dead = False
        self.error_der = 0.0
        self.acc_error_der = 0.0
        self.num_accumulated_ders = 0


class Node:
    def __init__(self, activation, bias):
        self.output_fn, self.der_fn = ACTIVATIONS[activation]
        self.bias = bias
        self.input_links: list[Link] = []
        self.outputs: list[Link] = []
        self.total_input = self.output = 0.0
        self.output_der = self.input_der = 0.0
        self.acc_input_der = 0.0
        self.num_accumulated_ders = 0

    def update_output(self):
        self.total_input = self.bias
        for link in self.input_links:
            self.total_input += link.weight * link.source.output
        self.output = self.output_fn(self.total_input)
        return self.output


def build(weights, biases, activation, output_activation):
    """Playground's network from nnviz-shaped arrays: ``weights[l][i][j]`` links node i → node j."""
    layers = [[Node("linear", 0.0) for _ in range(len(weights[0]))]]
    for l, (W, b) in enumerate(zip(weights, biases)):
        act = output_activation if l == len(weights) - 1 else activation
        layer = [Node(act, float(b[j])) for j in range(len(b))]
        for j, node in enumerate(layer):
            for i, prev in enumerate(layers[-1]):
                link = Link(prev, node, float(W[i][j]))
                prev.outputs.append(link)
                node.input_links.append(link)
        layers.append(layer)
    return layers


def forward_prop(network, inputs):
    for node, x in zip(network[0], inputs):
        node.output = x
    for layer in network[1:]:
        for node in layer:
            node.update_output()
    return network[-1][0].output


def back_prop(network, target):
    out = network[-1][0]
    out.output_der = SQUARE_DER(out.output, target)
    for layer_idx in range(len(network) - 1, 0, -1):
        layer = network[layer_idx]
        for node in layer:
            node.input_der = node.output_der * node.der_fn(node.total_input)
            node.acc_input_der += node.input_der
            node.num_accumulated_ders += 1
        for node in layer:
            for link in node.input_links:
                if link.is_dead:
                    continue
                link.error_der = node.input_der * link.source.output
                link.acc_error_der += link.error_der
                link.num_accumulated_ders += 1
        if layer_idx == 1:
            continue
        for node in network[layer_idx - 1]:
            node.output_der = 0.0
            for link in node.outputs:
                node.output_der += link.weight * link.dest.input_der


def update_weights(network, learning_rate, regularization_rate, regularization):
    reg_der = REGULARIZATIONS[regularization]
    for layer in network[1:]:
        for node in layer:
            if node.num_accumulated_ders > 0:
                node.bias -= learning_rate * node.acc_input_der / node.num_accumulated_ders
                node.acc_input_der = 0.0
                node.num_accumulated_ders = 0
            for link in node.input_links:
                if link.is_dead:
                    continue
                regul_der = reg_der(link.weight) if reg_der else 0.0
                if link.num_accumulated_ders > 0:
                    link.weight = link.weight - (learning_rate / link.num_accumulated_ders) * link.acc_error_der
                    new_link_weight = link.weight - (learning_rate * regularization_rate) * regul_der
                    if regularization == "l1" and link.weight * new_link_weight < 0:
                        link.weight = 0.0
                        link.is_dead = True
                    else:
                        link.weight = new_link_weight
                    link.acc_error_der = 0.0
                    link.num_accumulated_ders = 0


def one_step(network, points, targets, batch_size, learning_rate, regularization_rate, regularization):
    """playground.ts ``oneStep``: one pass over the training points, an update every ``batch_size``."""
    for i, (x, t) in enumerate(zip(points, targets)):
        forward_prop(network, x)
        back_prop(network, t)
        if (i + 1) % batch_size == 0:
            update_weights(network, learning_rate, regularization_rate, regularization)


def weights_of(network):
    """``[W_l]`` as nested lists ``W[i][j]``, nnviz's layout."""
    return [[[link.weight for link in prev.outputs] for prev in network[l - 1]] for l in range(1, len(network))]


def biases_of(network):
    return [[node.bias for node in layer] for layer in network[1:]]


def dead_of(network):
    return [[[link.is_dead for link in prev.outputs] for prev in network[l - 1]] for l in range(1, len(network))]

"""The playground example's configuration: its data, its rates, the link and the network file.

The reference for the training numbers is ``tests/playground_nn.py``, a line-by-line transcription
of TensorFlow Playground's nn.ts, fed the same points and the same initial weights.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import playground_nn as pg
import pytest

from nnviz import datasets, stepper, userdata
from nnviz.engine import Network
from nnviz.stepper import Run

SPIRAL = replace(
    stepper.default_config("playground"),
    dataset="spiral",
    noise=10,
    train_percent=70,
    data_seed=3,
    features=("x1", "x2", "x1_squared", "sin_x1"),
    regularization="l2",
    regularization_rate=0.03,
    optimizer="adam",
    opt_hyper=(("beta1", 0.8),),
)


def test_defaults_are_playgrounds():
    cfg = stepper.default_config("playground")
    # circle, noise 0, ratio 50 %, 2 hidden layers 4-2, tanh, batch 10 (Playground's state.ts defaults)
    assert (cfg.dataset, cfg.noise, cfg.train_percent) == ("circle", 0, 50)
    assert cfg.hidden == (4, 2) and cfg.activations == ("tanh", "tanh", "tanh") and cfg.batch == "10"
    assert cfg.features == ("x1", "x2") and cfg.regularization == "none"
    # η = 0.03 becomes η′ = 0.03 / 10 (half_sse sums the batch; Playground averages it)
    assert stepper.default_learning_rate("playground") == pytest.approx(0.003, rel=1e-15)
    run = Run(cfg)
    assert run.data.n_samples == 250 and run.test_data.n_samples == 250  # 500 points, half to train
    assert run.learning_rates[stepper.PLAYGROUND_RATES.index(0.03)] == pytest.approx(0.003, rel=1e-15)
    assert stepper.default_learning_rate("playground") in run.learning_rates


def test_playground_data_has_the_features_as_inputs_and_signed_targets():
    train, test = stepper.playground_data(SPIRAL)
    # 500 spiral points, 70 % (350) to train
    assert train.n_samples == 350 and test.n_samples == 150
    x1, x2 = train.plane[:, 0], train.plane[:, 1]
    np.testing.assert_array_equal(train.X, np.stack([x1, x2, x1 * x1, np.sin(x1)], axis=1))
    assert train.input_names == ("x₁", "x₂", "x₁²", "sin x₁")
    np.testing.assert_array_equal(train.Y[:, 0], np.where(train.labels == 1, 1.0, -1.0))
    assert train.threshold == 0.0
    # the same points as the generator's, cut as datasets.split cuts them
    full = datasets.make_dataset("spiral", noise=0.1, seed=3)
    tr, te = datasets.split(full, 70, seed=3)
    np.testing.assert_array_equal(train.plane, tr.X)
    np.testing.assert_array_equal(test.plane, te.X)


def test_a_playground_run_matches_playgrounds_own_loop():
    """Two epochs of the page's run (L1, λ = 0.1, η = 0.03, batch 10, features x₁, x₂, x₁², sin x₁)
    against nn.ts transcribed, from the same Playground-style initial weights."""
    eta, lam, B = 0.03, 0.1, 10
    cfg = replace(
        stepper.default_config("playground"),
        dataset="xor",
        features=("x1", "x2", "x1_squared", "sin_x1"),
        hidden=(3,),
        activations=("tanh", "tanh"),
        regularization="l1",
        regularization_rate=lam,  # Playground's λ: the engine's is λ·B
        train_percent=20,  # 100 training points: 10 updates an epoch
    )
    rng = np.random.default_rng(5)
    ws = [rng.random((4, 3)) - 0.5, rng.random((3, 1)) - 0.5]  # nn.ts: Math.random() − 0.5
    bs = [np.full(3, 0.1), np.full(1, 0.1)]  # nn.ts: bias 0.1
    run = Run(cfg, net=Network.from_arrays(ws, bs, ["tanh", "tanh"]))
    assert run.history.regularization_rate == pytest.approx(lam * B, rel=1e-15)
    lr = eta / B
    assert any(r == pytest.approx(lr, rel=1e-15) for r in run.learning_rates)
    pnet = pg.build(ws, bs, "tanh", "tanh")
    X, T = run.data.X, run.data.Y[:, 0]
    for _ in range(2):
        pg.one_step(pnet, X.tolist(), T.tolist(), B, eta, lam, "l1")
        run.epoch(lr)
        net = run.network
        for l in range(2):
            np.testing.assert_allclose(net.weights[l], pg.weights_of(pnet)[l], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(net.biases[l], pg.biases_of(pnet)[l], rtol=1e-12, atol=1e-15)
            dead = np.zeros(net.weights[l].shape, bool) if net.dead is None else net.dead[l]
            np.testing.assert_array_equal(dead, pg.dead_of(pnet)[l])
    assert net.dead is not None and sum(int(m.sum()) for m in net.dead) >= 1  # L1 killed a link (as Playground)


def test_the_link_round_trips_every_new_setting():
    q = stepper.to_query(SPIRAL, 0.002, 17)
    assert q["data"] == "spiral" and q["feat"] == "x1,x2,x1_squared,sin_x1" and q["opt_beta1"] == "0.8"
    assert q["reg"] == "l2" and q["reg_rate"] == "0.03" and q["noise"] == "10" and q["train"] == "70"
    cfg, lr, steps = stepper.from_query(q, "playground")
    assert cfg == SPIRAL and lr == 0.002 and steps == 17
    assert cfg.hyper == {"beta1": 0.8, "beta2": 0.999, "eps": 1e-8}  # Adam's other defaults (torch.optim)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"reg": "l3"}, "regularization"),
        ({"reg_rate": "-1"}, "regularization rate"),
        ({"reg_rate": "nan"}, "regularization rate"),
        ({"opt": "lbfgs"}, "optimizer"),
        ({"opt_beta1": "2"}, "beta1"),
        ({"opt_gamma": "0.5"}, "gamma"),
        ({"data": "moons"}, "data set"),
        ({"noise": "60"}, "noise"),
        ({"train": "95"}, "training share"),
        ({"feat": "x3"}, "feature"),
        ({"feat": "x1,x1"}, "at most once"),
        ({"feat": ""}, "feature"),
        ({"dseed": "-4"}, "seed"),
    ],
)
def test_bad_link_values_are_refused_with_a_message(bad, message):
    q = {**stepper.to_query(SPIRAL, 0.002, 0), **bad}
    with pytest.raises(ValueError, match=message):
        stepper.from_query(q, "playground")


def test_the_network_file_keeps_the_settings_and_the_optimiser_state():
    run = Run(SPIRAL)
    for _ in range(5):
        run.step(0.002)
    net = run.network
    state = run.history.optimizer_state(5)
    text = net.to_json(
        loss=SPIRAL.loss,
        config=stepper.config_dict(SPIRAL),
        updates=5,
        learning_rate=0.002,
        optimizer_state=state.to_dict(),
    )
    other = stepper.default_config("playground")  # the page that loads it has the defaults
    loaded = userdata.load_network(text, other, Run(other).data, ("half_sse",), ("tanh", "identity"))
    assert loaded.config == SPIRAL
    assert loaded.optimizer_state.step == 5
    # a run started from the file starts from the file's Adam state: step 5, the same buffers
    cont = Run(loaded.config, net=loaded.network, opt_state=loaded.optimizer_state)
    cont.step(0.002)
    rec = cont.history.record(0)
    assert rec.opt_before.step == 5 and rec.opt_after.step == 6  # bias correction goes on with t = 6
    for slot in ("exp_avg", "exp_avg_sq"):
        assert rec.opt_before.slots[slot].tolist() == state.slots[slot].tolist()
    np.testing.assert_array_equal(rec.before.parameter_vector(), net.parameter_vector())


def test_a_file_with_a_foreign_optimiser_state_is_refused():
    run = Run(SPIRAL)
    d = json.loads(run.network.to_json(loss="half_sse", config=stepper.config_dict(SPIRAL)))
    zeros = [0.0] * run.network.n_parameters
    d["optimizer_state"] = {"optimizer": "rmsprop", "step": 2, "slots": {"square_avg": zeros}}
    with pytest.raises(ValueError, match="rmsprop"):
        userdata.load_network(json.dumps(d), SPIRAL, run.data, ("half_sse",), ("tanh", "identity"))
    d["optimizer_state"] = {"optimizer": "adam", "step": 2, "slots": {"exp_avg": [1.0], "exp_avg_sq": [1.0]}}
    with pytest.raises(ValueError, match="network has"):
        userdata.load_network(json.dumps(d), SPIRAL, run.data, ("half_sse",), ("tanh", "identity"))


def test_six_hidden_layers_of_eight():
    cfg = replace(stepper.default_config("playground"), hidden=(8,) * 6, activations=("relu",) * 6 + ("tanh",))
    run = Run(cfg)
    assert run.network.sizes == [2, 8, 8, 8, 8, 8, 8, 1]
    assert run.step(0.003) and math.isfinite(run.history.loss_at(0))
    with pytest.raises(ValueError, match="1 to 6 hidden layers"):
        replace(cfg, hidden=(8,) * 7, activations=("relu",) * 7 + ("tanh",)).validate()

"""nnviz.mnist_train: the fast loop computes the engine's update; training reaches stated accuracies."""

import json
import math

import numpy as np
import pytest

from nnviz import mnist
from nnviz import mnist_train as mt
from nnviz.engine import Network, train_step

NO_AUGMENTATION = dict(shift=0, rotate_deg=0, scale=0, elastic=0)


def _batch(n=16, seed=0):
    d = mnist.load_subset()
    idx = np.random.default_rng(seed).choice(len(d), n, replace=False)
    return mnist.inputs(d.images[idx], np.float64), mnist.one_hot(d.labels[idx], dtype=np.float64)


@pytest.mark.parametrize(
    "hidden, activation, loss",
    [
        ((12,), "relu", "cross_entropy"),
        ((12, 7), "tanh", "cross_entropy"),
        ((9,), "sigmoid", "mse"),
        ((8, 5), "leaky_relu", "half_sse"),
    ],
)
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("inputs", ["digits", "no zero pixel"])
def test_one_fast_update_equals_the_engines(hidden, activation, loss, momentum, inputs):
    # 16 real digits leave most border pixels at 0 in the whole batch: the fast loop skips them
    # (its sparse path); with a little noise on every pixel it takes the dense path.
    cfg = mt.TrainConfig(hidden=hidden, activation=activation, loss=loss, seed=3)
    net = cfg.initial_network(dtype=np.float64)
    X, Y = _batch()
    if inputs == "no zero pixel":
        X = X + np.random.default_rng(2).uniform(0.001, 0.01, X.shape)
    fast = mt.FastMLP(net, loss, dtype=np.float64)
    velocity = None
    if momentum:
        # a previous velocity, so that μ·v matters
        velocity = np.random.default_rng(1).standard_normal(net.n_parameters) * 1e-3
        i = 0
        for l, (w, b) in enumerate(zip(net.weights, net.biases)):
            fast.vW[l][...] = velocity[i : i + w.size].reshape(w.shape)
            i += w.size
            fast.vb[l][...] = velocity[i : i + b.size]
            i += b.size
    rec = train_step(net, X, Y, loss, 0.05, momentum=momentum, velocity=velocity)
    value = fast.step(X, Y, 0.05, momentum)
    assert (fast._active is not None) == (inputs == "digits")
    assert value == pytest.approx(rec.loss_before, rel=1e-12)
    after = fast.network(np.float64)
    for w_fast, w_engine in zip(after.weights + after.biases, rec.after.weights + rec.after.biases):
        np.testing.assert_allclose(w_fast, w_engine, rtol=1e-12, atol=1e-15)
    if momentum:
        np.testing.assert_allclose(fast.parameter_vector() - net.parameter_vector(), rec.update.velocity, atol=1e-15)


def test_the_fast_loop_does_not_change_the_network_it_started_from():
    net = mt.TrainConfig(hidden=(5,)).initial_network()
    before = net.parameter_vector().copy()
    fast = mt.FastMLP(net, "cross_entropy")
    X, Y = _batch()
    fast.step(X.astype(np.float32), Y.astype(np.float32), 0.1)
    np.testing.assert_array_equal(net.parameter_vector(), before)


def test_cosine_schedule():
    cfg = mt.TrainConfig(learning_rate=0.2)
    assert mt.learning_rate_at(cfg, 0, 100) == pytest.approx(0.2)
    assert mt.learning_rate_at(cfg, 50, 100) == pytest.approx(0.1)  # ½(1 + cos(π/2)) = ½
    assert mt.learning_rate_at(cfg, 100, 100) == pytest.approx(0.0, abs=1e-12)
    const = mt.TrainConfig(learning_rate=0.2, schedule="constant")
    assert mt.learning_rate_at(const, 77, 100) == 0.2


def test_config_json_round_trip_and_validation():
    cfg = mt.TrainConfig(hidden=(64, 32), activation="tanh", loss="mse", batch_size=1, epochs=3)
    again = mt.TrainConfig.from_json(cfg.to_json())
    assert again == cfg
    assert again.sizes == [784, 64, 32, 10] and again.activations == ["tanh", "tanh", "sigmoid"]
    for bad in (dict(hidden=(0,)), dict(activation="softmax"), dict(loss="hinge"), dict(momentum=1.0)):
        with pytest.raises(ValueError):
            mt.TrainConfig(**bad)


def _data():
    d = mnist.load_subset()
    s = mnist.split_indices(len(d), 0)
    return d, s


def test_small_configuration_reaches_a_stated_accuracy():
    # 784-32-10, ReLU, cross-entropy, batch 32, 4 epochs, no augmentation, seed 0: validation
    # accuracy 0.907 when this test was written; it must stay ≥ 0.89.
    d, s = _data()
    cfg = mt.TrainConfig(hidden=(32,), batch_size=32, learning_rate=0.05, epochs=4, **NO_AUGMENTATION, seed=0)
    seen = []
    res = mt.train(
        cfg,
        d.images[s.train],
        d.labels[s.train],
        d.images[s.val],
        d.labels[s.val],
        on_epoch=lambda st, r: seen.append(st.epoch),
    )
    assert seen == [1, 2, 3, 4]
    assert res.epochs[-1].val_accuracy >= 0.89
    assert res.epochs[0].loss > res.epochs[-1].loss
    assert res.snapshots.shape == (5, res.network.n_parameters)
    assert res.step_losses.shape == (4 * math.ceil(3500 / 32),)
    # the same seed gives the same network
    again = mt.train(cfg, d.images[s.train], d.labels[s.train])
    np.testing.assert_array_equal(again.network.parameter_vector(), res.network.parameter_vector())


def test_per_sample_updates_like_seed_000():
    # batch size 1 (seed 000's online SGD), 784-16-10, one epoch on 1,000 digits: ≥ 0.8 validation accuracy
    d, s = _data()
    cfg = mt.TrainConfig(
        hidden=(16,),
        batch_size=1,
        learning_rate=0.01,
        momentum=0.0,
        epochs=1,
        schedule="constant",
        **NO_AUGMENTATION,
    )
    res = mt.train(cfg, d.images[s.train[:1000]], d.labels[s.train[:1000]], d.images[s.val], d.labels[s.val])
    assert res.step_losses.shape == (1000,)
    assert res.epochs[-1].val_accuracy >= 0.8


def test_l2_with_sigmoid_outputs_like_seed_001_learns():
    # seed 001's network (784-64-32-10, sigmoid everywhere, L2, batch 30), Xavier init, plain SGD on
    # half_sse at η = 0.1, 5 epochs: validation accuracy 0.887 when written (sigmoid + L2 learns slowly).
    d, s = _data()
    cfg = mt.TrainConfig(
        hidden=(64, 32),
        activation="sigmoid",
        loss="half_sse",
        batch_size=30,
        learning_rate=0.1,
        momentum=0.0,
        epochs=5,
        **NO_AUGMENTATION,
        init="xavier",
    )
    res = mt.train(cfg, d.images[s.train], d.labels[s.train], d.images[s.val], d.labels[s.val])
    assert res.epochs[-1].val_accuracy >= 0.85


def test_stop_from_the_callback():
    d, s = _data()
    cfg = mt.TrainConfig(hidden=(8,), epochs=10, **NO_AUGMENTATION)
    res = mt.train(cfg, d.images[s.train[:200]], d.labels[s.train[:200]], on_epoch=lambda st, r: st.epoch == 2)
    assert len(res.epochs) == 2


def test_model_file_round_trip(tmp_path):
    d, s = _data()
    cfg = mt.TrainConfig(hidden=(8,), epochs=1, **NO_AUGMENTATION)
    res = mt.train(cfg, d.images[s.train[:300]], d.labels[s.train[:300]])
    mt.save_model(tmp_path / "m.npz", res, {"test_accuracy": 0.5})
    loaded = mt.load_model(tmp_path / "m.npz")
    assert loaded.config == cfg and loaded.metrics == {"test_accuracy": 0.5}
    assert repr(loaded.epochs) == repr(res.epochs)  # the per-epoch curve (repr: val_accuracy is nan)
    np.testing.assert_array_equal(loaded.network.parameter_vector(), res.network.parameter_vector())
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        header = json.loads(str(f["header"]))
        assert header["format"] == mt.MODEL_FORMAT and header["version"] == 1  # the file format's first version
        assert sorted(f.files) == ["W1", "W2", "b1", "b2", "header"]
        assert all(f[k].dtype == np.float32 for k in ("W1", "W2", "b1", "b2"))  # 4 bytes a parameter on disk


def test_shipped_model_is_what_its_header_says():
    saved = mt.load_model()
    d, s = _data()
    split = mnist.split_indices(len(d), saved.metrics["split_seed"])
    X = mnist.inputs(d.images[split.test])
    acc = mt.accuracy(saved.network, X, d.labels[split.test])
    assert acc == pytest.approx(saved.metrics["test_accuracy"], abs=1e-9)
    assert acc >= 0.97
    assert saved.network.sizes == saved.config.sizes
    assert isinstance(saved.network, Network)


def _arc(cx, cy, r, a0, a1, n=20):
    t = np.deg2rad(np.linspace(a0, a1, n))
    return np.stack([cx + r * np.cos(t), cy - r * np.sin(t)], axis=1)


def test_shipped_model_reads_drawings_through_the_preprocessing():
    # Polylines on a 280 × 280 canvas with a 20 px white brush, as a person would draw them; the
    # shipped model, after nnviz.mnist.preprocess, must read each as the digit meant.
    from test_mnist import _canvas_with, _ellipse

    drawings = {
        1: [[[140, 40], [140, 240]], [[160, 40], [120, 240]], [[110, 80], [150, 40], [150, 240]]],
        7: [[[70, 50], [210, 50], [110, 240]], [[100, 90], [180, 90], [130, 200]], [[80, 50], [200, 50], [170, 240]]],
        0: [_ellipse(140, 140, 60, 95), _ellipse(140, 140, 90, 90), _ellipse(90, 100, 45, 70)],
        2: [np.concatenate([_arc(140, 90, 50, 160, -30), [[80, 230], [210, 230]]])],
        3: [np.concatenate([_arc(140, 90, 45, 150, -90), _arc(140, 180, 50, 90, -150)])],
        4: [[[170, 240], [170, 40], [80, 170], [210, 170]]],
        5: [np.concatenate([[[200, 45], [100, 45], [95, 125]], _arc(140, 170, 60, 130, -150)])],
        8: [np.concatenate([_ellipse(140, 90, 40, 45), _ellipse(140, 185, 50, 50)])],
        9: [np.concatenate([_ellipse(140, 95, 50, 50), [[190, 95], [185, 240]]])],
    }
    net = mt.load_model().network
    for digit, shapes in drawings.items():
        for shape in shapes:
            pre = mnist.preprocess(mnist.canvas_grey(_canvas_with([shape])))
            p = net.predict(pre.x[None, :])[0]
            assert int(np.argmax(p)) == digit, f"a drawn {digit} read as {int(np.argmax(p))} ({p.round(2)})"


@pytest.mark.slow
def test_default_configuration_reaches_97_percent_on_the_test_digits():
    # The target: the default TrainConfig, trained on the 3,500 training digits of the
    # seed-0 split, classifies ≥ 97 % of the 750 held-out test digits (97.60 % when written;
    # training seeds 0 … 7 gave 97.20 … 98.00 %, mean 97.58 %). About 5 s on a 2-core machine.
    d, s = _data()
    res = mt.train(mt.TrainConfig(), d.images[s.train], d.labels[s.train], eval_train=False, record_snapshots=False)
    assert mt.accuracy(res.network, mnist.inputs(d.images[s.test]), d.labels[s.test]) >= 0.97


def test_the_training_budget_has_stated_numbers():
    # (moved here from test_robustness_mnist.py: it needs no page, and the mutation run selects this file)
    default = mt.TrainConfig()
    assert default.n_parameters == 203_530  # 784·256 + 256 + 256·10 + 10
    mt.check_budget(default, 3_500)  # the shipped configuration: 203,530 × 3,500 × 50 = 3.6e10
    cases = [
        # 784·1024 + 1024 + 3·(1024·1024 + 1024) + 1024·10 + 10
        (
            mt.TrainConfig(hidden=(1024, 1024, 1024, 1024)),
            3_500,
            "784-1024-1024-1024-1024-10 has 3,962,890 parameters; the limit is 1,000,000 "
            "(e.g. 784-1024-128-10, or fewer and narrower hidden layers)",
        ),
        # 1.2e11 / (203,530 × 3,500) = 168.5
        (
            mt.TrainConfig(epochs=200),
            3_500,
            "203,530 parameters × 3,500 digits × 200 epochs is more training than this shared server runs at "
            "once (limit 1.2e+11): at most 168 epochs for this network",
        ),
        (mt.TrainConfig(hidden=(8,), epochs=201), 100, "201 epochs; the limit is 200"),
        # 1.2e11 / (203,530 × 1,000,000) = 0.59: still "at most 1"
        (
            mt.TrainConfig(epochs=2),
            1_000_000,
            "203,530 parameters × 1,000,000 digits × 2 epochs is more training than this shared server runs at "
            "once (limit 1.2e+11): at most 1 epochs for this network",
        ),
        # one digit over the work limit below: 1,600 × 375,001 × 200 > 1.2e11; 1.2e11 / (1,600 × 375,001) = 199.9995
        (
            mt.TrainConfig(hidden=(2,), epochs=200),
            375_001,
            "1,600 parameters × 375,001 digits × 200 epochs is more training than this shared server runs at "
            "once (limit 1.2e+11): at most 199 epochs for this network",
        ),
    ]
    for config, n_train, message in cases:
        with pytest.raises(ValueError) as err:
            mt.check_budget(config, n_train)
        assert str(err.value) == message
    # every limit is inclusive: 784-1261-6-149-10 has 785·1261 + 1262·6 + 7·149 + 150·10 = 1,000,000 parameters;
    # 784-2-10 has 785·2 + 3·10 = 1,600, and 1,600 × 375,000 × 200 = 1.2e11 exactly; 200 epochs
    assert mt.TrainConfig(hidden=(1261, 6, 149)).n_parameters == 1_000_000
    mt.check_budget(mt.TrainConfig(hidden=(1261, 6, 149), epochs=1), 1)
    mt.check_budget(mt.TrainConfig(hidden=(2,), epochs=200), 375_000)
    mt.check_budget(mt.TrainConfig(hidden=(8,), epochs=200), 100)


def test_an_augmented_step_is_the_engines_step_on_the_augmented_batch():
    # one epoch of one batch (all 16 digits): the trainer permutes with default_rng([seed, 2]), scales the
    # pixels by 1/255 and augments with default_rng([seed, 3]) (see _train); the engine's train_step on that
    # batch is the reference (SGD, η of step 0 of 1 = η, no velocity yet)
    d, s = _data()
    images, labels = d.images[s.train[:16]], d.labels[s.train[:16]]
    cfg = mt.TrainConfig(hidden=(8,), epochs=1, batch_size=16, momentum=0.0, schedule="constant")
    assert cfg.augments
    res = mt.train(cfg, images, labels, record_snapshots=False)
    order = np.random.default_rng([cfg.seed, 2]).permutation(16)
    x = mnist.augment(
        images[order].astype(np.float32) / np.float32(255),
        np.random.default_rng([cfg.seed, 3]),
        cfg.shift,
        cfg.rotate_deg,
        cfg.scale,
        cfg.elastic,
    )
    assert not np.allclose(x, mnist.inputs(images[order]))  # the augmentation did move pixels
    net0 = cfg.initial_network()
    ref = train_step(net0, x, mnist.one_hot(labels[order]), cfg.loss, cfg.learning_rate).after
    np.testing.assert_allclose(res.network.parameter_vector(), ref.parameter_vector(), rtol=1e-4, atol=1e-6)
    # the same configuration trains the same network whatever the worker thread's timing
    again = mt.train(cfg, images, labels, record_snapshots=False)
    np.testing.assert_array_equal(again.network.parameter_vector(), res.network.parameter_vector())


def test_progress_is_reported_after_each_step_when_ticks_are_due(monkeypatch):
    # PROGRESS_EVERY = 0: every step is due; 4 steps (64 digits, batches of 16) report 1/4, 2/4, 3/4, 4/4
    monkeypatch.setattr(mt, "PROGRESS_EVERY", 0.0)
    d, s = _data()
    seen = []
    cfg = mt.TrainConfig(hidden=(8,), epochs=1, batch_size=16, **NO_AUGMENTATION)
    mt.train(cfg, d.images[s.train[:64]], d.labels[s.train[:64]], record_snapshots=False, progress=seen.append)
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_schedule_and_config_messages():
    cosine = mt.TrainConfig(learning_rate=0.1)
    # η_k = η·½(1 + cos(π k / K)): k = 0 → η; k = K/2 → η/2; a run of 0 steps (0 epochs) keeps η
    assert mt.learning_rate_at(cosine, 0, 10) == 0.1
    assert mt.learning_rate_at(cosine, 5, 10) == pytest.approx(0.05, rel=1e-15)
    assert mt.learning_rate_at(cosine, 0, 0) == 0.1
    with pytest.raises(ValueError) as err:
        mt.TrainConfig(activation="swish")
    assert str(err.value) == f"activation must be one of {mt.HIDDEN_ACTIVATIONS}, not 'swish'"

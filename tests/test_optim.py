"""Tests for nnviz.optim against hand computations and a transcription of torch.optim's pseudo-code.

The reference below follows the algorithm boxes of the torch.optim documentation
(SGD with momentum/dampening 0/nesterov, RMSprop, Adam) one scalar at a time,
including torch's "b₁ = g at t = 1" branch, which nnviz writes as a zero buffer.
A one-off run of torch 2.13 itself agreed with these numbers (see docs/notes/issue-9.md);
the tests do not need torch.
"""

import json
import math

import numpy as np
import pytest

from nnviz.engine import History, Network
from nnviz.optim import OPTIMIZERS, OptimizerState, make_optimizer


def torch_reference(name, theta, grads_fn, steps, lr, momentum=0.9, alpha=0.99, eps=1e-8, b1=0.9, b2=0.999):
    """θ after each step, per the torch.optim docs; ``grads_fn(θ) -> g`` (flat lists of floats)."""
    theta = list(map(float, theta))
    buf = [None] * len(theta)
    sq = [0.0] * len(theta)
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    out = []
    for t in range(1, steps + 1):
        g = list(map(float, grads_fn(theta)))
        for i in range(len(theta)):
            gi = g[i]
            if name == "sgd":
                theta[i] = theta[i] - lr * gi
            elif name in ("momentum", "nesterov"):
                buf[i] = gi if t == 1 else momentum * buf[i] + gi  # dampening τ = 0
                step = gi + momentum * buf[i] if name == "nesterov" else buf[i]
                theta[i] = theta[i] - lr * step
            elif name == "rmsprop":
                sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi
                theta[i] = theta[i] - lr * gi / (math.sqrt(sq[i]) + eps)
            elif name == "adam":
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                m_hat = m[i] / (1 - b1**t)
                v_hat = v[i] / (1 - b2**t)
                theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(list(theta))
    return out


def scalar_net(w=1.0):
    # 1 → 1 identity, no bias, x = 1, y = 0: L = ½w², so g = w
    return Network.from_arrays([np.array([[w]])], None, ["identity"])


ONE, ZERO = np.array([[1.0]]), np.array([[0.0]])


def run(opt, net, X, Y, steps, loss="half_sse"):
    state = opt.init(net)
    nets = []
    for _ in range(steps):
        g = net.backward(net.forward(X), Y, loss)
        net, state = opt.step(net, g, state)
        nets.append(net)
    return nets, state


# Two steps on L = ½w² from w = 1, by hand (digits beyond paper from 30-digit decimal):
HAND = {
    # w₁ = 1 − 0.1·1 = 0.9; w₂ = 0.9 − 0.1·0.9 = 0.81
    ("sgd", 0.1): (0.9, 0.81),
    # v₁ = 1, w₁ = 1 − 0.1·1 = 0.9; g₂ = 0.9, v₂ = 0.9·1 + 0.9 = 1.8, w₂ = 0.9 − 0.18 = 0.72
    ("momentum", 0.1): (0.9, 0.72),
    # v₁ = 1, w₁ = 1 − 0.1·(1 + 0.9·1) = 0.81; g₂ = 0.81, v₂ = 0.9 + 0.81 = 1.71,
    # w₂ = 0.81 − 0.1·(0.81 + 0.9·1.71) = 0.81 − 0.2349 = 0.5751
    ("nesterov", 0.1): (0.81, 0.5751),
    # s₁ = 0.01·1² = 0.01, w₁ = 1 − 0.01·1/(0.1 + 1e-8) = 0.90000000999999900…;
    # s₂ = 0.99·0.01 + 0.01·w₁² = 0.01800000018, w₂ = w₁ − 0.01·w₁/(√s₂ + 1e-8) = 0.83291797526505919…
    ("rmsprop", 0.01): (0.900000009999999, 0.8329179752650592),
    # m₁ = 0.1, v₁ = 0.001, m̂ = v̂ = 1: w₁ = 1 − 0.01/(1 + 1e-8) = 0.9900000001;
    # m₂ = 0.189000000009…, v₂ = 0.001979100000198…, m̂ = 0.99473684215789…, v̂ = 0.99004502261030…,
    # w₂ = 0.98000274609636990…
    ("adam", 0.01): (0.9900000000999999, 0.9800027460963699),
}


@pytest.mark.parametrize("name,lr", list(HAND))
def test_two_steps_by_hand(name, lr):
    nets, state = run(make_optimizer(name, learning_rate=lr), scalar_net(), ONE, ZERO, 2)
    np.testing.assert_allclose([n.weights[0][0, 0] for n in nets], HAND[(name, lr)], rtol=1e-15, atol=0)
    assert state.step == 2


def test_adam_state_by_hand():
    opt = make_optimizer("adam", learning_rate=0.01)
    _, state = run(opt, scalar_net(), ONE, ZERO, 2)
    # m₂ = 0.9·0.1 + 0.1·0.9900000001 = 0.18900000001; v₂ = 0.999·0.001 + 0.001·0.9900000001² = 0.0019791000002
    assert state.slots["exp_avg"][0] == pytest.approx(0.18900000001, rel=1e-14)
    assert state.slots["exp_avg_sq"][0] == pytest.approx(0.0019791000002, rel=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_matches_the_torch_pseudo_code_on_a_network(name):
    rng = np.random.default_rng(2)
    net = Network.init([3, 4, 2], ["tanh", "sigmoid"], "normal", rng)
    X, Y = rng.normal(size=(6, 3)), rng.random((6, 2))
    lr = 0.05

    def grads_fn(theta):
        n = net.with_parameters(np.array(theta))
        return n.gradient_vector(n.backward(n.forward(X), Y, "half_sse"))

    ref = torch_reference(name, net.parameter_vector(), grads_fn, 6, lr)
    nets, _ = run(make_optimizer(name, learning_rate=lr), net, X, Y, 6)
    for got, want in zip(nets, ref):
        np.testing.assert_allclose(got.parameter_vector(), want, rtol=1e-12, atol=1e-14)


def test_defaults_are_torchs():
    assert make_optimizer("adam").hyper == {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert make_optimizer("rmsprop").hyper == {"learning_rate": 1e-2, "alpha": 0.99, "eps": 1e-8}
    assert make_optimizer("sgd").learning_rate == 1e-3
    assert make_optimizer("nesterov", momentum=0.5).hyper["momentum"] == 0.5
    for spec in OPTIMIZERS.values():
        assert spec.label and spec.formula and "learning_rate" in spec.defaults


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown optimiser"):
        make_optimizer("adagrad")
    with pytest.raises(ValueError, match="takes"):
        make_optimizer("sgd", momentum=0.9)
    with pytest.raises(ValueError, match="below 1"):
        make_optimizer("adam", beta2=1.0)
    with pytest.raises(ValueError, match="finite"):
        make_optimizer("rmsprop", learning_rate=float("nan"))
    net = scalar_net()
    g = net.backward(net.forward(ONE), ZERO)
    with pytest.raises(ValueError, match="cannot drive"):
        make_optimizer("adam").update(net, g, make_optimizer("sgd").init(net))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_frozen_biases_and_dead_weights_never_change(name):
    rng = np.random.default_rng(4)
    base = Network.init([2, 3, 1], ["tanh", "identity"], "normal", rng, bias_mode="frozen")
    W1 = base.weights[0].copy()
    W1[0, 1] = 0.0
    dead = [np.zeros((2, 3), bool), np.zeros((3, 1), bool)]
    dead[0][0, 1] = True
    net = Network.from_arrays([W1, base.weights[1]], base.biases, base.activations, "frozen", dead=dead)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    nets, state = run(make_optimizer(name, learning_rate=0.1), net, X, Y, 4)
    last = nets[-1]
    for b0, b1 in zip(net.biases, last.biases):
        np.testing.assert_array_equal(b0, b1)
    assert last.weights[0][0, 1] == 0.0 and last.dead[0][0, 1]
    assert not np.array_equal(last.weights[1], net.weights[1])  # the rest did train
    keep = net.trainable_mask()
    for v in state.slots.values():
        assert not np.any(v[~keep])  # no state builds up where nothing may move


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_round_trips_through_json(name):
    rng = np.random.default_rng(8)
    net = Network.init([2, 2, 1], ["sigmoid", "identity"], "normal", rng)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    opt = make_optimizer(name, learning_rate=0.05)
    nets, state = run(opt, net, X, Y, 3)
    back = OptimizerState.from_dict(json.loads(json.dumps(state.to_dict())), nets[-1])
    assert back.step == state.step and back.name == name
    g = nets[-1].backward(nets[-1].forward(X), Y)
    a, _ = opt.step(nets[-1], g, state)
    b, _ = opt.step(nets[-1], g, back)
    np.testing.assert_array_equal(a.parameter_vector(), b.parameter_vector())
    bad = state.to_dict() | {"step": -1}
    with pytest.raises(ValueError, match="step"):
        OptimizerState.from_dict(bad)
    if state.slots:
        k = next(iter(state.slots))
        short = state.to_dict()
        short["slots"][k] = short["slots"][k][:-1]
        with pytest.raises(ValueError) as err:
            OptimizerState.from_dict(short, net)
        # 2-2-1 with biases: (2 + 1)·2 + (2 + 1)·1 = 9 parameters; the buffer lost one number
        assert str(err.value) == f"optimiser buffer {k!r} has 8 numbers; the network has 9"


def test_state_is_shaped_like_the_network():
    net = Network.init([2, 3, 1], ["tanh", "identity"], "normal", 0)
    _, state = run(make_optimizer("adam"), net, np.ones((1, 2)), np.zeros((1, 1)), 1)
    ws, bs = state.layers(net, "exp_avg")
    assert [w.shape for w in ws] == [(2, 3), (3, 1)] and [b.shape for b in bs] == [(3,), (1,)]


def test_sgd_optimizer_is_sgd_step_with_l1_dead_links():
    # the same net as test_regularization's hand case: w₀ = 0.005 with no data gradient dies
    net = Network.from_arrays([np.array([[0.005], [0.5]])], None, ["identity"])
    g = net.backward(net.forward(np.array([[0.0, 1.0]])), np.array([[0.5]]), "half_sse", "l1", 0.01)
    a, _ = make_optimizer("sgd", learning_rate=1.0).step(net, g, make_optimizer("sgd").init(net))
    b = net.sgd_step(g, learning_rate=1.0)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert a.dead[0][0, 0] and a.weights[0][0, 0] == 0.0


def test_history_momentum_equals_the_torch_form_at_constant_rate():
    # History: v ← μv − ηg, Δθ = v; torch: v ← μv + g, θ ← θ − ηv. With η fixed, v_History = −η·v_torch.
    rng = np.random.default_rng(1)
    net = Network.init([2, 3, 2], ["sigmoid", "sigmoid"], "xavier", rng)
    X, Y = rng.normal(size=(4, 2)), rng.random((4, 2))
    hist = History(net, X, Y, "half_sse", momentum=0.9)
    for _ in range(5):
        hist.step(0.1)
    nets, state = run(make_optimizer("momentum", learning_rate=0.1, momentum=0.9), net, X, Y, 5)
    np.testing.assert_allclose(nets[-1].parameter_vector(), hist.network().parameter_vector(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_explain_writes_the_engines_numbers(name):
    rng = np.random.default_rng(6)
    net = Network.init([2, 2, 1], ["tanh", "identity"], "normal", rng)
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    opt = make_optimizer(name, learning_rate=0.05)
    state = opt.init(net)
    for _ in range(2):  # the second step has non-zero buffers and t = 2
        g = net.backward(net.forward(X), Y)
        lines = opt.explain(net, g, state, index=1)
        after, new_state = opt.step(net, g, state)
        assert lines[-1][1] == after.parameter_vector()[1]
        # every buffer's new value appears as a line's value
        values = [v for _, v in lines]
        for slot in new_state.slots.values():
            assert float(slot[1]) in values
        assert all(tex for tex, _ in lines)
        net, state = after, new_state


def test_explain_says_frozen_and_dead():
    net = Network.from_arrays(
        [np.array([[0.0], [0.5]])], [np.array([0.2])], ["identity"], "frozen", dead=[np.array([[True], [False]])]
    )
    g = net.backward(net.forward(np.array([[1.0, 1.0]])), np.array([[3.0]]))
    opt = make_optimizer("adam")
    state = opt.init(net)
    # flat order: W1[0,0], W1[1,0], b1[0]
    assert "dead link" in opt.explain(net, g, state, 0)[0][0]
    assert "frozen" in opt.explain(net, g, state, 2)[0][0]


def full(x):
    """Every digit of a float, negatives in parentheses as fmt_number writes them, so a line can be re-evaluated."""
    return f"({float(x):.17g})" if x < 0 else f"{float(x):.17g}"


def evaluate_latex(expr):
    r"""The value of a numeric LaTeX expression as explain writes it (\cdot, \frac, \sqrt, ^, braces)."""
    py = expr.replace(r"\cdot", "*").replace(r"\frac", "").replace(r"\sqrt", "sqrt").replace("^", "**")
    py = py.replace("{", "(").replace("}", ")").replace(")(", ")/(")
    return eval(py, {"__builtins__": {}, "sqrt": math.sqrt})  # noqa: S307 (digits and operators only)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_explain_line_is_arithmetic_on_its_printed_numbers(name):
    # Each line reads "formula = numbers = result" (Adam's m̂ and v̂: two formula parts). Redo the numbers'
    # arithmetic, compare it with the printed result; the result is the line's value, the last line's value
    # the engine's new θ.
    rng = np.random.default_rng(11)
    net = Network.init([2, 2, 1], ["tanh", "identity"], "normal", rng)
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    opt = make_optimizer(name, learning_rate=0.05)
    state = opt.init(net)
    checked = 0
    for _ in range(3):  # t = 1, 2, 3: buffers non-zero from the second step
        g = net.backward(net.forward(X), Y)
        after, new_state = opt.step(net, g, state)
        for index in range(net.n_parameters):  # weights and (trainable) biases
            lines = opt.explain(net, g, state, index, fmt=full)
            assert lines[-1][1] == after.parameter_vector()[index]
            for tex, value in lines:
                *_, numbers, result = tex.split(" = ")
                assert float(result.strip("()")) == value
                assert evaluate_latex(numbers) == pytest.approx(value, rel=1e-13, abs=1e-300)
                checked += 1
            # the printed operands are the engine's: θ, g and the hyper-parameters
            first = lines[-1][0].split(" = ")[1]
            assert first.startswith(full(net.parameter_vector()[index]) + " - ")
            assert full(net.gradient_vector(g)[index]) in lines[-1][0] + lines[0][0]
        net, state = after, new_state
    assert checked >= 3 * 9


def test_adam_explain_bias_correction_by_hand():
    # L = ½w², w = 1, lr = 0.01, t = 1: m = 0.1·1 = 0.1, v = 0.001·1 = 0.001,
    # m̂ = 0.1/(1 − 0.9) = 1, v̂ = 0.001/(1 − 0.999) = 1 (to float rounding), θ = 1 − 0.01·1/(1 + 1e-8)
    net = scalar_net()
    opt = make_optimizer("adam", learning_rate=0.01)
    g = net.backward(net.forward(ONE), ZERO)
    lines = opt.explain(net, g, opt.init(net), 0)
    values = [v for _, v in lines]
    assert values[:4] == pytest.approx([0.1, 0.001, 1.0, 1.0], rel=1e-12)
    assert values[4] == pytest.approx(0.9900000001, rel=1e-15)
    # fmt_number: 6 significant digits; 1 − β₁ = 0.1 and 1 − β₂ = 0.001 are printed as such
    assert lines[0][0].endswith(r"= 0.9\cdot0 + 0.1\cdot1 = 0.1")
    assert lines[1][0].endswith(r"= 0.999\cdot0 + 0.001\cdot1^2 = 0.001")
    assert lines[2][0].endswith(r"= \frac{0.1}{1-0.9^{1}} = 1")


def test_rmsprop_explain_by_hand():
    # L = ½w², w = 1, lr = 0.01: s = 0.99·0 + 0.01·1² = 0.01, θ = 1 − 0.01·1/(√0.01 + 1e-8) = 0.90000001
    net = scalar_net()
    opt = make_optimizer("rmsprop")
    g = net.backward(net.forward(ONE), ZERO)
    lines = opt.explain(net, g, opt.init(net), 0)
    assert lines[0] == (
        r"s \leftarrow \alpha s + (1-\alpha) g^2 = 0.99\cdot0 + 0.01\cdot1^2 = 0.01",
        pytest.approx(0.01),
    )
    assert lines[1][1] == pytest.approx(0.90000001, rel=1e-15)


def test_explain_names_frozen_dead_and_dying_exactly():
    net = Network.from_arrays(
        [np.array([[0.0], [0.5]])], [np.array([0.2])], ["identity"], "frozen", dead=[np.array([[True], [False]])]
    )
    g = net.backward(net.forward(np.array([[1.0, 1.0]])), np.array([[3.0]]))
    opt = make_optimizer("adam")
    state = opt.init(net)
    assert opt.explain(net, g, state, 0) == [(r"\theta = 0\ \text{(dead link: not updated)}", 0.0)]
    assert opt.explain(net, g, state, 2) == [(r"\theta = 0.2\ \text{(frozen: not updated)}", 0.2)]
    # test_regularization's hand case: w₀ = 0.005, no data gradient, L1 λ = 0.01, η = 1: w′ = 0.005,
    # w″ = 0.005 − 1·0.01·sign(0.005) = −0.005 crosses 0, so the link dies at 0
    net = Network.from_arrays([np.array([[0.005], [0.5]])], None, ["identity"])
    g = net.backward(net.forward(np.array([[0.0, 1.0]])), np.array([[0.5]]), "half_sse", "l1", 0.01)
    sgd = make_optimizer("sgd", learning_rate=1.0)
    assert sgd.explain(net, g, sgd.init(net), 0) == [
        (r"\theta \leftarrow 0\ \text{(L1 pushed it across 0: the link dies)}", 0.0)
    ]
    # w₁ = 0.5: ∂L/∂w₁ = (0.5 − 0.5)·1 + 0.01·sign(0.5) = 0.01 → 0.5 − 1·0.01 = 0.49, alive
    assert sgd.explain(net, g, sgd.init(net), 1) == [
        (r"\theta \leftarrow \theta - \eta g = 0.5 - 1\cdot0.01 = 0.49", pytest.approx(0.49, rel=1e-15))
    ]


def test_registry_sgd_rule_is_the_engines_update():
    # OPTIMIZERS["sgd"].rule is the formula of Network.compute_update (which Optimizer.update calls for SGD)
    rng = np.random.default_rng(3)
    net = Network.init([3, 2, 2], ["relu", "identity"], "normal", rng)
    g = net.backward(net.forward(rng.normal(size=(4, 3))), rng.normal(size=(4, 2)))
    delta, slots = OPTIMIZERS["sgd"].rule(net.gradient_vector(g), {}, 1, {"learning_rate": 0.3})
    upd = net.compute_update(g, 0.3)
    np.testing.assert_array_equal(delta, net._flatten(upd.dW, upd.db))
    assert slots == {}
    # by hand: g = (2, −1), η = 0.1 → Δ = (−0.2, 0.1)
    np.testing.assert_array_equal(
        OPTIMIZERS["sgd"].rule(np.array([2.0, -1.0]), {}, 1, {"learning_rate": 0.1})[0], [-0.2, 0.1]
    )


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_biases_false_leaves_trainable_biases_alone(name):
    rng = np.random.default_rng(5)
    net = Network.init([2, 3, 1], ["tanh", "identity"], "normal", rng)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    opt = make_optimizer(name, update_biases=False, learning_rate=0.1)
    assert opt.update_biases is False
    nets, state = run(opt, net, X, Y, 3)
    for b0, b1 in zip(net.biases, nets[-1].biases):
        np.testing.assert_array_equal(b0, b1)
    assert not np.array_equal(nets[-1].weights[0], net.weights[0])
    # with biases trainable they do move
    nets, _ = run(make_optimizer(name, learning_rate=0.1), net, X, Y, 1)
    assert not np.array_equal(nets[-1].biases[0], net.biases[0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_is_read_only_and_update_keeps_the_networks_dtype(name):
    net = Network.init([2, 3, 1], ["tanh", "identity"], "normal", 0, dtype=np.float32)
    g = net.backward(net.forward(np.ones((2, 2))), np.zeros((2, 1)))
    opt = make_optimizer(name)
    state = opt.init(net)
    upd, new_state = opt.update(net, g, state)
    assert all(d.dtype == np.float32 for d in upd.dW) and all(d.dtype == np.float32 for d in upd.db)
    loaded = OptimizerState.from_dict(json.loads(json.dumps(new_state.to_dict())), net)
    for s in (state, new_state, loaded):
        with pytest.raises(TypeError):
            s.slots["extra"] = np.zeros(3)  # the mapping is read-only
        for v in s.slots.values():
            assert not v.flags.writeable and v.dtype == np.float64


def test_from_dict_refuses_bad_states_with_their_message():
    net = scalar_net()
    names = "['adam', 'momentum', 'nesterov', 'rmsprop', 'sgd']"
    good = make_optimizer("adam").init(net).to_dict()  # step 0 is a valid fresh state
    assert OptimizerState.from_dict(good, net).step == 0
    # integers are read as floats
    assert (
        OptimizerState.from_dict(good | {"slots": {"exp_avg": [1], "exp_avg_sq": [2]}}).slots["exp_avg"].dtype
        == np.float64
    )
    cases = [
        ([good], f"optimiser state must name one of {names}"),
        (good | {"optimizer": "adagrad"}, f"optimiser state must name one of {names}"),
        (good | {"step": 1.0}, "optimiser state: 'step' must be an integer ≥ 0"),
        (good | {"slots": None}, "optimiser state of 'adam' needs the buffers ['exp_avg', 'exp_avg_sq']"),
        (good | {"slots": {"exp_avg": [0.0]}}, "optimiser state of 'adam' needs the buffers ['exp_avg', 'exp_avg_sq']"),
        (
            good | {"slots": {"exp_avg": ["a"], "exp_avg_sq": [0.0]}},
            "optimiser buffer 'exp_avg' must be a list of numbers",
        ),
        (
            good | {"slots": {"exp_avg": [[0.0]], "exp_avg_sq": [0.0]}},
            "optimiser buffer 'exp_avg' must be a flat list of finite numbers",
        ),
        (
            good | {"slots": {"exp_avg": [0.0], "exp_avg_sq": [float("inf")]}},
            "optimiser buffer 'exp_avg_sq' must be a flat list of finite numbers",
        ),
    ]
    for d, message in cases:
        with pytest.raises(ValueError) as err:
            OptimizerState.from_dict(d, net)
        assert str(err.value) == message


def test_every_bounded_hyper_parameter_is_refused_at_1_and_0_is_allowed():
    for name, k in [
        ("momentum", "momentum"),
        ("nesterov", "momentum"),
        ("rmsprop", "alpha"),
        ("adam", "beta1"),
        ("adam", "beta2"),
    ]:
        with pytest.raises(ValueError, match=f"^{name}: {k} must be below 1, got 1.0$"):
            make_optimizer(name, **{k: 1.0})
        assert make_optimizer(name, **{k: 0.0}).hyper[k] == 0.0
    with pytest.raises(ValueError, match=r"^sgd: learning_rate must be finite and ≥ 0, got -0.1$"):
        make_optimizer("sgd", learning_rate=-0.1)
    # μ = 0: momentum is plain SGD (v = g): one step from w = 1 on L = ½w² with η = 0.1 gives 0.9
    nets, _ = run(make_optimizer("momentum", learning_rate=0.1, momentum=0.0), scalar_net(), ONE, ZERO, 1)
    assert nets[0].weights[0][0, 0] == pytest.approx(0.9, rel=1e-15)


def test_optimiser_messages_as_the_whole_sentence():
    with pytest.raises(ValueError) as err:
        make_optimizer("lion")
    assert str(err.value) == f"unknown optimiser 'lion'; choose one of {sorted(OPTIMIZERS)}"
    with pytest.raises(ValueError) as err:
        make_optimizer("adam", rho=0.9)
    assert str(err.value) == f"optimiser 'adam' takes {sorted(OPTIMIZERS['adam'].defaults)}, not ['rho']"

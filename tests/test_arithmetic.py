"""The arithmetic panel writes the engine's own numbers."""

import numpy as np
import pytest

from nnviz import arithmetic, examples
from nnviz.engine import Network, phases, train_step


def _toy_record(lr=0.02):
    net = examples.toy_network()
    return train_step(net, examples.TOY_X[:1], examples.TOY_Y[:1], "half_sse", lr)


def test_hand_example_forward_line_shows_the_tutorials_sums():
    # Seed 003's hand example on the unscaled input (2, 9): z = 2·.2 + 9·.8 = 7.6.
    net = examples.study_hand_network()
    rec = train_step(net, examples.STUDY_X_RAW[:1], examples.STUDY_Y[:1], "half_sse", 1.0)
    lines = arithmetic.neuron_lines(rec, 1, 0, 0, phases(2)[0])
    assert r"0.2\cdot2 + 0.8\cdot9 = 7.6" in lines[0].latex
    assert lines[0].value == pytest.approx(7.6, abs=1e-12)
    # a = σ(7.6) = 1/(1 + e^−7.6) = 1/1.000500451 = 0.99949980, written with 6 significant digits
    assert lines[1].latex.endswith(r"\sigma(7.6) = 0.9995")
    # the second hidden neuron (W1 = [[.2, .6, .1], [.8, .3, .7]]): z = .6·2 + .3·9 = 3.9,
    # σ(3.9) = 1/(1 + 0.0202419) = 0.980160 (the prose rounds it to 1.000)
    second = arithmetic.neuron_lines(rec, 1, 1, 0, phases(2)[0])
    assert r"0.6\cdot2 + 0.3\cdot9 = 3.9" in second[0].latex
    assert second[1].latex.endswith(r"\sigma(3.9) = 0.98016")


# A 2-1-1 network small enough to do by hand: x = (1, 2), W1 = [[0.5], [−0.25]], b1 = 0.1, ReLU;
# W2 = [[2]], b2 = −0.5, identity; y = 1; half_sse; η = 0.1.
#   z1 = 0.5·1 + (−0.25)·2 + 0.1 = 0.1          a1 = relu(0.1) = 0.1
#   z2 = 2·0.1 + (−0.5) = −0.3                   a2 = −0.3
#   L = ½(−0.3 − 1)² = ½·1.69 = 0.845
#   ∂L/∂a2 = ŷ − y = −1.3, f′ = 1, δ2 = −1.3;   ∂L/∂W2 = δ2·a1 = −0.13, ∂L/∂b2 = −1.3
#   ∂L/∂a1 = w·δ2 = 2·(−1.3) = −2.6, f′(0.1) = [0.1 > 0] = 1, δ1 = −2.6
#   ∂L/∂W1 = δ1·x = (−2.6, −5.2), ∂L/∂b1 = −2.6
#   update: W1 = 0.5 + 0.26 = 0.76, −0.25 + 0.52 = 0.27; b1 = 0.1 + 0.26 = 0.36; W2 = 2 + 0.013 = 2.013;
#           b2 = −0.5 + 0.13 = −0.37
#   after: z1 = 0.76 + 0.54 + 0.36 = 1.66, z2 = 2.013·1.66 − 0.37 = 2.97158, L = ½·1.97158² = 1.943564 → "1.94356"


def _hand_record():
    net = Network.from_arrays([[[0.5], [-0.25]], [[2.0]]], [[0.1], [-0.5]], ["relu", "identity"])
    return train_step(net, [[1.0, 2.0]], [[1.0]], "half_sse", 0.1)


def _text(lines) -> str:
    return " ; ".join(line.latex for line in lines)


def test_hand_network_neuron_lines_write_the_hand_computation():
    rec = _hand_record()
    update = phases(2)[-1]
    hidden = _text(arithmetic.neuron_lines(rec, 1, 0, 0, update))
    for piece in (
        r"0.5\cdot1 + (-0.25)\cdot2 + 0.1 = 0.1",  # z1
        r"(0.1) = 0.1",  # a1 = relu(0.1)
        r"2\cdot(-1.3) = (-2.6)",  # ∂L/∂a1 = w·δ2
        r"[0.1>0] = 1",  # ReLU′
        r"(-2.6)\cdot1 = (-2.6)",  # δ1
        r"0.1 - 0.1\cdot(-2.6) = 0.36",  # b1 update
    ):
        assert piece in hidden, (piece, hidden)
    out = _text(arithmetic.neuron_lines(rec, 2, 0, 0, update))
    for piece in (
        r"2\cdot0.1 + (-0.5) = (-0.3)",  # z2
        r"(-0.3) - 1 = (-1.3)",  # ∂L/∂ŷ
        r"(-1.3)\cdot1 = (-1.3)",  # δ2
        r"(-0.5) - 0.1\cdot(-1.3) = (-0.37)",  # b2 update
    ):
        assert piece in out, (piece, out)
    # before the backward phase of layer 1 reaches it, the hidden neuron shows forward numbers only
    assert "(-2.6)" not in _text(arithmetic.neuron_lines(rec, 1, 0, 0, phases(2)[3]))


def test_hand_network_edge_and_loss_lines_write_the_hand_computation():
    rec = _hand_record()
    update = phases(2)[-1]
    w10 = _text(arithmetic.edge_lines(rec, 1, 1, 0, update))
    assert r"(-0.25)\cdot2 = (-0.5)" in w10  # its contribution to z1
    # W1[1,0] joins input 1 (a0[1] = x₁ = 2) to hidden neuron 0 (z1[0]); the UI's 0-based names
    contribution = arithmetic.edge_lines(rec, 1, 1, 0, update)[1].latex
    assert contribution == (
        r"\text{contribution to } \mathrm{z1}[0]:\; \mathrm{W1}[1,0]\cdot\mathrm{a0}[1] = (-0.25)\cdot2 = (-0.5)"
    )
    assert r"(-2.6)\cdot2 = (-5.2)" in w10  # ∂L/∂w = δ1·x_1
    assert r"(-0.25) - 0.1\cdot(-5.2) = 0.27" in w10
    w2 = _text(arithmetic.edge_lines(rec, 2, 0, 0, update))
    assert r"(-1.3)\cdot0.1 = (-0.13)" in w2
    assert r"2 - 0.1\cdot(-0.13) = 2.013" in w2
    loss = _text(arithmetic.loss_lines(rec))
    # the formula line: the registry's LaTeX above the README's reduction of half_sse, "summed over the batch"
    assert arithmetic.loss_lines(rec)[0].latex == (
        r"\begin{gathered}L = \tfrac12 \sum_{n}\sum_k (y_k - \hat y_k)^2 \\ \text{(sum over the batch)}\end{gathered}"
    )
    assert "L = 0.845 = 0.845" in loss  # one sample: the sum is its only term
    assert "1.94356" in loss  # L after the update


def test_fused_cross_entropy_line_by_hand():
    # softmax of z = (0, 0) is (½, ½); y = (1, 0), B = 1: δ = (ŷ − y)/B = (0.5 − 1)/1 = −0.5, L = ln 2 = 0.693147
    net = Network.from_arrays([[[1.0, 1.0]]], [[0.0, 0.0]], ["softmax"])
    rec = train_step(net, [[0.0]], [[1.0, 0.0]], "cross_entropy", 1.0)
    dz = _text(arithmetic.neuron_lines(rec, 1, 0, 0, phases(1)[-1]))
    assert r"\frac{0.5 - 1}{1} = (-0.5)" in dz
    assert "= 0.693147" in _text(arithmetic.loss_lines(rec))


@pytest.mark.parametrize("phase_index", range(6))
def test_neuron_lines_carry_engine_values_at_every_phase(phase_index):
    rec = _toy_record()
    phase = phases(2)[phase_index]
    for layer in (1, 2):
        for j in range(2):
            lines = arithmetic.neuron_lines(rec, layer, j, 0, phase)
            got = {line.what: line.value for line in lines}
            l = layer - 1
            if arithmetic.reached(phase, "forward", l):
                assert got["z"] == rec.trace.layers[l].z[0, j]
                assert got["a"] == rec.trace.layers[l].a[0, j]
            else:
                assert lines == []
            if arithmetic.reached(phase, "backward", l):
                assert got["da"] == rec.grads.layers[l].da[0, j]
                assert got["dz"] == rec.grads.layers[l].dz[0, j]
                assert got["db"] == rec.grads.layers[l].db[j]
            else:
                assert "dz" not in got
            if phase.kind == "update":
                assert got["b_new"] == rec.after.biases[l][j]


def test_output_delta_is_error_times_sigmoid_slope():
    rec = _toy_record()
    lines = arithmetic.neuron_lines(rec, 2, 0, 0, phases(2)[3])
    got = {line.what: line.value for line in lines}
    a, y = rec.trace.output[0, 0], examples.TOY_Y[0, 0]
    # half_sse: ∂L/∂a = ŷ − y; δ = (ŷ − y)·a(1 − a)
    assert got["da"] == pytest.approx(a - y, abs=1e-15)
    assert got["dz"] == pytest.approx((a - y) * a * (1 - a), abs=1e-15)


def test_edge_lines_gradient_and_update():
    rec = _toy_record(lr=0.5)
    lines = arithmetic.edge_lines(rec, 1, 1, 0, phases(2)[-1])
    got = {line.what: line.value for line in lines}
    g = rec.grads.layers[0]
    # ∂L/∂w = δ_j · a_i for one sample; w_new = w − η·∂L/∂w
    assert got["dW"] == g.dW[1, 0] == g.dz[0, 0] * rec.trace.input[0, 1]
    assert got["dW_new"] == rec.after.weights[0][1, 0]
    assert got["dW_new"] == rec.before.weights[0][1, 0] - 0.5 * g.dW[1, 0]


def test_fused_cross_entropy_delta_and_batch_sum():
    rng = np.random.default_rng(3)
    net = Network.init([2, 3, 2], ["tanh", "softmax"], "xavier", rng)
    rec = train_step(net, examples.TOY_X[:4], examples.TOY_Y[:4], "cross_entropy", 0.1)
    out = arithmetic.neuron_lines(rec, 2, 1, 2, phases(2)[3])
    got = {line.what: line.value for line in out}
    # δ = (ŷ − y)/B with B = 4
    assert got["dz"] == pytest.approx((rec.trace.output[2, 1] - examples.TOY_Y[2, 1]) / 4, abs=1e-15)
    edge = {line.what: line.value for line in arithmetic.edge_lines(rec, 2, 0, 1, phases(2)[3])}
    assert edge["dW"] == pytest.approx(np.sum(rec.grads.layers[1].dz[:, 1] * rec.trace.layers[1].x[:, 0]), abs=1e-15)


def test_loss_lines_sum_per_sample_losses():
    rec = train_step(examples.toy_network(), examples.TOY_X, examples.TOY_Y, "half_sse", 0.02)
    lines = arithmetic.loss_lines(rec)
    assert lines[1].value == pytest.approx(float(np.sum(rec.per_sample)), rel=1e-15)
    # half_sse of one sample: ½·Σ_k (y_k − ŷ_k)²
    assert rec.per_sample[0] == pytest.approx(0.5 * np.sum((examples.TOY_Y[0] - rec.trace.output[0]) ** 2))


def test_fmt_and_largest_gradients():
    assert arithmetic.fmt(-0.5) == "(-0.5)"
    assert arithmetic.fmt(1.5e-7) == r"1.5\times10^{-7}"
    assert arithmetic.fmt(-1234567.0) == r"(-1.23457\times10^{6})"  # 6 significant digits, rounded
    assert arithmetic.fmt(0.1 + 0.2) == "0.3" and arithmetic.fmt(2.0) == "2"
    assert arithmetic.largest_gradients(np.array([0.1, -3.0, 2.0, 0.0])) == [1, 2]


def test_aligned_breaks_long_equations_into_rows_without_losing_terms():
    tex = r"z = \sum_i w_i a_i = 1\cdot2 + \frac{1}{2}\cdot3 + 4\cdot5 + 6\cdot7 = 50.5"
    out = arithmetic.aligned(tex, terms_per_row=3)
    assert out.startswith(r"\begin{aligned}z &= \sum_i w_i a_i")
    # rows: the formula, the first three products, the fourth, the result
    assert out.count(r" \\ ") == 3
    assert r"\frac{1}{2}\cdot3" in out and r"&\quad + 6\cdot7" in out and "&= 50.5" in out
    assert arithmetic.aligned("x_{0} = 1") == r"\begin{aligned}x_{0} &= 1\end{aligned}"
    assert arithmetic.aligned(r"\text{no equation}") == r"\text{no equation}"


def test_hidden_delta_is_written_as_upstream_error_times_slope():
    rec = _toy_record()
    got = {line.what: line.value for line in arithmetic.neuron_lines(rec, 1, 0, 0, phases(2)[4])}
    a = rec.trace.layers[0].a[0, 0]
    # sigmoid: f'(z) = a(1 − a); δ = ∂L/∂a · f'(z)
    assert got["fprime"] == a * (1 - a)
    assert got["dz"] == pytest.approx(got["da"] * got["fprime"], rel=1e-15)


def test_largest_gradients_break_ties_by_position():
    # 20 gradients of |g| ∈ {1, 0.5}: NumPy's default (unstable) sort orders these ties differently; the
    # reference is Python's stable sorted(), which keeps equal |g| in index order
    g = np.random.default_rng(0).choice([1.0, -1.0, 0.5, -0.5], size=20)
    want = sorted(range(20), key=lambda i: -abs(g[i]))[:5]
    assert arithmetic.largest_gradients(g, 5) == want
    assert arithmetic.largest_gradients(np.array([0.5, -2.0, 2.0, 1.0])) == [1, 2]  # a tie: the first first


def test_aligned_rows_exactly():
    tex = r"z = \sum_i w_i a_i = 1\cdot2 + \frac{1}{2}\cdot3 + 4\cdot5 + 6\cdot7 = 50.5"
    # by hand: one row per "=", the sum cut after every 3 (given) or 2 (default) top-level terms
    assert arithmetic.aligned(tex, terms_per_row=3) == (
        r"\begin{aligned}z &= \sum_i w_i a_i \\ &= 1\cdot2 + \frac{1}{2}\cdot3 + 4\cdot5 \\ &\quad + 6\cdot7"
        r" \\ &= 50.5\end{aligned}"
    )
    assert arithmetic.aligned(tex) == (
        r"\begin{aligned}z &= \sum_i w_i a_i \\ &= 1\cdot2 + \frac{1}{2}\cdot3 \\ &\quad + 4\cdot5 + 6\cdot7"
        r" \\ &= 50.5\end{aligned}"
    )
    # "=" and "+" inside braces are not split; nested and leading braces are counted
    assert arithmetic.aligned(r"\frac{a = b + c}{2} = 1") == r"\begin{aligned}\frac{a = b + c}{2} &= 1\end{aligned}"
    assert arithmetic.aligned(r"x^{{2}} = 4") == r"\begin{aligned}x^{{2}} &= 4\end{aligned}"
    assert arithmetic.aligned(r"{a} = b") == r"\begin{aligned}{a} &= b\end{aligned}"
    # an environment already laid out is left alone
    cases = r"\begin{cases} x = 1 \end{cases}"
    assert arithmetic.aligned(cases) == cases


def test_reached_follows_the_phase_order():
    # phases of a 2-layer step: forward 0, forward 1, loss, backward 1, backward 0, update. Forward numbers of
    # layer l exist from "forward l" on, backward numbers of layer l from "backward l" on (backward runs down),
    # the loss from "loss" on, the update only at "update"; nothing before the first phase.
    ps = phases(2)
    table = {
        ("forward", 0): [1, 1, 1, 1, 1, 1],
        ("forward", 1): [0, 1, 1, 1, 1, 1],
        ("loss", 0): [0, 0, 1, 1, 1, 1],
        ("backward", 1): [0, 0, 0, 1, 1, 1],
        ("backward", 0): [0, 0, 0, 0, 1, 1],
        ("update", 0): [0, 0, 0, 0, 0, 1],
    }
    for (kind, layer), want in table.items():
        assert [int(arithmetic.reached(p, kind, layer)) for p in ps] == want, (kind, layer)
        assert not arithmetic.reached(None, kind, layer)


def test_names_in_the_panel():
    # z, a and x are upright names with the 1-based layer, δ is the Greek letter: z1[0], a0[1], δ2[0]
    assert arithmetic.neuron_tex("z", 1, 0) == r"\mathrm{z1}[0]"
    assert arithmetic.neuron_tex("a", 0, 1) == r"\mathrm{a0}[1]"
    assert arithmetic.neuron_tex("delta", 2, 0) == r"\delta2[0]"
    rec = _hand_record()
    update = phases(2)[-1]
    hidden = arithmetic.neuron_lines(rec, 1, 0, 0, update)
    # the hand network's hidden neuron: z1[0] = Σ_i W1[i,0]·a0[i] + b1[0], a = relu(z), f′ written at z1[0]
    assert hidden[0].latex.startswith(r"\mathrm{z1}[0] = \sum_i \mathrm{W1}[i,0]\,\mathrm{a0}[i]")
    assert any(line.latex.startswith(r"\mathrm{a1}[0] = \mathrm{relu}(") for line in hidden)
    assert any(line.latex.startswith(r"f'(\mathrm{z1}[0]) = [z>0] = [0.1>0] = 1") for line in hidden)
    # each hidden activation's name, at z = 0.5·1: tanh 0.5 = 0.462117, σ(0.5) = 1/(1 + e^−0.5) = 0.622459
    for act, line in [
        ("tanh", r"\mathrm{a1}[0] = \tanh(0.5) = 0.462117"),
        ("sigmoid", r"\mathrm{a1}[0] = \sigma(0.5) = 0.622459"),
        ("leaky_relu", r"\mathrm{a1}[0] = \mathrm{lrelu}(0.5) = 0.5"),
        ("identity", r"\mathrm{a1}[0] = \mathrm{id}(0.5) = 0.5"),
    ]:
        net = Network.from_arrays([[[0.5]], [[1.0]]], None, [act, "identity"])
        rec = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1)
        assert arithmetic.neuron_lines(rec, 1, 0, 0, phases(2)[0])[1].latex == line


def test_leaky_relu_slope_at_exactly_zero_is_the_engines():
    # the engine's leaky ReLU′ is 1 for z > 0 and 0.01 otherwise, so at z = 0 the panel must print 0.01
    from nnviz.engine import ACTIVATIONS

    z = np.array([0.0])
    engine = float(ACTIVATIONS["leaky_relu"].derivative(z, ACTIVATIONS["leaky_relu"].forward(z))[0])
    assert engine == 0.01
    # the panel's f′ line is the registry's derivative_latex (arithmetic.py keeps no copy)
    assert ACTIVATIONS["leaky_relu"].derivative_latex(0.0, 0.0, arithmetic.fmt)[1] == engine
    assert ACTIVATIONS["relu"].derivative_latex(0.0, 0.0, arithmetic.fmt)[1] == 0.0  # [0 > 0] = 0


def test_hand_network_output_neuron_lines_exactly():
    # the hand network above, output neuron at the update phase: every line with its names and numbers
    rec = _hand_record()
    out = [line.latex for line in arithmetic.neuron_lines(rec, 2, 0, 0, phases(2)[-1])]
    assert out == [
        r"\mathrm{z2}[0] = \sum_i \mathrm{W2}[i,0]\,\mathrm{a1}[i] + \mathrm{b2}[0] = 2\cdot0.1 + (-0.5) = (-0.3)",
        r"\mathrm{a2}[0] = \mathrm{id}((-0.3)) = (-0.3)",
        r"\frac{\partial L}{\partial \mathrm{a2}[0]} = \hat y_{0} - y_{0} = (-0.3) - 1 = (-1.3)",
        r"f'(\mathrm{z2}[0]) = 1 = 1",
        r"\delta2[0] = \frac{\partial L}{\partial \mathrm{a2}[0]}\cdot f'(z) = (-1.3)\cdot1 = (-1.3)",
        r"\frac{\partial L}{\partial \mathrm{b2}[0]} = \sum_n \delta2[0]_n = (-1.3)",
        r"\mathrm{b2}[0] \leftarrow \mathrm{b2}[0] - \eta\,\frac{\partial L}{\partial \mathrm{b2}[0]}"
        r" = (-0.5) - 0.1\cdot(-1.3) = (-0.37)",
    ]
    # an input neuron: x0[1] = x₁ = 2
    assert [line.latex for line in arithmetic.neuron_lines(rec, 0, 1, 0, phases(2)[0])] == [r"\mathrm{x0}[1] = 2"]


def test_fused_deltas_name_their_denominator():
    # cross-entropy is a mean over the batch (B), binary cross-entropy over batch and outputs (B·K); here
    # σ(0) = softmax(0, 0)₀ = 0.5, y = 1, B = K = 1: δ = (0.5 − 1)/1 = −0.5
    for loss, act, w, y, denom, name in [
        ("cross_entropy", "softmax", [[1.0, 1.0]], [[1.0, 0.0]], "B", "cross entropy"),
        ("binary_cross_entropy", "sigmoid", [[1.0]], [[1.0]], "BK", "binary cross entropy"),
    ]:
        rec = train_step(Network.from_arrays([w], None, [act]), [[0.0]], y, loss, 1.0)
        lines = [line.latex for line in arithmetic.neuron_lines(rec, 1, 0, 0, phases(1)[-1])]
        want = rf"\delta1[0] = \frac{{\hat y_{{0}} - y_{{0}}}}{{{denom}}} = \frac{{0.5 - 1}}{{1}} = (-0.5)"
        assert want + rf"\quad\text{{(fused {name})}}" in lines
        dz = [ln for ln in arithmetic.neuron_lines(rec, 1, 0, 0, phases(1)[-1]) if ln.what == "dz"]
        assert [ln.value for ln in dz] == [-0.5]  # the line carries the engine's δ, not only its text


def test_text_around_puts_the_words_in_text_and_the_formula_between():
    assert arithmetic.text_around("before {tex} after", "x^2") == r"\text{before }x^2\text{ after}"
    assert arithmetic.text_around("{tex} after", "x^2") == r"x^2\text{ after}"
    assert arithmetic.text_around("before {tex}", "x^2") == r"\text{before }x^2"


def test_loss_lines_by_hand_with_and_without_the_penalty():
    # ŷ = w·x, w = 2, x = 1, y = 0, half_sse: L = ½·2² = 2; η = 0.1: w = 1.8, L after = ½·1.8² = 1.62
    net = Network.from_arrays([[[2.0]]], None, ["identity"])
    rec = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1)
    lines = arithmetic.loss_lines(rec)
    assert [(ln.what, ln.value) for ln in lines] == [("formula", 2.0), ("loss", 2.0), ("loss_after", 1.62)]
    assert lines[1].latex == "L = 2 = 2"
    assert lines[2].latex == r"L_\text{after update} = 1.62"
    update, loss = phases(1)[-1], phases(1)[1]
    assert update.kind == "update" and loss.kind == "loss"
    assert [ln.what for ln in arithmetic.loss_lines(rec, update)] == ["formula", "loss", "loss_after"]
    assert [ln.what for ln in arithmetic.loss_lines(rec, loss)] == ["formula", "loss"]  # not updated yet
    # L2 named at rate 0: no penalty lines
    rec0 = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1, regularization="l2", regularization_rate=0.0)
    assert [ln.what for ln in arithmetic.loss_lines(rec0)] == ["formula", "loss", "loss_after"]
    # L2 at λ = 0.5 (R = ½w²): Σ R = ½·4 = 2, penalty 0.5·2 = 1, L = 2 + 1 = 3; g = 2 + 0.5·2 = 3, w = 1.7,
    # L after = ½·1.7² + 0.5·½·1.7² = 1.445 + 0.7225 = 2.1675
    rec2 = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1, regularization="l2", regularization_rate=0.5)
    lines = arithmetic.loss_lines(rec2)
    assert [ln.what for ln in lines] == ["formula", "penalty", "loss_reg", "loss_after"]
    assert lines[0].value == 3.0 and lines[1].value == 1.0 and lines[2].value == 3.0
    assert lines[1].latex == r"\lambda\sum_w R(w) = 0.5\cdot2 = 1\quad{(R(w) = \tfrac12 w^2)}"
    assert lines[2].latex == r"L = \sum_n L_n + \lambda\sum_w R(w) = 2 + 1 = 3"
    assert lines[3].value == pytest.approx(2.1675, rel=1e-14) and lines[3].latex == r"L_\text{after update} = 2.1675"


def test_optimizer_lines_by_hand():
    # ŷ = w·x + b from (1, 0), x = 1, y = 0, SGD + momentum μ = 0.5, η = 0.1 (g = (ŷ, ŷ)):
    # step 0: ŷ = 1, v = (1, 1), θ = (0.9, −0.1); step 1: ŷ = 0.8, v = 0.5·1 + 0.8 = 1.3, w = 0.9 − 0.13 = 0.77
    from nnviz.engine import History

    net = Network.from_arrays([[[1.0]]], [[0.0]], ["identity"])
    hist = History(net, [[1.0]], [[0.0]], "half_sse", optimizer="momentum", optimizer_hyper={"momentum": 0.5})
    hist.step(0.1)
    hist.step(0.1)
    rec = hist.record(1)
    state = arithmetic.optimizer_state_lines(rec, 0)
    assert [(ln.latex, ln.value, ln.what) for ln in state] == [
        (r"\text{state before: }t = 1,\ v = 1", 1.0, "opt_state")
    ]
    lines = arithmetic.optimizer_lines(rec, 0, "w")
    assert lines and all(r"\theta" not in ln.latex and ln.what == "opt" for ln in lines)
    assert lines[0].value == pytest.approx(1.3, rel=1e-15) and lines[-1].value == pytest.approx(0.77, rel=1e-15)
    assert "w" in lines[-1].latex
    # plain SGD (no optimiser) and torch's SGD (no buffers) have no state line
    assert arithmetic.optimizer_state_lines(train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1), 0) == []
    sgd = History(net, [[1.0]], [[0.0]], "half_sse", optimizer="sgd")
    sgd.step(0.1)
    assert arithmetic.optimizer_state_lines(sgd.record(0), 0) == []


def _lines(lines) -> list[tuple[str, object, str]]:
    return [(ln.latex, ln.value, ln.what) for ln in lines]


def test_hand_network_edge_lines_exactly():
    # W2[0,0] = 2 of the hand network (a1 = 0.1, δ2 = −1.3, η = 0.1): contribution 2·0.1 = 0.2,
    # ∂L/∂w = δ2·a1 = −0.13, w ← 2 − 0.1·(−0.13) = 2.013 (Δw = 0.013); the delta's lines are delta_lines'
    rec = _hand_record()
    update = phases(2)[-1]
    got = _lines(arithmetic.edge_lines(rec, 2, 0, 0, update))
    w = r"\mathrm{W2}[0,0]"
    want = [
        (rf"{w} = 2", 2.0, "w"),
        (rf"\text{{contribution to }} \mathrm{{z2}}[0]:\; {w}\cdot\mathrm{{a1}}[0] = 2\cdot0.1 = 0.2", 0.2, "contrib"),
        *_lines(arithmetic.delta_lines(rec, 2, 0, 0)),
        (
            rf"\frac{{\partial L}}{{\partial {w}}} = \sum_n \delta2[0]_n\,\mathrm{{a1}}[0]_n"
            r" = (-1.3)\cdot0.1 = (-0.13)",
            pytest.approx(-0.13, rel=1e-12),
            "dW",
        ),
        (
            rf"{w} \leftarrow {w} - \eta\,\frac{{\partial L}}{{\partial {w}}} = 2 - 0.1\cdot(-0.13) = 2.013"
            r"\quad{(\Delta w = 0.013)}",
            pytest.approx(2.013, rel=1e-12),
            "dW_new",
        ),
    ]
    assert got == want
    # W1[1,0] (x₁ = 2 → hidden 0) in layer 1: a0, δ1 and the sum's names follow the layer
    w1 = arithmetic.edge_lines(rec, 1, 1, 0, update)
    assert w1[1].value == pytest.approx(-0.5, rel=1e-15)  # (−0.25)·2, not (−0.25)/2
    dW = next(ln for ln in w1 if ln.what == "dW")
    assert dW.latex == (
        r"\frac{\partial L}{\partial \mathrm{W1}[1,0]} = \sum_n \delta1[0]_n\,\mathrm{a0}[1]_n = (-2.6)\cdot2 = (-5.2)"
    )


def test_edge_lines_with_the_l2_penalty_exactly():
    # the hand network with L2 at λ = 0.5 (R = ½w², R′ = w): ∂(L + λΣR)/∂W2[0,0] = −0.13 + 0.5·2 = 0.87,
    # w ← 2 − 0.1·0.87 = 1.913 (Δw = −0.087)
    net = _hand_record().before
    rec = train_step(net, [[1.0, 2.0]], [[1.0]], "half_sse", 0.1, regularization="l2", regularization_rate=0.5)
    lines = arithmetic.edge_lines(rec, 2, 0, 0, phases(2)[-1])
    w = r"\mathrm{W2}[0,0]"
    assert _lines(lines[-2:]) == [
        (
            rf"\frac{{\partial (L + \lambda\sum R)}}{{\partial {w}}} = \sum_n \delta2[0]_n\,\mathrm{{a1}}[0]_n"
            rf" + \lambda R'({w}) = (-1.3)\cdot0.1 + 0.5\cdot2 = 0.87",
            pytest.approx(0.87, rel=1e-12),
            "dW_reg",
        ),
        (
            rf"{w} \leftarrow {w} - \eta\,\frac{{\partial (L + \lambda\sum R)}}{{\partial {w}}} = 2 - 0.1\cdot0.87"
            r" = 1.913\quad{(\Delta w = (-0.087))}",
            pytest.approx(1.913, rel=1e-12),
            "dW_new",
        ),
    ]


def test_an_l1_kill_and_then_a_dead_link_exactly():
    # ŷ = w·x, w = 0.01, x = 1, y = 0.01: the loss's gradient is 0, L1 at λ = 1 gives g = 0 + 1·sign(w) = 1;
    # η = 0.1: 0.01 − 0.1 = −0.09 crosses 0, so the link is set to 0 and dies (Playground's rule)
    net = Network.from_arrays([[[0.01]]], None, ["identity"])
    kw = dict(regularization="l1", regularization_rate=1.0)
    rec = train_step(net, [[1.0]], [[0.01]], "half_sse", 0.1, **kw)
    update = phases(1)[-1]
    w = r"\mathrm{W1}[0,0]"
    last = arithmetic.edge_lines(rec, 1, 0, 0, update)[-1]
    assert _lines([last]) == [(rf"{w} \leftarrow 0\ \text{{(L1 pushed it across 0: the link dies)}}", 0.0, "dies")]
    # the next step: w = 0 is dead and is not updated; its lines stop after its gradient
    rec2 = train_step(rec.after, [[1.0]], [[0.01]], "half_sse", 0.1, **kw)
    lines = arithmetic.edge_lines(rec2, 1, 0, 0, update)
    assert _lines(lines[:2]) == [(rf"{w} = 0", 0.0, "w"), (rf"{w}\ \text{{dead link: not updated}}", 0.0, "dead")]
    assert lines[-1].what == "dW_reg" and not any(ln.what in ("dW_new", "dies") for ln in lines)


def test_bias_update_lines_exactly():
    rec = _hand_record()
    b = r"\mathrm{b2}[0]"
    backward = next(p for p in phases(2) if p.kind == "backward")
    # before the update phase: the gradient only
    assert [ln.what for ln in arithmetic.neuron_lines(rec, 2, 0, 0, backward)][-1] == "db"
    assert "b_new" not in [ln.what for ln in arithmetic.neuron_lines(rec, 2, 0, 0, backward)]
    # frozen biases: the old value, said to be frozen; δ2 = −1.3 is still shown as ∂L/∂b
    frozen = Network.from_arrays(rec.before.weights, rec.before.biases, rec.before.activations, "frozen")
    recf = train_step(frozen, [[1.0, 2.0]], [[1.0]], "half_sse", 0.1)
    assert _lines(arithmetic.neuron_lines(recf, 2, 0, 0, phases(2)[-1])[-2:]) == [
        (rf"\frac{{\partial L}}{{\partial {b}}} = \sum_n \delta2[0]_n = (-1.3)", pytest.approx(-1.3, rel=1e-12), "db"),
        (rf"{b} = (-0.5)\ \text{{(frozen: not updated)}}", -0.5, "b_new"),
    ]
    # a trainable bias whose step η·g rounds to 0 (g = 1e-320, η = 1e-4: 1e-324 < the smallest float) did
    # not move: it is shown as not updated, with its value
    tiny = Network.from_arrays([[[0.0]]], [[0.0]], ["identity"])
    rect = train_step(tiny, [[1.0]], [[-1e-320]], "half_sse", 1e-4)
    assert rect.grads.layers[0].db[0] != 0 and rect.update.db[0][0] == 0
    assert _lines(arithmetic.neuron_lines(rect, 1, 0, 0, phases(1)[-1])[-1:]) == [
        (r"\mathrm{b1}[0] = 0\ \text{(frozen: not updated)}", 0.0, "b_new")
    ]
    # torch's SGD as an optimiser object writes the plain update, as no optimiser does
    from nnviz.engine import History

    sgd = History(rec.before, [[1.0, 2.0]], [[1.0]], "half_sse", optimizer="sgd")
    sgd.step(0.1)
    plain = arithmetic.neuron_lines(rec, 2, 0, 0, phases(2)[-1])
    assert _lines(arithmetic.neuron_lines(sgd.record(0), 2, 0, 0, phases(2)[-1])) == _lines(plain)
    # another optimiser: ∂L/∂b first, then its state and its own lines
    adam = History(rec.before, [[1.0, 2.0]], [[1.0]], "half_sse", optimizer="adam")
    adam.step(0.1)
    whats = [ln.what for ln in arithmetic.neuron_lines(adam.record(0), 2, 0, 0, phases(2)[-1])]
    assert "db" in whats and whats.index("db") < whats.index("opt")


def test_flat_index_is_the_parameter_vectors_order():
    # 2-3-2-1 with biases: layer 1 holds 6 + 3 = 9 numbers, layer 2 6 + 2 = 8, so W3[0,0] is number 17
    net = Network.init([2, 3, 2, 1], ["tanh", "tanh", "identity"], "xavier", np.random.default_rng(0))
    assert arithmetic.flat_index(net, 2, 0, 0) == 17 and arithmetic.flat_index(net, 2, 0) == 19
    theta = net.parameter_vector()
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        for i, j in np.ndindex(W.shape):
            assert theta[arithmetic.flat_index(net, l, i, j)] == W[i, j]
        for i in range(b.size):
            assert theta[arithmetic.flat_index(net, l, i)] == b[i]


def test_a_regulariser_named_none_adds_no_penalty_lines():
    net = Network.from_arrays([[[2.0]]], None, ["identity"])
    rec = train_step(net, [[1.0]], [[0.0]], "half_sse", 0.1, regularization="none", regularization_rate=0.5)
    assert [ln.what for ln in arithmetic.loss_lines(rec)] == ["formula", "loss", "loss_after"]


def test_hidden_delta_lines_exactly():
    # the hand network's hidden neuron: ∂L/∂a1[0] = Σ_m W2[0,m]·δ2[m] = 2·(−1.3) = −2.6; ReLU′(0.1) = 1;
    # δ1[0] = −2.6·1 = −2.6
    got = _lines(arithmetic.delta_lines(_hand_record(), 1, 0, 0))
    assert got == [
        (
            r"\frac{\partial L}{\partial \mathrm{a1}[0]} = \sum_m \mathrm{W2}[0,m]\,\delta2[m] = 2\cdot(-1.3) = (-2.6)",
            pytest.approx(-2.6, rel=1e-12),
            "da",
        ),
        (r"f'(\mathrm{z1}[0]) = [z>0] = [0.1>0] = 1", 1.0, "fprime"),
        (
            r"\delta1[0] = \frac{\partial L}{\partial \mathrm{a1}[0]}\cdot f'(z) = (-2.6)\cdot1 = (-2.6)",
            pytest.approx(-2.6, rel=1e-12),
            "dz",
        ),
    ]


def test_neuron_lines_without_biases_and_of_inputs_carry_values():
    # no biases: z1[0] = 0.5·1 + (−0.25)·2 = 0, written without "+ b"; id(0) = 0
    net = Network.from_arrays([[[0.5], [-0.25]]], None, ["identity"])
    rec = train_step(net, [[1.0, 2.0]], [[1.0]], "half_sse", 0.1)
    assert _lines(arithmetic.neuron_lines(rec, 1, 0, 0, phases(1)[0])) == [
        (r"\mathrm{z1}[0] = \sum_i \mathrm{W1}[i,0]\,\mathrm{a0}[i] = 0.5\cdot1 + (-0.25)\cdot2 = 0", 0.0, "z"),
        (r"\mathrm{a1}[0] = \mathrm{id}(0) = 0", 0.0, "a"),
    ]
    assert _lines(arithmetic.neuron_lines(rec, 0, 1, 0, phases(1)[0])) == [(r"\mathrm{x0}[1] = 2", 2.0, "a")]


def test_long_sums_are_cut_after_max_terms_minus_one():
    # MAX_TERMS = 6: six terms are written out, seven become the first five and "…"
    n = arithmetic.MAX_TERMS
    assert n == 6
    terms = [f"t{k}" for k in range(n + 1)]
    assert arithmetic._sum(terms[:n]) == "t0 + t1 + t2 + t3 + t4 + t5"
    assert arithmetic._sum(terms) == r"t0 + t1 + t2 + t3 + t4 + \dots"
    assert arithmetic._sum([]) == "0"


def test_a_softmax_delta_without_a_fused_loss_carries_its_value():
    # softmax outputs with half_sse: z = (0, 0) → a = (½, ½), y = (1, 0): ∂L/∂a = a − y = (−½, ½);
    # δ_0 = a_0 (∂L/∂a_0 − Σ_m ∂L/∂a_m a_m) = ½ (−½ − (−¼ + ¼)) = −¼
    net = Network.from_arrays([[[1.0, 1.0]]], [[0.0, 0.0]], ["softmax"])
    rec = train_step(net, [[0.0]], [[1.0, 0.0]], "half_sse", 1.0)
    dz = [ln for ln in arithmetic.neuron_lines(rec, 1, 0, 0, phases(1)[-1]) if ln.what == "dz"]
    assert len(dz) == 1 and dz[0].value == -0.25 and dz[0].latex.endswith("= (-0.25)")

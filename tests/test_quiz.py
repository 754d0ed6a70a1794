"""Quiz mode's questions (nnviz/quiz.py) against the engine's record of the same step.

The answer of every question must be the engine's number for the quantity the question names
(read here straight from the StepRecord, not through the arithmetic module); the hint must carry the
formula's operands and not the answer; the 3-significant-figure rule is checked on hand-picked
numbers.
"""

from __future__ import annotations

import re

import pytest

from nnviz import quiz, stepper
from nnviz.arithmetic import fmt
from nnviz.engine import phases


def record(example: str, k: int = 0):
    run = stepper.Run(stepper.default_config(example))
    for _ in range(k + 1):
        assert run.step(stepper.default_learning_rate(example))
    return run.history.record(k)


def engine_value(rec, name: str, what: str) -> float:
    """The engine's number for a question's quantity, from its name ("z1[0]", "δ2[1]", "W1[0,1]", "b1[0]", "L")."""
    if what == "loss":
        return rec.loss_before
    m = re.fullmatch(r"(z|a|δ|W|b)(\d+)\[(\d+)(?:,(\d+))?\]", name)
    assert m, name
    sym, layer, i, j = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    l = layer - 1
    if sym == "z":
        return rec.trace.layers[l].z[0, i]
    if sym == "a":
        return rec.trace.layers[l].a[0, i]
    if sym == "δ":
        return rec.grads.layers[l].dz[0, i]
    if sym == "b":
        return rec.after.biases[l][i]
    if what == "dW":
        return rec.grads.layers[l].dW[i, int(j)]
    assert what == "dW_new"
    return rec.after.weights[l][i, int(j)]


@pytest.mark.parametrize("example, k", [("study", 0), ("study", 4), ("toy", 0), ("toy", 7)])
def test_every_phase_asks_what_it_computes_with_the_engines_answer(example, k):
    rec = record(example, k)
    expected_kinds = {
        "forward": ["z", "a"],
        "loss": ["loss"],
        "backward": ["dz", "dW"],
        "update": ["dW_new"],
    }
    for p, ph in enumerate(phases(rec.before.n_layers)):
        qs = quiz.questions(rec, ph, None, 0, k, p)
        assert [q["what"] for q in qs] == expected_kinds[ph.kind], ph.label
        for q in qs:
            want = engine_value(rec, q["name"], q["what"])
            assert q["answer"] == want, (ph.label, q["name"])
            assert q["shown"] == f"{want:.6g}"
            assert q["hint"].endswith("= ?")
            # the value is cut off: it does not stand after an "=" anywhere in the hint
            assert not re.search(rf"= {re.escape(fmt(want))}(?![0-9])", q["hint"]), q["hint"]
        # the names follow the phase: forward l / backward l ask about layer l's neuron 0 and W_l[0,0]
        if ph.kind == "forward":
            assert [q["name"] for q in qs] == [f"z{ph.layer + 1}[0]", f"a{ph.layer + 1}[0]"]
        if ph.kind == "backward":
            assert [q["name"] for q in qs] == [f"δ{ph.layer + 1}[0]", f"W{ph.layer + 1}[0,0]"]
        if ph.kind == "update":
            assert qs[0]["name"] == "W1[0,0]"
    # ids are unique within the step
    ids = [q["id"] for p, ph in enumerate(rec.phases) for q in quiz.questions(rec, ph, None, 0, k, p)]
    assert len(ids) == len(set(ids))


def test_the_z_hint_recomputes_to_the_answer():
    # toy step 1, forward layer 1: the hint is z1[0] = Σ w·a + b with its numbers; redo the sum from them
    rec = record("toy")
    q = quiz.questions(rec, rec.phases[0], None, 0, 0, 0)[0]
    rhs = q["hint"].split(" = ")[-2]
    nums = [float(x.strip("()")) for x in re.split(r"\\cdot| \+ ", rhs)]
    w0, a0, w1, a1, b = nums
    assert abs(w0 * a0 + w1 * a1 + b - q["answer"]) <= 2e-5 * abs(q["answer"])
    assert quiz.agrees(w0 * a0 + w1 * a1 + b, q["answer"])


def test_a_one_sample_loss_hint_gives_outputs_and_targets_not_the_loss():
    rec = record("toy")  # online SGD: one sample per step
    loss_phase = next(ph for ph in rec.phases if ph.kind == "loss")
    (q,) = quiz.questions(rec, loss_phase, None, 0, 0, rec.phases.index(loss_phase))
    assert fmt(rec.loss_before) not in q["hint"]
    assert fmt(rec.trace.output[0, 0]) in q["hint"] and fmt(rec.trace.output[0, 1]) in q["hint"]
    # ½·Σ(y − ŷ)² from the numbers the hint gives (6 digits) is the answer to 3 figures
    yhat, y = rec.trace.output[0], rec.grads.targets[0]
    assert quiz.agrees(0.5 * sum((float(fmt(a)) - t) ** 2 for a, t in zip(yhat, y)), q["answer"])


def test_a_selected_neuron_or_weight_is_asked_about_when_the_phase_computes_it():
    rec = record("study")
    fwd1, upd = rec.phases[0], rec.phases[-1]
    qs = quiz.questions(rec, fwd1, ("neuron", 1, 2), 0, 0, 0)
    assert [q["name"] for q in qs] == ["z1[2]", "a1[2]"]
    assert qs[0]["answer"] == rec.trace.layers[0].z[0, 2]
    # a neuron of layer 2 is not computed in forward layer 1: the phase's own neuron is asked
    assert [q["name"] for q in quiz.questions(rec, fwd1, ("neuron", 2, 0), 0, 0, 0)] == ["z1[0]", "a1[0]"]
    qs = quiz.questions(rec, upd, ("edge", 2, 1, 0), 0, 0, len(rec.phases) - 1)
    assert [q["name"] for q in qs] == ["W2[1,0]"] and qs[0]["answer"] == rec.after.weights[1][1, 0]
    # batch row 2 of the study page's full batch
    qs = quiz.questions(rec, fwd1, None, 2, 0, 0)
    assert qs[0]["answer"] == rec.trace.layers[0].z[2, 0]


def test_three_significant_figures():
    # 0.12345: half a unit in the 3rd figure is 0.0005 → 0.123, 0.1235, 0.12345 pass; 0.124, 0.122 fail
    assert quiz.tolerance(0.12345) == pytest.approx(0.0005)
    for typed in (0.123, 0.1235, 0.12345, 0.12299):
        assert quiz.agrees(typed, 0.12345), typed
    # 0.1229 is 0.00055 away: more than half a unit of the answer's 3rd figure
    for typed in (0.124, 0.122, 0.12, 0.1229):
        assert not quiz.agrees(typed, 0.12345), typed
    # negative and tiny: -1.5e-7 → tolerance 5e-10
    assert quiz.tolerance(-1.5e-7) == pytest.approx(5e-10)
    assert quiz.agrees(-1.5e-7, -1.50049e-7) and not quiz.agrees(-1.51e-7, -1.5e-7)
    assert not quiz.agrees(1.5e-7, -1.5e-7)  # the sign counts
    # 987.65 → 988 passes, 987 does not (987.65 rounds to 988)
    assert quiz.agrees(988, 987.65) and not quiz.agrees(987, 987.65)
    assert quiz.agrees(0, 0.0) and not quiz.agrees(1e-3, 0.0)

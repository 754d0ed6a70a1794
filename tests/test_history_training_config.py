"""History with a regulariser (L1's dead links) and an optimiser: Back, the slider and network(k) are exact.

The reference is an independent replay: the engine's own pieces (forward, backward with the
penalty, ``Optimizer.step`` / ``Network.sgd_step``) called in a plain loop over the same batches,
with none of History's rows, strides or bookkeeping.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz import examples
from nnviz.engine import BatchSchedule, History, Network
from nnviz.optim import make_optimizer
from nnviz.stepper import build_network, default_config

LR = 0.5
LAM = 0.01  # with the toy net and η = 0.5, W1[0,0] dies after 12 steps and W1[0,1] after 45


def _toy_net():
    return build_network(default_config("toy"))


def _replay(net, steps, lr=LR, reg="l1", lam=LAM, opt_name=None, hyper=None):
    """Networks 0 … steps (and optimiser states) by a plain loop: sample k mod 10, one per step."""
    d = examples.toy_dataset()
    nets, states = [net], []
    opt = None if opt_name is None else make_optimizer(opt_name, learning_rate=lr, **(hyper or {}))
    state = None if opt is None else opt.init(net)
    states.append(state)
    for k in range(steps):
        x, y = d.X[[k % 10]], d.Y[[k % 10]]
        g = net.backward(net.forward(x), y, "half_sse", reg, lam)
        if opt is None:
            net = net.sgd_step(g, lr)
        else:
            net, state = opt.step(net, g, state)
        nets.append(net)
        states.append(state)
    return nets, states


def _hist(net, **kw):
    d = examples.toy_dataset()
    return History(net, d.X, d.Y, "half_sse", BatchSchedule(10, 1), **kw)


def _dead_set(net) -> set:
    if net.dead is None:
        return set()
    return {(l, int(i), int(j)) for l, m in enumerate(net.dead) for i, j in np.argwhere(m)}


@pytest.mark.parametrize("max_row_bytes", [None, 10 * 12 * 8])  # every row kept / thinned to 10 rows
def test_l1_dead_links_follow_back_and_the_slider(max_row_bytes):
    net = _toy_net()
    ref, _ = _replay(net, 60)
    caps = {} if max_row_bytes is None else {"max_row_bytes": max_row_bytes}
    h = _hist(net, regularization="l1", regularization_rate=LAM, **caps)
    for _ in range(60):
        h.step(LR)
    # the replay says when each link died; History must say the same
    first_dead = next(k for k, n in enumerate(ref) if n.dead is not None)
    assert first_dead == 12 and _dead_set(ref[12]) == {(0, 0, 0)}
    assert h.died_at()[0] == 12
    for k in (0, 5, 11, 12, 13, 30, 44, 45, 59, 60):  # kept and recomputed steps, before and after each death
        got = h.network(k)
        assert _dead_set(got) == _dead_set(ref[k]), k
        np.testing.assert_array_equal(got.parameter_vector(), ref[k].parameter_vector())
    # Back to before the first death: the link is alive again, and the run from there is the replay's
    h.truncate(11)
    assert h.network(11).dead is None and (h.died_at() == -1).all()
    for _ in range(11, 50):
        h.step(LR)
    assert _dead_set(h.network(50)) == _dead_set(ref[50]) == {(0, 0, 0), (0, 0, 1)}
    np.testing.assert_array_equal(h.network(50).parameter_vector(), ref[50].parameter_vector())
    # Back to between the two deaths: only the first link is dead
    h.truncate(20)
    assert _dead_set(h.network(20)) == {(0, 0, 0)}
    assert h.died_at()[1] == -1


def test_the_loss_of_a_regularised_history_includes_the_penalty():
    net = _toy_net()
    h = _hist(net, regularization="l2", regularization_rate=0.1)
    rec = h.step(LR)
    d = examples.toy_dataset()
    # ½Σ(t − o)² on sample 0 plus 0.1·Σ ½w² over the 8 weights
    data = 0.5 * float(np.sum((net.predict(d.X[:1]) - d.Y[:1]) ** 2))
    pen = 0.1 * 0.5 * sum(float(np.sum(w * w)) for w in net.weights)
    assert rec.loss_before == pytest.approx(data + pen, rel=1e-12)
    assert h.losses[0] == rec.loss_before


@pytest.mark.parametrize(
    "name, hyper",
    [("adam", {}), ("momentum", {"momentum": 0.8}), ("nesterov", {}), ("rmsprop", {"alpha": 0.9})],
)
@pytest.mark.parametrize("max_row_bytes", [None, 8 * 12 * 8 * 3])  # every row kept / thinned to 8 rows
def test_optimizer_state_after_back_equals_a_fresh_replay(name, hyper, max_row_bytes):
    net = _toy_net()
    lr = 0.05
    ref, states = _replay(net, 40, lr=lr, reg="l2", lam=0.01, opt_name=name, hyper=hyper)
    caps = {} if max_row_bytes is None else {"max_row_bytes": max_row_bytes}
    h = _hist(net, regularization="l2", regularization_rate=0.01, optimizer=name, optimizer_hyper=hyper, **caps)
    for _ in range(30):
        h.step(lr)
    if max_row_bytes is not None:
        assert h.stride > 1  # the history did thin: some steps below are recomputed
    for k in (0, 1, 7, 13, 30):
        st = h.optimizer_state(k)
        assert st.step == states[k].step == k
        for slot, v in states[k].slots.items():
            np.testing.assert_array_equal(st.slots[slot], v, err_msg=f"{slot} after {k} steps")
        np.testing.assert_array_equal(h.network(k).parameter_vector(), ref[k].parameter_vector())
    h.truncate(13)  # Back to step 13, then on to 40: the replay's numbers
    for _ in range(13, 40):
        rec = h.step(lr)
    assert rec.opt_before.step == 39 and rec.opt_after.step == 40
    for slot, v in states[40].slots.items():
        np.testing.assert_array_equal(h.optimizer_state().slots[slot], v)
    np.testing.assert_array_equal(h.network(40).parameter_vector(), ref[40].parameter_vector())


def test_an_optimizer_record_explains_its_own_update():
    net = _toy_net()
    h = _hist(net, optimizer="adam")
    for _ in range(3):
        h.step(0.01)
    rec = h.record(2)
    lines = rec.optimizer.explain(rec.before, rec.grads, rec.opt_before, 0)
    assert lines[-1][1] == rec.after.parameter_vector()[0]


def test_bad_settings_are_refused_with_a_message():
    net = _toy_net()
    with pytest.raises(ValueError, match="momentum= or optimizer="):
        _hist(net, momentum=0.9, optimizer="adam")
    with pytest.raises(ValueError, match="per step"):
        _hist(net, optimizer="adam", optimizer_hyper={"learning_rate": 0.1})
    with pytest.raises(ValueError, match="beta1"):
        _hist(net, optimizer="adam", optimizer_hyper={"beta1": 1.5})
    with pytest.raises(ValueError, match="regularization rate"):
        _hist(net, regularization="l2", regularization_rate=float("nan"))


@pytest.mark.parametrize("max_row_bytes", [None, 4 * 12 * 8])  # every row kept / thinned to 4 rows
def test_an_edited_weight_is_recorded_and_back_returns_before_it(max_row_bytes):
    from nnviz.stepper import Run

    cfg = default_config("toy")
    run = Run(cfg)
    if max_row_bytes is not None:
        d = examples.toy_dataset()
        run.history = History(
            run.history.template, d.X, d.Y, "half_sse", BatchSchedule(10, 1), max_row_bytes=max_row_bytes
        )
    run.run(10, LR)
    run.seek(5)  # the slider back to the network after 5 updates
    before = run.network
    edited = run.edit("W1[0,1]", 0.7)
    assert len(run.history) == 5 and run.updates_applied == 5 and run.phase_index == -1
    assert edited.weights[0][0, 1] == 0.7 and run.network.weights[0][0, 1] == 0.7
    others = np.delete(edited.parameter_vector(), 1), np.delete(before.parameter_vector(), 1)
    np.testing.assert_array_equal(*others)
    # Back from the edited network: step 5's update, whose record (what the player draws) is the
    # network before the edit
    run.back()
    assert (run.step_index, run.phase_index) == (4, len(run.phases) - 1)
    assert run.record.after.weights[0][0, 1] == before.weights[0][0, 1] != 0.7
    assert run.network.weights[0][0, 1] == before.weights[0][0, 1]  # the tabs below follow the screen
    # the run continues from the edited network: the replay's numbers, with the same value set by hand
    run.seek(5)
    run.run(10, LR)
    ref, _ = _replay(_toy_net(), 5, reg=None, lam=0.0)
    net = ref[5].with_value("W1[0,1]", 0.7)
    d = examples.toy_dataset()
    for k in range(5, 15):
        x, y = d.X[[k % 10]], d.Y[[k % 10]]
        net = net.sgd_step(net.backward(net.forward(x), y, "half_sse"), LR)
        np.testing.assert_array_equal(run.history.network(k + 1).parameter_vector(), net.parameter_vector())
    assert run.history.edits() == {5: [("W1[0,1]", 0.7)]}
    if max_row_bytes is not None:
        assert run.history.stride > 1  # thinned: the steps after the edit are replayed through it
    run.history.truncate(3)  # Back past the edit forgets it
    assert run.history.edits() == {}


def test_bad_edits_are_refused_with_their_reason():
    net = _toy_net()
    h = _hist(net, regularization="l1", regularization_rate=LAM)
    with pytest.raises(ValueError, match="no parameter called 'W9\\[0,0\\]'"):
        h.edit("W9[0,0]", 0.5)
    with pytest.raises(ValueError, match="W1\\[1,1\\] must be a finite number, got inf"):
        h.edit("W1[1,1]", float("inf"))
    assert h.edits() == {}


@pytest.mark.parametrize("max_row_bytes", [None, 10 * 12 * 8])  # every row kept / thinned to 10 rows
def test_an_edited_dead_link_lives_again_from_the_edit_on(max_row_bytes):
    # W1[0,0] dies after 12 steps (LAM); set it to 0.5 after 13: the reference is the plain replay with
    # Network.with_value (which revives a dead weight) between its steps 13 and 14
    net = _toy_net()
    caps = {} if max_row_bytes is None else {"max_row_bytes": max_row_bytes}
    h = _hist(net, regularization="l1", regularization_rate=LAM, **caps)
    for _ in range(13):
        h.step(LR)
    assert h.died_at()[0] == 12 and h.death("W1[0,0]") == 12 and h.death("W1[0,0]", 11) is None
    ref, _ = _replay(net, 13)
    edited = h.edit("W1[0,0]", 0.5)
    assert h.death("W1[0,0]") is None and h.death("W1[0,0]", 12) == 12  # alive now, dead after 12 steps
    assert edited.dead is None or not edited.dead[0][0, 0]
    assert h.revived() == {"W1[0,0]": [(12, 13)]} and h.died_at()[0] == -1
    d = examples.toy_dataset()
    for _ in range(13, 43):
        h.step(LR)
    # History's step k takes sample k mod 10, from the edited network on
    net_k = ref[13].with_value("W1[0,0]", 0.5)
    for k in range(13, 43):
        x, y = d.X[[k % 10]], d.Y[[k % 10]]
        net_k = net_k.sgd_step(net_k.backward(net_k.forward(x), y, "half_sse", "l1", LAM), LR)
        got = h.network(k + 1)
        np.testing.assert_array_equal(got.parameter_vector(), net_k.parameter_vector())
        assert _dead_set(got) == _dead_set(net_k), k + 1
    # it is updated again: 0.5 after the edit, not 0.5 (nor 0) one step later
    assert h.network(13).weights[0][0, 0] == 0.5 and h.network(14).weights[0][0, 0] not in (0.0, 0.5)
    # the steps before the edit keep it dead, as they were
    assert (0, 0, 0) in _dead_set(h.network(12)) and h.network(12).weights[0][0, 0] == 0.0
    np.testing.assert_array_equal(h.network(12).parameter_vector(), ref[12].parameter_vector())
    # Back to before the edit: dead again since 12, the edit forgotten
    h.truncate(12)
    assert h.died_at()[0] == 12 and h.revived() == {} and h.edits() == {}
    assert (0, 0, 0) in _dead_set(h.network(12))


def test_a_revived_link_can_die_again_and_back_keeps_the_edit_made_at_that_step():
    net = _toy_net()
    h = _hist(net, regularization="l1", regularization_rate=LAM)
    for _ in range(13):
        h.step(LR)
    h.edit("W1[0,0]", 1e-4)  # so small that L1 (η·λ = 0.005 a step) pushes it across 0 again at once
    ref = _replay(_toy_net(), 13)[0][13].with_value("W1[0,0]", 1e-4)
    d = examples.toy_dataset()
    for k in range(13, 20):
        h.step(LR)
        x, y = d.X[[k % 10]], d.Y[[k % 10]]
        ref = ref.sgd_step(ref.backward(ref.forward(x), y, "half_sse", "l1", LAM), LR)
    died = int(h.died_at()[0])
    assert 13 < died <= 20 and (0, 0, 0) in _dead_set(ref)
    assert h.revived() == {"W1[0,0]": [(12, 13)]}
    np.testing.assert_array_equal(h.network(20).parameter_vector(), ref.parameter_vector())
    # dead until 13, alive from the edit until its second death, dead after
    assert [(0, 0, 0) in _dead_set(h.network(k)) for k in (12, 13, died - 1, died, 20)] == [
        True, False, False, True, True
    ]
    # Back to the step of the edit: the edit (made after 13 steps) stays, the second death goes
    h.truncate(13)
    assert h.edits() == {13: [("W1[0,0]", 1e-4)]} and h.died_at()[0] == -1
    assert h.revived() == {"W1[0,0]": [(12, 13)]}


def test_a_link_dead_from_the_start_comes_back_with_the_edit():
    # a network file can start with dead links (its "dead" field); edited before the first step, the link
    # is alive from step 0 on and the history's networks say so (no dead mask left at all)
    own = _toy_net()
    ws = [w.copy() for w in own.weights]
    ws[0][0, 0] = 0.0
    dead = [np.zeros(w.shape, dtype=bool) for w in ws]
    dead[0][0, 0] = True
    net = Network.from_arrays(ws, own.biases, own.activations, own.bias_mode, dead=dead)
    h = _hist(net, regularization="l1", regularization_rate=LAM)
    assert h.death("W1[0,0]", 0) == 0
    h.edit("W1[0,0]", 0.5)
    assert h.network(0).dead is None and h.death("W1[0,0]", 0) is None and h.revived() == {}
    want = net.with_value("W1[0,0]", 0.5)
    d = examples.toy_dataset()
    for k in range(5):
        h.step(LR)
        x, y = d.X[[k % 10]], d.Y[[k % 10]]
        want = want.sgd_step(want.backward(want.forward(x), y, "half_sse", "l1", LAM), LR)
    np.testing.assert_array_equal(h.network(5).parameter_vector(), want.parameter_vector())
    assert h.network(5).weights[0][0, 0] != 0.5

"""History in bounded memory: thinning beyond max_row_bytes, every step still reachable, bit-identical."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nnviz import examples
from nnviz.engine import MAX_HISTORY_ROW_BYTES, MAX_HISTORY_STEPS, BatchSchedule, History, HistoryFull, Network


def _toy(momentum: float = 0.0, **caps) -> History:
    net = examples.python_random_network([2, 2, 2], ["sigmoid", "sigmoid"], 1, "trainable")
    data = examples.toy_dataset()
    return History(net, data.X, data.Y, "half_sse", BatchSchedule(10, 1), momentum=momentum, **caps)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_a_thinned_history_gives_the_same_numbers_as_a_full_one(momentum):
    full = _toy(momentum)
    row_bytes = 12 * 8 * (2 if momentum else 1)
    capped = _toy(momentum, max_row_bytes=10 * row_bytes)  # 10 rows
    assert capped.max_rows == 10
    for k in range(500):
        lr = 0.5 if k < 300 else 0.2
        a, b = full.step(lr), capped.step(lr)
        assert a.loss_before == b.loss_before and a.loss_after == b.loss_after
    assert len(capped) == 500 and full.stride == 1
    np.testing.assert_array_equal(capped.losses, full.losses)
    np.testing.assert_array_equal(capped.learning_rates, full.learning_rates)
    kept = capped.kept_steps()
    # 500 steps in at most 10 rows: stride 64 keeps 0, 64, …, 448 (8 rows) and the last step, 500
    assert capped.stride == 64 and kept.tolist() == [*range(0, 500, 64), 500]
    assert capped.parameters.shape == (9, 12)
    np.testing.assert_array_equal(capped.parameters, full.parameters[kept])
    assert capped.is_kept(128) and capped.is_kept(500) and not capped.is_kept(129)
    assert capped.nearest_kept(100) == 128 and capped.nearest_kept(96) == 64 and capped.nearest_kept(499) == 500
    # every step, kept or not, has its exact network and record
    for k in (0, 1, 63, 64, 65, 200, 447, 448, 449, 499, 500):
        np.testing.assert_array_equal(capped.network(k).parameter_vector(), full.parameters[k])
    for k in (0, 65, 300, 499):
        ra, rb = full.record(k), capped.record(k)
        assert ra.loss_before == rb.loss_before
        for la, lb in zip(ra.grads.layers, rb.grads.layers):
            np.testing.assert_array_equal(la.dW, lb.dW)
        np.testing.assert_array_equal(ra.after.parameter_vector(), rb.after.parameter_vector())


def test_truncating_to_a_step_that_was_not_kept_then_stepping_again_matches():
    full, capped = _toy(), _toy(max_row_bytes=8 * 12 * 8)
    for _ in range(300):
        full.step(0.5), capped.step(0.5)
    full.truncate(201), capped.truncate(201)
    assert len(capped) == 201 and capped.kept_steps()[-1] == 201
    for _ in range(150):
        assert full.step(0.3).loss_after == capped.step(0.3).loss_after
    np.testing.assert_array_equal(capped.network().parameter_vector(), full.network().parameter_vector())
    np.testing.assert_array_equal(capped.network(260).parameter_vector(), full.parameters[260])
    capped.truncate(0)
    assert len(capped) == 0 and capped.stride == 1 and capped.kept_steps().tolist() == [0]


def test_the_history_refuses_steps_beyond_max_steps():
    h = _toy(max_steps=25)
    for _ in range(25):
        h.step(0.5)
    assert h.full
    with pytest.raises(HistoryFull, match="at most 25 steps"):
        h.step(0.5)
    h.back(5)
    assert not h.full and len(h.losses) == 20
    h.step(0.5)


def test_memory_stays_within_the_stated_bound_on_a_large_net():
    # 49-8-8-8-20 (the net): 724 parameters, 5,792 bytes a row; 2 MB hold 345 rows
    rng = np.random.default_rng(0)
    X, Y = rng.random((20, 49)), np.eye(20)[rng.integers(0, 20, 20)]
    acts = ["tanh", "tanh", "tanh", "softmax"]
    net = Network.init([49, 8, 8, 8, 20], acts, "xavier", np.random.default_rng(1))
    assert net.n_parameters == 724
    steps = 1_000
    tracemalloc.start()
    h = History(net, X, Y, "cross_entropy", BatchSchedule(20, 1), max_steps=steps)
    for _ in range(steps):
        h.step(0.01)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    bound = MAX_HISTORY_ROW_BYTES + 24 * steps + 2 * 5_792  # rows, scalars, the head network
    assert h.max_rows == MAX_HISTORY_ROW_BYTES // 5_792 == 345
    assert h.stride == 4 and len(h.kept_steps()) == 251  # 0, 4, …, 1000: 500 rows at stride 2 would not fit
    assert h.nbytes <= bound
    assert current <= bound + 200_000, current  # + the head network, records and NumPy's overhead
    assert MAX_HISTORY_ROW_BYTES + 24 * MAX_HISTORY_STEPS == 6_800_000  # the README's 6.8 MB per history

"""The player's long work (a link, Run N) is computed in chunks of bounded time, and between
chunks the player waits as long as the last chunk took, so one session's long work leaves the
server free at least half of the time (benchmarks/bench_abuse.py measures what another student feels)."""

from __future__ import annotations

import time

from nnviz import stepper
from nnviz.player import session as session_module
from nnviz.player.session import PlayerSession


def _session() -> PlayerSession:
    run = stepper.Run(stepper.default_config("toy"))
    ps = PlayerSession(lr=0.02)
    ps.attach(run)
    return ps


def test_a_long_goto_answers_within_its_budget_and_asks_for_a_pause_as_long_as_the_chunk(monkeypatch):
    monkeypatch.setattr(session_module, "COMPUTE_BUDGET_S", 0.05)
    ps = _session()
    t0 = time.perf_counter()
    ps.handle({"a": "goto", "k": 99_999, "p": 5})
    took = time.perf_counter() - t0
    data = ps.data("/app/static/plotly.min.js", False)
    n = len(ps.run.history)
    # the budget is checked after every 64 steps, and a toy step costs well under a millisecond
    assert 0.05 <= ps.busy_s <= took and took < 1.0
    assert 0 < n < 100_000 and data["progress"] == [n, 100_000] and data["target"] == [99_999, 5]
    assert data["pause_ms"] == round(1000 * session_module.LONG_WORK_PAUSE * ps.busy_s) >= 50
    # the next chunk goes on from where this one stopped
    ps.handle({"a": "goto", "k": 99_999, "p": 5})
    assert len(ps.run.history) > n


def test_a_goto_done_in_one_chunk_asks_for_no_pause():
    ps = _session()
    ps.handle({"a": "goto", "k": 9, "p": 5})  # Epoch on the toy page: 10 one-sample steps
    data = ps.data("/app/static/plotly.min.js", False)
    assert data["progress"] is None and "pause_ms" not in data and ps.run.updates_applied == 10

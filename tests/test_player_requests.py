"""A request the player sends again is applied once. player.js keeps every request the server has not
acknowledged in an outbox and sends the whole outbox with each trigger (one trigger value holds one
message: a cursor report sent before the server read a click would otherwise replace the click), and
resends it after 3 s without an answer. So a repeated Select does not toggle the selection back off,
a repeated Reset does not undo what came after it, the answer to a pure repeat carries the cursor,
and a click that shares a trigger with a later request is still applied."""

from __future__ import annotations

from nnviz import stepper
from nnviz.player.session import HANDLED_NONCES, MAX_BATCH, PlayerSession

PLOTLY = "/app/static/plotly.min.js"


def _session() -> PlayerSession:
    ps = PlayerSession(lr=0.02)
    ps.attach(stepper.Run(stepper.default_config("toy")))
    ps.data(PLOTLY, False)  # the first answer (the page's first run)
    return ps


def test_a_resent_select_is_applied_once_and_a_new_one_toggles():
    ps = _session()
    select = {"a": "select", "sel": ["neuron", 1, 0], "k": 0, "p": -1}
    ps.handle({**select, "nonce": "n1"})
    assert ps.view.selection == ("neuron", 1, 0)
    ps.handle({**select, "nonce": "n1"})  # the same request again: not a second click
    assert ps.view.selection == ("neuron", 1, 0)
    data = ps.data(PLOTLY, False)
    assert "n1" in data["acks"] and data["cursor"] == [0, -1]
    ps.handle({**select, "nonce": "n2"})  # a second click on the same neuron deselects it
    assert ps.view.selection is None


def test_a_resent_reset_does_not_undo_the_steps_after_it():
    ps = _session()
    ps.handle({"a": "goto", "k": 2, "p": 5, "nonce": "n1"})  # Step three times (toy: 6 phases a step)
    assert ps.run.updates_applied == 3
    ps.handle({"a": "reset", "nonce": "n2"})
    assert ps.run.updates_applied == 0 and ps.cursor == (0, -1)
    ps.handle({"a": "goto", "k": 0, "p": 5, "nonce": "n3"})
    ps.handle({"a": "reset", "nonce": "n2"})  # a late copy of the Reset
    assert ps.run.updates_applied == 1 and ps.cursor == (0, 5)
    assert ps.data(PLOTLY, False)["cursor"] == [0, 5]


def test_requests_without_a_nonce_always_apply_and_the_memory_is_bounded():
    ps = _session()
    select = {"a": "select", "sel": ["edge", 0, 0, 0], "k": 0, "p": -1}
    ps.handle(select)
    ps.handle(select)
    assert ps.view.selection is None  # selected, then deselected
    for i in range(3 * HANDLED_NONCES):
        ps.handle({"a": "cursor", "k": 0, "p": -1, "nonce": f"c{i}"})
    assert len(ps.handled) == HANDLED_NONCES and ps.handled[-1] == f"c{3 * HANDLED_NONCES - 1}"


def test_a_click_carried_with_a_later_cursor_report_is_applied_once_and_in_order():
    ps = _session()
    # Step (a goto to the end of step 1, 6 phases), then the cursor report 0.7 s later, sent before
    # the server read the Step: the second trigger carries both, the first trigger never arrived.
    step = {"a": "goto", "k": 0, "p": 5, "nonce": "g1"}
    report = {"a": "cursor", "k": 0, "p": 5, "nonce": "c1", "background": True}
    applied = ps.handle_all({"batch": [step, report]})
    assert [r["nonce"] for r in applied] == ["g1", "c1"]
    assert ps.run.updates_applied == 1 and ps.cursor == (0, 5)
    data = ps.data(PLOTLY, False)
    assert {"g1", "c1"} <= set(data["acks"])
    # the first trigger arrives late, then a Reset with the (unacknowledged) report: the Step is not
    # applied twice and the Reset is
    assert ps.handle_all({"batch": [step]}) == []
    assert ps.run.updates_applied == 1
    assert ps.data(PLOTLY, False)["cursor"] == [0, 5]  # a pure repeat is answered with the cursor
    reset = {"a": "reset", "nonce": "r1"}
    assert [r["nonce"] for r in ps.handle_all({"batch": [report, reset]})] == ["r1"]
    assert ps.run.updates_applied == 0 and ps.cursor == (0, -1)


def test_a_share_in_a_batch_moves_the_cursor_then_makes_the_link_once():
    ps = _session()
    shared = []
    share = {"a": "share", "k": 0, "p": 2, "quiz": True, "nonce": "s1"}
    ps.handle_all({"batch": [{"a": "goto", "k": 0, "p": 2, "nonce": "g1"}, share]}, on_share=shared.append)
    assert shared == [share] and ps.cursor == (0, 2)
    ps.handle_all({"batch": [share]}, on_share=shared.append)  # resent: no second link
    assert shared == [share]


def test_a_malformed_trigger_changes_nothing():
    ps = _session()
    for bad in (None, 3, "x", {"batch": "x"}, {"batch": [None, 7, "goto"]}, {"a": "goto", "k": "many"}):
        ps.handle_all(bad)
        assert ps.run.updates_applied == 0 and ps.cursor == (0, -1)
    # at most MAX_BATCH requests of one trigger are read
    many = [{"a": "select", "sel": ["neuron", 1, 0], "nonce": f"s{i}"} for i in range(MAX_BATCH + 1)]
    assert len(ps.handle_all({"batch": many})) == MAX_BATCH


def test_an_answer_the_page_rerun_may_drop_is_sent_again_with_the_pages_answer():
    # Reset makes the whole page rerun after the fragment's answer (the tabs follow the player), and
    # Streamlit may never deliver that first answer: the page's answer repeats its forced cursor and its
    # truncation with the same seq (player.js applies a cursor once: data.seq > st.seq)
    ps = _session()
    ps.handle({"a": "goto", "k": 2, "p": 5, "nonce": "g1"})
    ps.data(PLOTLY, False)
    ps.handle({"a": "reset", "nonce": "r1"})
    first = ps.data(PLOTLY, False, final=False)
    again = ps.data(PLOTLY, False)
    assert first["cursor"] == again["cursor"] == [0, -1] and first["seq"] == again["seq"]
    assert first["trunc"] == again["trunc"] == 0
    later = ps.data(PLOTLY, False)  # the next answer: nothing forced any more
    assert later["cursor"] is None and later["trunc"] is None and later["seq"] == again["seq"]

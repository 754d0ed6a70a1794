"""A request the player sends again (its answer unseen: player.js ``st.transmit`` resends it with the
same nonce after 3 s) is applied once: a repeated Select does not toggle the selection back off, a
repeated Reset does not undo what came after it, and the answer to a repeat carries the cursor."""

from __future__ import annotations

from nnviz import stepper
from nnviz.player.session import HANDLED_NONCES, PlayerSession

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
    assert data["ack"] == "n1" and data["cursor"] == [0, -1]
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

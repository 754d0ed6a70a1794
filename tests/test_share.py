"""Classroom link fields (nnviz/share.py): round trips, bad values, and the replay of every η change.

Expected values are written by hand in comments or come from the engine run with the same rates.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz import share, stepper
from nnviz.engine import Network
from nnviz.player.session import PlayerSession

TOY = stepper.default_config("toy")
P = 6  # phases of a net with two weight layers: forward 1, 2, loss, backward 2, 1, update


def test_rate_segments_by_hand():
    # 2 steps at 0.02, 3 at 0.5, 1 at 0.02 again
    rates = np.array([0.02, 0.02, 0.5, 0.5, 0.5, 0.02])
    segs = share.rate_segments(rates)
    assert segs == [(0, 2, 0.02), (2, 3, 0.5), (5, 1, 0.02)]
    assert [share.rate_for(tuple(segs), k, 7.0) for k in range(8)] == [0.02, 0.02, 0.5, 0.5, 0.5, 0.02, 7.0, 7.0]
    assert share.rate_segments(np.array([])) == []


def encode(cursor, sel=None, row=0, rates=(0.02,) * 5, initial=None):
    own = stepper.build_network(TOY)
    return share.encode(cursor, P, sel, row, np.array(rates), initial or own, own)


def decode(q):
    net = stepper.build_network(TOY)
    return share.decode(q, P, net.sizes, net.n_parameters)


@pytest.mark.parametrize(
    "cursor, step, phase",
    [((0, -1), "0", "0"), ((3, -1), "3", "0"), ((4, 2), "5", "3"), ((0, 0), "1", "1"), ((4, 5), "5", "6")],
)
def test_cursor_round_trip(cursor, step, phase):
    q, notes = encode(cursor)
    assert (q["step"], q["phase"]) == (step, phase) and notes == []
    assert decode(q).cursor == cursor


def test_selection_row_rates_and_weights_round_trip_exactly():
    own = stepper.build_network(TOY)
    # floats that a 6-digit decimal would not keep: 0.1, 1/3, a subnormal, the largest float
    v = own.parameter_vector().copy()
    v[:4] = [0.1, 1 / 3, 5e-324, np.finfo(float).max]
    net = own.with_parameters(v)
    q, notes = encode((4, 2), ("edge", 2, 1, 0), 0, [0.02, 0.02, 0.5, 0.5, 0.5, 0.5, 0.5], net)
    assert q["sel"] == "e2.1.0" and q["lrs"] == "0.02:2,0.5:3"  # only the steps up to the one on screen
    cls = decode(q)
    assert cls.selection == ("edge", 2, 1, 0)
    assert cls.segments == ((0, 2, 0.02), (2, 3, 0.5))
    assert cls.parameters.tobytes() == v.tobytes()  # bit for bit
    q, _ = encode((0, 0), ("neuron", 0, 1), 2)
    cls = decode(q)
    assert cls.selection == ("neuron", 0, 1) and cls.row == 2
    assert "w" not in q and "lrs" not in q  # the seed's own weights, one rate: nothing extra


def test_an_old_link_opens_on_the_update_of_its_last_step():
    assert decode({"steps": "10"}).cursor == (9, P - 1)
    assert decode({}).cursor == (0, -1)


def test_every_built_in_network_fits_a_link_and_a_bigger_one_says_so():
    # the largest step-through net on the built-in pages: 2-8-8-8-2 = 16+64+64+16 weights + 26 biases = 186
    cfg = stepper.Config("toy", (8, 8, 8), ("relu",) * 3 + ("sigmoid",), "half_sse", "xavier", 3, "trainable", "1")
    own = stepper.build_network(cfg)
    assert own.n_parameters == 186 <= share.MAX_LINK_PARAMETERS
    q, notes = share.encode((0, 0), 10, None, 0, np.array([0.1]), own.with_parameters(own.parameter_vector() * 2), own)
    assert "w" in q and notes == []
    # uploaded data with 40 inputs: 40·8 + 8·8 + 8·8 + 8·2 + 26 = 490 parameters, too many for a link
    big = Network.init([40, 8, 8, 8, 2], ["tanh"] * 3 + ["sigmoid"], "xavier", np.random.default_rng(0), "trainable")
    assert big.n_parameters == 490
    q, notes = share.encode((0, 0), 10, None, 0, np.array([0.1]), big, None)
    assert "w" not in q and "490 parameters" in notes[0]


@pytest.mark.parametrize(
    "q, message",
    [
        ({"step": "5", "phase": "7"}, "phase 7 is outside 0 … 6"),
        ({"step": "0", "phase": "1"}, "a phase needs a step"),
        ({"step": "200000"}, "step 200000 is outside"),
        ({"step": "x"}, "not a whole number"),
        ({"step": "1", "phase": "1", "sel": "n3.0"}, "not in a 2-2-2 network"),
        ({"step": "1", "phase": "1", "sel": "e1.2.0"}, "not in a 2-2-2 network"),
        ({"step": "1", "phase": "1", "sel": "<b>"}, "neither"),
        ({"step": "1", "phase": "1", "lrs": "0.3:2"}, "not one of the offered rates"),
        ({"step": "1", "phase": "1", "lrs": "0.5"}, "not rate:count"),
        ({"step": "1", "phase": "1", "lrs": ",".join(["0.5:1"] * 501)}, "more than 500"),
        ({"step": "1", "phase": "1", "w": "!!"}, "not base64url"),
        ({"step": "1", "phase": "1", "w": share.encode_parameters(np.zeros(11))}, "holds 11 numbers"),
        ({"step": "1", "phase": "1", "w": share.encode_parameters(np.r_[np.zeros(11), np.nan])}, "non-finite"),
        ({"step": "1", "phase": "1", "w": "A" * 5000}, "longer than"),
    ],
)
def test_bad_link_values_are_refused_with_a_message(q, message):
    with pytest.raises(ValueError, match=message):
        decode(q)


def test_the_player_session_replays_every_rate_change_at_its_step():
    # the case: a run whose η changed midway must not replay at the last rate
    engine = stepper.Run(TOY)
    for lr in (0.02, 0.02, 0.5, 0.5, 0.5):
        assert engine.step(lr)
    ps = PlayerSession(lr=0.5)
    ps.attach(stepper.Run(TOY))
    ps.planned = ((0, 2, 0.02), (2, 3, 0.5))
    ps.handle({"a": "goto", "k": 4, "p": 2})
    h = ps.run.history
    assert list(h.learning_rates) == [0.02, 0.02, 0.5, 0.5, 0.5]
    assert h.record(4).loss_before == engine.history.record(4).loss_before
    assert ps.cursor == (4, 2)
    # past the link's steps the player's own rate applies; an η change ends the replay
    ps.handle({"a": "goto", "k": 6, "p": 5})
    assert list(ps.run.history.learning_rates[5:]) == [0.5, 0.5]
    ps.handle({"a": "lr", "lr": 0.1, "k": 6, "p": 5})
    assert ps.planned == ()

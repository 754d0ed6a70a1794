"""The playground page in a real browser: a shared link with spiral, features, L2 and Adam opens that
run; the diagram labels the input nodes with the features; Step shows the engine's numbers for the
regularised gradient and Adam's update; a sidebar control starts a new run.

The engine's numbers are computed here in the test process (``nnviz.stepper.Run`` of the same
configuration) and written with ``nnviz.arithmetic.fmt``, as the panel writes them.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import replace

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    app_url,
    arithmetic_tex,
    close_browser,
    diagram_texts,
    launch_browser,
    open_player,
    player_state,
    press,
    settle,
    watch_errors,
)
from browser_helpers import player_page as page  # noqa: F401  (the fixture)

from nnviz import stepper
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser

CFG = replace(
    stepper.default_config("playground"),
    dataset="spiral",
    noise=10,
    features=("x1", "x2", "x1_squared", "sin_x1"),
    regularization="l2",
    regularization_rate=0.03,
    optimizer="adam",
)
LR = 0.003  # Playground's η = 0.03 over the batch of 10


def _has(joined: str, number: str) -> bool:
    return re.search(rf"= {re.escape(number)}(?![0-9])", joined) is not None


def test_a_link_with_spiral_features_l2_and_adam_shows_the_engines_numbers(page, app_url):  # noqa: F811
    q = urllib.parse.urlencode(stepper.to_query(CFG, LR, 0))
    open_player(page, app_url, f"playground?{q}")
    assert player_state(page) == (0, "")
    # the input nodes are labelled with the features' formulas
    texts = diagram_texts(page)
    for label in ("x₁", "x₂", "x₁²", "sin x₁"):
        assert label in texts, texts
    # Step: the update of step 1, W1[0,0] by default
    press(page, "Step", 1, "update")
    ref = stepper.Run(CFG)
    assert ref.step(LR)
    rec = ref.history.record(0)
    joined = "\n".join(arithmetic_tex(page))
    g = rec.grads.layers[0]
    # ∂(L + λΣR)/∂W1[0,0] = Σδ·a + λ·W (L2), λ′ = 0.03·10
    assert r"\partial (L + \lambda\sum R)" in joined, joined
    assert f"{fmt(0.3)}\\cdot{fmt(rec.before.weights[0][0, 0])}" in joined, joined
    assert _has(joined, fmt(g.dW[0, 0])), joined
    # Adam: m, v, the bias corrections and the new weight, each the engine's
    st = rec.opt_after
    for value in (st.slots["exp_avg"][0], st.slots["exp_avg_sq"][0], rec.after.weights[0][0, 0]):
        assert _has(joined, fmt(value)), (fmt(value), joined)
    assert r"\hat m" in joined and r"\hat v" in joined
    # the loss phase: the data loss plus the penalty λ′·Σ½w²
    press(page, "Back", 0, "")
    for phase in ("forward layer 1", "forward layer 2", "forward layer 3", "loss"):  # a 4-4-2-1 net
        press(page, "Next phase", 1, phase)
    joined = "\n".join(arithmetic_tex(page))
    assert _has(joined, fmt(rec.grads.penalty)) and _has(joined, fmt(rec.loss_before)), joined
    assert page.nnviz_errors == [], page.nnviz_errors
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_data_set_control_starts_a_new_run(page, app_url):  # noqa: F811
    open_player(page, app_url, "playground")
    press(page, "Step", 1, "update")
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Data set").click()
    page.get_by_role("option", name="Exclusive or").click()
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
    page.wait_for_function(f"document.querySelector('{PLAYER}').dataset.step === '0'", timeout=60_000)
    settle(page)
    assert player_state(page) == (0, "")
    # the link now describes the XOR run, and its caption counts Playground's 250 + 250 points
    assert "data=xor" in page.url
    assert page.get_by_text("250 training and 250 test points", exact=False).count() >= 1
    assert page.nnviz_errors == [], page.nnviz_errors

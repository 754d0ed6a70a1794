"""Many users, one server: two browser sessions at once, and nothing one does reaches the other.

Two Chromium contexts (two profiles, two cookies, two Streamlit sessions) open the study
page; one has the server compute 50 steps (the player's Run, N = 50) and steps three more;
the other's player stays at step 0, its weights (the predicted score, a function of every
weight) stay put, and when it then computes its own first step (a server round trip), the
numbers it shows are those of a fresh run (the engine's, computed here), not the other's.
Then one uploads a CSV on "Your data": the other sees no data.
"""

from __future__ import annotations

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    PLAYER,
    app_url,
    arithmetic_tex,
    browsers,
    first_page,
    open_page,
    player_state,
    press,
    wait_for_player,
    wait_idle,
)

from nnviz import stepper, userdata
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
SCORE = '[data-testid="stMetric"]:has-text("Predicted score")'


def _score(page) -> str:
    return page.locator(SCORE).locator('[data-testid="stMetricValue"]').inner_text()


def _click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()
    wait_idle(page, TIMEOUT_MS, started_ms=1500)


@pytest.fixture
def two_pages():
    with browsers(2) as contexts:
        yield [first_page(c) for c in contexts]


def test_stepping_one_session_leaves_the_other_alone(app_url, two_pages):  # noqa: F811
    alice, bob = two_pages
    for page in (alice, bob):
        open_page(page, app_url, "")  # the default page lives at the root ("/study" is "Page not found")
        wait_for_player(page, TIMEOUT_MS)
        page.wait_for_selector(SCORE, timeout=TIMEOUT_MS)
    assert player_state(alice) == player_state(bob) == (0, "")
    bob_score = _score(bob)
    assert _score(alice) == bob_score  # same seed, same starting weights

    alice.locator(PLAYER).get_by_role("spinbutton", name="N").fill("50")
    press(alice, "Run", 50, "update")  # 50 steps computed on the server, in alice's session
    wait_idle(alice, TIMEOUT_MS)
    for k in range(51, 54):
        press(alice, "Step", k, "update")
    assert alice.locator(f"{PLAYER} .status").inner_text().startswith("Step 53 (epoch 53)")
    for _ in range(100):  # the score (under the player) follows the server's last rerun of alice's session
        if _score(alice) != bob_score:
            break
        alice.wait_for_timeout(100)
    assert _score(alice) != bob_score  # alice's weights changed

    # Bob's player did not move; his first step, computed now, is a fresh run's first step.
    assert player_state(bob) == (0, "") and _score(bob) == bob_score
    assert "Network after 0 updates" in bob.locator(f"{PLAYER} [data-panel=arithmetic]").inner_text()
    run = stepper.Run(stepper.default_config("study"))
    run.step(stepper.default_learning_rate("study"))
    rec = run.history.record(0)
    press(bob, "Step", 1, "update")
    tex = "\n".join(arithmetic_tex(bob))
    assert f"= {fmt(rec.after.weights[0][0, 0])}" in tex and f"= {fmt(rec.loss_after)}" in tex, tex
    press(bob, "Back", 0, "")
    # the score under the player follows the step on screen once the player has reported it (0.7 s
    # after the click, then a rerun): wait for that rerun, as for alice's score above
    for _ in range(100):
        if _score(bob) == bob_score:
            break
        bob.wait_for_timeout(100)
    wait_idle(bob, TIMEOUT_MS)
    assert _score(bob) == bob_score


def test_one_sessions_upload_is_not_seen_by_another(app_url, two_pages, tmp_path):  # noqa: F811
    alice, bob = two_pages
    csv = tmp_path / "mine.csv"
    csv.write_text(userdata.sample_csv("toy"))
    open_page(alice, app_url, "data")
    alice.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    wait_idle(alice, TIMEOUT_MS, started_ms=3000)
    alice.locator(".st-key-data_use button").wait_for(timeout=TIMEOUT_MS)
    _click(alice, "data_use")
    alice.get_by_text("Training on mine.csv", exact=True).wait_for(timeout=TIMEOUT_MS)

    open_page(bob, app_url, "data")
    bob.get_by_text("No data in use yet").wait_for(timeout=TIMEOUT_MS)
    assert bob.get_by_text("mine.csv").count() == 0

"""Many users, one server: two browser sessions at once, and nothing one does reaches the other.

Two Chromium contexts (two profiles, two cookies, two Streamlit sessions) open the study
page; one clicks Step three times; the other's step count (its URL's ``steps=`` and its
status line) and its weights (the predicted score, a function of every weight) stay put,
also after it reruns. Then one uploads a CSV on "Your data": the other sees no data.
"""

from __future__ import annotations

import re

import pytest
from browser_helpers import app_url, close_browser, launch_browser, open_page, wait_idle  # noqa: F401  (fixture)

from nnviz import userdata

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
SCORE = '[data-testid="stMetric"]:has-text("Predicted score")'


def _steps(page) -> int | None:
    m = re.search(r"[?&]steps=(\d+)", page.url)
    return int(m.group(1)) if m else None


def _score(page) -> str:
    return page.locator(SCORE).locator('[data-testid="stMetricValue"]').inner_text()


def _click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()
    wait_idle(page, TIMEOUT_MS, started_ms=1500)


@pytest.fixture
def two_pages():
    from browser_helpers import skip_reason
    from playwright.sync_api import sync_playwright

    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as p:
        contexts = [launch_browser(p), launch_browser(p)]
        try:
            yield [c.pages[0] if c.pages else c.new_page() for c in contexts]
        finally:
            for c in contexts:
                close_browser(c)


def test_stepping_one_session_leaves_the_other_alone(app_url, two_pages):  # noqa: F811
    alice, bob = two_pages
    for page in (alice, bob):
        open_page(page, app_url, "")  # the default page lives at the root ("/study" is "Page not found")
        page.wait_for_selector(SCORE, timeout=TIMEOUT_MS)
    assert _steps(alice) == _steps(bob) == 0
    bob_score = _score(bob)
    assert _score(alice) == bob_score  # same seed, same starting weights

    for k in range(1, 4):
        _click(alice, "study_step")
        alice.wait_for_url(re.compile(rf"steps={k}\b"), timeout=TIMEOUT_MS)
    assert _steps(alice) == 3
    assert alice.get_by_text(re.compile(r"Step 3 \(epoch 3\)")).count() == 1
    assert _score(alice) != bob_score  # three updates changed alice's weights

    # Bob's page did not move, and a rerun of his session (Back at the start is a no-op) finds his own run.
    assert _steps(bob) == 0 and _score(bob) == bob_score
    _click(bob, "study_back")
    assert _steps(bob) == 0 and _score(bob) == bob_score
    assert bob.get_by_text("Network after 0 updates").count() == 1


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

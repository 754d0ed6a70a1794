"""The MNIST page in headless Chromium: draw a 1, a 7 and a 0 with the mouse, read the prediction.

The shapes are how people draw these digits on a 280 × 280 canvas: a vertical stroke; a top bar
and a diagonal in one stroke; an ellipse of many points. The model is the shipped one
(nnviz/data/mnist_model.npz).
"""

from __future__ import annotations

import math

import pytest
from browser_helpers import app_url, browser_page, open_page, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

CANVAS = "canvas.upper-canvas"
RESET = 'button[title="Reset canvas & history"]'
TIMEOUT_MS = 30_000


def _ellipse(cx, cy, rx, ry, n=48):
    # start at the top and go anticlockwise, as most people draw a 0
    return [(cx + rx * math.sin(-2 * math.pi * i / n), cy - ry * math.cos(2 * math.pi * i / n)) for i in range(n + 1)]


STROKES = {
    "1": [[(140, 40), (140, 240)]],
    "7": [[(70, 50), (210, 50), (110, 240)]],
    "0": [_ellipse(140, 140, 60, 95)],
}


def draw(page, strokes) -> None:
    """Draw polylines (canvas pixel coordinates) with the mouse; wait for the app after the last stroke."""
    box = page.locator(CANVAS).bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + box["width"] / 2, y0 + box["height"] / 2)  # the toolbar slides off the drawing area
    for points in strokes:
        page.mouse.move(x0 + points[0][0], y0 + points[0][1])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x0 + x, y0 + y, steps=max(2, int(math.dist(points[0], (x, y)) / 40)))
        page.mouse.up()
        wait_idle(page, TIMEOUT_MS, started_ms=1500)


def prediction(page) -> str:
    return page.locator(".st-key-prediction").inner_text()


def wait_for_prediction_text(page, text: str) -> None:
    """Wait until the prediction container shows ``text``, then for the run to end.

    Waiting for the text (not only for idle) makes the test independent of how long the rerun
    takes to start after a mouse-up on a busy machine.
    """
    page.wait_for_function(
        f"() => (document.querySelector('.st-key-prediction')?.innerText || '').includes({text!r})",
        timeout=TIMEOUT_MS,
    )
    wait_idle(page, TIMEOUT_MS)


def reset(page) -> None:
    page.locator(RESET).click()
    wait_for_prediction_text(page, "draw a digit")


def test_drawn_digits_are_recognised(app_url, browser_page):  # noqa: F811
    page = browser_page
    open_page(page, app_url, "mnist")
    page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
    assert "draw a digit" in prediction(page)
    assert page.locator(".st-key-probabilities").count() == 1
    for digit, strokes in STROKES.items():
        draw(page, strokes)
        wait_for_prediction_text(page, "Prediction:")  # each digit is one stroke: this is its final run
        text = prediction(page)
        assert f"Prediction: {digit}" in text, f"drew a {digit}, the page says {text!r}"
        probs = page.locator(".st-key-probabilities").inner_text()
        assert f"{digit}: " in probs
        reset(page)
        assert "draw a digit" in prediction(page), "after reset the canvas is empty again"
    assert page.locator('[data-testid="stException"]').count() == 0

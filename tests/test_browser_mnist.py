"""The MNIST page in headless Chromium: draw a 1, a 7 and a 0 with the mouse, read the prediction.

The shapes are how people draw these digits on a 280 × 280 canvas: a vertical stroke; a top bar
and a diagonal in one stroke; an ellipse of many points. The model is the shipped one
(nnviz/data/mnist_model.npz).
"""

from __future__ import annotations

import math
import re

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


# ---------------------------------------------------------------------------
# Teach it, Undo, Back to the shipped model; the layout at 1440 × 900.

TEACH_RESULT = ".st-key-mnist_teach_result"


def _button(page, key: str):
    return page.locator(f".st-key-{key} button:visible")  # a button with help text is drawn twice, one hidden


TEACH_GO = ".st-key-mnist_teach_go button"

#: Click Teach it and report, in the same task (no server message can arrive in between), what the
#: page shows: the result line, the preview state of the two figure elements, the run count change,
#: then (after Plotly's update, one microtask later) the after-bar of digit 1 and the bars' caption.
EARLY_CLICK_JS = """
async ([go, result]) => {
  const button = [...document.querySelectorAll(go)].find(b => b.offsetParent !== null);
  const runs = window.__nnvizRuns.done;
  button.click();
  const figs = [...document.querySelectorAll('.st-key-probabilities .nnviz-figure, ' + result + ' .nnviz-figure')];
  const out = {
    line: document.querySelector(result).innerText,
    preview: figs.map(e => e.dataset.preview),
    runsDuring: window.__nnvizRuns.done - runs,
    state: document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state'),
    caption: document.querySelector('.st-key-probabilities .nnviz-figure-note').innerText,
  };
  await Promise.resolve();
  out.afterBar1 = document.querySelector('.st-key-probabilities .js-plotly-plot')._fullData[1].y[1];
  return out;
}
"""


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def _probabilities(page) -> dict[int, float]:
    """The caption under the bars, "0: 0.000  1: 0.000 …", as {digit: probability}."""
    line = next(s for s in _text(page, ".st-key-probabilities").splitlines() if s.startswith("0: "))
    parts = line.replace(":", " ").split()
    return {int(parts[i]): float(parts[i + 1]) for i in range(0, len(parts), 2)}


def _click(page, key: str, until_js: str) -> None:
    from browser_helpers import click_and_wait

    click_and_wait(page, _button(page, key), until_js, TIMEOUT_MS)
    page.wait_for_function(until_js, timeout=TIMEOUT_MS)


def _has(selector: str, text: str, present: bool = True) -> str:
    js = f"(document.querySelector('{selector}')?.innerText || '').includes({text!r})"
    return js if present else f"!({js})"


def _tick_labels(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick text,"
        " .js-plotly-plot .cbaxis text')].map(t => t.textContent)"
    )


def _assert_short_ticks(page) -> None:
    """No raw float tick such as "1.18905000000154515": at most 4 digits after the point, 8 characters."""
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .xtick text').length > 0", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)  # every chart of the run drawn
    ticks = _tick_labels(page)
    long = [t for t in ticks if len(t) > 8 or re.search(r"\.\d{5,}", t)]
    assert not long, long


def test_teach_it_undo_and_back_to_the_shipped_model(app_url):  # noqa: F811
    from browser_helpers import close_browser, count_runs, first_page, launch_browser, wait_idle
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = launch_browser(p, viewport=(1440, 900))
        count_runs(ctx)
        try:
            page = first_page(ctx)
            open_page(page, app_url, "mnist")
            page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
            # the canvas' toolbar, shown on hover, stays clear of the instructions above it
            box = page.locator(CANVAS).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(600)
            words = page.locator(".st-key-mnist_draw_instructions").bounding_box()
            bar = page.locator(RESET).bounding_box()
            assert bar["y"] >= words["y"] + words["height"], (bar, words)

            draw(page, STROKES["7"])
            wait_for_prediction_text(page, "Prediction: 7")
            shipped = _probabilities(page)
            assert max(shipped, key=shipped.get) == 7
            _assert_short_ticks(page)
            page.locator(".st-key-mnist_teach_label").get_by_role("radio", name="1", exact=True).click()
            wait_idle(page, TIMEOUT_MS, started_ms=1000)

            _click(page, "mnist_teach_go", _has(TEACH_RESULT, "Teaching step 1 (as a 1"))
            line = _text(page, TEACH_RESULT).splitlines()[0]
            m = re.search(r"loss ([\d.]+) → ([\d.]+), p\(1\) (\S+) → (\S+)", line)
            assert m, line
            loss0, loss1, p0, p1 = map(float, m.groups())
            # one small gradient step on this one drawing lowers its loss and raises p(1)
            assert loss1 < loss0 and p1 > p0, line
            assert abs(loss0 - (-math.log(p0))) < 1e-3 * loss0  # cross-entropy = −ln p(true label)
            taught = _probabilities(page)
            assert taught != shipped and taught[1] >= shipped[1]
            assert "then 1 teaching step(s)" in page.locator(".stMain").inner_text()
            # before / after and the buttons are on screen without scrolling
            for sel in (".st-key-probabilities .js-plotly-plot", TEACH_RESULT, ".st-key-mnist_teach_shipped"):
                b = page.locator(sel).first.bounding_box()
                assert b and b["y"] >= 0 and b["y"] + min(b["height"], 60) <= 900, (sel, b)
            assert "Before and after teaching" in _text(page, ".st-key-probabilities")

            # the chart was updated in place (component.figure: Plotly.react), not drawn anew: the same
            # plot element, now with the after-bars of the page's numbers
            page.evaluate("document.querySelector('.st-key-probabilities .js-plotly-plot').__mark = 1")
            # the click's result is on screen in the click's own task, before any server answer (the view
            # was sent ahead, figures.js): the result line, the bars and their caption, the ΔW1 grid
            early = page.evaluate(EARLY_CLICK_JS, [TEACH_GO, TEACH_RESULT])
            assert early["runsDuring"] == 0 and early["state"] == "notRunning", early
            assert early["line"].startswith("Teaching step 2 (as a 1"), early
            assert early["preview"] == ["shown", "shown"], early
            assert round(early["afterBar1"], 3) == float(early["caption"].split("1: ")[1].split()[0]), early
            page.wait_for_function(
                "[...document.querySelectorAll('.st-key-mnist_teach_result .nnviz-figure,"
                " .st-key-probabilities .nnviz-figure')].every(e => e.dataset.preview === 'confirmed')",
                timeout=TIMEOUT_MS,
            )
            wait_idle(page, TIMEOUT_MS)
            # the server's answer was that same view: not drawn again, and the same numbers
            assert _text(page, TEACH_RESULT).splitlines()[0] == early["line"].splitlines()[0]
            assert _text(page, ".st-key-probabilities").endswith(early["caption"])
            kept = page.evaluate(
                "(() => { const el = document.querySelector('.st-key-probabilities .js-plotly-plot');"
                " return [el.__mark, el._fullData.length, el._fullData[1].y[1]]; })()"
            )
            assert kept[0] == 1 and kept[1] == 2, kept
            # the ΔW1 grid's hover numbers (int16 typed arrays): the first tile's first and last pixel
            cd = page.evaluate(
                "(() => { const c = document.querySelector('.st-key-mnist_teach_dw .js-plotly-plot')._fullData[0]"
                ".customdata; return [Array.from(c[0][0]), Array.from(c[27][27])]; })()"
            )
            assert cd[0][0] == cd[1][0] and 0 <= cd[0][0] < 256 and (cd[0][1], cd[1][1]) == (0, 783), cd
            assert round(kept[2], 3) == _probabilities(page)[1], kept  # after-bar of digit 1 = the caption's p(1)
            _click(page, "mnist_teach_undo", _has(TEACH_RESULT, "Teaching step 1 (as a 1"))

            _click(page, "mnist_teach_undo", _has(TEACH_RESULT, "Teaching step", present=False))
            assert _probabilities(page) == shipped, "Undo gives back the shipped model's exact numbers"
            assert not re.search(r"then \d+ teaching step", page.locator(".stMain").inner_text())

            _click(page, "mnist_teach_go", _has(TEACH_RESULT, "Teaching step 1 "))
            _click(page, "mnist_teach_go", _has(TEACH_RESULT, "Teaching step 2 "))
            assert _probabilities(page) != shipped
            _click(page, "mnist_teach_shipped", _has(TEACH_RESULT, "Teaching step", present=False))
            assert _probabilities(page) == shipped
            caption = page.locator(".stMain").inner_text()
            assert "pretrained (shipped with nnviz)." in caption and not re.search(r"then \d+ teaching step", caption)
            _click(page, "mnist_teach_undo", _has(".stMain", "then 2 teaching step(s)"))
            assert _probabilities(page) != shipped

            # a learning rate typed but not yet sent: the view ahead (made with 0.005) is not shown; the
            # mouse press sends the field first, and the step is the server's, at the typed rate
            page.evaluate(
                "window.__previews = []; for (const e of document.querySelectorAll('.nnviz-figure'))"
                " new MutationObserver(() => window.__previews.push(e.dataset.preview))"
                ".observe(e, {attributes: true, attributeFilter: ['data-preview']});"
            )
            page.locator(".st-key-mnist_teach_lr input").fill("0.020")
            _click(page, "mnist_teach_go", _has(TEACH_RESULT, "Teaching step 3 (as a 1, η = 0.02)"))
            assert "shown" not in page.evaluate("window.__previews"), page.evaluate("window.__previews")
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            close_browser(ctx)


def test_step_tab_steps_an_untrained_model_and_keeps_the_w1_grid_full_size(app_url):  # noqa: F811
    from browser_helpers import click_and_wait, close_browser, count_runs, first_page, launch_browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = launch_browser(p, viewport=(1440, 900))
        count_runs(ctx)
        try:
            page = first_page(ctx)
            open_page(page, app_url, "mnist")
            click_and_wait(page, page.get_by_role("tab", name="Step"), _has(".stMain", "Stepping:"), TIMEOUT_MS)
            page.wait_for_function(_has(".stMain", "Stepping:"), timeout=TIMEOUT_MS)
            main = page.locator(".stMain").inner_text()
            assert "Stepping: 784-256-10" in main and "untrained (the shipped model's initial weights)" in main
            page.wait_for_selector(".st-key-mnist_f_w .js-plotly-plot", timeout=TIMEOUT_MS)
            width0 = page.locator(".st-key-mnist_f_w").bounding_box()["width"]
            until = "document.querySelector('.st-key-mnist_f_d .js-plotly-plot') !== null"
            click_and_wait(page, _button(page, "mnist_step_complete"), until, TIMEOUT_MS)
            page.wait_for_function(until, timeout=TIMEOUT_MS)
            assert "phase 6 of 6: update" in page.locator(".stMain").inner_text()
            widths = [page.locator(f".st-key-mnist_f_{k}").bounding_box()["width"] for k in "wgd"]
            # W1, ∂L/∂W1 and ΔW1 each as wide as W1 was before the update (the issue saw a ~220 px thumbnail)
            assert all(abs(w - width0) <= 2 for w in widths), (width0, widths)
            assert width0 > 700
            loss = re.search(r"Batch loss ([\d.]+) before the update", page.locator(".stMain").inner_text())
            assert loss and float(loss.group(1)) > 1.0  # untrained: about ln 10 = 2.3, not the trained ~0.0
            _assert_short_ticks(page)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            close_browser(ctx)

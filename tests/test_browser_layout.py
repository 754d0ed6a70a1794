"""The step-through pages at 1440×900 and in Streamlit's dark theme (issue 10, polish).

Measured in Chromium: the bounding boxes of the diagram, the arithmetic panel and (quiz on) the quiz
box lie inside the first screen — no scrolling — in every phase of a step; in the dark theme the
player's figures have no white background and their text takes the theme's (light) colour.
"""

from __future__ import annotations

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    PLAYER,
    app_url,
    close_browser,
    launch_browser,
    open_player,
    press,
    skip_reason,
    start_app,
    stop_app,
    watch_errors,
)

pytestmark = pytest.mark.browser

PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
W, H = 1440, 900

BOXES_JS = """() => {
  const r = document.querySelector('[data-nnviz-player]');
  const box = (s) => { const e = r.querySelector(s); if (!e || e.offsetParent === null) return null;
                       const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  return {diagram: box('[data-plot=diagram]'), arithmetic: box('.arithbox'), quiz: box('[data-panel=quiz]'),
          scroll: document.querySelector('[data-testid=stMain]')?.scrollTop ?? window.scrollY};
}"""


def inside(b) -> bool:
    return b is not None and b[0] >= 0 and b[1] >= 0 and b[2] <= W and b[3] <= H


@pytest.mark.parametrize("path", ["", "toy"])
def test_diagram_and_arithmetic_fit_the_first_screen_in_every_phase(app_url, path):  # noqa: F811
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = launch_browser(p, viewport=(W, H))
        try:
            page = ctx.pages[0]
            open_player(page, app_url, path)
            for quiz in (False, True):
                if quiz:
                    page.locator(PLAYER).get_by_role("switch", name="Quiz me").check()
                for phase in PHASES:
                    press(page, "Next phase", 2 if quiz else 1, phase)
                    b = page.evaluate(BOXES_JS)
                    assert b["scroll"] == 0
                    assert inside(b["diagram"]), f"{phase}: diagram at {b['diagram']}, not inside {W}×{H}"
                    assert inside(b["arithmetic"]), f"{phase}: arithmetic at {b['arithmetic']}"
                    if quiz:
                        assert inside(b["quiz"]), f"{phase}: quiz at {b['quiz']}"
        finally:
            close_browser(ctx)


THEME_JS = """() => [...document.querySelectorAll('[data-nnviz-player] .plot')].filter(d => d._fullLayout && !d.hidden)
  .map(d => [d.dataset.plot, d._fullLayout.paper_bgcolor, d._fullLayout.plot_bgcolor, d._fullLayout.font.color])"""


def test_player_figures_follow_the_dark_theme():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    proc, base = start_app(env={"STREAMLIT_THEME_BASE": "dark"})
    try:
        with sync_playwright() as p:
            ctx = launch_browser(p, viewport=(W, H))
            try:
                page = ctx.pages[0]
                errors = watch_errors(page)
                open_player(page, base, "toy")
                press(page, "Next phase", 1, "forward layer 1")
                page.wait_for_timeout(300)  # the plots below the diagram are drawn just after it
                figs = page.evaluate(THEME_JS)
                assert {f[0] for f in figs} >= {"diagram", "loss", "surface"}, figs
                for name, paper, plot, font in figs:
                    clear = "rgba(0,0,0,0)"
                    assert paper.replace(" ", "") == clear and plot.replace(" ", "") == clear, (name, paper, plot)
                    rgb = [float(v) for v in font[font.index("(") + 1 : font.index(")")].split(",")[:3]]
                    assert 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140, (name, font)  # light text
                # the neurons' number labels are readable on the dark page (none drawn near-black)
                fills = page.evaluate(
                    "() => [...document.querySelectorAll('[data-plot=diagram] .textpoint text')]"
                    ".map(t => getComputedStyle(t).fill)"
                )
                assert fills, "no number labels in the diagram"
                for fill in fills:
                    rgb = [float(v) for v in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]
                    assert 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140, fill
                assert errors == []
            finally:
                close_browser(ctx)
    finally:
        stop_app(proc)


def test_player_figures_stay_white_in_the_light_theme(app_url):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = launch_browser(p, viewport=(W, H))
        try:
            page = ctx.pages[0]
            open_player(page, app_url, "toy")
            press(page, "Next phase", 1, "forward layer 1")
            figs = page.evaluate(THEME_JS)
            assert any(name == "diagram" and plot == "white" for name, _, plot, _ in figs), figs
        finally:
            close_browser(ctx)


SELECT_CUT_JS = """() => [...document.querySelectorAll(
  '[data-testid=stSidebar] [data-testid=stSelectbox] input[role=combobox]')]
  .map(i => [i.value, i.scrollWidth, i.clientWidth])"""


def test_sidebar_select_labels_are_not_cut(app_url):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = launch_browser(p, viewport=(W, H))
        try:
            page = ctx.pages[0]
            # the longest names: binary_cross_entropy, leaky_relu in a half-width column, normal(0, 0.1)
            link = "toy?ex=toy&act=leaky_relu,sigmoid&loss=binary_cross_entropy&init=normal(0, 0.1)"
            open_player(page, app_url, link)
            shown = page.evaluate(SELECT_CUT_JS)
            texts = [t for t, _, _ in shown]
            assert {"binary_cross_entropy", "leaky_relu", "normal(0, 0.1)"} <= set(texts), texts
            cut = [(t, sw, cw) for t, sw, cw in shown if sw > cw]
            assert cut == [], f"select labels cut off (text, needed px, shown px): {cut}"
            caption = page.locator('[data-testid=stSidebar] [data-testid=stCaptionContainer]').all_inner_texts()
            assert "binary_cross_entropy: mean over batch and outputs." in caption
        finally:
            close_browser(ctx)

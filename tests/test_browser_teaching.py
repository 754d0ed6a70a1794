"""Teaching aids in a real browser: Download worked step, Share for class and the classroom link.

Expected numbers come from the engine run here in the test process (``nnviz.stepper.Run``) with the
same learning rates and weights as the browser's session; a link must reopen, in a second browser
(another session), on the same step, phase and selection, with the same numbers on screen.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    app_url,
    arithmetic_tex,
    close_browser,
    launch_browser,
    open_player,
    player_state,
    press,
    settle,
    state_is_js,
    wait_for_player,
    watch_errors,
)
from test_worksheet import after_equals, computed, parse

from nnviz import i18n, stepper
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]


@pytest.fixture
def browser(app_url):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        contexts = []

        def new_page():
            ctx = launch_browser(p, viewport=(1400, 1000))
            ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
            contexts.append(ctx)
            pg = ctx.pages[0] if ctx.pages else ctx.new_page()
            pg.nnviz_errors = watch_errors(pg)
            return pg

        try:
            yield new_page
        finally:
            for c in contexts:
                close_browser(c)


def wait_reported(page, text: str) -> None:
    """The page below the player follows the step on screen once the player has reported it."""
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
        f".some(e => e.innerText.includes({json.dumps(text)}))",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")


def set_lr(page, lr: str, step: int, phase: str) -> None:
    page.locator(PLAYER).get_by_role("combobox", name="Learning rate η").select_option(lr)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    settle(page)
    assert player_state(page) == (step, phase)


def click_neuron(page, layer: int, j: int) -> None:
    """A real mouse click on neuron j of ``layer`` in the diagram (its position from the plot's own axes)."""
    xy = page.evaluate(
        """([layer, j]) => {
      const d = document.querySelector('[data-nnviz-player] [data-plot=diagram]');
      const fl = d._fullLayout, box = d.getBoundingClientRect();
      for (const t of d._fullData) {
        const cd = t.customdata || [];
        for (let i = 0; i < cd.length; i++) {
          const c = cd[i];
          if (c && c[0] === 'neuron' && c[1] === layer && c[2] === j) {
            return [box.left + fl._size.l + fl.xaxis.l2p(t.x[i]), box.top + fl._size.t + fl.yaxis.l2p(t.y[i])];
          }
        }
      }
      return null;
    }""",
        [layer, j],
    )
    assert xy, f"neuron {layer},{j} not in the diagram"
    page.mouse.click(*xy)
    page.wait_for_function(
        f"document.querySelector('{PLAYER} [data-panel=arithmetic] h4')?.innerText.startsWith('a{layer}[{j}]')",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    settle(page)


def share_link(page) -> str:
    page.locator(PLAYER).get_by_role("button", name="Share for class", exact=True).click()
    box = page.locator(f"{PLAYER} [data-panel=share] input")
    page.wait_for_function(
        f"document.querySelector('{PLAYER} [data-panel=share] input')?.value.includes('classroom=1')",
        timeout=TIMEOUT_MS,
    )
    return box.input_value()


def test_download_worked_step_and_blank_sheet(browser, app_url):  # noqa: F811
    page = browser()
    open_player(page, app_url, "toy")
    press(page, "Step", 1, "update")
    press(page, "Step", 2, "update")
    press(page, "Next phase", 3, "forward layer 1")
    wait_reported(page, "Step 3 as on screen")
    run = stepper.Run(stepper.default_config("toy"))
    for _ in range(3):
        assert run.step(stepper.default_learning_rate("toy"))
    rec = run.history.record(2)
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name="Download worked step", exact=True).click()
    assert dl.value.suggested_filename == "nnviz-toy-step3.html"
    doc = open(dl.value.path(), encoding="utf-8").read()
    p = parse(doc)
    missing = [v for v in computed(rec) if not after_equals(p.tex, v)]
    assert missing == [], f"engine numbers of step 3 missing from the download: {missing[:5]}"
    page.get_by_text("Blank exercise sheet with an answer key").click()
    wait_reported(page, "as an exercise")
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name="Download worked step", exact=True).click()
    assert dl.value.suggested_filename == "nnviz-toy-step3-exercise.html"
    blank = open(dl.value.path(), encoding="utf-8").read()
    parse(blank)
    sheet, key = blank.split('<section class="key">')
    assert [v for v in computed(rec) if f"= {fmt(v)}" in sheet] == []
    assert f"({1}) {rec.trace.layers[0].z[0, 0]:.6g}" in key  # the first blank is z1[0]
    if os.environ.get("NNVIZ_SCREENSHOTS") == "1":  # the README's pictures of the two documents
        shots = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
        for name, text in (("worksheet.png", doc), ("exercise.png", blank)):
            page.set_content(text)
            page.screenshot(path=str(shots / name))
    assert page.nnviz_errors == []


def test_a_link_after_an_eta_change_reopens_phase_3_of_step_5_with_the_selection(browser, app_url):  # noqa: F811
    page = browser()
    open_player(page, app_url, "toy")
    press(page, "Step", 1, "update")
    press(page, "Step", 2, "update")
    set_lr(page, "0.5", 2, "update")  # steps 3 … on at η = 0.5
    press(page, "Step", 3, "update")
    press(page, "Step", 4, "update")
    for phase in PHASES[:3]:
        press(page, "Next phase", 5, phase)
    click_neuron(page, 1, 1)
    url = share_link(page)
    q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert (q["step"], q["phase"], q["sel"], q["lrs"], q["classroom"]) == ("5", "3", "n1.1", "0.02:2,0.5:3", "1")
    assert "w" not in q  # the seed's own weights need no weights in the link
    # copied to the clipboard (the context grants it), and shown as text to copy by hand
    page.wait_for_function(
        f"document.querySelector('{PLAYER} [data-panel=share]').innerText.includes('Copied to the clipboard.')",
        timeout=TIMEOUT_MS,
    )
    assert page.evaluate("navigator.clipboard.readText()") == url
    # the engine: 2 steps at 0.02, then 3 at 0.5; step 5 (0-based 4) in the loss phase
    run = stepper.Run(stepper.default_config("toy"))
    for lr in (0.02, 0.02, 0.5, 0.5, 0.5):
        assert run.step(lr)
    rec = run.history.record(4)
    # what a one-rate replay would show instead (the bug the issue reports): the test can tell them apart
    wrong = stepper.Run(stepper.default_config("toy"))
    for _ in range(5):
        assert wrong.step(0.5)
    assert fmt(wrong.history.record(4).loss_before) != fmt(rec.loss_before)
    other = browser()
    other.goto(url, timeout=TIMEOUT_MS)
    wait_for_player(other, 60_000)
    other.wait_for_function(state_is_js(5, "loss"), timeout=60_000)
    settle(other)
    head = other.locator(f"{PLAYER} [data-panel=arithmetic] h4").inner_text()
    assert head.startswith("a1[1] (neuron 1 of layer 1)") and "selected" in head
    tex = "\n".join(arithmetic_tex(other))
    for v in (rec.loss_before, rec.trace.layers[0].z[0, 1], rec.trace.layers[0].a[0, 1]):
        assert re.search(rf"= {re.escape(fmt(v))}(?![0-9])", tex), (fmt(v), tex)
    # the sharer's screen shows the same equations
    assert arithmetic_tex(page) == arithmetic_tex(other)
    # classroom view: no settings sidebar; η as the sharer had it
    assert not other.locator('[data-testid="stSidebar"]').is_visible()
    assert other.locator(PLAYER).get_by_role("combobox", name="Learning rate η").input_value() == "0.5"
    assert other.locator('[data-testid="stAlert"]').count() == 0
    assert page.nnviz_errors == [] and other.nnviz_errors == []


def test_a_loaded_network_travels_in_the_link(browser, app_url, tmp_path):  # noqa: F811
    cfg = stepper.default_config("toy")
    own = stepper.build_network(cfg)
    # a classmate's network: the seed's weights changed by hand (W1 negated and scaled, biases shifted)
    ws = [-1.5 * own.weights[0], own.weights[1] + 0.25]
    bs = [b - 0.125 for b in own.biases]
    net = own.with_parameters(np.concatenate([ws[0].ravel(), bs[0], ws[1].ravel(), bs[1]]))
    f = tmp_path / "classmate.json"
    f.write_text(net.to_json(loss=cfg.loss, config=stepper.config_dict(cfg), updates=0, learning_rate=0.02))
    page = browser()
    open_player(page, app_url, "toy")
    page.get_by_role("tab", name="Save / load").click()
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(f))
    page.get_by_text("Loaded classmate.json").wait_for(timeout=TIMEOUT_MS)
    wait_for_player(page)
    press(page, "Next phase", 1, "forward layer 1")
    url = share_link(page)
    q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert "w" in q and (q["step"], q["phase"]) == ("1", "1")
    run = stepper.Run(cfg, net=net)
    assert run.step(0.02)
    rec = run.history.record(0)
    other = browser()
    other.goto(url, timeout=TIMEOUT_MS)
    wait_for_player(other, 60_000)
    other.wait_for_function(f"document.querySelector('{PLAYER}').dataset.phase === 'forward layer 1'", timeout=60_000)
    settle(other)
    tex = "\n".join(arithmetic_tex(other))
    for v in (rec.trace.layers[0].z[0, 0], rec.trace.layers[0].a[0, 0], net.weights[0][0, 0]):
        assert fmt(v) in tex, (fmt(v), tex)
    assert fmt(own.weights[0][0, 0]) not in tex  # not the seed's weights
    assert other.nnviz_errors == []


@pytest.mark.parametrize(
    "query, why",
    [
        ("ex=toy&step=5&phase=99", "phase 99"),
        ("ex=toy&step=2&phase=1&sel=zz9", "selection"),
        ("ex=toy&step=2&phase=1&w=!!!", "weights"),
        ("ex=toy&step=2&phase=1&lrs=0.3:2", "learning rate 0.3"),
    ],
)
def test_a_bad_link_opens_the_default_run_with_a_warning(browser, app_url, query, why):  # noqa: F811
    page = browser()
    open_player(page, app_url, f"toy?{query}")
    alert = page.locator('[data-testid="stAlert"]').first
    alert.wait_for(timeout=TIMEOUT_MS)
    text = alert.inner_text()
    assert "Could not open the shared link" in text and why in text, text
    assert player_state(page) == (0, "")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_quiz_link_opens_with_the_quiz_on(browser, app_url):  # noqa: F811
    page = browser()
    open_player(page, app_url, "?ex=study&step=1&phase=1&classroom=1&quiz=1")
    page.wait_for_function(f"document.querySelector('{PLAYER}').dataset.phase === 'forward layer 1'", timeout=60_000)
    settle(page)
    assert page.locator(PLAYER).get_by_role("switch", name="Quiz me").is_checked()
    assert page.locator(f"{PLAYER} [data-panel=quiz] .qprompt").inner_text() == "What is the pre-activation z1[0]?"
    assert not page.locator('[data-testid="stSidebar"]').is_visible()


def test_the_worked_step_downloads_in_the_pages_language(browser, app_url):  # noqa: F811
    # the download is built after the run (a deferred callable, outside the session): it must still be
    # in the language the learner reads, here Korean (the catalogue's words), with the same numbers
    page = browser()
    open_player(page, app_url, "toy?lang=ko")
    page.locator(PLAYER).focus()
    page.keyboard.press("Shift+ArrowRight")  # one step (the keys are the same in every language)
    page.wait_for_function(state_is_js(1, "update"), timeout=TIMEOUT_MS)
    caption = i18n.translate(
        "ko",
        "Step {step} as on screen: an HTML file with the diagram, the network, the batch and every phase's "
        "arithmetic with its numbers (MathML: opens in any browser, prints).",
    )
    wait_reported(page, caption.format(step=1).split(":")[0])  # "화면에 보이는 스텝 1"
    run = stepper.Run(stepper.default_config("toy"))
    assert run.step(stepper.default_learning_rate("toy"))
    label = i18n.translate("ko", "Download worked step")
    assert label != "Download worked step"
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name=label, exact=True).click()
    doc = open(dl.value.path(), encoding="utf-8").read()
    assert '<html lang="ko">' in doc
    assert f"<h2>{i18n.translate('ko', 'The network')}</h2>" in doc
    missing = [v for v in computed(run.history.record(0)) if not after_equals(parse(doc).tex, v)]
    assert missing == []
    assert page.nnviz_errors == []

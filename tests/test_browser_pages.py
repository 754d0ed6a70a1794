"""Every page opens without an error, and Next phase walks a whole update in a real browser.

One app server and one Chromium context for the module. The step-through pages' buttons live in
the browser player (``[data-nnviz-player]``, inside the container ``.st-key-<example>_player``): a
click counts as done when what it should show (the player's ``data-phase``, its history slider) is
on screen and the player has been quiet and painted (:func:`browser_helpers.settle`). The player's
own tests (phase order against the engine's numbers, keyboard, Play) are in test_browser_player.py.

The last test walks each page into an interesting state and takes full-page screenshots (1400 px
wide): into a temporary folder normally, into ``docs/screenshots/*.png`` with
``NNVIZ_SCREENSHOTS=1`` (so CI never touches the tracked images).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    ROOT,
    app_url,
    click_and_wait,
    close_browser,
    count_runs,
    launch_browser,
    player_button,
    settle,
    wait_for_player,
    wait_idle,
)

from nnviz import figures as F
from nnviz import i18n, stepper, userdata

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
#: The phases of one update of a net with two weight layers (2-3-1 study, 2-2-2 toy), in order.
PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
#: URL path of each page. The study page is st.navigation's default page, which Streamlit serves at
#: "/" whatever its url_path says (opening "/study" shows a "Page not found" dialog).
PATHS = {"study": "", "toy": "toy", "playground": "playground", "forward": "forward", "data": "data", "about": "about"}
TITLES = {
    "study": "Study hours",
    "toy": "Toy classification",
    "playground": "Playground",
    "forward": "Fixed-weight forward pass",
    "data": "Your data",
    "about": "About nnviz",
}
WITH_FIGURES = ("study", "toy", "playground", "forward")
WITH_PLAYER = ("study", "toy")
#: short name → the player's button label
BUTTONS = {"next": "Next phase", "step": "Step", "run_n": "Run", "back": "Back"}
SHOTS = ROOT / "docs" / "screenshots"
SHOT_MAX_BYTES = 600_000

# The player's status line marks the current phase as <b class="cur">[label]</b>.
STATUS_CUR = f"{PLAYER} .status .cur"


@pytest.fixture(scope="module")
def page(app_url):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = launch_browser(p)
        count_runs(context)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            close_browser(context)


def _open(page, base: str, name: str) -> None:
    """Open page ``name`` in a fresh session and wait for its first run and its figures."""
    page.goto(f"{base}/{PATHS[name]}", timeout=TIMEOUT_MS)
    page.wait_for_function("window.__nnvizRuns.done > 0", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    page.get_by_role("heading", name=TITLES[name]).first.wait_for(timeout=TIMEOUT_MS)
    if name in WITH_PLAYER:
        wait_for_player(page, TIMEOUT_MS)
    elif name in WITH_FIGURES:
        # Plotly's code loads after the first run: the charts appear a moment after "notRunning".
        page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)


def _assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert "Traceback" not in page.locator('[data-testid="stMain"]').inner_text()


def _phase_shown(page) -> list[str]:
    """The bracketed phase label(s) of the player's status line, e.g. ["[loss]"]."""
    return page.locator(STATUS_CUR).all_inner_texts()


def _phase_is(label: str) -> str:
    """JS: the player shows ``label`` as the current phase (its data-phase and its status line)."""
    text = json.dumps(f"[{label}]")
    return (
        f"document.querySelector('{PLAYER}')?.dataset.phase === {json.dumps(label)}"
        f" && document.querySelector('{STATUS_CUR}')?.innerText.trim() === {text}"
    )


def _button(page, example: str, name: str):
    return page.locator(f".st-key-{example}_player").get_by_role("button", name=BUTTONS[name], exact=True)


def _click(page, example: str, button: str, until_js: str) -> None:
    """Click a player button and wait until ``until_js`` holds and the player is painted."""
    _button(page, example, button).click(timeout=TIMEOUT_MS)
    page.wait_for_function(until_js, timeout=TIMEOUT_MS)
    settle(page, timeout_ms=TIMEOUT_MS)


def _info_has(text: str) -> str:
    """JS: the player's arithmetic panel (where the idle network is described) contains ``text``."""
    return f"(document.querySelector('{PLAYER} [data-panel=arithmetic]')?.innerText || '').includes({json.dumps(text)})"


def _slider_value(example: str) -> str:
    return f"document.querySelector('.st-key-{example}_player input[type=range]')?.value"


def _click_diagram_neuron(page, example: str, layer: int, index: int, until_js: str) -> None:
    """Click neuron ``index`` of ``layer`` in the player's diagram (its marker's position on screen)."""
    xy = page.evaluate(
        """([sel, layer, index]) => {
          const gd = document.querySelector(sel);
          const t = gd.data.find(t => t.name === 'neurons');
          const j = t.customdata.findIndex(c => c[0] === 'neuron' && c[1] === layer && c[2] === index);
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
          return [r.left + xa._offset + xa.l2p(t.x[j]), r.top + ya._offset + ya.l2p(t.y[j])];
        }""",
        [f".st-key-{example}_player [data-plot=diagram]", layer, index],
    )
    page.mouse.click(*xy)
    page.wait_for_function(until_js, timeout=TIMEOUT_MS)
    settle(page, timeout_ms=TIMEOUT_MS)


@pytest.mark.parametrize("name", list(PATHS))
def test_page_opens_without_an_error(page, app_url, name):  # noqa: F811
    _open(page, app_url, name)
    _assert_no_error(page)
    if name in WITH_FIGURES:
        assert page.locator(".js-plotly-plot").count() >= 1


@pytest.mark.parametrize("example", ["study", "toy"])
def test_next_phase_walks_one_update_and_back_undoes(page, app_url, example):  # noqa: F811
    _open(page, app_url, example)
    assert _phase_shown(page) == []  # before the first click: "Network after 0 updates"
    for label in PHASES:
        _click(page, example, "next", _phase_is(label))
        assert _phase_shown(page) == [f"[{label}]"]
        _assert_no_error(page)
        assert page.locator(".js-plotly-plot").count() >= 1
        # the network diagram's title names the phase
        assert page.locator(f"{PLAYER} [data-plot=diagram] .gtitle", has_text=re.compile(f"^{label},")).count() == 1
        if label == "backward layer 1":
            # mid-step, Back undoes one phase
            _click(page, example, "back", _phase_is("backward layer 2"))
            assert _phase_shown(page) == ["[backward layer 2]"]
            _click(page, example, "next", _phase_is(label))
            assert _phase_shown(page) == [f"[{label}]"]
    # at a step boundary (the update shown), Back undoes the whole step
    _click(page, example, "back", _info_has("Network after 0 updates"))
    assert _phase_shown(page) == []
    assert page.evaluate(_info_has("Network after 0 updates"))
    _assert_no_error(page)


@pytest.mark.parametrize("example", ["study", "toy"])
def test_step_applies_one_update(page, app_url, example):  # noqa: F811
    _open(page, app_url, example)
    assert page.evaluate(_slider_value(example)) == "0"  # no history yet
    _click(page, example, "step", f"{_slider_value(example)} === '1'")
    assert page.evaluate(_slider_value(example)) == "1"
    assert _phase_shown(page) == ["[update]"]
    assert re.match(r"^Step 1 \(epoch 1\) on ", page.locator(f"{PLAYER} .status").inner_text())
    _assert_no_error(page)


def test_screenshots(page, app_url, tmp_path):  # noqa: F811
    shots = SHOTS if os.environ.get("NNVIZ_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    _open(page, app_url, "study")
    for _ in range(2):
        n = page.evaluate(_slider_value("study")) or "0"
        want = str(int(n) + 100)
        _click(page, "study", "run_n", f"{_slider_value('study')} === '{want}'")
    for label in PHASES:
        _click(page, "study", "next", _phase_is(label))
    _screenshot(page, "study", shots)

    _open(page, app_url, "toy")
    for label in PHASES[:5]:
        _click(page, "toy", "next", _phase_is(label))
    _click_diagram_neuron(page, "toy", 1, 0, _info_has("neuron 0 of layer 1) (selected)"))
    _screenshot(page, "toy", shots)

    # Your data: the toy sample uploaded and used, one step under way
    _open(page, app_url, "data")
    csv = {"name": "nnviz-toy.csv", "mimeType": "text/csv", "buffer": userdata.sample_csv("toy").encode()}
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=[csv])
    page.locator(".st-key-data_use button").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    click_and_wait(page, page.locator(".st-key-data_use button"), "false", TIMEOUT_MS)
    wait_for_player(page, TIMEOUT_MS)
    for label in PHASES[:3]:
        _click(page, "custom", "next", _phase_is(label))
    _screenshot(page, "data", shots)
    # after the player's report rerun: the outcome of "Use this data" is still shown, and nothing twice
    assert page.get_by_text("Now training on nnviz-toy.csv").count() == 1
    assert page.get_by_role("heading", name="What each neuron does with the plane").count() == 1

    for name in ("forward", "about"):
        _open(page, app_url, name)
        _screenshot(page, name, shots)


@pytest.mark.parametrize(
    "lang, name, path, phases",
    [("ko", "toy-ko", "toy", 5), ("zh-Hans", "study-zh-Hans", "", 3), ("zh-Hant", "toy-zh-Hant", "toy", 6)],
)
def test_screenshots_in_korean_and_chinese(page, app_url, tmp_path, lang, name, path, phases):  # noqa: F811
    # The README's pictures of the app in the tutorials' languages: the page's h1 and the player's Next
    # phase button in the catalogue's words, the same player driven by its keys (→: next phase)
    shots = SHOTS if os.environ.get("NNVIZ_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    code = i18n.LANGUAGES[lang].locale
    assert subprocess.run(["fc-list", f":lang={code[:2]}"], capture_output=True, text=True).stdout, (
        "no font for the language: scripts/test.sh installs fonts-noto-cjk"
    )
    page.goto(f"{app_url}/{path}?lang={lang}", timeout=TIMEOUT_MS)
    wait_for_player(page, TIMEOUT_MS)
    example = "toy" if path == "toy" else "study"
    english = stepper.EXAMPLES[example].title  # "Toy classification (seed 004)"
    title = i18n.translate(lang, english)
    assert title != english
    page.get_by_role("heading", name=title).first.wait_for(timeout=TIMEOUT_MS)
    next_label = i18n.translate(lang, "Next phase")
    assert next_label != "Next phase" and player_button(page, next_label).count() == 1
    page.locator(PLAYER).focus()
    for label in PHASES[:phases]:
        page.keyboard.press("ArrowRight")
        # data-phase is the engine's English label in every language (the status line is translated)
        page.wait_for_function(
            f"document.querySelector('{PLAYER}')?.dataset.phase === {json.dumps(label)}", timeout=TIMEOUT_MS
        )
    settle(page, timeout_ms=TIMEOUT_MS)
    # the status line names the phase in the language ("순전파 1층" …), as i18n.phase_label gives it
    phase = next(ph for ph in stepper.Run(stepper.default_config(example)).phases if ph.label == label)
    shown = i18n.phase_label(phase, i18n.translations(lang))
    page.wait_for_function(
        f"(document.querySelector('{PLAYER} .status')?.innerText || '').includes({json.dumps(f'[{shown}]')})",
        timeout=TIMEOUT_MS,
    )
    assert shown != label
    _screenshot(page, name, shots)


def _screenshot(page, name: str, folder) -> None:
    """The whole page at 1400 px wide into ``folder/<name>.png``, as a palette PNG under 600 kB."""
    from PIL import Image

    if page.locator(PLAYER).count():
        # 0.7 s after the last click the player reports its step and the whole page reruns (the tabs
        # and the link follow it); while that run is under way Streamlit fades the elements: wait it out.
        page.wait_for_timeout(1000)
        wait_idle(page, TIMEOUT_MS, started_ms=1500)
    _assert_no_error(page)
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(1000, height)})
    try:
        page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
        page.wait_for_timeout(500)  # Plotly re-lays out its charts for the new viewport
        png = page.screenshot()
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})
    img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    out = folder / f"{name}.png"
    img.save(out, optimize=True)
    while out.stat().st_size > SHOT_MAX_BYTES and img.height > 1000:
        img = img.crop((0, 0, img.width, int(img.height * 0.85)))
        img.save(out, optimize=True)
    assert out.stat().st_size <= SHOT_MAX_BYTES
    _check_shot(out, with_figures=name != "about")


#: the saturated colours of the diagram's diverging scale (RdBu without its four palest classes)
SCALE_COLOURS = [c for _, c in F.DIVERGING[:4] + F.DIVERGING[-4:]]


def _check_shot(path, with_figures: bool) -> None:
    """What the saved PNG shows: 1400 px wide, a full page, text on white, and the diagram's colours."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        assert im.width == 1400 and im.height >= 1000, (path.name, im.size)
        rgb = np.asarray(im.convert("RGB")).astype(int)
    # When these checks were written: 252–256 colours, 89–95 % near-white, 3–4 % dark (text) pixels.
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) >= 64, f"{path.name}: almost no colours (blank?)"
    white = float(np.mean(rgb.min(axis=2) > 245))
    dark = float(np.mean(rgb.max(axis=2) < 100))
    assert 0.5 < white < 0.99, f"{path.name}: {white:.1%} white"
    assert dark > 0.002, f"{path.name}: {dark:.2%} dark pixels (no text?)"
    if with_figures:
        # neurons and edges coloured on the scale: 27k–112k such pixels when written (the About page: 0)
        near = np.zeros(rgb.shape[:2], dtype=bool)
        for c in SCALE_COLOURS:
            target = np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])
            near |= np.abs(rgb - target).max(axis=2) <= 20
        assert near.sum() >= 5000, f"{path.name}: only {near.sum()} pixels in the diagram's colours"

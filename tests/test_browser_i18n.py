"""The app in Korean and Chinese in a real browser: ``?lang=``, the sidebar picker, navigation (issue 10 item 4).

What a visitor sees: the page title (the first ``h1``), the navigation labels and the language
picker, in the language the link names; the link keeps ``lang`` when the page rewrites its query
string (the study page writes its run there) and when the visitor moves to another page; a quiz
question (built in Python, shown only by the player) in the link's language. The
expected words are the catalogues' (read through :func:`nnviz.i18n.translate`), and each is checked
to differ from the English, so an untranslated page cannot pass.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    app_url,
    click_and_wait,
    close_browser,
    count_runs,
    launch_browser,
    open_page,
    state_is_js,
    wait_for_player,
    wait_idle,
)

from nnviz import examples, i18n, quiz, stepper
from nnviz.pages import PAGES

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
NAV = '[data-testid="stSidebarNavLink"]'
PICKER = '[data-testid="stSidebar"] .st-key-lang'


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


def _translated(lang: str, english: str) -> str:
    text = i18n.translate(lang, english)
    assert text != english, f"{english!r} has no {lang} translation"
    return text


def _nav_labels(page) -> list[str]:
    return [t.strip() for t in page.locator(NAV).all_inner_texts()]


def _h1(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def _picker_value(page) -> str:
    """What the language picker shows (Streamlit's selectbox is a combobox: its value is the input's)."""
    return page.locator(f"{PICKER} input[role=combobox]").input_value()


def _query(page) -> dict[str, str]:
    return dict(re.findall(r"[?&]([^=&]+)=([^&]*)", page.url))


def _wait_for_url_lang(page, lang: str) -> None:
    page.wait_for_function(f"new URLSearchParams(location.search).get('lang') === {lang!r}", timeout=TIMEOUT_MS)


def test_korean_link_shows_korean_navigation_and_keeps_lang_beside_the_run(page, app_url):  # noqa: F811
    open_page(page, app_url, "?lang=ko", TIMEOUT_MS)
    assert _h1(page) == _translated("ko", "Study hours (regression, seed 003)")  # the default page, in Korean
    assert _nav_labels(page) == [_translated("ko", p.title) for p in PAGES]
    picker = page.locator(PICKER)
    assert picker.locator("label").inner_text().strip() == "언어 · Language"
    assert _picker_value(page) == "한국어"
    # the study page rewrote the query string with its run: lang is still there, beside the run's fields
    _wait_for_url_lang(page, "ko")
    q = _query(page)
    assert q["ex"] == "study" and q["lang"] == "ko"
    # another page of the same link: its h1 in Korean
    click_and_wait(page, page.locator(NAV, has_text=_translated("ko", "Fixed-weight forward pass")))
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    assert _h1(page) == _translated("ko", "Fixed-weight forward pass (seed 002)")
    _wait_for_url_lang(page, "ko")
    assert page.url.split("?")[0].endswith("/forward")


def test_traditional_chinese_about_link_and_moving_to_another_page(page, app_url):  # noqa: F811
    open_page(page, app_url, "about?lang=zh-Hant", TIMEOUT_MS)
    assert _h1(page) == _translated("zh-Hant", "About nnviz") == "關於 nnviz"
    assert _nav_labels(page) == [_translated("zh-Hant", p.title) for p in PAGES]
    assert _picker_value(page) == "繁體中文"
    # the two tables' headers (the losses' reductions, the seed tutorials), in Traditional Chinese
    # (st.table can be drawn a moment after the run's end: wait for each header, in whichever table it is)
    for header in ("reduction", "where the tutorial's math or prose is wrong"):
        text = _translated("zh-Hant", header)
        page.wait_for_function(
            f"[...document.querySelectorAll('table')].some(t => t.innerText.includes({text!r}))", timeout=TIMEOUT_MS
        )
    texts = page.locator("table").all_inner_texts()
    assert len(texts) == 2 and _translated("zh-Hant", "reduction") in texts[0], texts
    assert _translated("zh-Hant", "where the tutorial's math or prose is wrong") in texts[1], texts
    click_and_wait(page, page.locator(NAV, has_text=_translated("zh-Hant", "Fixed-weight forward pass")))
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    assert _h1(page) == "固定權重的前向傳播（教學 002）"
    _wait_for_url_lang(page, "zh-Hant")  # the next page of the session keeps the language in its link
    # Markdown emphasis next to full-width brackets still renders bold (CommonMark's flanking rules)
    assert page.locator("strong", has_text="恆等函數（identity）").count() == 1
    # the numbers stay as they are: seed 002's printed output
    assert "[0.31682708 0.69627909]" in page.locator(".st-key-fwd_output").inner_text()


def test_picking_a_language_in_the_sidebar(page, app_url):  # noqa: F811
    open_page(page, app_url, "about", TIMEOUT_MS)
    assert _h1(page) == "About nnviz" and "lang" not in _query(page)
    picker = page.locator(PICKER)
    assert picker.locator("label").inner_text().strip() == "Language"
    assert _picker_value(page) == "English"
    picker.locator("button[aria-label=Open]").click()
    assert page.locator('[role="option"]').all_inner_texts() == ["English", "한국어", "简体中文", "繁體中文"]
    option = page.locator('[role="option"]', has_text="简体中文")
    click_and_wait(page, option, until_js="document.querySelector('h1')?.innerText.includes('关于')")
    wait_idle(page, TIMEOUT_MS)
    assert _h1(page) == _translated("zh-Hans", "About nnviz")
    assert _nav_labels(page) == [_translated("zh-Hans", p.title) for p in PAGES]
    _wait_for_url_lang(page, "zh-Hans")  # a link copied now opens in Simplified Chinese


def test_an_unknown_language_shows_english_and_a_warning(page, app_url):  # noqa: F811
    open_page(page, app_url, "about?lang=xx", TIMEOUT_MS)
    assert _h1(page) == "About nnviz"
    warning = page.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert "Unknown language “xx”" in warning and "繁體中文" in warning
    assert _nav_labels(page) == [p.title for p in PAGES]


def test_a_korean_quiz_link_asks_in_korean_in_the_player(page, app_url):  # noqa: F811
    # the quiz's questions are built in Python (nnviz.quiz) and only the player shows them: a classroom
    # link to the toy's step 1, forward layer 1, quiz on, in Korean. That phase asks z1[0] first (the toy's
    # first neuron: tests/test_browser_quiz.py); the number typed is the engine's, computed here.
    cfg = stepper.default_config("toy")
    link = {**stepper.to_query(cfg, examples.TOY_LR, 0), "step": "1", "phase": "1", "quiz": "1", "lang": "ko"}
    page.goto(f"{app_url}/toy?{urlencode(link)}", timeout=TIMEOUT_MS)
    wait_for_player(page, TIMEOUT_MS)
    page.wait_for_function(state_is_js(1, "forward layer 1"), timeout=TIMEOUT_MS)  # data-phase stays English
    prompt = page.locator(f"{PLAYER} [data-panel=quiz] .qprompt")
    expected = _translated("ko", quiz.TEXT["z"]).format(name="z1[0]")
    page.wait_for_function(
        f"document.querySelector('{PLAYER} [data-panel=quiz] .qprompt')?.innerText.trim() === {expected!r}",
        timeout=TIMEOUT_MS,
    )
    assert prompt.inner_text().strip() == expected == "활성화 전 값 z1[0]은(는) 얼마입니까?"
    assert _h1(page) == _translated("ko", "Toy classification (seed 004)")

"""In Chromium: hostile strings passed through safe_text.markdown render as the literal text.

A tiny Streamlit script shows each string through st.markdown, st.error, st.caption and
st.header, escaped, and once unescaped as the control that proves the strings are hostile
(unescaped, they render an image, links, a heading, bold text and code). The page must fetch nothing.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from browser_helpers import ROOT, app_page, open_page, skip_reason

from nnviz import safe_text

pytestmark = pytest.mark.browser

HOSTILE = [
    "![beacon](http://127.0.0.1:9/beacon.png)",
    "[Session expired: log in again](https://evil.example/login)",
    "<img src='http://127.0.0.1:9/beacon2.png'> <b>bold</b> <script>alert(1)</script>",
    "see https://evil.example/a and www.evil.example or me@evil.example",
    "# heading\n- item\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "$x^2$ :red[red] **bold** _it_ `code` ~~gone~~ \\[x\\](y)",
]
#: elements that mean a string was interpreted rather than shown
#: (st.header draws its own h2 and a "#" anchor link beside it)
INTERPRETED = (
    "a:not([href^='#']), img, strong, em, b, code, del, h1, h3, ul, li, table, script, .katex, span[style*=color]"
)

SCRIPT = textwrap.dedent(
    '''
    import sys
    sys.path.insert(0, {root!r})
    import streamlit as st
    from nnviz import safe_text

    HOSTILE = {hostile!r}
    for i, s in enumerate(HOSTILE):
        for how in ("markdown", "error", "caption", "header"):
            with st.container(key=f"safe_{{how}}_{{i}}"):
                getattr(st, how)(safe_text.markdown(s, limit=None))
        with st.container(key=f"raw_{{i}}"):
            st.markdown(s)
    '''
)


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(safe_text.ZERO_WIDTH_SPACE, "")).strip()


def test_escaped_strings_render_verbatim_and_fetch_nothing(tmp_path):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    script = tmp_path / "hostile_app.py"
    script.write_text(SCRIPT.format(root=str(ROOT), hostile=HOSTILE))
    with app_page(script) as (page, base):
        fetched = []
        page.on("request", lambda r: fetched.append(r.url) if "beacon" in r.url or "evil" in r.url else None)
        open_page(page, base)
        for i, s in enumerate(HOSTILE):
            want = _normalised(safe_text.shorten(s, None).replace("\n", " "))
            for how in ("markdown", "error", "caption", "header"):
                box = page.locator(f".st-key-safe_{how}_{i}")
                interpreted = INTERPRETED if how == "header" else INTERPRETED + ", h2"
                assert box.locator(interpreted).count() == 0, (how, s, box.inner_html())
                assert _normalised(box.inner_text()) == want, (how, s)
        # the control: shown unescaped, the strings do become an image, links, bold text and code
        # (raw HTML is the one thing st.markdown already refuses without unsafe_allow_html)
        assert page.locator(".st-key-raw_0 img").count() == 1
        assert page.locator(".st-key-raw_1 a").count() == 1
        assert page.locator(".st-key-raw_3 a").count() == 3
        assert page.locator(".st-key-raw_4 h1").count() == 1
        assert page.locator(".st-key-raw_5 strong, .st-key-raw_5 code").count() == 2
        # only the unescaped control may have asked for the beacon
        assert all("beacon.png" in u or "beacon2" in u for u in fetched), fetched

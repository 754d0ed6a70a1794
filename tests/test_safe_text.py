"""safe_text: visitors' strings shown as text. The rendering itself is checked in Chromium
(tests/test_browser_robustness.py); here, what the functions return."""

import string

import pytest

from nnviz import safe_text

ZW = safe_text.ZERO_WIDTH_SPACE


def test_every_ascii_punctuation_character_is_backslash_escaped():
    out = safe_text.markdown(string.punctuation, limit=None)
    assert out == "".join((ZW if c in ":@" else "") + "\\" + c for c in string.punctuation)


def test_letters_digits_and_other_scripts_pass_unchanged():
    s = "Stunden 3 größe ÷ 数据 ẞ 😀"
    assert safe_text.markdown(s) == s


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("[log in](https://evil.example)", r"\[log in\]\(https" + ZW + r"\:\/\/evil\.example\)"),
        ("![b](http://x/b.png)", r"\!\[b\]\(http" + ZW + r"\:\/\/x\/b\.png\)"),
        ("WWW.x.org me@x.org", "WWW" + ZW + r"\.x\.org me" + ZW + r"\@x\.org"),
        ("<img src=x>", r"\<img src\=x\>"),
        ("a\nb\r\tc", "a b  c"),  # one line: control characters become spaces
        ("pay\u202eevil", "pay\ufffdevil"),  # a right-to-left override shows as U+FFFD
        ("zero\u200bwidth", "zero\ufffdwidth"),  # only safe_text's own zero-width spaces remain
    ],
)
def test_markdown_escapes_links_images_html_and_line_breaks(raw, expected):
    assert safe_text.markdown(raw) == expected


def test_long_strings_are_cut_with_an_ellipsis():
    assert safe_text.shorten("x" * 10, 4) == "xxx…"
    assert safe_text.markdown("a" * 500, limit=200) == "a" * 199 + "…"
    assert safe_text.shorten("abc", None) == "abc"
    assert safe_text.quoted("y" * 100, 10) == "'" + "y" * 8 + "…"
    assert safe_text.quoted(5) == "5" and safe_text.quoted(None) == "None" and safe_text.quoted("a") == "'a'"


def test_plotly_escapes_its_html_subset():
    assert safe_text.plotly('<a href="https://e.x">x</a><br>') == "&lt;a href=&quot;https://e.x&quot;&gt;x&lt;/a&gt;&lt;br&gt;"


@pytest.mark.parametrize("raw", [string.punctuation, "a\\b [x](https://e.x) www.y.z me@h.io", "plain"])
def test_shown_text_is_the_inverse_of_markdown(raw):
    assert safe_text.shown_text(safe_text.markdown(raw, limit=None)) == raw

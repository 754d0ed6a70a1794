r"""Text from visitors (file names, CSV column names, fields of an uploaded file, link values) made
safe to show. Standard library only: no streamlit, no plotly.

Streamlit renders the strings given to ``st.markdown``, ``st.error``, ``st.warning``,
``st.info``, ``st.success``, ``st.caption``, ``st.header``, ``st.subheader``, ``st.title`` and
widget labels as Markdown (CommonMark + GitHub's autolinks, plus ``$…$`` maths and
``:color[…]`` directives). A name such as ``![x](https://evil.example/beacon)`` or
``[Session expired: log in again](https://evil.example)`` would fetch an image or show a
working link. :func:`markdown` turns any string into Markdown that renders as exactly that
string, as plain text:

- every ASCII punctuation character gets a backslash (CommonMark's escape: any of them may be
  escaped, and the escaped character is literal text), so no link, image, emphasis, HTML tag,
  heading, list, table, maths or directive can start;
- a zero-width space (U+200B) goes before every ``:`` and ``@`` and after ``www`` before a dot:
  GitHub-style autolinks (``https://…``, ``www.…``, ``name@host``) and emoji shortcodes are
  found in the *unescaped* text, after the backslashes are gone (seen in Chromium: an escaped
  ``http\:\/\/…`` still became a link), and the invisible space splits them;
- line breaks, tabs and other control characters become spaces (a string stays one line);
  Unicode format characters (bidirectional overrides, zero-width joiners: used to disguise
  text) become U+FFFD so that their presence shows;
- ``limit`` cuts a long string with "…" (a 5 MB column name must not fill the page).

Plotly draws its own subset of HTML in titles, labels and hover text (``<a href>``, ``<b>``,
``<br>``): :func:`plotly` escapes a string for those.

Escape where a string is shown, once: a message that already went through :func:`markdown`
must not go through it again (the backslashes would show).
"""

from __future__ import annotations

import html
import re
import string
import unicodedata

_PUNCTUATION = frozenset(string.punctuation)
#: how long a visitor's string may be inside a message, by default
DEFAULT_LIMIT = 200


def shorten(text: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """``str(text)`` cut to ``limit`` characters, the last one "…" when cut (None: no limit)."""
    s = str(text)
    if limit is not None and len(s) > limit:
        return s[: max(limit - 1, 0)] + "…"
    return s


ZERO_WIDTH_SPACE = "\u200b"
_WWW_DOT = re.compile(r"(www)(?=\\\.)", re.IGNORECASE)


def _plain_char(c: str) -> str:
    if c in ":@":
        return ZERO_WIDTH_SPACE + "\\" + c
    if c in _PUNCTUATION:
        return "\\" + c
    category = unicodedata.category(c)
    if category == "Cc" or c in "\u2028\u2029":  # control characters, line and paragraph separators
        return " "
    if category == "Cf":  # format characters: bidi overrides, zero-width space / joiners, soft hyphen
        return "\ufffd"
    return c


def markdown(text: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """Markdown that Streamlit renders as ``str(text)`` verbatim, on one line (cut to ``limit`` characters)."""
    escaped = "".join(_plain_char(c) for c in shorten(text, limit))
    return _WWW_DOT.sub(r"\1" + ZERO_WIDTH_SPACE, escaped)


_ESCAPED = re.compile(r"\\([" + re.escape(string.punctuation) + r"])")


def shown_text(markdown_text: str) -> str:
    """What Streamlit shows for :func:`markdown`'s output: the backslashes and zero-width spaces removed.

    Also right for a message of which only some parts were escaped, as long as the rest has no
    backslash (tests compare messages with it).
    """
    return _ESCAPED.sub(r"\1", markdown_text.replace(ZERO_WIDTH_SPACE, ""))


def plotly(text: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """``str(text)`` for a Plotly title, axis label, legend or hover text: its HTML subset escaped."""
    s = shorten(text, limit)
    return html.escape("".join(" " if unicodedata.category(c) == "Cc" else c for c in s), quote=True)


def quoted(value: object, limit: int = 60) -> str:
    """A visitor's value inside a plain-text message: its ``repr`` (strings in quotes), cut to ``limit``.

    The result is plain text; escape the whole message with :func:`markdown` where it is shown.
    """
    return shorten(repr(value), limit)

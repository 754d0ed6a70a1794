"""The app in English, 한국어, 简体中文 and 繁體中文: gettext catalogues compiled by Babel.

For the rest of the code::

    from nnviz.i18n import N_, _, ngettext, pgettext

    st.button(_("Next phase"))                          # this session's language
    ngettext("{n} update", "{n} updates", n).format(n=n) # plurals (Korean, Chinese: one form)
    pgettext("phase", "loss")                            # the same English word, another sense
    LABELS = {"sse": N_("sum of squares")}               # a registry: marked here, _() where shown

The catalogues are ``nnviz/locale/<locale>/LC_MESSAGES/messages.po`` (extracted from the code by
``scripts/i18n.sh``, see docs/notes/i18n.md); they are compiled in memory with Babel the first
time a language is asked for, and the compiled ``GNUTranslations`` is cached for the process: it
is never modified after it is built (no ``add_fallback``, no ``install``), so sessions share it
safely. The language itself is per session: ``st.session_state["lang"]``, the sidebar picker's
key, set from ``?lang=`` on the session's first run. Outside a Streamlit run (unit tests, the
CLI) every function answers in English.

Numbers and formulas are never translated: only the words around them.

This module does not import Streamlit at load time (the logic modules may use ``N_``/``_``
without pulling in the UI); the Streamlit-facing functions (:func:`setup`, :func:`keep_in_url`,
:func:`url_fields`) import it when called.
"""

from __future__ import annotations

import functools
import gettext
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
#: session-state key of the language (a code of LANGUAGES); also the sidebar picker's widget key
STATE_KEY = "lang"
#: session-state key: the language was named (by ``?lang=`` or the picker), so links keep ``lang``
CHOSEN_KEY = "lang_chosen"
#: session-state key of the unknown ``?lang=`` value to warn about (None: nothing to warn about)
WARNING_KEY = "lang_unknown"
#: the URL query field (contract: ``?lang=en|ko|zh-Hans|zh-Hant``)
QUERY_FIELD = "lang"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str  # in the URL: BCP 47
    native: str  # the language's name in itself (what the picker shows)
    locale: str | None  # the catalogue's folder under nnviz/locale (Babel's identifier); None: the source


LANGUAGES: Mapping[str, Language] = MappingProxyType(
    {
        "en": Language("en", "English", None),
        "ko": Language("ko", "한국어", "ko"),
        "zh-Hans": Language("zh-Hans", "简体中文", "zh_Hans"),
        "zh-Hant": Language("zh-Hant", "繁體中文", "zh_Hant"),
    }
)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (module-level tables); ``_()`` it where shown."""
    return message


def parse_code(value: object) -> str | None:
    """The language code ``value`` names (exact codes, any letter case: "zh-hant" → "zh-Hant"), else None."""
    if not isinstance(value, str):
        return None
    folded = value.strip().casefold()
    return next((code for code in LANGUAGES if code.casefold() == folded), None)


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of language ``code`` (English: the messages themselves), built once per process.

    Babel reads the .po and writes the .mo in memory (fuzzy entries left out, as ``pybabel
    compile`` does); :class:`gettext.GNUTranslations` reads it, with the plural rule of the
    catalogue's ``Plural-Forms`` header. Raises KeyError for an unknown code.
    """
    locale = LANGUAGES[code].locale
    if locale is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(locale).open("rb") as f:
        catalog = read_po(f, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def current() -> str:
    """This session's language code; English outside a Streamlit script run."""
    st = sys.modules.get("streamlit")  # not loaded: certainly not inside a Streamlit run
    if st is None:
        return DEFAULT
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return DEFAULT
    code = st.session_state.get(STATE_KEY, DEFAULT)
    return code if code in LANGUAGES else DEFAULT


def translator() -> gettext.NullTranslations:
    """This session's compiled catalogue, for loops that translate many strings (a player payload):
    ``t = translator()`` once, then ``t.gettext(…)`` / ``t.ngettext(…)``; :func:`_` reads session state on
    every call (benchmarks/bench_i18n.py measures both)."""
    return translations(current())


def _(message: str) -> str:
    """``message`` in this session's language (itself when the catalogue has no translation)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` in this session's language (English: singular for n == 1); format ``n`` in after."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in this session's language, in the sense ``context`` names (e.g. "phase", "loss")."""
    return translations(current()).pgettext(context, message)


def translate(code: str, message: str) -> str:
    """``message`` in language ``code`` whatever the session's (tests, the picker's own label)."""
    return translations(code).gettext(message)


# ---------------------------------------------------------------------------
# Words the engine produces as data (its names stay the contract; these are what a reader sees).

_PHASES = MappingProxyType(
    {
        "forward": N_("forward layer {layer}"),
        "backward": N_("backward layer {layer}"),
    }
)


def phase_label(phase, t: gettext.NullTranslations | None = None) -> str:
    """A phase's label (:attr:`nnviz.engine.Phase.label`, e.g. "forward layer 1") in this session's language,
    or in the catalogue ``t`` (a :func:`translator` taken once for a loop, or :func:`translations` of a code)."""
    t = translator() if t is None else t
    if phase.kind == "loss":
        return t.pgettext("phase", "loss")
    if phase.kind == "update":
        return t.pgettext("phase", "update")
    return t.gettext(_PHASES[phase.kind]).format(layer=phase.layer + 1)


# ---------------------------------------------------------------------------
# Streamlit: the session's language, the sidebar picker, ?lang= in the URL.


def _picked() -> None:  # the picker's on_change: its value is already in session state
    import streamlit as st

    st.session_state[CHOSEN_KEY] = True
    st.session_state[WARNING_KEY] = None


def setup() -> str:
    """Once per run, before anything is drawn: the session's language (from ``?lang=`` on its first run),
    the language picker at the top of the sidebar, and a warning for an unknown ``?lang=``. Returns the code.
    """
    import streamlit as st

    from nnviz import safe_text

    ss = st.session_state
    if STATE_KEY not in ss:
        raw = st.query_params.get(QUERY_FIELD)
        code = parse_code(raw)
        ss[STATE_KEY] = code or DEFAULT
        ss[CHOSEN_KEY] = code is not None
        ss[WARNING_KEY] = None if raw is None or code is not None else safe_text.shorten(raw, 40)
    # The label names itself in English too: a visitor who cannot read this language finds the picker.
    label = _("Language")
    st.sidebar.selectbox(
        label if label == "Language" else f"{label} · Language",
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGES[code].native,
        key=STATE_KEY,
        on_change=_picked,
    )
    if ss.get(WARNING_KEY) is not None:
        st.warning(
            _(
                "Unknown language {value} in the link (?lang=): showing English. The languages are "
                "{codes}; pick one under Language in the sidebar."
            ).format(
                value=f"“{safe_text.markdown(ss[WARNING_KEY])}”",
                codes=", ".join(f"`{c}` ({LANGUAGES[c].native})" for c in LANGUAGES),
            )
        )
    return ss[STATE_KEY]


def url_fields() -> dict[str, str]:
    """The query fields a shared link needs for the session's language: ``{"lang": code}``, or nothing
    while the session is in English by default. Code that rewrites the query string
    (``st.query_params.from_dict``) merges these in, so a link keeps its language."""
    import streamlit as st

    code = st.session_state.get(STATE_KEY, DEFAULT)
    if code == DEFAULT and not st.session_state.get(CHOSEN_KEY):
        return {}
    return {QUERY_FIELD: code}


def keep_in_url() -> None:
    """Put ``lang`` back into the URL after a page that rewrote the query string (app.py calls it after
    every page's run), and take it out when the session is back to English by default."""
    import streamlit as st

    want = url_fields().get(QUERY_FIELD)
    have = st.query_params.get(QUERY_FIELD)
    if want is not None and have != want:
        st.query_params[QUERY_FIELD] = want
    elif want is None and have is not None:
        del st.query_params[QUERY_FIELD]

"""The app in English, 한국어, 简体中文, 繁體中文 (issue 10 item 4): the catalogues and the wiring.

- The template ``nnviz/locale/messages.pot`` holds exactly the strings the code marks (extracted
  here with Babel and the project's ``babel.cfg``, as ``scripts/i18n.sh`` does).
- Every catalogue translates every string (none empty, none fuzzy), keeps its placeholders, its
  code spans and its numbers, and has the plural rule CLDR gives its language (one form for
  Korean and Chinese).
- Every page of ``app.py`` renders in every language (AppTest); ``?lang=`` picks the language, an
  unknown one gives English and a warning, the sidebar picker switches it without losing the
  page's inputs, and the link keeps ``lang`` after a page rewrote the query string.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from nnviz import i18n
from nnviz.engine import phases
from nnviz.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
LOCALES = [lang.locale for lang in i18n.LANGUAGES.values() if lang.locale]


def _key(message) -> tuple[str | None, str]:
    """(context, msgid) of a catalogue message or of an extracted one (plurals: the singular)."""
    mid = message.id if hasattr(message, "id") else message[0]
    ctx = message.context if hasattr(message, "context") else message[1]
    return ctx, mid[0] if isinstance(mid, (tuple, list)) else mid


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def template():
    return _read(i18n.LOCALE_DIR / "messages.pot")


@pytest.fixture(scope="module")
def catalogues():
    return {loc: _read(i18n.po_path(loc)) for loc in LOCALES}


def test_the_template_holds_exactly_the_strings_the_code_marks(template):
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        (ctx, msg[0] if isinstance(msg, tuple) else msg): msg
        for _file, _line, msg, _comments, ctx in extract_from_dir(str(ROOT), method_map, options_map)
    }
    in_pot = {_key(m): m.id for m in template if m.id}
    assert set(extracted) - set(in_pot) == set(), "new strings: run scripts/i18n.sh"
    assert set(in_pot) - set(extracted) == set(), "strings gone from the code: run scripts/i18n.sh"
    for k, msg in extracted.items():  # a plural's second form, too
        assert (tuple(msg) if isinstance(msg, tuple) else msg) == in_pot[k], k


def test_the_extraction_sees_the_marked_strings_of_each_kind(template):
    # the check above is only as good as the extraction: each marker the code uses lands in the template
    keys = {_key(m) for m in template if m.id}
    assert (None, "About nnviz") in keys  # _() in a page
    assert (None, "Toy classification") in keys  # N_() in a registry (nnviz.pages.PAGES)
    assert ("phase", "loss") in keys and (None, "loss") in keys  # pgettext keeps the two senses apart
    plural = next(m for m in template if _key(m) == (None, "Matrices of the layer computed so far"))
    assert plural.id[1] == "Matrices of the {n} layers computed so far"  # ngettext's two forms


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_has_a_translation(template, catalogues, locale):
    cat = catalogues[locale]
    wanted = {_key(m) for m in template if m.id}
    have = {_key(m): m for m in cat if m.id}
    assert wanted - set(have) == set(), "strings missing from the catalogue: run scripts/i18n.sh"
    assert set(have) - wanted == set(), "obsolete strings in the catalogue: run scripts/i18n.sh"
    for k, m in have.items():
        forms = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        assert all(s.strip() for s in forms), f"{locale}: {k} is not translated"
        assert not m.fuzzy, f"{locale}: {k} is marked fuzzy (a guess by the merge): check it, drop the flag"
    assert list(cat.check()) == []  # Babel's own checks (python-format placeholders)


def _fields(text: str) -> set[str]:
    """The ``{name}`` fields of a str.format template, and its ``%s``-style placeholders."""
    braces = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    return braces | set(re.findall(r"%(?:\(\w+\))?[sdifr]", text))


def _code_spans(text: str) -> list[str]:
    return sorted(re.findall(r"`[^`]+`", text))


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


def test_the_helpers_find_what_they_look_for():
    # the checks below compare these; each must see what it is meant to see
    assert _fields("{n} of {total} at %s, {{literal}}") == {"n", "total", "%s"}
    assert _code_spans("a `z = W a + b` and `dx`") == ["`dx`", "`z = W a + b`"]
    assert _numbers("σ(7.6) = 0.99950 to .9994, 51개, 1e-9") == sorted(["7.6", "0.99950", "9994", "51", "1", "9"])


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders_code_and_numbers(catalogues, locale):
    for m in catalogues[locale]:
        if not m.id:
            continue
        if isinstance(m.id, (tuple, list)):  # plural: every form may use the count, none may invent a field
            allowed = _fields(m.id[0]) | _fields(m.id[1])
            for s in m.string:
                assert _fields(s) <= allowed and _fields(m.id[1]) <= _fields(s), (locale, m.id, s)
            continue
        assert _fields(m.string) == _fields(m.id), (locale, m.id, m.string)
        # numbers and formulas stay as they are: the same code spans, the same numbers
        assert _code_spans(m.string) == _code_spans(m.id), (locale, m.id, m.string)
        assert _numbers(m.string) == _numbers(m.id), (locale, m.id, m.string)
        if _fields(m.id):
            m.string.format(**{f: "x" for f in _fields(m.id) if not f.startswith("%")})  # no stray brace


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_are_the_languages_own(catalogues, locale):
    # CLDR (through Babel's locale data, not the catalogue): Korean and Chinese have one plural category
    n_forms = len(Locale.parse(locale).plural_form.tags) + 1  # the tags leave out "other"
    assert n_forms == 1
    cat = catalogues[locale]
    assert cat.num_plurals == n_forms and cat.plural_expr == "0"
    for m in cat:
        if m.id and isinstance(m.id, (tuple, list)):
            assert len(m.string) == n_forms, (locale, m.id)
    # compiled: every count picks that one form
    t = i18n.translations(i18n.parse_code(locale.replace("_", "-")))
    one, many = (
        t.ngettext("Matrices of the layer computed so far", "Matrices of the {n} layers computed so far", n)
        for n in (1, 3)
    )
    assert one == many and "{n}" in one


def test_english_is_the_source_with_the_english_plural_rule():
    # outside a Streamlit run (here) every function answers in English
    assert i18n.current() == "en" and i18n._("About nnviz") == "About nnviz"
    sing, plur = "Matrices of the layer computed so far", "Matrices of the {n} layers computed so far"
    assert [i18n.ngettext(sing, plur, n) for n in (0, 1, 2)] == [plur, sing, plur]
    assert i18n.pgettext("phase", "loss") == "loss"


def test_translate_reads_the_compiled_catalogues():
    # the words typed into the catalogues come back through Babel's compiler and gettext
    assert i18n.translate("ko", "About nnviz") == "nnviz 소개"
    assert i18n.translate("zh-Hans", "About nnviz") == "关于 nnviz"
    assert i18n.translate("zh-Hant", "About nnviz") == "關於 nnviz"
    assert i18n.translations("ko").pgettext("phase", "loss") == "손실"
    assert i18n.translate("ko", "loss") == "손실 함수"  # the other sense of the same English word
    assert i18n.translate("ko", "a string nobody marked") == "a string nobody marked"


def test_compiled_catalogues_are_built_once_and_shared():
    assert i18n.translations("zh-Hant") is i18n.translations("zh-Hant")
    with pytest.raises(KeyError):
        i18n.translations("fr")


def test_language_codes_are_the_exact_ones_in_any_letter_case():
    assert list(i18n.LANGUAGES) == ["en", "ko", "zh-Hans", "zh-Hant"]
    assert i18n.parse_code("zh-hant") == "zh-Hant" and i18n.parse_code(" KO ") == "ko"
    for bad in ("zh", "zh_Hant", "kr", "", None, ["ko"]):
        assert i18n.parse_code(bad) is None, bad


def test_phase_labels_follow_the_engine_in_english():
    # English labels are the engine's own (the player's contract); a layer number is formatted in
    labels = [i18n.phase_label(p) for p in phases(2)]
    assert labels == [p.label for p in phases(2)]


# ---------------------------------------------------------------------------
# The app, in each language.

#: the page titles (h1) the pages in this worktree translate; the others come with their pages' wrapping
H1 = {
    "study": "Study hours (regression, seed 003)",
    "toy": "Toy classification (seed 004)",
    "playground": "Playground",
    "forward": "Fixed-weight forward pass (seed 002)",
    "about": "About nnviz",
    "mnist": "MNIST: handwritten digits",
    "data": "Your data",
}


def _app(lang: str | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    if page is not None:
        at._page_hash = calc_hash(page)  # what st.Page(url_path=page) registers; AppTest.switch_page needs a file
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
@pytest.mark.parametrize("page", [p.url_path for p in PAGES])
def test_every_page_renders_in_every_language(page, lang):
    at = _app(lang, page)
    assert not any("Unknown language" in w.value for w in at.warning)
    picker = at.sidebar.selectbox(key="lang")
    assert picker.value == lang
    expected_label = "Language" if lang == "en" else f"{i18n.translate(lang, 'Language')} · Language"
    assert picker.label == expected_label
    assert picker.options == [lang.native for lang in i18n.LANGUAGES.values()]  # each in its own language
    if page in H1:
        assert at.title[0].value == i18n.translate(lang, H1[page])
        assert (at.title[0].value == H1[page]) == (lang == "en")


def test_an_unknown_language_gives_english_and_a_warning():
    at = _app("fr", "about")
    assert at.session_state["lang"] == "en" and at.title[0].value == "About nnviz"
    warning = next(w.value for w in at.warning if "Unknown language" in w.value)
    assert "fr" in warning and "zh-Hant" in warning and "繁體中文" in warning
    assert "lang" not in at.query_params  # the link no longer carries the bad value
    at.sidebar.selectbox(key="lang").set_value("ko").run()  # picking a language settles it
    assert not any("Unknown language" in w.value for w in at.warning)
    assert at.title[0].value == "nnviz 소개" and at.query_params["lang"] == "ko"


def test_a_visitors_bad_value_is_shown_as_text():
    at = _app("![x](https://evil.example/beacon)", "about")
    warning = next(w.value for w in at.warning if "Unknown language" in w.value)
    assert "](" not in warning.replace("\\](", "").replace("\\(", "")  # no live link or image
    assert at.session_state["lang"] == "en"


def test_the_letter_case_of_the_code_does_not_matter():
    at = _app("zh-hans", "about")
    assert at.title[0].value == "关于 nnviz" and at.query_params["lang"] == "zh-Hans"


def test_no_lang_in_a_link_means_english_and_none_is_added():
    at = _app(None, "about")
    assert at.session_state["lang"] == "en" and at.title[0].value == "About nnviz"
    assert "lang" not in at.query_params


def test_the_picker_switches_the_language_and_keeps_the_pages_inputs():
    at = _app(None, "forward")
    at.number_input(key="fwd_x1").set_value(2.0).run()
    at.sidebar.selectbox(key="lang").set_value("zh-Hant").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "固定權重的前向傳播（教學 002）"
    assert at.number_input(key="fwd_x1").value == 2.0  # the learner's input survives the switch
    assert at.number_input(key="fwd_x1").label == "x₁"  # symbols stay
    assert at.query_params["lang"] == "zh-Hant"
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert at.title[0].value == H1["forward"]
    assert at.query_params["lang"] == "en"  # chosen: a link says so


def test_a_shared_link_keeps_lang_after_the_page_rewrote_the_query_string():
    # the study page writes its run into the query string (stepper_page._sync_url, from_dict): lang survives
    at = _app("ko")
    assert at.query_params["ex"] == "study"
    assert at.query_params["lang"] == "ko"


def test_the_forward_page_in_korean_keeps_the_numbers():
    at = _app("ko", "forward")
    shown = next(m.value for m in at.markdown if m.value.startswith("**출력 y**"))
    assert "[0.31682708 0.69627909]" in shown  # seed 002's printed output, as in English
    assert at.subheader[-1].value == "오버플로 없는 softmax"
    # the plural: layers 1 … 3 computed at the last forward phase of the 2-3-2-2 net
    assert any(s.value == "지금까지 계산된 3개 층의 행렬" for s in at.subheader)


def test_the_softmax_demo_reads_full_width_commas():
    # a Chinese keyboard types "，": the same numbers as with ASCII commas (seed 002's softmax example)
    at = _app("zh-Hans", "forward")
    at.text_input(key="fwd_softmax").set_value("0.3，2.9、4.0").run()
    assert not at.error
    assert any("[0.01821127 0.24519181 0.73659691]" in c.value for c in at.code)


def _memo_script():
    import streamlit as st

    from nnviz import i18n, state
    from nnviz.i18n import _

    i18n.setup()
    built = st.session_state.setdefault("builds", [])
    st.title(state.memo("study", "title", ("same inputs",), lambda: built.append(1) or _("About nnviz")))


def test_a_memoised_figure_is_rebuilt_in_the_new_language():
    # state.memo keeps a figure while its inputs stay; its words depend on the language too
    at = AppTest.from_function(_memo_script, default_timeout=TIMEOUT)
    at.run()
    at.run()
    assert at.title[0].value == "About nnviz" and at.session_state["builds"] == [1]  # second run: memoised
    at.sidebar.selectbox(key="lang").set_value("ko").run()
    assert at.title[0].value == "nnviz 소개" and at.session_state["builds"] == [1, 1]


def test_bench_i18n_prints_its_figures(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_i18n", ROOT / "benchmarks" / "bench_i18n.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.N_CALLS = 200  # a quick run (this module object is the test's own): the figures, not their size
    assert bench.main([]) == 0
    keys = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert keys == ["compile_all_ms", "underscore_us", "page_strings_ms"]


def test_a_shared_link_with_lang_rebuilds_the_run_in_that_language():
    # the round trip: the link the Korean session wrote (run fields + lang) opens the same run, in Korean
    at = _app("ko")
    run = at.session_state["study_run"]
    at.session_state["study_player_session"].handle({"a": "goto", "k": 2, "p": len(run.phases) - 1})  # 3 steps
    at.run()
    link = dict(at.query_params)
    assert link["steps"] == "3" and link["lang"] == "ko"
    at2 = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in link.items():
        at2.query_params[k] = v
    at2.run()
    assert not at2.exception, at2.exception
    assert at2.session_state["lang"] == "ko" and at2.session_state["study_run"].updates_applied == 3
    assert at2.sidebar.selectbox(key="lang").value == "ko"

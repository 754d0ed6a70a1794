"""The MNIST page in 한국어 and 简体中文 / 繁體中文 (issue 10 item 4), English unchanged.

What is checked has a known origin: the words typed into the catalogues (``nnviz/locale/*/messages.po``,
quoted literally for a few, read through :func:`nnviz.i18n.translate` for the rest) against what the
page shows at ``?lang=…``; the English is the page's as it was before it was wrapped (the contract
labels: "Prediction: N", Teach it, Undo, Back to the shipped model).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest_helpers import figure_texts
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
from test_mnist import SYNTHETIC, _canvas_with
from test_mnist_page import _png_url

from nnviz import i18n, mnist
from nnviz.pages import mnist as page
from nnviz.safe_text import shown_text

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
ENGLISH_TABS = ["Draw a digit", "Train", "Step", "Loss surface"]
BUTTONS = {"mnist_teach_go": "Teach it", "mnist_teach_undo": "Undo", "mnist_teach_shipped": "Back to the shipped model"}


def _mnist(lang: str | None, tab: str | None = None, drawing: str | None = None) -> AppTest:
    """The app's MNIST page at ``?lang=lang``; ``tab`` (its English label) open; ``drawing`` on the canvas."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    at._page_hash = calc_hash("mnist")  # what st.Page(url_path="mnist") registers
    if tab is not None:
        at.session_state["mnist_tab"] = tab  # an English label: the page maps it to the session's language
    if drawing is not None:
        data = _png_url(_canvas_with(SYNTHETIC[drawing]))
        at.session_state["mnist_canvas"] = {"drawing": {"raw": {"objects": []}, "data": data}}
    at.run()
    assert not at.exception, at.exception
    return at


def _chart(at: AppTest, key: str) -> dict:
    """The Plotly figure (as sent to the browser) of the chart with widget key ``key``: an st.plotly_chart's
    spec, or the figure of an nnviz.figure element (component.figure: drawn with Plotly.react)."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    # the element's data is JSON text (component.figure), sent as a JSON string
    elements = [c for c in at.get("bidi_component") if c.proto.id.endswith(key)]
    charts += [json.loads(json.loads(c.proto.json))["fig"] for c in elements]
    assert len(charts) == 1, [c.proto.id for c in [*at.get("plotly_chart"), *at.get("bidi_component")]]
    return charts[0]


def _open_tab(at: AppTest) -> str:
    return at.session_state["mnist_tab"]


def test_english_is_as_before():
    at = _mnist(None, drawing="seven")
    assert at.title[0].value == "MNIST: handwritten digits"
    assert [t.label for t in at.tabs] == ENGLISH_TABS
    assert {k: at.button(key=k).label for k in BUTTONS} == BUTTONS
    assert "### Prediction: 7" in [m.value for m in at.markdown]  # the synthetic seven (test_mnist_page)
    probs = _chart(at, "mnist_draw_probs")["layout"]
    assert probs["title"]["text"] == "Output probabilities"
    assert probs["yaxis"]["title"]["text"] == "probability" and probs["xaxis"]["title"]["text"] == "digit"
    assert "digit %{x}<br>probability %{y:.4f}<extra></extra>" in json.dumps(_chart(at, "mnist_draw_probs"))


# the catalogues' words, typed there by hand (ko: nnviz/locale/ko/…, zh-Hans: nnviz/locale/zh_Hans/…)
TYPED = {
    "ko": {
        "title": "MNIST: 손글씨 숫자",
        "tabs": ["숫자 그리기", "훈련", "스텝", "손실 곡면"],
        "buttons": ["가르치기", "되돌리기", "기본 제공 모델로 돌아가기"],
        "prediction": "### 예측: 7",
        "probability": "확률",
    },
    "zh-Hans": {
        "title": "MNIST：手写数字",
        "tabs": ["画一个数字", "训练", "单步", "损失曲面"],
        "buttons": ["教它", "撤销", "恢复为内置模型"],
        "prediction": "### 预测：7",
        "probability": "概率",
    },
}


@pytest.mark.parametrize("lang", list(TYPED))
def test_the_draw_tab_speaks_the_language(lang):
    typed = TYPED[lang]
    at = _mnist(lang, drawing="seven")
    assert at.title[0].value == typed["title"] == i18n.translate(lang, "MNIST: handwritten digits")
    assert [t.label for t in at.tabs] == typed["tabs"] == [i18n.translate(lang, t) for t in page.TABS]
    assert [at.button(key=k).label for k in BUTTONS] == typed["buttons"]
    assert not set(typed["tabs"] + typed["buttons"]) & set(ENGLISH_TABS + list(BUTTONS.values()))
    shown = [m.value for m in at.markdown]
    assert typed["prediction"] in shown and not any("Prediction" in m for m in shown)  # the same digit, 7
    # a figure's words: the probability bars' axis title and its hover text (plotly's fields kept)
    fig = _chart(at, "mnist_draw_probs")
    assert fig["layout"]["yaxis"]["title"]["text"] == typed["probability"] != "probability"
    assert fig["layout"]["xaxis"]["title"]["text"] == i18n.translate(lang, "digit") != "digit"
    hover = fig["data"][0]["hovertemplate"]
    assert "%{x}" in hover and "%{y:.4f}" in hover and "probability" not in hover
    # the numbers stay the engine's: the ten probabilities printed under the bars, as in English
    english = _mnist(None, drawing="seven")
    numbers = [t for t in figure_texts(english) if t.startswith("0: ")]
    assert len(numbers) == 1 and numbers[0] in figure_texts(at)


def test_every_tab_renders_in_every_language_with_its_own_words():
    # one element of each tab whose label is a catalogue entry (the English label where lang is en)
    wanted = {
        "Draw a digit": ("mnist_teach_go", "Teach it"),
        "Train": ("mnist_train_go", "Train a new network"),
        "Step": ("mnist_step_next", "Next phase"),
        "Loss surface": ("mnist_surface_go", "Compute the surface"),
    }
    for lang in i18n.LANGUAGES:
        for tab, (key, english) in wanted.items():
            at = _mnist(lang, tab)
            assert _open_tab(at) == i18n.translate(lang, tab), (lang, tab)
            label = at.button(key=key).label
            assert label == i18n.translate(lang, english) and (label == english) == (lang == "en"), (lang, tab)


def test_the_open_tab_and_the_inputs_survive_a_language_switch():
    at = _mnist(None, "Step")
    at.number_input(key="mnist_step_batch").set_value(8).run()
    at.sidebar.selectbox(key="lang").set_value("zh-Hant").run()
    assert not at.exception, at.exception
    assert _open_tab(at) == "單步" and [t.label for t in at.tabs][2] == "單步"
    assert at.number_input(key="mnist_step_batch").label == "批次大小"
    assert at.number_input(key="mnist_step_batch").value == 8  # the visitor's input is kept
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert _open_tab(at) == "Step" and at.number_input(key="mnist_step_batch").value == 8


def test_a_training_limit_message_in_korean():
    at = _mnist("ko", "Train")
    at.text_input(key="mnist_cfg_hidden").set_value("64, x")  # in the form: sent with the submit below
    at.button(key="mnist_train_go").click().run()
    assert not at.exception, at.exception
    error = shown_text(at.error[0].value)
    # the two catalogue sentences, one inside the other; the numbers are the limits' own
    assert error == (
        "은닉층: 1 이상 1024 이하의 크기를 쉼표로 구분해 1~4개 입력하세요 (예: 256 또는 64, 32). "
        "현재 모델은 그대로 유지됩니다."
    )


def test_a_models_origin_is_stored_once_and_read_in_the_language_shown():
    at = _mnist("ko", "Train")
    at.text_input(key="mnist_cfg_hidden").set_value("16")
    at.number_input(key="mnist_cfg_epochs").set_value(1)
    at.button(key="mnist_train_go").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["mnist_model"].epochs) == 1
    at.run()  # the caption above the form is drawn before the run trains: the next run names the new model
    # ko: "이 세션에서 훈련됨 ({done})" with "{seconds}초 동안 {n} 에포크" (one plural form) inside
    caption = next(c.value for c in at.caption if c.value.startswith("사용 중인 모델: 784-16-10"))
    assert "— 이 세션에서 훈련됨 (" in caption and "초 동안 1 에포크)." in caption
    at.sidebar.selectbox(key="lang").set_value("en").run()  # the same stored origin, now read in English
    caption = next(c.value for c in at.caption if c.value.startswith("Model in use: 784-16-10"))
    assert "— trained in this session (1 epoch in " in caption  # the English singular for 1
    assert str(at.session_state["mnist_model"].origin) in caption


def test_phrases_read_english_outside_a_run_with_the_english_plural():
    assert str(page.PRETRAINED_ORIGIN) == "pretrained (shipped with nnviz)"
    one, three = (
        page.Phrase.ngettext("{n} epoch in {seconds} s", "{n} epochs in {seconds} s", n, seconds="2.5") for n in (1, 3)
    )
    assert (str(one), str(three)) == ("1 epoch in 2.5 s", "3 epochs in 2.5 s")
    nested = page._phrase("trained in this session ({done})", done=three)
    assert str(nested) == "trained in this session (3 epochs in 2.5 s)" and nested.shown() == str(nested)
    assert page.Phrase("{n} epoch in {seconds} s", (("n", 1), ("seconds", "2.5")), "{n} epochs in {seconds} s") == one


def test_the_full_sets_read_error_follows_the_language(tmp_path, monkeypatch):
    # files named as MNIST's but not IDX: the message is built once per language (not cached in the first one)
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (tmp_path / name).write_bytes(b"\x01\x02\x03\x04 not IDX")
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    at = _mnist("ko", "Train")
    warning = shown_text(at.warning[0].value)
    assert warning == (
        "전체 MNIST 세트를 읽을 수 없어 (train-images-idx3-ubyte: IDX 파일이 아닙니다 (매직 넘버가 잘못됨)) "
        "내장 부분 집합을 사용합니다."
    )
    assert str(tmp_path) not in warning
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert shown_text(at.warning[0].value) == (
        "The full MNIST set could not be read (train-images-idx3-ubyte: not an IDX file (bad magic number)); "
        "using the embedded subset."
    )

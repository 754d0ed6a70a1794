"""The step-through pages (study, toy, Playground) in Korean and Chinese: what a visitor reads there.

Each expected word is the catalogue's (read through :func:`nnviz.i18n.translate`, the compiled
``.po``), checked to differ from the English so that an untranslated string cannot pass, and the
English of the same place is checked too: the contract labels ("Download worked step", the quiz's
"What is …?") and the messages other tests and tools read stay as they were. The numbers inside a
translated message are the ones the rule or the engine gives (a learning rate of 1000 is outside
(0, 100]; the share of saturated points is recomputed here from σ′ = a(1 − a)).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from nnviz import examples, i18n, quiz, stepper
from nnviz.engine import Network

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def _tr(lang: str, english: str, context: str | None = None) -> str:
    t = i18n.translations(lang)
    text = t.gettext(english) if context is None else t.pgettext(context, english)
    assert text != english, f"{english!r} has no {lang} translation"
    return text


def _app(query: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at._page_hash = calc_hash(page)  # as tests/test_i18n.py: AppTest.switch_page needs a file
        at.run()
    assert not at.exception, at.exception
    return at


def test_the_study_page_in_korean_and_in_english():
    ko = _app({"lang": "ko"})
    assert ko.title[0].value == _tr("ko", "Study hours (regression, seed 003)") == "공부 시간 (회귀, 튜토리얼 003)"
    assert _tr("ko", "Network") in [h.value for h in ko.sidebar.header]
    # a select's options: the values stay the engine's names, the labels come from the catalogue
    bias = ko.sidebar.selectbox(key="study_bias")
    assert bias.value == "none"  # seed 003's net has no biases
    assert bias.options == [_tr("ko", w, "biases") for w in ("trainable", "frozen", "none")]
    mode = ko.sidebar.radio(key="study_batch_mode")
    assert mode.value == "full" and mode.options == [
        _tr("ko", "one sample"),
        _tr("ko", "mini-batch"),
        _tr("ko", "full", "batch"),
    ]
    assert ko.button(key="study_pin").label == _tr("ko", "Pin this run's loss curve")
    assert [t.label for t in ko.tabs] == [
        _tr("ko", w) for w in ("What the network does", "Gradient check", "Weights over time", "Save / load")
    ]
    # the contract label, translated here, English below
    assert ko.get("download_button")[0].proto.label == _tr("ko", "Download worked step")
    en = _app({})
    assert en.title[0].value == "Study hours (regression, seed 003)"
    assert en.get("download_button")[0].proto.label == "Download worked step"
    assert en.sidebar.selectbox(key="study_bias").options == ["trainable", "frozen", "none"]
    assert [t.label for t in en.tabs] == ["What the network does", "Gradient check", "Weights over time", "Save / load"]


def test_the_language_switch_keeps_the_learners_settings():
    # a widget with a translated label keeps its value when the label changes (its key is its id)
    at = _app({"lang": "en"})
    at.sidebar.number_input(key="study_seed").set_value(7).run()
    at.sidebar.selectbox(key="study_bias").set_value("frozen").run()  # options whose labels are translated
    at.sidebar.radio(key="study_batch_mode").set_value("one sample").run()
    before = at.session_state["study_run"].config
    at.sidebar.selectbox(key="lang").set_value("zh-Hant").run()
    assert not at.exception, at.exception
    seed = at.sidebar.number_input(key="study_seed")
    assert seed.value == 7 and seed.label == _tr("zh-Hant", "Seed") == "隨機種子"
    assert at.sidebar.selectbox(key="study_bias").value == "frozen"
    assert at.sidebar.radio(key="study_batch_mode").value == "one sample"
    cfg = at.session_state["study_run"].config
    assert cfg == before and (cfg.seed, cfg.bias_mode, cfg.batch) == (7, "frozen", "1")  # the same run


def test_the_open_tab_stays_open_when_the_language_changes():
    # Streamlit keys st.tabs by their labels: new labels would open the first tab again
    at = _app({})
    at.session_state["study_tabs"] = "Gradient check"  # the learner opened the gradient check
    at.run()
    caption = "Analytic gradient (backprop) against central finite differences"
    assert any(c.value.startswith(caption) for c in at.caption)
    at.sidebar.selectbox(key="lang").set_value("ko").run()
    assert not at.exception, at.exception
    assert at.session_state["study_tabs"] == _tr("ko", "Gradient check")
    ko_caption = _tr("ko", caption + " (L(θ+ε) − L(θ−ε))/2ε with ε = 1e-6, on the batch of the step on screen.")
    assert ko_caption in [c.value for c in at.caption]


@pytest.mark.parametrize(
    "lang, expected",
    [
        # from_query's rule: a learning rate must be in (0, 100]; 1000 is not ("1000" is its :g form)
        ("en", "Could not open the shared link (learning rate 1000 is outside (0, 100]); showing the default run."),
        ("ko", "공유된 링크를 열 수 없습니다(학습률 1000이(가) (0, 100] 범위를 벗어납니다). 기본 실행을 보여 줍니다."),
        ("zh-Hans", "无法打开分享的链接（学习率 1000 超出 (0, 100] 的范围）；现显示默认运行。"),
    ],
)
def test_a_bad_link_says_why_in_the_language_it_names(lang, expected):
    at = _app({"ex": "study", "lr": "1000", "lang": lang})
    assert expected in [w.value for w in at.warning]
    if lang != "en":  # the catalogue's two sentences, nested as the page nests them
        why = _tr(lang, "learning rate {lr} is outside (0, 100]").format(lr="1000")
        assert expected == _tr(lang, "Could not open the shared link ({why}); showing the default run.").format(why=why)
    assert at.session_state["study_run"].updates_applied == 0  # the default run


@pytest.mark.parametrize("page, title", [("toy", "Toy classification (seed 004)"), ("playground", "Playground")])
def test_the_toy_and_playground_titles_and_intros(page, title):
    at = _app({"lang": "zh-Hant"}, page)
    assert at.title[0].value == _tr("zh-Hant", title)
    assert at.expander[0].label == _tr("zh-Hant", "About this example") == "關於這個範例"


# ---------------------------------------------------------------------------
# Messages made outside the page (stepper, quiz): in the session's language, computed in a run.


def _in_language(lang: str, fn, *args):
    """fn(*args) inside a Streamlit run whose session is in ``lang``; its result."""

    def script(lang_, fn_, args_):
        import streamlit as st

        from nnviz import i18n

        i18n.setup()
        st.session_state["result"] = fn_(*args_)

    at = AppTest.from_function(script, args=(lang, fn, args), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at.session_state["result"]


def _saturated_toy():
    net = stepper.build_network(stepper.default_config("toy"))
    return Network.from_arrays([w * 60 for w in net.weights], [b * 60 for b in net.biases], net.activations)


def test_the_saturation_warning_in_korean_keeps_its_numbers():
    big, data = _saturated_toy(), examples.toy_dataset()
    a = big.predict(data.X)
    share = np.mean(np.all(a * (1 - a) < 1e-3, axis=1))  # σ′ = a(1 − a), as tests/test_diagnose.py
    (en,) = stepper.diagnose(big, data, "half_sse")  # outside a run: English
    (ko,) = _in_language("ko", stepper.diagnose, big, data, "half_sse")
    assert en.startswith(f"Saturated output: for {100 * share:.0f} % of the 10 training points every sigmoid output")
    assert ko.startswith(f"출력 포화: 훈련 점 10개 중 {100 * share:.0f} %에서 모든 sigmoid 출력의 f′(z) < 0.001")
    median = f"{float(np.median(np.abs(big.forward(data.X).layers[-1].z))):.3g}"
    assert f"(median |z| = {median})" in en and f"(|z|의 중앙값 = {median})" in ko


def _study_record():
    run = stepper.Run(stepper.default_config("study"))
    run.step(examples.STUDY_LR)
    return run.history.record(0)


def _prompts(rec):
    return [q for p, ph in enumerate(rec.phases) for q in quiz.questions(rec, ph, None, 0, 0, p)]


def test_quiz_questions_in_chinese_ask_the_same_numbers():
    rec = _study_record()
    en = _prompts(rec)
    zh = _in_language("zh-Hans", _prompts, rec)
    assert len(en) == len(zh) > 0
    for e, z in zip(en, zh):
        assert e["answer"] == z["answer"] and e["tol"] == z["tol"] and e["hint"] == z["hint"]  # numbers, LaTeX
        assert e["prompt"] == quiz.TEXT[e["what"]].format(name=e["name"])  # English: the sentences as before
        assert z["prompt"] == _tr("zh-Hans", quiz.TEXT[e["what"]]).format(name=e["name"])
    first = en[0]  # forward layer 1 asks z then a of a neuron of layer 1
    assert first["what"] == "z" and first["prompt"] == f"What is the pre-activation {first['name']}?"
    assert zh[0]["prompt"] == f"预激活值 {first['name']} 是多少？"


def test_the_loss_hint_names_the_reduction_in_the_sessions_language():
    # seed 004 trains on one sample per step: the loss question's hint is the formula with ŷ and y
    run = stepper.Run(stepper.default_config("toy"))
    run.step(examples.TOY_LR)
    rec = run.history.record(0)
    (en,) = [q for q in _prompts(rec) if q["what"] == "loss"]
    (ko,) = [q for q in _in_language("ko", _prompts, rec) if q["what"] == "loss"]
    assert r"\text{(sum over the batch)}" in en["hint"]  # half_sse's reduction (engine.LOSSES)
    assert ko["hint"] == en["hint"].replace("sum over the batch", _tr("ko", "sum over the batch"))
    assert ko["answer"] == en["answer"]


def test_the_stop_message_in_traditional_chinese():
    def stopped():
        run = stepper.Run(stepper.default_config("toy"))
        run.set_stop_rule(("loss_below", 10.0))  # ½·Σ(t − o)² of two sigmoid outputs is below 1: step 1 meets it
        run.step(examples.TOY_LR)
        return run.stop_message(), float(run.metrics()[0, 0])

    msg, loss = _in_language("zh-Hant", stopped)
    assert loss < 1.0
    assert msg == f"在第 1 步停止：訓練損失 {loss:.6g} 低於 10。要繼續訓練，請在側邊欄中選擇其他停止條件。"


# ---------------------------------------------------------------------------
# The link the page writes keeps the language (docs/notes/i18n.md, "To do in stepper_page._sync_url").


def _study_page_alone():
    """The study page without app.py: no i18n.keep_in_url after it (as in a fragment's rerun)."""
    import streamlit as st

    from nnviz import i18n, state
    from nnviz.pages import stepper_page, teaching

    i18n.setup()
    stepper_page.render_study()
    ps = st.session_state[state.key("study", "player_session")]
    teaching.make_share("study", state.run("study"), ps, quiz_on=True)  # the player's Share for class
    st.session_state["shared"] = st.session_state.pop(state.key("study", "share"))["query"]


def test_the_page_writes_lang_into_its_link_and_into_share_for_class():
    at = AppTest.from_function(_study_page_alone, default_timeout=TIMEOUT)
    at.query_params["lang"] = "zh-Hant"
    at.run()
    assert not at.exception, at.exception
    assert at.query_params["lang"] == "zh-Hant" and at.query_params["ex"] == "study"  # _sync_url's own write
    shared = {k: v[0] for k, v in parse_qs(at.session_state["shared"]).items()}
    assert shared["lang"] == "zh-Hant" and shared["classroom"] == "1" and shared["quiz"] == "1"
    # a visitor in English by default: no lang is added
    en = AppTest.from_function(_study_page_alone, default_timeout=TIMEOUT)
    en.run()
    assert "lang" not in en.query_params and en.query_params["ex"] == "study"
    assert "lang" not in parse_qs(en.session_state["shared"])

"""The player and the arithmetic panel in Korean and Chinese (issue 10 item 4), without a browser.

- The player's payload carries its words (buttons, tooltips, status, quiz box) and the phases' names
  in the session's language, while ``labels`` (the browser's ``data-phase``) stay the engine's English
  ``Phase.label``: the expected words are the catalogues' (:func:`nnviz.i18n.translate`), each checked
  to differ from the English, and the English ones are the issue's contract labels.
- A change of language makes the session send every frame anew (the browser's old frames have the
  old words).
- The arithmetic panel's words are translated and its LaTeX minus the words, and every line's value,
  are the same in every language (the numbers are the engine's, whatever the language).

Outside a Streamlit run :func:`nnviz.i18n.current` answers English; the tests set the session's
language by replacing it (``_`` and ``translator`` read it on every call).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from nnviz import arithmetic, i18n, stepper
from nnviz.player import payload
from nnviz.player.mathml import equation_html
from nnviz.player.session import PlayerSession

URL = "/app/static/plotly.min.js"
LANGS = [code for code in i18n.LANGUAGES if code != "en"]
#: the phases of one update of a net with two weight layers (the toy page's 2-2-2), the engine's labels
PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
#: the same in Korean, in the glossary's terms (순전파 forward, 역전파 backward, 손실 loss, 업데이트 update)
PHASES_KO = ["순전파 1층", "순전파 2층", "손실", "역전파 2층", "역전파 1층", "업데이트"]


@pytest.fixture
def lang(monkeypatch):
    """Set the session's language: ``lang("ko")``."""

    def set_lang(code: str) -> None:
        monkeypatch.setattr(i18n, "current", lambda: code)

    return set_lang


def _session(example: str = "toy", lr: float = 0.02) -> PlayerSession:
    ps = PlayerSession(lr=lr)
    ps.attach(stepper.Run(stepper.default_config(example)))
    return ps


def _translated(code: str, english: str) -> str:
    text = i18n.translate(code, english)
    assert text != english, f"{english!r} has no {code} translation"
    return text


def test_the_payload_in_english_keeps_the_contract_labels():
    data = _session().data(URL, False)
    t = data["text"]
    assert t["lang"] == "en"
    assert (t["next"], t["next_tip"], t["back"], t["play"], t["run"], t["reset"]) == (
        "Next phase", "Compute the next phase (→)", "Back", "Play", "Run", "Reset"
    )
    # issue 10's quiz labels: the browser shows these words at ?lang=en
    assert (t["quiz_toggle"], t["quiz_answer"], t["quiz_check"], t["quiz_show"]) == (
        "Quiz me", "Your answer", "Check", "Show answer"
    )
    assert t["quiz_answer_is"].format(shown="0.5") == "Answer: 0.5"
    assert t["quiz_wrong"].startswith("Not quite") and t["quiz_correct"].startswith("Correct")
    assert data["labels"] == PHASES and data["names"] == PHASES


@pytest.mark.parametrize("code", LANGS)
def test_the_payload_carries_translated_words_and_english_phase_labels(lang, code):
    lang(code)
    data = _session().data(URL, False)
    t = data["text"]
    assert t["lang"] == code
    for key in ("next", "next_tip", "back", "back_tip", "step", "play", "pause", "run", "reset", "quiz_toggle"):
        assert t[key] == _translated(code, payload.UI_TEXT[key]), key
    assert data["labels"] == PHASES  # data-phase: the engine's labels, whatever the language
    assert data["names"] == [i18n.translate(code, "forward layer {layer}").format(layer=1)] + data["names"][1:]
    assert all(name != label for name, label in zip(data["names"], data["labels"]))
    # the browser fills the {fields}: each translation keeps the English one's
    for key, english in payload.UI_TEXT.items():
        assert set(re.findall(r"\{(\w+)\}", t[key])) == set(re.findall(r"\{(\w+)\}", english)), key


def test_the_korean_phase_names_are_the_glossarys(lang):
    lang("ko")
    data = _session().data(URL, False)
    assert data["names"] == PHASES_KO and data["labels"] == PHASES
    assert data["text"]["next"] == "다음 단계"  # "phase" is 단계 in the glossary


def test_the_status_and_the_idle_note_are_translated_with_the_same_numbers(lang):
    ps = _session()
    ps.handle({"a": "goto", "k": 1, "p": 5})  # two steps of the toy run (one sample each, in order)
    en = ps.data(URL, False)
    lang("ko")
    ko = ps.data(URL, False)
    # step 2 is epoch 1's second sample (#1): the same numbers in the Korean status
    assert en["steps"][1]["t"] == "Step 2 (epoch 1) on sample #1"
    assert ko["steps"][1]["t"] == "스텝 2 (에포크 1) · 샘플 #1"
    note_en, note_ko = en["idle"][0]["a"], ko["idle"][0]["a"]
    assert "press <b>Next phase</b> to compute forward layer 1." in note_en
    assert "<b>다음 단계</b>" in note_ko and "순전파 1층" in note_ko and "Next phase" not in note_ko
    assert re.findall(r"\d+", note_en) == re.findall(r"\d+", note_ko)


def test_a_new_language_sends_every_frame_anew(lang):
    ps = _session()
    ps.handle({"a": "goto", "k": 0, "p": 0})
    first = ps.data(URL, False)
    assert 0 in first["steps"]
    ps.handle({"a": "cursor", "k": 0, "p": 0, "have": [0, 1, 2, 3]})  # the browser holds steps 0-3
    again = ps.data(URL, False)
    assert again["clear"] is False and 0 not in again["steps"]  # not sent twice
    lang("zh-Hant")
    ps.handle({"a": "cursor", "k": 0, "p": 0, "have": [0, 1, 2, 3]})
    switched = ps.data(URL, False)
    assert switched["clear"] is True  # the browser drops its English frames …
    assert switched["steps"][0]["t"].startswith("第 1 步")  # … and gets them anew, in the new language
    ps.handle({"a": "cursor", "k": 0, "p": 0, "have": [0, 1, 2, 3]})
    assert ps.data(URL, False)["clear"] is False  # once


def test_the_divergence_message_is_translated_with_its_step_and_rate(lang):
    # the study net with ReLU, a linear output and N(0, 1) weights diverges at η = 100 (test_app's case)
    cfg = replace(stepper.default_config("study"), activations=("relu", "identity"), init="normal")
    ps = PlayerSession(lr=100.0)
    ps.attach(stepper.Run(cfg))
    ps.handle({"a": "goto", "k": 299, "p": 5})
    run = ps.run
    assert run.diverged_at is not None
    en = ps.data(URL, False)["message"]
    assert en.startswith(f"Diverged at step {run.diverged_at + 1}: ") and "(learning rate 100)" in en
    lang("zh-Hans")
    zh = ps.data(URL, False)["message"]
    assert zh.startswith(f"在第 {run.diverged_at + 1} 步发散") and "学习率 100" in zh


# ---------------------------------------------------------------------------
# The arithmetic panel: words translated, numbers and formulas the same.

_TEXT = re.compile(r"\\text\{[^{}]*\}")


def _panel_lines(ps: PlayerSession) -> list[arithmetic.Line]:
    """Every line the panel can show for the recorded steps: each neuron and weight in each phase, the loss."""
    out = []
    for k in range(len(ps.run.history)):
        rec = ps.run.history.record(k)
        for ph in rec.phases:
            out += arithmetic.loss_lines(rec, ph)
            for layer in range(1, rec.before.n_layers + 1):
                n_in, n_out = rec.before.weights[layer - 1].shape
                for j in range(n_out):
                    out += arithmetic.neuron_lines(rec, layer, j, 0, ph)
                    out += [ln for i in range(n_in) for ln in arithmetic.edge_lines(rec, layer, i, j, ph)]
    return out


CONFIGS = {
    # the toy net: the contribution, δ, ∂L/∂w and the update lines; the loss after the update
    "toy": stepper.default_config("toy"),
    # cross-entropy fused with softmax, an L1 penalty that kills links, frozen biases, Adam's state
    "fused-l1-frozen-adam": stepper.Config(
        "toy", (3,), ("tanh", "softmax"), "cross_entropy", bias_mode="frozen", batch="full",
        regularization="l1", regularization_rate=0.5, optimizer="adam",
    ),
}


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("code", LANGS)
def test_the_panels_words_are_translated_and_its_numbers_are_the_same(lang, code, name):
    ps = PlayerSession(lr=0.5)
    ps.attach(stepper.Run(CONFIGS[name]))
    ps.handle({"a": "goto", "k": 2, "p": 5})
    en = _panel_lines(ps)
    lang(code)
    tr = _panel_lines(ps)
    assert len(tr) == len(en) > 100
    assert [ln.value for ln in tr] == [ln.value for ln in en]
    assert [ln.what for ln in tr] == [ln.what for ln in en]
    # without its words, each line is the English one: the same formula, the same numbers
    assert [_TEXT.sub("", ln.latex).replace(" ", "") for ln in tr] == [
        _TEXT.sub("", ln.latex).replace(" ", "") for ln in en
    ]
    worded = [(e.latex, t.latex) for e, t in zip(en, tr) if r"\text{" in e.latex]
    assert worded and all(e != t for e, t in worded)  # every English word is translated
    cache: dict[str, str] = {}
    for _e, t in worded:  # and converts to MathML (the words in <mtext>)
        assert "<mtext>" in equation_html(t, cache)


def test_the_panel_in_korean_uses_the_catalogues_words(lang):
    ps = _session()
    ps.handle({"a": "goto", "k": 0, "p": 5})
    rec = ps.run.history.record(0)
    update = rec.phases[-1]
    lang("ko")
    contrib = next(ln for ln in arithmetic.edge_lines(rec, 1, 0, 0, update) if ln.what == "contrib")
    # the catalogue's "{tex}에 대한 기여" ("contribution to z1[0]"): Korean puts the formula first
    assert i18n.translate("ko", "contribution to {tex}") == "{tex}에 대한 기여"
    assert contrib.latex.startswith(r" \mathrm{z1}[0]\text{에 대한 기여}:\; \mathrm{W1}[0,0]\cdot")
    after = arithmetic.loss_lines(rec, update)[-1]
    assert after.latex.startswith(r"L_\text{업데이트 후} = ")
    assert payload.selection_name(("edge", 2, 1, 0)) == "W2[1,0] (1층의 뉴런 1 → 2층의 뉴런 0)"

"""The figures, the data page, the CSV messages and the worked step in 한국어 / 简体中文 / 繁體中文.

Each check compares a language with English: the words are the catalogue's (typed in the
``.po`` files, read back through Babel and gettext) and differ from English, while every number
is the same, digit for digit. The language is set as a Streamlit run sets it (``i18n.current``
reads the session's choice; here it is patched), or with ``?lang=`` for the pages (AppTest).
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from nnviz import figures, i18n
from nnviz.engine import loss_surface, phases, unit_direction
from nnviz.examples import TOY_LABELS, TOY_X, TOY_Y, toy_history

NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


@pytest.fixture
def lang(monkeypatch):
    """Switch the language the figures read (what ``?lang=`` / the picker set in a session)."""

    def use(code: str) -> None:
        monkeypatch.setattr(i18n, "current", lambda: code)

    return use


def _toy_step():
    h = toy_history()
    h.step(0.02)
    return h, h.step(0.02)  # step 2 of the seed: sample #1


def _hovers(spec: dict) -> dict:
    """{customdata: hover text} of the diagram's neurons and edges (greyed ones too)."""
    out = {}
    for t in spec["data"]:
        if t.get("name") in ("neurons", "neurons (greyed)", "edges", "edges (greyed)"):
            for cd, hover in zip(t["customdata"], t["hovertext"]):
                out[tuple(cd)] = hover
    return out


def _values(hover: str) -> list[str]:
    """The numbers of a hover text after its heading line, as printed (the heading names, the rest measures)."""
    return [line.rpartition(" = ")[2] for line in hover.split("<br>")[1:]]


@pytest.mark.parametrize("code", ["ko", "zh-Hans", "zh-Hant"])
def test_the_diagrams_hover_text_is_translated_and_its_numbers_are_the_same(lang, code):
    _, rec = _toy_step()
    for phase in [*phases(rec.before.n_layers), None]:
        lang("en")
        english = figures.network_diagram(rec.before, rec, phase, 0)
        lang(code)
        other = figures.network_diagram(rec.before, rec, phase, 0)
        en_h, xx_h = _hovers(english), _hovers(other)
        assert en_h.keys() == xx_h.keys()
        for key, hover in en_h.items():
            assert _values(xx_h[key]) == _values(hover), (phase, key)  # every number, digit for digit
            assert sorted(NUMBER.findall(xx_h[key])) == sorted(NUMBER.findall(hover)), (phase, key)
            assert xx_h[key].split("<br>")[0] != hover.split("<br>")[0]  # the heading is in words
        # the node labels (3 significant digits) are numbers only
        for a, b in zip(english["data"], other["data"]):
            assert a.get("text") == b.get("text")
    # one heading and one line spelled out: the catalogue's words (nnviz/locale/*/messages.po)
    lang(code)
    loss_phase = next(p for p in phases(rec.before.n_layers) if p.kind == "loss")
    hover = _hovers(figures.network_diagram(rec.before, rec, loss_phase, 0))
    heading = {"ko": "<b>1층, 뉴런 0</b> (sigmoid)", "zh-Hans": "<b>第 1 层，神经元 0</b>（sigmoid）",
               "zh-Hant": "<b>第 1 層，神經元 0</b>（sigmoid）"}[code]
    assert hover[("neuron", 1, 0)].split("<br>")[0] == heading
    target = {"ko": "목표값 y", "zh-Hans": "目标值 y", "zh-Hant": "目標值 y"}[code]
    y = rec.grads.targets[0, 0]  # the toy's label one-hot: 0 or 1
    assert f"{target} = {figures._fmt(y, 6)}" in hover[("neuron", 2, 0)].split("<br>")


def test_the_diagrams_axis_and_title_in_korean(lang):
    _, rec = _toy_step()
    lang("ko")
    forward1 = phases(rec.before.n_layers)[0]
    spec = figures.network_diagram(rec.before, rec, forward1, 0)
    # seed 004's toy net is 2-2-2 sigmoid; step 2 trains on sample #1
    assert spec["layout"]["xaxis"]["ticktext"] == ["입력", "1층<br>sigmoid", "2층<br>sigmoid"]
    assert spec["layout"]["title"]["text"] == "순전파 1층, 샘플 #1"
    lang("en")
    spec = figures.network_diagram(rec.before, rec, forward1, 0)
    assert spec["layout"]["xaxis"]["ticktext"] == ["input", "layer 1<br>sigmoid", "layer 2<br>sigmoid"]
    assert spec["layout"]["title"]["text"] == "forward layer 1, sample #1"


def test_the_loss_curve_speaks_korean_and_keeps_its_numbers_and_english_ids(lang):
    h, _ = _toy_step()
    losses = np.array(h.losses)
    measures = np.vstack([losses, losses, np.full(losses.size, 0.5), np.full(losses.size, 0.25)])
    pinned = [("η=0.02", np.arange(1, 3), losses)]
    lang("en")
    en = figures.loss_curve(losses, 2, measures=measures, pinned=pinned)
    lang("ko")
    ko = figures.loss_curve(losses, 2, measures=measures, pinned=pinned)
    go.Figure(ko)  # a valid plotly figure (meta is a trace attribute)
    assert ko["layout"]["xaxis"]["title"]["text"] == "스텝" != en["layout"]["xaxis"]["title"]["text"] == "step"
    assert ko["layout"]["yaxis"]["title"]["text"] == "배치 손실"
    assert en["layout"]["yaxis"]["title"]["text"] == "batch loss"
    assert ko["layout"]["yaxis2"]["title"]["text"] == "정확도 %"
    names = [t["name"] for t in ko["data"]]
    current = i18n.translations("ko").pgettext("figure", "current")
    assert names == ["손실", current, "훈련 손실", "테스트 손실", "훈련 정확도", "테스트 정확도", "고정: η=0.02"]
    assert names[1] != "current"
    # the English names stay, in meta, for readers that look a trace up
    assert [t["meta"] for t in ko["data"]] == [t["name"] for t in en["data"]]
    # the player finds the marker it moves by its meta (player.js traceIndex): "current" in every
    # language, while the legend shows the translated name
    assert ko["data"][1]["meta"] == en["data"][1]["meta"] == "current"
    assert "showlegend" not in ko["data"][1] and "showlegend" not in en["data"][1]
    assert ko["data"][1]["hovertemplate"].startswith("현재 스텝 %{x}: L = ")
    # the title's numbers: training accuracy 0.5 → "50.0 %", test 0.25 → "25.0 %", in both languages
    assert "훈련 정확도 50.0 %" in ko["layout"]["title"]["text"]
    assert "training accuracy 50.0 %" in en["layout"]["title"]["text"]
    assert NUMBER.findall(ko["layout"]["title"]["text"]) == NUMBER.findall(en["layout"]["title"]["text"])
    # hover: the same Plotly number formats, only the words differ
    for a, b in zip(en["data"], ko["data"]):
        assert re.findall(r"%\{[^}]*\}", a["hovertemplate"]) == re.findall(r"%\{[^}]*\}", b["hovertemplate"])
        assert a["hovertemplate"] != b["hovertemplate"]
        assert np.array_equal(np.asarray(a["y"], dtype=float), np.asarray(b["y"], dtype=float), equal_nan=True)


def test_the_decision_regions_and_loss_surface_in_chinese(lang):
    h, _ = _toy_step()
    net = h.network()
    lang("en")
    en = figures.decision_boundary(net, TOY_X, TOY_LABELS, resolution=10)
    lang("zh-Hant")
    zh = figures.decision_boundary(net, TOY_X, TOY_LABELS, resolution=10)
    assert [t["name"] for t in zh["data"][1:]] == ["類別 0", "類別 1"]
    assert [t["name"] for t in en["data"][1:]] == ["class 0", "class 1"]
    assert zh["layout"]["title"]["text"].startswith("決策區域：")
    # "5 of 10" / "10 個中有 5 個": the same numbers, in the language's order
    zh_title, en_title = zh["layout"]["title"]["text"], en["layout"]["title"]["text"]
    assert sorted(NUMBER.findall(zh_title)) == sorted(NUMBER.findall(en_title))
    for a, b in zip(en["data"][1:], zh["data"][1:]):
        for ha, hb in zip(a["hovertext"], b["hovertext"]):
            assert NUMBER.findall(hb) == NUMBER.findall(ha) and ha != hb
    assert np.array_equal(en["data"][0]["z"], zh["data"][0]["z"])  # the regions themselves
    assert "預測類別 %{customdata}" in zh["data"][0]["hovertemplate"]
    d1, d2 = unit_direction(net, "W1[0,0]"), unit_direction(net, "W2[1,0]")
    surf = loss_surface(net, TOY_X, TOY_Y, "half_sse", d1, d2, np.linspace(-2, 2, 5), np.linspace(-1, 1, 5))
    path = np.array([[0.1, 0.2], [0.3, 0.4]])
    for kind in ("contour", "surface"):
        lang("en")
        en = figures.loss_surface_figure(surf, path, ("W1[0,0]", "W2[1,0]"), kind, gradient=np.array([0.5, -0.2]))
        lang("zh-Hans")
        zh = figures.loss_surface_figure(surf, path, ("W1[0,0]", "W2[1,0]"), kind, gradient=np.array([0.5, -0.2]))
        assert zh["layout"]["title"]["text"] == "损失随 W1[0,0] 和 W2[1,0] 的变化"
        assert en["layout"]["title"]["text"] == "Loss over W1[0,0] and W2[1,0]"
        assert zh["data"][0]["colorbar"]["title"]["text"] == "损失"
        # the traces readers look up keep their English names; the values are the same arrays
        assert [t["name"] for t in zh["data"]] == [t["name"] for t in en["data"]]
        assert np.array_equal(zh["data"][0]["z"], en["data"][0]["z"], equal_nan=True)
        assert zh["data"][1]["hovertemplate"].endswith("<extra>路径</extra>")


def test_layer_matrices_say_not_yet_in_korean(lang):
    _, rec = _toy_step()
    forward1 = phases(rec.before.n_layers)[0]
    lang("ko")
    spec = figures.layer_matrices(rec, 0, 0, forward1)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    # at forward layer 1 the gradients and the update are not computed yet (2×2 weights of the toy net)
    assert titles[1] == "∂L/∂W1 (2×2) — 아직 계산 전" and titles[0] == "W1 (2×2)"
    assert spec["layout"]["title"]["text"] == "1층 (sigmoid): 이번 스텝의 행렬"


# ---------------------------------------------------------------------------
# The "Your data" page (AppTest, ?lang=…): its words, a CSV's error, the outcome of "Use this data".


def _data_app(code: str | None):
    from test_i18n import _app

    return _app(code, "data")


def _upload(at, name: str, content: bytes):
    at.file_uploader(key="data_upload").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _shown(elements) -> list[str]:
    from nnviz import safe_text

    return [safe_text.shown_text(e.value) for e in elements]


def test_the_data_page_in_korean():
    from nnviz import userdata

    at = _data_app("ko")
    assert at.title[0].value == "내 데이터" == i18n.translate("ko", "Your data")
    assert any(m.value.startswith("머리글 행이 있는 CSV 파일을 올리고") and "10,000행, 50열, 5 MB" in m.value
               for m in at.markdown)  # the limits: userdata.MAX_ROWS, MAX_COLUMNS, MAX_FILE_BYTES
    assert _shown(at.info) == [
        "아직 사용 중인 데이터가 없습니다: 파일(또는 위의 샘플)을 올리고 열을 고른 다음 **이 데이터 사용**을 누르세요."
    ]
    _upload(at, "empty.csv", b"")
    assert _shown(at.error) == ["empty.csv: 파일이 비어 있습니다."]
    # the study sample: 3 rows (seed 003's data), hours studied, hours slept → score (a regression target)
    _upload(at, "study.csv", userdata.sample_csv("study").encode())
    assert not at.error
    assert at.selectbox(key="data_target").label == "목표 열 (예측할 값)"
    assert at.multiselect(key="data_inputs").label == "입력 열"
    task = at.radio(key="data_task")
    assert task.label == "작업 (감지됨: 회귀)" and task.options == ["분류", "회귀"] and task.value == "regression"
    scaling = at.radio(key="data_scaling")
    assert scaling.options == ["열의 최댓값으로 나누기 (튜토리얼 003처럼)", "표준화 (평균 0, 표준편차 1)", "없음"]
    assert scaling.value == "max"  # the option values stay the English identifiers
    assert any(c.value == "3행 × 3열." for c in at.caption)
    at.button(key="data_use").click().run()
    assert not at.exception, at.exception
    assert _shown(at.success) == ["이제 study.csv(으)로 훈련합니다: 3행, 입력 2개, 회귀."]
    assert _shown(at.header)[0] == "study.csv(으)로 훈련"
    # the study sample (examples.STUDY_X_RAW, STUDY_Y_RAW): hours studied ≤ 3, slept ≤ 9, scores 92, 86, 89
    note = next(c for c in _shown(at.caption) if c.startswith("3행 · 입력:"))
    assert note.startswith("3행 · 입력: hours studied / 3, hours slept / 9 · 회귀 · 출력: score / 92. ")
    assert note.endswith(
        "목표 'score'을(를) 최댓값 92(으)로 나누어 sigmoid 출력이 닿는 범위 [0, 1]에 맞췄습니다: "
        "예측값 p는 score = p × 92를 뜻합니다."
    )


def test_the_data_page_rewrites_its_messages_in_a_new_language():
    from nnviz import userdata

    at = _data_app("ko")
    _upload(at, "labels.csv", b"x,fruit\n1,apple\n2,pear\n3,apple\n")
    at.radio(key="data_task").set_value("regression").run()
    at.button(key="data_use").click().run()
    assert _shown(at.error) == ["2행, 'fruit' 열: 'apple'은(는) 숫자가 아닙니다 (입력 열에는 숫자만 있어야 합니다)."]
    at.sidebar.selectbox(key="lang").set_value("zh-Hans").run()
    assert not at.exception, at.exception
    assert _shown(at.error) == ["第 2 行，列 'fruit'：'apple' 不是数字（输入列只能包含数字）。"]
    assert at.radio(key="data_task").value == "regression"  # the choice survives the switch (keyed widgets)
    _upload(at, "toy.csv", userdata.sample_csv("toy").encode())
    at.button(key="data_use").click().run()
    from nnviz.examples import TOY_DATA

    n = len(TOY_DATA)  # the toy sample's rows (userdata.sample_csv("toy") writes seed 004's TOY_DATA)
    assert _shown(at.success) == [f"现在在 toy.csv 上训练：{n} 行，2 个输入，分类。"]
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert _shown(at.success) == [f"Now training on toy.csv: {n} rows, 2 inputs, classification."]
    _upload(at, "bad.csv", b"1,2\n3,4\n")
    assert _shown(at.error) == [
        "bad.csv: The first row (1, 2) is all numbers: the file needs a header row naming the columns, e.g. "
        "'hours,sleep,score'. Add one and upload again. The data and run you had are kept."
    ]


def test_a_csv_error_in_traditional_chinese_keeps_its_numbers():
    at = _data_app("zh-Hant")
    assert at.title[0].value == "你的資料"
    _upload(at, "rows.csv", b"a,b\n1,2\n3,4,5\n")
    # row 3 (the header is row 1) has 3 cells, the header 2 columns
    assert _shown(at.error) == [
        "rows.csv：第 3 列有 3 個儲存格，但標題列有 2 欄。每一列都需要每欄一個儲存格（檢查是否少了或多了逗號）。"
    ]


def test_the_data_page_in_english_is_unchanged():
    at = _data_app(None)
    assert at.title[0].value == "Your data"
    assert _shown(at.info) == [
        "No data in use yet: upload a file (or a sample above), choose columns, then **Use this data**."
    ]
    _upload(at, "empty.csv", b"")
    assert _shown(at.error) == ["empty.csv: The file is empty."]


# ---------------------------------------------------------------------------
# The Download worked step document.


def _worked(code: str | None, blank: bool = False) -> str:
    from nnviz import stepper, worksheet

    run = stepper.Run(stepper.default_config("study"))
    run.step(stepper.default_learning_rate("study"))
    return worksheet.document(run.history.record(0), step=1, page="Study hours", blank=blank, lang=code)


def _headings(doc: str) -> list[str]:
    return re.findall(r"<h[123]>([^<]*)</h[123]>", doc)


@pytest.mark.parametrize("blank", [False, True])
def test_the_worked_step_in_korean_and_chinese_has_the_same_maths(blank):
    from test_worksheet import parse

    english = _worked("en", blank)
    assert _worked(None, blank) == english  # outside a Streamlit run: English, as before
    assert _headings(english)[:3] == (
        ["Exercise: step 1 of Study hours", "The network", "The batch"] if blank
        else ["Worked step 1: Study hours", "The network", "The batch"]
    )
    en_parsed = parse(english)
    assert len(en_parsed.tex) > 50  # the formulas (MathML's data-tex), compared below
    phases_en = re.findall(r'data-phase="([^"]*)"', english)
    for code in ("ko", "zh-Hans", "zh-Hant"):
        doc = _worked(code, blank)
        parsed = parse(doc)  # well-formed HTML and XML in every language
        assert parsed.tex == en_parsed.tex  # every formula with its numbers, in the same order
        assert re.findall(r'data-phase="([^"]*)"', doc) == phases_en  # the engine's labels: the contract
        numbered = r'data-(?:blank|answer)="(\d+)"'
        assert re.findall(numbered, doc) == re.findall(numbered, english)
        assert f'<html lang="{code}">' in doc
        heads = _headings(doc)
        assert len(heads) == len(_headings(english)) and not set(heads) & set(_headings(english))
    ko = _headings(_worked("ko", blank))
    # seed 003's study net: 2-3-1, phases forward 1, forward 2, loss, backward 2, backward 1, update
    title = "연습 문제: Study hours의 스텝 1" if blank else "스텝 1 풀이: Study hours"
    assert ko[:3] == [title, "신경망", "배치"]
    assert "단계 1: 순전파 1층" in ko and "단계 3: 손실" in ko and "단계 6: 업데이트" in ko
    assert ("정답" in ko) == blank
    zh = _headings(_worked("zh-Hant", blank))
    assert "階段 4：反向傳播 第 2 層" in zh and "更新後的損失" in zh

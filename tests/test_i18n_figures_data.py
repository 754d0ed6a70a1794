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
    assert names == ["손실", "현재", "학습 손실", "테스트 손실", "학습 정확도", "테스트 정확도", "고정: η=0.02"]
    # the English names stay, in meta, for readers that look a trace up (the player's "current" marker)
    assert [t["meta"] for t in ko["data"]] == [t["name"] for t in en["data"]]
    # the title's numbers: training accuracy 0.5 → "50.0 %", test 0.25 → "25.0 %", in both languages
    assert "학습 정확도 50.0 %" in ko["layout"]["title"]["text"]
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

"""The worked-step document (nnviz/worksheet.py): the engine's numbers, well-formed HTML, a blank sheet.

Every expected number is read straight from the engine's StepRecord (z, a, δ, ∂L/∂W, the new
weights and biases, the losses) and written with the panel's formatter; the document must carry
each one after an "=" (worked) or hide each one until the answer key (blank).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from nnviz import stepper, worksheet
from nnviz.arithmetic import fmt

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr"}


class Balanced(HTMLParser):
    """Every non-void tag closed in order (the MathML and SVG self-closing tags count as closed)."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tex = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
        self.tex += [v for k, v in attrs if k == "data-tex"]

    def handle_startendtag(self, tag, attrs):
        self.tex += [v for k, v in attrs if k == "data-tex"]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def parse(doc: str) -> Balanced:
    p = Balanced()
    p.feed(doc)
    p.close()
    assert p.errors == [] and p.stack == [], (p.errors[:5], p.stack)
    assert doc.startswith("<!DOCTYPE html>")
    ET.fromstring(doc.split("\n", 1)[1])  # well-formed as XML too (MathML and SVG inline)
    return p


def record(example: str, k: int):
    run = stepper.Run(stepper.default_config(example))
    for _ in range(k + 1):
        assert run.step(stepper.default_learning_rate(example))
    return run.history.record(k)


def computed(rec) -> list[float]:
    """Every value a step computes, from the record: z, a, δ (batch rows ≤ 3), ∂L/∂W, ∂L/∂b, new W, new b, L."""
    out = [rec.loss_before, rec.loss_after]
    rows = min(worksheet.MAX_ROWS, rec.trace.input.shape[0])
    for l, (t, g) in enumerate(zip(rec.trace.layers, rec.grads.layers)):
        out += list(t.z[:rows].ravel()) + list(t.a[:rows].ravel()) + list(g.dz[:rows].ravel())
        out += list(g.dW.ravel()) + list(rec.after.weights[l].ravel())
        if rec.before.biases is not None:
            out += list(g.db.ravel()) + list(rec.after.biases[l].ravel())
    return [float(v) for v in out]


def given(rec) -> list[float]:
    out = list(rec.trace.input.ravel()) + list(rec.grads.targets.ravel())
    for l, W in enumerate(rec.before.weights):
        out += list(W.ravel()) + ([] if rec.before.biases is None else list(rec.before.biases[l]))
    return [float(v) for v in out]


def after_equals(tex: list[str], value: float) -> bool:
    pat = re.compile(rf"= {re.escape(fmt(value))}(?![0-9])")
    return any(pat.search(t) for t in tex)


@pytest.mark.parametrize("example, k", [("study", 0), ("toy", 3)])
def test_the_worked_step_carries_every_number_the_engine_computed(example, k):
    rec = record(example, k)
    doc = worksheet.document(rec, step=k + 1, page=example)
    p = parse(doc)
    missing = [v for v in computed(rec) if not after_equals(p.tex, v)]
    assert missing == [], f"{len(missing)} engine numbers not in the document, e.g. {missing[:5]}"
    # the givens are in the tables (6 significant digits, plain text)
    for v in given(rec):
        assert f">{v:.6g}<" in doc, v
    # one section per phase, in order, and the diagram
    assert re.findall(r'<section data-phase="([^"]+)"', doc) == [ph.label for ph in rec.phases]
    assert doc.count("<svg") == 1 and doc.count("<line ") == sum(W.size for W in rec.before.weights)
    assert "<script" not in doc and "http://" not in doc.replace("http://www.w3.org/", "")


@pytest.mark.parametrize("example, k", [("study", 0), ("toy", 3)])
def test_the_blank_sheet_hides_every_answer_until_the_key(example, k):
    rec = record(example, k)
    doc = worksheet.document(rec, step=k + 1, page=example, blank=True)
    parse(doc)
    sheet, key = doc.split('<section class="key">')
    exercise_tex = Balanced()
    exercise_tex.feed(sheet)
    shown = [v for v in computed(rec) if after_equals(exercise_tex.tex, v)]
    assert shown == [], f"answers visible on the exercise sheet: {shown[:5]}"
    # the givens stay; every blank has its answer in the key, numbered alike
    for v in given(rec):
        assert f">{v:.6g}<" in sheet, v
    blanks = [int(n) for n in re.findall(r'data-blank="(\d+)"', sheet)]
    answers = [int(n) for n in re.findall(r'data-answer="(\d+)"', key)]
    assert blanks == answers == list(range(1, len(blanks) + 1))
    key_values = [float(v) for v in re.findall(r'data-answer="\d+"><b>\(\d+\) ([^<]+)</b>', key)]
    for v in computed(rec):  # every computed value is an answer (to the 6 digits the key prints)
        assert any(kv == float(f"{v:.6g}") for kv in key_values), v

"""Quiz mode in a real browser: Quiz me, Your answer, Check, Show answer, the score.

The values typed are the engine's, computed here in the test process (``nnviz.stepper.Run``), read
straight from the StepRecord for the quantity the prompt names; the result texts, the hint, the
revealed answer and the score are read from the screen.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    app_url,
    arithmetic_tex,
    close_browser,
    launch_browser,
    open_player,
    press,
    settle,
    state_is_js,
    wait_for_player,
    watch_errors,
)
from browser_helpers import player_page as page  # noqa: F401  (the fixture)
from test_quiz import engine_value

from nnviz import stepper, userdata
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]


def quiz(page):
    return page.locator(f"{PLAYER} [data-panel=quiz]")


def prompt(page) -> str:
    return quiz(page).locator(".qprompt").inner_text()


def answer_field(page):
    return quiz(page).get_by_label("Your answer", exact=True)


def button(page, name: str):
    return quiz(page).get_by_role("button", name=name, exact=True)


def result(page) -> str:
    return quiz(page).locator("[data-quiz=result]").inner_text()


def score(page) -> str:
    return quiz(page).locator("[data-quiz=score]").inner_text()


NAME_RE = re.compile(r"(?:([zaδW]\d+\[\d+(?:,\d+)?\])|(loss L))")
WHAT = {
    "pre-activation": "z",
    "activation": "a",
    "delta": "dz",
    "gradient": "dW",
    "new value": "dW_new",
    "loss": "loss",
}


def asked(page) -> tuple[str, str]:
    """(name, kind) of the question on screen, from its prompt."""
    text = prompt(page)
    kind = next(v for k, v in WHAT.items() if k in text)
    m = NAME_RE.search(text)
    assert m, text
    return (m.group(1) or "L"), kind


def engine_answer(rec, page) -> float:
    name, kind = asked(page)
    return float(engine_value(rec, name, kind))


def numbers_hidden(page) -> bool:
    return page.evaluate(
        f"""() => {{
      const r = document.querySelector('{PLAYER}');
      const ar = r.querySelector('[data-panel=arithmetic]');
      const labels = [...r.querySelectorAll('[data-plot=diagram] .textpoint')];
      return ar.offsetParent === null && labels.every(t => getComputedStyle(t).visibility === 'hidden');
    }}"""
    )


def test_quiz_right_wrong_show_answer_score_and_keyboard(page, app_url):  # noqa: F811
    open_player(page, app_url, "toy")
    run = stepper.Run(stepper.default_config("toy"))
    assert run.step(stepper.default_learning_rate("toy"))
    rec = run.history.record(0)
    toggle = page.locator(PLAYER).get_by_role("switch", name="Quiz me")
    toggle.check()
    press(page, "Next phase", 1, "forward layer 1")
    assert asked(page) == ("z1[0]", "z")
    assert numbers_hidden(page), "the arithmetic and the diagram's numbers show before the answer"
    # right: the engine's z1[0] to 6 figures
    answer_field(page).fill(f"{rec.trace.layers[0].z[0, 0]:.6g}")
    button(page, "Check").click()
    assert "Correct" in result(page)
    assert score(page) == "Score: 1 / 1 correct"
    button(page, "Next question").click()
    assert asked(page) == ("a1[0]", "a")
    # wrong: a1[0] + 0.01 → "Not quite" and the hint: the formula with z's number, a's value hidden
    a = float(rec.trace.layers[0].a[0, 0])
    answer_field(page).fill(f"{a + 0.01:.4f}")
    answer_field(page).press("Enter")  # Enter submits
    assert "Not quite" in result(page)
    hint_tex = quiz(page).locator("[data-quiz=hint] .eq").get_attribute("data-tex")
    assert hint_tex.endswith("= ?") and f"{rec.trace.layers[0].z[0, 0]:.6g}" in hint_tex
    assert f"{a:.6g}" not in quiz(page).locator("[data-quiz=hint]").inner_text()
    assert score(page) == "Score: 1 / 1 correct"  # a wrong check does not finish the question
    if os.environ.get("NNVIZ_SCREENSHOTS") == "1":  # the README's picture of quiz mode
        page.locator(PLAYER).screenshot(path=str(SCREENSHOTS / "quiz.png"))
    button(page, "Show answer").click()
    shown = result(page)
    assert shown.startswith("Answer: ")
    assert float(shown.removeprefix("Answer: ")) == float(f"{a:.6g}")
    assert score(page) == "Score: 1 / 2 correct"
    # the phase is answered: its numbers are on screen
    assert not numbers_hidden(page)
    assert any(f"= {a:.6g}" in t for t in arithmetic_tex(page))
    # keyboard: Enter in the answer field goes on to the next phase, then answers there
    answer_field(page).press("Enter")
    page.wait_for_function(state_is_js(1, "forward layer 2"), timeout=TIMEOUT_MS)
    settle(page)
    assert asked(page) == ("z2[0]", "z") and numbers_hidden(page)
    answer_field(page).fill(f"{rec.trace.layers[1].z[0, 0]:.3g}")  # 3 figures are enough
    answer_field(page).press("Enter")
    assert "Correct" in result(page)
    assert score(page) == "Score: 2 / 3 correct"
    # off: no quiz box, the numbers come back at once
    toggle.uncheck()
    assert not quiz(page).is_visible()
    assert not numbers_hidden(page)
    # Reset starts the quiz again with the run (the score is the session's)
    toggle.check()
    press(page, "Reset", 0, "")
    press(page, "Next phase", 1, "forward layer 1")
    assert asked(page) == ("z1[0]", "z") and numbers_hidden(page)
    assert result(page) == "" and score(page) == "Score: 2 / 3 correct"
    assert page.nnviz_errors == []
    assert page.locator('[data-testid="stException"]').count() == 0


def answer_every_phase(page, rec, step: int) -> int:
    """Answer every question of every phase of ``step`` with the engine's numbers; returns how many."""
    n = 0
    for phase in PHASES:
        press(page, "Next phase", step, phase)
        while True:
            assert numbers_hidden(page), f"{phase}: numbers visible before the answer"
            answer_field(page).fill(f"{engine_answer(rec, page):.6g}")
            button(page, "Check").click()
            assert "Correct" in result(page), f"step {step}, {phase}, {prompt(page)}: {result(page)}"
            n += 1
            if button(page, "Next question").is_visible():
                button(page, "Next question").click()
            else:
                break
        assert not numbers_hidden(page)
    return n


@pytest.mark.parametrize("example, path", [("study", ""), ("toy", "toy")])
def test_every_phase_of_a_step_is_asked_and_checked_against_the_engine(page, app_url, example, path):  # noqa: F811
    open_player(page, app_url, path)
    run = stepper.Run(stepper.default_config(example))
    lr = stepper.default_learning_rate(example)
    assert run.step(lr) and run.step(lr)
    page.locator(PLAYER).get_by_role("switch", name="Quiz me").check()
    n = answer_every_phase(page, run.history.record(0), 1)
    # two questions a forward and a backward phase (z, a; δ, ∂L/∂w), one for the loss and the update
    assert n == 2 * 2 + 1 + 2 * 2 + 1
    assert score(page) == f"Score: {n} / {n} correct"
    press(page, "Next phase", 2, "forward layer 1")
    answer_field(page).fill(f"{engine_answer(run.history.record(1), page):.6g}")
    button(page, "Check").click()
    assert "Correct" in result(page)
    assert page.nnviz_errors == []


def test_quiz_on_the_data_page(page, app_url, tmp_path):  # noqa: F811
    page.goto(f"{app_url}/data", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    csv = tmp_path / "toy.csv"
    csv.write_text(userdata.sample_csv("toy"))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    page.locator(".st-key-data_use button").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    page.locator(".st-key-data_use button").click()
    wait_for_player(page, TIMEOUT_MS)
    page.locator(PLAYER).get_by_role("switch", name="Quiz me").check()
    press(page, "Next phase", 1, "forward layer 1")
    assert asked(page)[1] == "z" and numbers_hidden(page)
    # the page's own run is the server's; the wrong answer and Show answer need no engine here,
    # the revealed number must then be the one the panel prints
    answer_field(page).fill("12345")
    button(page, "Check").click()
    assert "Not quite" in result(page)
    button(page, "Show answer").click()
    shown = result(page).removeprefix("Answer: ")
    assert any(t.endswith(f"= {fmt(float(shown))}") for t in arithmetic_tex(page) if t.startswith(r"\mathrm{z1}"))
    assert score(page) == "Score: 0 / 1 correct"
    assert page.nnviz_errors == []

"""The step-through player in a real browser: phase order, Back, keyboard, Play/Pause, the numbers.

One app server for the module, one Chromium context per test. The player (``[data-nnviz-player]``)
keeps ``data-step`` / ``data-phase`` current; a click counts as done when those show what the
click should reach and the player's DOM has been quiet and painted (:func:`browser_helpers.press`).

What is checked against what:

- the phase labels, in order, against the list a 2-weight-layer net goes through;
- the numbers in the arithmetic panel (each equation's ``data-tex``) against the engine's own record
  of the same step, computed here in the test process (``nnviz.stepper.Run``) and written with
  ``nnviz.arithmetic.fmt``;
- the diagram's text labels on screen against what ``Plotly.newPlot`` draws for the same data in a
  fresh div (``Plotly.react`` has been seen to leave changed labels unrendered), and that they change
  from one step to the next;
- no uncaught page error, no console error (bar Streamlit's own 404s), no ``stException``.
"""

from __future__ import annotations

import re

import pytest
from browser_helpers import (  # noqa: F401  (app_url is a fixture)
    IDLE,
    PLAYER,
    app_url,
    arithmetic_tex,
    close_browser,
    diagram_fresh_texts,
    diagram_texts,
    launch_browser,
    open_player,
    player_button,
    player_state,
    press,
    settle,
    state_is_js,
    wait_for_player,
    watch_errors,
)
from browser_helpers import player_page as page  # noqa: F401  (the fixture)

from nnviz import stepper, userdata
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
#: The phases of one update of a net with two weight layers (2-3-1 study, 2-2-2 toy), in order.
PHASES = ["forward layer 1", "forward layer 2", "loss", "backward layer 2", "backward layer 1", "update"]
PATHS = {"study": "", "toy": "toy"}


class Engine:
    """The engine's record of a page's default run, computed in the test process."""

    def __init__(self, example: str):
        self.run = stepper.Run(stepper.default_config(example))
        self.lr = stepper.default_learning_rate(example)

    def record(self, k: int):
        """Step k (0-based) of the run."""
        while len(self.run.history) <= k:
            assert self.run.step(self.lr)
        return self.run.history.record(k)


def expected_numbers(rec, phase: str) -> list[str]:
    """Numbers the arithmetic panel must show in ``phase`` (sample 0 of the batch, neuron/weight 0):
    forward l → z_l[0], a_l[0]; loss → L; backward l → δ_l[0], ∂L/∂W_l[0,0]; update → W1[0,0] after
    the update and the loss after it."""
    if phase.startswith("forward layer "):
        t = rec.trace.layers[int(phase.rsplit(" ", 1)[1]) - 1]
        return [fmt(t.z[0, 0]), fmt(t.a[0, 0])]
    if phase == "loss":
        return [fmt(rec.loss_before)]
    if phase.startswith("backward layer "):
        g = rec.grads.layers[int(phase.rsplit(" ", 1)[1]) - 1]
        return [fmt(g.dz[0, 0]), fmt(g.dW[0, 0])]
    assert phase == "update"
    return [fmt(rec.after.weights[0][0, 0]), fmt(rec.loss_after)]


def assert_numbers(page, engine: Engine, step: int, phase: str) -> None:
    """The panel shows the engine's numbers for (step, phase), and nothing from a later phase."""
    tex = arithmetic_tex(page)
    assert tex, f"no equations in the arithmetic panel at step {step}, {phase}"
    joined = "\n".join(tex)
    for num in expected_numbers(engine.record(step - 1), phase):
        assert re.search(rf"= {re.escape(num)}(?![0-9])", joined), (
            f"step {step}, {phase}: the engine's {num} is not on screen; the panel's equations:\n{joined}"
        )
    if phase != "update":
        assert "after update" not in joined, f"step {step}, {phase}: 'L after update' before the update"


def assert_diagram_drawn(page, where: str) -> list[str]:
    """The diagram's labels on screen are the ones its data says (as a fresh newPlot draws them).

    Noted, not raised at once: :func:`assert_no_error` at the end of each test lists every place,
    so one run shows all of them."""
    shown, fresh = diagram_texts(page), diagram_fresh_texts(page)
    if shown != fresh:
        page.nnviz_unrendered.append(f"{where}: diagram labels on screen {shown} but its data draws {fresh}")
    return fresh


def assert_no_error(page) -> None:
    assert page.nnviz_unrendered == [], "\n".join(["Plotly.react left the diagram stale:"] + page.nnviz_unrendered)
    assert page.nnviz_errors == [], page.nnviz_errors
    assert page.locator('[data-testid="stException"]').count() == 0


def key(page, combo: str, step: int, phase: str) -> None:
    page.keyboard.press(combo)
    page.wait_for_function(state_is_js(step, phase), timeout=TIMEOUT_MS)
    settle(page, timeout_ms=TIMEOUT_MS)


# ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", ["study", "toy"])
def test_next_phase_walks_the_phases_with_the_engines_numbers(page, app_url, example):  # noqa: F811
    open_player(page, app_url, PATHS[example])
    engine = Engine(example)
    assert player_state(page) == (0, "")
    assert "Network after" in page.locator(f"{PLAYER} [data-panel=arithmetic]").inner_text()
    labels: dict[tuple[int, str], list[str]] = {}
    for step, phase in [(1, ph) for ph in PHASES] + [(2, ph) for ph in PHASES[:2]]:
        press(page, "Next phase", step, phase)
        assert player_state(page) == (step, phase)
        # the status line marks the phase, the diagram's title names it
        assert page.locator(f"{PLAYER} .status .cur").inner_text() == f"[{phase}]"
        title = page.locator(f"{PLAYER} [data-plot=diagram] .gtitle").text_content()
        assert title.startswith(f"{phase},"), title
        assert_numbers(page, engine, step, phase)
        labels[step, phase] = assert_diagram_drawn(page, f"step {step}, {phase}")
    # the numbers on screen move with the step: step 2's diagram is not step 1's
    for phase in PHASES[:2]:
        assert labels[2, phase], f"no labels in the diagram at {phase}"
        assert labels[2, phase] != labels[1, phase], f"{phase}: the diagram's numbers did not change with the step"
    assert_no_error(page)


@pytest.mark.parametrize("example", ["study", "toy"])
def test_back_undoes_a_phase_mid_step_and_a_whole_step_at_the_update(page, app_url, example):  # noqa: F811
    open_player(page, app_url, PATHS[example])
    engine = Engine(example)
    for phase in PHASES[:5]:
        press(page, "Next phase", 1, phase)
    press(page, "Back", 1, "backward layer 2")  # mid-step: one phase
    assert_numbers(page, engine, 1, "backward layer 2")
    assert_diagram_drawn(page, "Back to backward layer 2")
    press(page, "Next phase", 1, "backward layer 1")
    press(page, "Next phase", 1, "update")
    press(page, "Back", 0, "")  # at the update: the whole step
    assert "Network after 0 updates" in page.locator(f"{PLAYER} [data-panel=arithmetic]").inner_text()
    assert player_button(page, "Back").is_disabled()  # nothing before the start
    press(page, "Step", 1, "update")
    press(page, "Step", 2, "update")
    assert_numbers(page, engine, 2, "update")
    press(page, "Back", 1, "update")  # a whole step, to the previous update
    assert_numbers(page, engine, 1, "update")
    assert_diagram_drawn(page, "Back from step 2's update to step 1's")
    press(page, "Next phase", 2, "forward layer 1")
    press(page, "Back", 1, "")  # from a step's first phase: the network before it
    press(page, "Back", 1, "update")
    assert_numbers(page, engine, 1, "update")
    assert_diagram_drawn(page, "Back from the network after 1 update to step 1's update")
    assert_no_error(page)


@pytest.mark.parametrize("example", ["study", "toy"])
def test_keyboard_in_the_player(page, app_url, example):  # noqa: F811
    open_player(page, app_url, PATHS[example])
    engine = Engine(example)
    # focus the root by keyboard: Shift+Tab from its first enabled button (Back is disabled at the start)
    player_button(page, "Next phase").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"document.activeElement === document.querySelector('{PLAYER}')")
    outline = page.evaluate(
        f"(() => {{ const s = getComputedStyle(document.querySelector('{PLAYER}'));"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline[0] != "none" and outline[1] not in ("0px", ""), f"focus not visible: outline {outline}"
    key(page, "ArrowRight", 1, "forward layer 1")
    key(page, "ArrowRight", 1, "forward layer 2")
    assert_numbers(page, engine, 1, "forward layer 2")
    key(page, "ArrowLeft", 1, "forward layer 1")
    assert_numbers(page, engine, 1, "forward layer 1")
    key(page, "Shift+ArrowRight", 1, "update")
    key(page, "Shift+ArrowRight", 2, "update")
    assert_numbers(page, engine, 2, "update")
    key(page, "ArrowLeft", 1, "update")
    assert_numbers(page, engine, 1, "update")
    # Space: play, Space again: pause
    page.keyboard.press("Space")
    page.wait_for_selector(f"{PLAYER}[data-playing='1']", timeout=TIMEOUT_MS, state="attached")
    assert player_button(page, "Pause").count() == 1
    page.keyboard.press("Space")
    page.wait_for_selector(f"{PLAYER}:not([data-playing])", timeout=TIMEOUT_MS, state="attached")
    assert player_button(page, "Play").count() == 1
    assert page.evaluate(f"document.activeElement === document.querySelector('{PLAYER}')")
    assert_no_error(page)


#: the fill colour of every marker the diagram draws (neurons and weight handles), in drawing order
DIAGRAM_COLOURS_JS = """() => [...document.querySelectorAll(
  '[data-nnviz-player] [data-plot=diagram] .scatterlayer path.point')].map(p => p.style.fill)"""


def test_play_animates_training_and_pause_stops_it(page, app_url):  # noqa: F811
    open_player(page, app_url, PATHS["toy"])
    engine = Engine("toy")
    page.locator(PLAYER).get_by_role("combobox", name="Steps per second").select_option("20")
    player_button(page, "Play").click()
    page.wait_for_selector(f"{PLAYER}[data-playing='1']", timeout=TIMEOUT_MS, state="attached")
    assert player_button(page, "Pause").count() == 1
    # the speed is the benchmark's business (benchmarks/bench_play.py); here: it moves, and the numbers with it
    seen_steps, seen_labels = set(), set()
    deadline = page.evaluate("performance.now()") + 20_000
    while len(seen_steps) < 5 and page.evaluate("performance.now()") < deadline:
        page.wait_for_timeout(250)
        seen_steps.add(player_state(page)[0])
        seen_labels.add(tuple(page.evaluate(DIAGRAM_COLOURS_JS)))
    assert len(seen_steps) >= 5, f"data-step took only {sorted(seen_steps)} in 20 s of Play at 20 steps/s"
    # Play frames draw no number labels (nothing readable at 20 frames/s): the neurons' and weights'
    # colours are what must move with the steps
    assert len(seen_labels) >= 3, f"the diagram's colours did not change while playing: {len(seen_labels)}"
    assert diagram_texts(page) == [], "a Play frame's diagram is compact: no number labels"
    player_button(page, "Pause").click()
    page.wait_for_selector(f"{PLAYER}:not([data-playing])", timeout=TIMEOUT_MS, state="attached")
    assert player_button(page, "Play").count() == 1
    settle(page, 300, TIMEOUT_MS)
    step, phase = player_state(page)
    assert phase == "update" and step >= 5
    page.wait_for_timeout(1000)
    assert player_state(page) == (step, phase), "data-step moved after Pause"
    # paused on a step's update, with that step's full detail
    assert_numbers(page, engine, step, "update")
    assert_diagram_drawn(page, f"paused at step {step}")
    assert_no_error(page)


def test_run_and_reset_need_the_server_and_show_its_steps(page, app_url):  # noqa: F811
    open_player(page, app_url, PATHS["toy"])
    engine = Engine("toy")
    page.locator(PLAYER).get_by_role("spinbutton", name="N").fill("250")
    press(page, "Run", 250, "update", timeout_ms=60_000)
    slider = page.locator(PLAYER).get_by_role("slider")
    assert slider.input_value() == "250"
    assert_numbers(page, engine, 250, "update")
    press(page, "Next phase", 251, "forward layer 1")
    assert_numbers(page, engine, 251, "forward layer 1")
    assert_diagram_drawn(page, "step 251, forward layer 1")
    press(page, "Reset", 0, "")
    assert slider.input_value() == "0"
    press(page, "Next phase", 1, "forward layer 1")
    assert_numbers(page, engine, 1, "forward layer 1")
    assert_no_error(page)


def test_data_page_player_walks_the_phases(page, app_url, tmp_path):  # noqa: F811
    page.goto(f"{app_url}/data", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    csv = tmp_path / "toy.csv"
    csv.write_text(userdata.sample_csv("toy"))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    page.locator(".st-key-data_use button").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    page.locator(".st-key-data_use button").click()
    wait_for_player(page, TIMEOUT_MS)
    assert player_state(page) == (0, "")
    for phase in PHASES:
        press(page, "Next phase", 1, phase)
        assert_diagram_drawn(page, f"data page, {phase}")
        assert arithmetic_tex(page)
    press(page, "Next phase", 2, "forward layer 1")
    assert_no_error(page)

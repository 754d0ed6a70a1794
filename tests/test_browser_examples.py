"""A new example is one registry entry: the app, with the XOR entry of tests/xor_example.py added to a copy
of ``stepper.EXAMPLES`` and nothing else changed, lists its page, draws its heading and steps it in the
player with the engine's numbers (headless Chromium)."""

from __future__ import annotations

import json
import textwrap

import pytest
from browser_helpers import (
    IDLE,
    PLAYER,
    ROOT,
    app_page,
    arithmetic_tex,
    press,
    skip_reason,
    wait_for_player,
)
from xor_example import TITLE, XOR, with_xor

from nnviz import stepper
from nnviz.arithmetic import fmt

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000

#: app.py, run after the XOR entry is added to a copy of the registry (each rerun: the same copy again)
SCRIPT = textwrap.dedent(
    """
    import runpy
    import sys
    from pathlib import Path

    sys.path[:0] = [{root!r}, {tests!r}]
    import xor_example
    from nnviz import stepper
    from nnviz.player.component import ensure_static_plotly

    if "xor" not in stepper.EXAMPLES:
        stepper.EXAMPLES = xor_example.with_xor()
    ensure_static_plotly(Path(__file__).parent / "static")  # Streamlit serves ./static next to the script
    runpy.run_path({app!r}, run_name="__main__")
    """
)


def test_a_new_entry_gets_a_menu_item_a_page_and_a_working_player(tmp_path, monkeypatch):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    script = tmp_path / "xor_app.py"
    script.write_text(SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"), app=str(ROOT / "app.py")))
    # the engine's numbers for the page's start, computed here: the loss of the initial network on all
    # 40 points (a full batch), which the loss phase writes in the arithmetic panel
    monkeypatch.setattr(stepper, "EXAMPLES", with_xor())  # as the server's script does
    cfg = XOR.config
    run = stepper.Run(cfg)
    loss = run.network.loss(run.data.X, run.data.Y, cfg.loss)
    with app_page(script) as (page, base):
        page.goto(f"{base}/xor", timeout=TIMEOUT_MS)
        wait_for_player(page, TIMEOUT_MS)
        page.get_by_role("heading", name=TITLE).first.wait_for(timeout=TIMEOUT_MS)
        # the menu: the examples' pages in the registry's order, the new one after Playground
        nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        names = [n.strip() for n in nav]
        menu = ["Study hours", "Toy classification", "Playground", "XOR", "Fixed-weight forward pass"]
        assert names[:5] == menu, names
        for label in ("forward layer 1", "forward layer 2", "loss"):
            press(page, "Next phase", 1, label, TIMEOUT_MS)
        tex = " ".join(arithmetic_tex(page))
        assert f"= {fmt(loss)}" in tex, (fmt(loss), tex[:500])  # "L = 0.160539 + … = 13.3432"
        press(page, "Step", 1, "update", TIMEOUT_MS)
        status = page.locator(f"{PLAYER} .status").inner_text()
        assert status.startswith("Step 1 (epoch 1) on "), status
        page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
        assert page.locator('[data-testid="stException"]').count() == 0
        # the link the page writes names the example
        assert json.dumps("xor") in json.dumps(page.url.split("ex=")[1].split("&")[0])

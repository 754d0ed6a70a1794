"""Click → painted, in headless Chromium: the browser player's buttons against a bare Streamlit button.

Every click is timed in the page's own clock: ``performance.now()`` just before ``click()``, then

- *painted* (the figure the targets are about: "Next phase → diagram and arithmetic painted"): the
  player's ``data-step`` / ``data-phase`` changed, then two animation frames. The player sets these
  attributes, redraws the diagram and rewrites the arithmetic in one task, so the two frames after it
  are the first paint that shows the new diagram and arithmetic;
- *settled*: the last DOM change inside the player in the burst the click started (the matrices, the
  decision regions and the loss marker below the fold are drawn just after the paint), then two
  animation frames; the burst is over when the player has been quiet for 80 ms.

Cases, each on a fresh page:

- ``next phase``: "Next phase" clicked N times (cycling through the phases and into new steps) on the
  study page, the toy page, a toy net with 3 and with 6 hidden layers × 8 (opened from a shared link),
  and the playground page. The
  player records steps ahead (prefetch), so these are answered in the page; a click that had to wait
  for the server (its message said "Loading…"/"Computing…") is counted in ``waited``.
- ``run 20``: "Run" with N = 20, i.e. 20 steps past the recorded history: every click needs new steps
  from the server (a fragment rerun that computes them and sends their frames).

A bare app (one ``st.button`` and an ``st.write`` of a counter) is clicked in a second tab,
alternating with the player's clicks, so both see the same machine load; ``ratio`` = player p50 /
bare p50. Between clicks the player is left to settle (its background prefetch answered).

Usage: python benchmarks/bench_clicks.py [--clicks N] [--quick]   (needs /usr/bin/chromium and playwright)
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_helpers import (  # noqa: E402
    IDLE,
    close_browser,
    launch_browser,
    open_player,
    settle,
    start_app,
    stop_app,
)

#: case name → (URL path and query, button, N for Run or None)
CASES = {
    "study next phase": ("", "Next phase", None),
    "toy next phase": ("toy", "Next phase", None),
    "3x8 next phase": ("toy?ex=toy&hidden=8-8-8&act=tanh,tanh,tanh,sigmoid", "Next phase", None),
    # the largest net the step-through pages take (Playground's limit, issue 9)
    "6x8 next phase": ("toy?ex=toy&hidden=8-8-8-8-8-8&act=tanh,tanh,tanh,tanh,tanh,tanh,sigmoid", "Next phase", None),
    "playground next phase": ("playground", "Next phase", None),
    "study run 20": ("", "Run", 20),
    "toy run 20": ("toy", "Run", 20),
}
#: targets from issue 8 (p50, p90) in ms; None: no target
TARGETS = {
    "study next phase": (50, 80),
    "toy next phase": (50, 80),
    "3x8 next phase": (100, None),
    "study run 20": (150, None),
    "toy run 20": (150, None),
}
WARMUP = 3
TIMEOUT_MS = 30_000
QUIET_MS = 80
BARE_APP = """\
import streamlit as st

st.session_state.setdefault("n", 0)
if st.button("Click"):
    st.session_state.n += 1
st.write(f"count {st.session_state.n}")
"""

#: Click the player's button ``label``; resolve with {shown, painted, waited} (ms after the click).
PLAYER_CLICK_JS = """
([label, quietMs, timeoutMs]) => new Promise((resolve, reject) => {
  const root = document.querySelector('[data-nnviz-player]');
  const button = [...root.querySelectorAll('button')].find(b => b.textContent.trim() === label);
  if (!button) { reject(new Error('no button ' + label)); return; }
  const before = root.dataset.step + '|' + root.dataset.phase;
  const message = root.querySelector('.message');
  let t0 = 0, shown = 0, painted = 0, waited = false, quiet = null;
  const twoFrames = (f) => requestAnimationFrame(() => requestAnimationFrame(() => f(performance.now())));
  const finish = () => {
    obs.disconnect(); clearTimeout(giveUp);
    resolve({shown: shown - t0, painted: painted - t0, waited});
  };
  const obs = new MutationObserver(() => {
    if (/Loading|Computing/.test(message.textContent)) waited = true;
    const changed = root.dataset.step + '|' + root.dataset.phase !== before;
    if (!changed) return;
    if (!shown) twoFrames((t) => { if (!shown) shown = t; });
    twoFrames((t) => { painted = Math.max(painted, t); });
    clearTimeout(quiet); quiet = setTimeout(finish, quietMs);
  });
  const giveUp = setTimeout(() => { obs.disconnect(); reject(new Error('the click changed nothing')); }, timeoutMs);
  obs.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  t0 = performance.now();
  button.click();
})
"""

#: Click the bare app's button; resolve with ms until its counter changed, the app is idle, painted.
BARE_CLICK_JS = """
([timeoutMs]) => new Promise((resolve, reject) => {
  const text = () => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]
    .map(e => e.innerText).join('|');
  const idle = () => document.querySelector('IDLE_SELECTOR') !== null;
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Click');
  const before = text();
  let t0 = 0, done = false;
  const obs = new MutationObserver(() => {
    if (done || !idle() || text() === before) return;
    done = true; obs.disconnect(); clearTimeout(giveUp);
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  });
  const giveUp = setTimeout(() => { obs.disconnect(); reject(new Error('bare click: no change')); }, timeoutMs);
  obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  t0 = performance.now();
  button.click();
})
""".replace("IDLE_SELECTOR", IDLE.replace("'", "\\'"))


def bare_click(page) -> float:
    page.bring_to_front()  # a background tab's animation frames are throttled
    return page.evaluate(BARE_CLICK_JS, [TIMEOUT_MS])


def player_click(page, label: str) -> dict:
    page.bring_to_front()
    out = page.evaluate(PLAYER_CLICK_JS, [label, QUIET_MS, TIMEOUT_MS])
    settle(page, 300, TIMEOUT_MS)  # let the background prefetch land before the next click
    return out


def measure(app_page, bare_page, app_base: str, path: str, bare_url: str, button: str, run_n, n: int) -> dict:
    open_player(app_page, app_base, path)
    if run_n is not None:
        app_page.locator("[data-nnviz-player]").get_by_role("spinbutton", name="N").fill(str(run_n))
    bare_page.goto(bare_url, timeout=TIMEOUT_MS)
    bare_page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")
    bare_page.get_by_role("button", name="Click").wait_for(timeout=TIMEOUT_MS)
    shown, painted, waited, bare = [], [], [], []
    for i in range(WARMUP + n):
        b = bare_click(bare_page)
        a = player_click(app_page, button)
        if i >= WARMUP:
            shown.append(a["shown"])
            painted.append(a["painted"])
            waited.append(a["waited"])
            bare.append(b)
    return {
        "shown": np.array(shown),
        "painted": np.array(painted),
        "waited": np.array(waited, dtype=bool),
        "bare": np.array(bare),
    }


HEADER = (
    f"{'case':<21} {'n':>3} {'p50_ms':>7} {'p90_ms':>7} {'settled_p50':>11} {'settled_p90':>11} {'waited':>6} "
    f"{'bare_p50':>8} {'bare_p90':>8} {'ratio_p50':>9} {'ratio_p90':>9}  target (p50/p90)"
)


def table_row(name: str, m: dict) -> str:
    p50, p90 = np.percentile(m["shown"], [50, 90])
    s50, s90 = np.percentile(m["painted"], [50, 90])
    b50, b90 = np.percentile(m["bare"], [50, 90])
    if name in TARGETS:
        t50, t90 = TARGETS[name]
        ok = p50 <= t50 and (t90 is None or p90 <= t90)
        target = f"≤{t50}" + (f"/≤{t90}" if t90 else "") + (" met" if ok else " MISSED")
    else:
        target = "none (reported beside the 3x8 case)"
    return (
        f"{name:<21} {m['painted'].size:>3} {p50:>7.0f} {p90:>7.0f} {s50:>11.0f} {s90:>11.0f} "
        f"{int(m['waited'].sum()):>6} {b50:>8.0f} {b90:>8.0f} {p50 / b50:>9.2f} {p90 / b90:>9.2f}  {target}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30, help="timed clicks per case (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 clicks per case")
    parser.add_argument("--cases", nargs="*", choices=list(CASES), help="only these cases")
    args = parser.parse_args(argv)
    n = 5 if args.quick else args.clicks
    # `timeout` and Ctrl-C: stop the servers and the browser on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nnviz-bare-") as tmp:
        bare_script = Path(tmp) / "bare_app.py"
        bare_script.write_text(BARE_APP)
        app_proc, app_base = start_app()
        try:
            bare_proc, bare_base = start_app(script=bare_script)
            try:
                with sync_playwright() as p:
                    context = launch_browser(p)
                    try:
                        app_page = context.pages[0] if context.pages else context.new_page()
                        bare_page = context.new_page()
                        print(f"clicks: Chromium, player vs bare Streamlit button in a second tab; {n} clicks/case")
                        print(HEADER, flush=True)
                        for name in args.cases or CASES:
                            path, button, run_n = CASES[name]
                            m = measure(app_page, bare_page, app_base, path, bare_base + "/", button, run_n, n)
                            print(table_row(name, m), flush=True)
                    finally:
                        close_browser(context)
            finally:
                stop_app(bare_proc)
        finally:
            stop_app(app_proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Click → every figure redrawn, in headless Chromium: the step-through pages against a bare Streamlit app.

For each of the study and toy pages, clicks "Next phase" N times (cycling through the phases) and
times each click in the page's own clock, from the click to the moment the run is over and every
Plotly chart has stopped changing:

- *over*: the app says "notRunning" and the status line shows a new phase (or the run counter of
  ``tests/browser_helpers.py`` saw the run end);
- *redrawn*: the later of *over* and the last DOM change inside any ``.js-plotly-plot`` (Plotly
  can still be drawing when the run is over), found by waiting until the page has been quiet for 250 ms.

A bare app (one ``st.button`` and an ``st.write`` of a counter) is clicked in a second tab,
alternating with the page's clicks, so both see the same machine load; the ratio is the figure to
compare across machines. Prints one line per page:

    clicks page=/toy n=20 p50_ms=… p90_ms=… bare_p50_ms=… ratio_p50=… bare_p90_ms=… ratio_p90=… over_p50_ms=…
        mid_step_p50_ms=… step_boundary_p50_ms=…   (one line; the last two split the page's clicks: a click
        to "update" or to the next step's "forward layer 1" redraws most figures, one within a step
        only the diagram)

Usage: python benchmarks/bench_clicks.py [--quick]   (needs /usr/bin/chromium and playwright)
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

from browser_helpers import IDLE, close_browser, count_runs, launch_browser, start_app, stop_app  # noqa: E402

#: page name → URL path (the study page is st.navigation's default page: Streamlit serves it at "/")
PAGES = {"/study": "", "/toy": "toy"}
WARMUP = 3
TIMEOUT_MS = 30_000
BARE_APP = """\
import streamlit as st

st.session_state.setdefault("n", 0)
if st.button("Click"):
    st.session_state.n += 1
st.write(f"count {st.session_state.n}")
"""
#: what a click changes on screen: the step-through pages' bracketed phase label; the bare app's counter
PHASE_SIGNATURE = (
    "[...document.querySelectorAll('[data-testid=stMarkdownContainer] strong')]"
    ".map(e => e.innerText).find(t => /^\\[.+\\]$/.test(t)) || ''"
)
#: the phases a click reaches when the network or the step changed: most figures redraw
STEP_BOUNDARY = ("[update]", "[forward layer 1]")
BARE_SIGNATURE = "[...document.querySelectorAll('[data-testid=stMarkdownContainer]')].map(e => e.innerText).join('|')"

#: Click the button labelled ``label`` and resolve with {over, redrawn} in ms after the click.
CLICK_AND_TIME = """
([label, signatureJs, quietMs, timeoutMs]) => new Promise((resolve, reject) => {
  const signature = new Function('return (' + signatureJs + ')');
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === label);
  if (!button) { reject(new Error('no button ' + label)); return; }
  const before = signature(), runsBefore = window.__nnvizRuns.done;
  const idle = () => document.querySelector('IDLE_SELECTOR') !== null;
  let t0 = 0, tOver = 0, lastPlot = 0, quiet = null;
  const finish = () => {
    observer.disconnect(); clearTimeout(giveUp);
    resolve({over: tOver - t0, redrawn: Math.max(tOver, lastPlot) - t0});
  };
  const observer = new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.closest('.js-plotly-plot')) { lastPlot = now; break; }
    }
    if (!tOver && idle() && (window.__nnvizRuns.done > runsBefore || signature() !== before)) tOver = now;
    if (tOver) { clearTimeout(quiet); quiet = setTimeout(finish, quietMs); }
  });
  const giveUp = setTimeout(() => { observer.disconnect(); reject(new Error('no end of run seen')); }, timeoutMs);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  t0 = performance.now();
  button.click();
})
""".replace("IDLE_SELECTOR", IDLE.replace("'", "\\'"))


def _median(ms: np.ndarray) -> str:
    return f"{np.median(ms):.0f}" if ms.size else "nan"


def click_times(page, label: str, signature_js: str, quiet_ms: int = 250) -> dict:
    page.bring_to_front()  # a background tab's animation frames are throttled
    return page.evaluate(CLICK_AND_TIME, [label, signature_js, quiet_ms, TIMEOUT_MS])


def open_and_settle(page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT_MS)
    page.wait_for_function("window.__nnvizRuns.done > 0", timeout=TIMEOUT_MS)
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS, state="attached")


def measure(app_page, bare_page, app_url: str, bare_url: str, n: int) -> dict[str, np.ndarray]:
    """ms per click: the app's (``redrawn``, ``over``, ``boundary`` = it showed a new update or step) and ``bare``."""
    open_and_settle(app_page, app_url)
    app_page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)  # Plotly's code is loaded
    open_and_settle(bare_page, bare_url)
    app, over, boundary, bare = [], [], [], []
    for i in range(WARMUP + n):
        b = click_times(bare_page, "Click", BARE_SIGNATURE)
        a = click_times(app_page, "Next phase", PHASE_SIGNATURE)
        if i >= WARMUP:
            app.append(a["redrawn"])
            over.append(a["over"])
            boundary.append(app_page.evaluate(PHASE_SIGNATURE) in STEP_BOUNDARY)
            bare.append(b["redrawn"])
    return {"redrawn": np.array(app), "over": np.array(over), "boundary": np.array(boundary), "bare": np.array(bare)}


def report_line(name: str, m: dict[str, np.ndarray]) -> str:
    app, bnd = m["redrawn"], m["boundary"]
    p50, p90 = np.percentile(app, [50, 90])
    b50, b90 = np.percentile(m["bare"], [50, 90])
    return (
        f"clicks page={name} n={app.size} p50_ms={p50:.0f} p90_ms={p90:.0f} "
        f"bare_p50_ms={b50:.0f} ratio_p50={p50 / b50:.2f} bare_p90_ms={b90:.0f} ratio_p90={p90 / b90:.2f} "
        f"over_p50_ms={np.median(m['over']):.0f} "
        f"mid_step_p50_ms={_median(app[~bnd])} step_boundary_p50_ms={_median(app[bnd])}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 clicks per page instead of 20")
    args = parser.parse_args(argv)
    n = 5 if args.quick else 20
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
                        count_runs(context)
                        app_page = context.pages[0] if context.pages else context.new_page()
                        bare_page = context.new_page()
                        for name, path in PAGES.items():
                            m = measure(app_page, bare_page, f"{app_base}/{path}", bare_base + "/", n)
                            print(report_line(name, m), flush=True)
                    finally:
                        close_browser(context)
            finally:
                stop_app(bare_proc)
        finally:
            stop_app(app_proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Helpers for driving nnviz in headless Chromium (Playwright + Debian's /usr/bin/chromium).

Reusable by any page's browser test or benchmark; see shared/BROWSER_TESTING.md for why each
step is done this way. Functions:

- :func:`start_app` — ``streamlit run app.py`` on a free port in its own process group; returns
  once ``/_stcore/health`` answers.
- :func:`stop_app` — stop that process group by its id.
- :func:`launch_browser` / :func:`close_browser` — a persistent Chromium context in a fresh
  temporary profile (Playwright refuses ``--user-data-dir`` in args), deleted on close.
- :func:`wait_idle` — wait until the app has finished its script run.
- :func:`count_runs` / :func:`click_and_wait` — count finished runs in the page, so a click can wait
  for exactly the run it started.
- :func:`skip_reason` — why browser tests cannot run here (None when they can).
- The player (``[data-nnviz-player]``): :func:`open_player`, :func:`press` (click a player button and
  wait for the (step, phase) it should show, painted), :func:`settle`, :func:`player_state`,
  :func:`diagram_texts` / :func:`diagram_fresh_texts` (labels on screen / as a fresh ``newPlot`` of
  the same data draws them), :func:`arithmetic_tex`, :func:`watch_errors`.

Fixtures ``app_url`` (module scope) and ``browser_page`` are defined here too; a test module
imports them explicitly: ``from browser_helpers import app_url, browser_page``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'


def skip_reason() -> str | None:
    """Why the browser tests cannot run on this machine, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (scripts/test.sh installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int | None = None, timeout_s: float = 60.0, env: dict | None = None, script: str | Path = "app.py"):
    """Start ``streamlit run app.py`` (or another ``script``) on 127.0.0.1:``port`` in its own process group.

    Returns ``(proc, base_url)`` once ``/_stcore/health`` answers; the server's output goes to a
    temporary log file (``proc.log_path``), printed in the error if the server never comes up.
    """
    port = port or free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="nnviz-streamlit-", suffix=".log", delete=False)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **(env or {})}
    )
    proc.log_path = log.name
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.1)
    stop_app(proc)
    raise RuntimeError(f"streamlit did not come up on {base}:\n{Path(log.name).read_text()[-3000:]}")


def stop_app(proc: subprocess.Popen) -> None:
    """Stop the server started by :func:`start_app` (its whole process group), then remove its log."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
    log_path = getattr(proc, "log_path", None)
    if log_path:
        Path(log_path).unlink(missing_ok=True)


def launch_browser(playwright, viewport=(1400, 1000)):
    """A headless Chromium context with a fresh profile directory (removed by :func:`close_browser`)."""
    profile = tempfile.mkdtemp(prefix="nnviz-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": viewport[0], "height": viewport[1]},
    )
    context.nnviz_profile = profile
    return context


def close_browser(context) -> None:
    try:
        context.close()
    finally:
        shutil.rmtree(getattr(context, "nnviz_profile", ""), ignore_errors=True)


@contextlib.contextmanager
def browsers(n: int):
    """``n`` separate Chromium contexts (two students), skipped where there is no browser; closed after."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        contexts = [launch_browser(p) for _ in range(n)]
        try:
            yield contexts
        finally:
            for c in contexts:
                close_browser(c)


@contextlib.contextmanager
def app_page(script: str | Path = "app.py", env: dict | None = None):
    """A server running ``script`` and a Chromium page for it, both closed afterwards: ``(page, base_url)``."""
    from playwright.sync_api import sync_playwright

    proc, base = start_app(script=script, env=env)
    try:
        with sync_playwright() as p:
            context = launch_browser(p)
            try:
                yield first_page(context), base
            finally:
                close_browser(context)
    finally:
        stop_app(proc)


def first_page(context):
    return context.pages[0] if context.pages else context.new_page()


def wait_idle(page, timeout_ms: float = 30_000, started_ms: float = 0) -> None:
    """Wait until the app's script run has finished.

    With ``started_ms`` > 0, first wait up to that long for a run to *start* (after a click or a
    stroke the page can still say "notRunning" for a moment before the rerun begins).
    """
    if started_ms:
        try:
            page.wait_for_selector(RUNNING, timeout=started_ms, state="attached")
        except Exception:  # the run may already be over: fine
            pass
    page.wait_for_selector(IDLE, timeout=timeout_ms, state="attached")


def open_page(page, base_url: str, path: str = "", timeout_ms: float = 60_000) -> None:
    """Go to ``base_url/path`` and wait for the first script run to finish."""
    page.goto(f"{base_url}/{path}", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    wait_idle(page, timeout_ms, started_ms=2000)


#: Counts finished script runs in ``window.__nnvizRuns.done``: a MutationObserver sees every rendered
#: change of the run-state attribute, where polling a selector can miss a short run.
RUN_COUNTER_JS = """
(() => {
  window.__nnvizRuns = {done: 0};
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.oldValue !== 'notRunning' && r.target.getAttribute('data-test-script-state') === 'notRunning') {
        window.__nnvizRuns.done++;
      }
    }
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""


def count_runs(context) -> None:
    """Install the run counter in every page ``context`` opens from now on (call before ``goto``)."""
    context.add_init_script(RUN_COUNTER_JS)


def click_and_wait(page, locator, until_js: str = "false", timeout_ms: float = 30_000) -> None:
    """Click ``locator`` and wait until the run that click started has finished (needs :func:`count_runs`).

    A loaded browser can render a short run's "running" and "notRunning" in one frame, so the counter
    misses it: ``until_js``, a JS expression true once the run's result is on screen, covers that
    case (the result on screen while the app says "notRunning" means that run is over).
    """
    before = page.evaluate("window.__nnvizRuns.done")
    locator.click(timeout=timeout_ms)
    idle = f"document.querySelector('{IDLE}') !== null"
    page.wait_for_function(f"window.__nnvizRuns.done > {before} || (({until_js}) && {idle})", timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms, state="attached")


# ---------------------------------------------------------------------------
# Fixtures (import them explicitly into a test module).


@pytest.fixture(scope="module")
def app_url():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    proc, base = start_app()
    try:
        yield base
    finally:
        stop_app(proc)


@pytest.fixture
def browser_page():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = launch_browser(p)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            yield page
        finally:
            close_browser(context)


@pytest.fixture
def player_page(app_url):
    """One 1400×1000 Chromium page with its console errors watched (``page.nnviz_errors``); a test
    module takes it as its ``page`` with ``from browser_helpers import player_page as page``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = launch_browser(p, viewport=(1400, 1000))
        try:
            pg = first_page(context)
            pg.nnviz_errors = watch_errors(pg)
            pg.nnviz_unrendered = []
            yield pg
        finally:
            close_browser(context)


# ---------------------------------------------------------------------------
# The step-through player (nnviz/player): a Components v2 element in the page DOM (no shadow root).

PLAYER = "[data-nnviz-player]"
#: Streamlit's own requests that answer 404 on every page load (not the app's errors)
IGNORED_404 = ("_stcore/health", "_stcore/host-config")

#: JS (an async function of [quietMs, timeoutMs]): resolves once the player root has had no DOM
#: change for quietMs, then two animation frames (= painted).
SETTLE_JS = """
([quietMs, timeoutMs]) => new Promise((resolve, reject) => {
  const root = document.querySelector('[data-nnviz-player]');
  if (!root) { reject(new Error('no player')); return; }
  let timer = null;
  const done = () => {
    obs.disconnect(); clearTimeout(giveUp);
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
  };
  const obs = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quietMs); });
  obs.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  timer = setTimeout(done, quietMs);
  const giveUp = setTimeout(() => { obs.disconnect(); reject(new Error('the player never went quiet')); }, timeoutMs);
})
"""


def watch_errors(page) -> list[str]:
    """Collect the page's uncaught errors and console errors (Streamlit's 404s for
    ``_stcore/health`` and ``_stcore/host-config`` left out) into the returned list."""
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if "404" in msg.text and any(s in url for s in IGNORED_404):
            return
        errors.append(f"console: {msg.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def settle(page, quiet_ms: int = 150, timeout_ms: float = 30_000) -> None:
    """Wait until the player has stopped changing and has been painted."""
    page.evaluate(SETTLE_JS, [quiet_ms, timeout_ms])


def open_player(page, base_url: str, path: str = "", timeout_ms: float = 60_000) -> None:
    """Open a step-through page and wait for its player: Plotly loaded, diagram drawn, app idle, quiet."""
    page.goto(f"{base_url}/{path}", timeout=timeout_ms)
    wait_for_player(page, timeout_ms)


def wait_for_player(page, timeout_ms: float = 60_000) -> None:
    page.wait_for_selector(f"{PLAYER} [data-plot=diagram] .main-svg", timeout=timeout_ms, state="attached")
    page.wait_for_function("window.Plotly !== undefined", timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms, state="attached")
    settle(page, 250, timeout_ms)


def player_button(page, name: str):
    """A button of the player by its accessible name (Back, Next phase, Step, Epoch, Run, Play/Pause, Reset)."""
    return page.locator(PLAYER).get_by_role("button", name=name, exact=True)


def player_state(page) -> tuple[int, str]:
    """(data-step, data-phase) of the player on screen."""
    root = page.locator(PLAYER)
    return int(root.get_attribute("data-step") or -1), root.get_attribute("data-phase") or ""


def state_is_js(step: int, phase: str) -> str:
    """JS: the player shows ``phase`` of ``step``."""
    return (
        f"(() => {{ const r = document.querySelector('{PLAYER}');"
        f" return r && r.dataset.step === '{int(step)}' && r.dataset.phase === {json.dumps(phase)}; }})()"
    )


def press(page, name: str, step: int, phase: str, timeout_ms: float = 30_000) -> None:
    """Click the player's button ``name`` and wait until it shows (step, phase), painted."""
    player_button(page, name).click(timeout=timeout_ms)
    page.wait_for_function(state_is_js(step, phase), timeout=timeout_ms)
    settle(page, timeout_ms=timeout_ms)


#: JS: the text labels drawn in the diagram (SVG text of its scatter traces), in document order.
DIAGRAM_TEXT_JS = "() => [...document.querySelectorAll('[data-plot=diagram] .textpoint text')].map(t => t.textContent)"

#: JS (async): the text labels Plotly.newPlot draws for the diagram's current data and layout, in a
#: fresh div of the same size (what the screen should show; Plotly.react has been seen to leave
#: changed labels unrendered).
DIAGRAM_FRESH_TEXT_JS = """
async () => {
  const d = document.querySelector('[data-plot=diagram]');
  const c = document.createElement('div');
  c.style.cssText = `position:absolute;left:-10000px;top:0;width:${d.offsetWidth}px;height:${d.offsetHeight}px`;
  document.body.appendChild(c);
  try {
    await window.Plotly.newPlot(c, JSON.parse(JSON.stringify(d.data)), JSON.parse(JSON.stringify(d.layout)),
                                {displayModeBar: false});
    return [...c.querySelectorAll('.textpoint text')].map(t => t.textContent);
  } finally { window.Plotly.purge(c); c.remove(); }
}
"""


def diagram_texts(page) -> list[str]:
    return page.evaluate(DIAGRAM_TEXT_JS)


def diagram_fresh_texts(page) -> list[str]:
    return page.evaluate(DIAGRAM_FRESH_TEXT_JS)


def arithmetic_tex(page) -> list[str]:
    """The LaTeX source of every equation in the player's arithmetic panel."""
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-nnviz-player] [data-panel=arithmetic] .eq')]"
        ".map(e => e.dataset.tex)"
    )

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

Fixtures ``app_url`` (module scope) and ``browser_page`` are defined here too; a test module
imports them explicitly: ``from browser_helpers import app_url, browser_page``.
"""

from __future__ import annotations

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

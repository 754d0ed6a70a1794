"""A class on several processes: ``scripts/serve_class.sh 2`` (two Streamlit processes behind HAProxy).

Two browsers (two Chromium profiles, so two cookie jars) open the app through HAProxy: each gets its
own process (HAProxy's SERVERID cookie, and HAProxy's own per-process session counts), one keeps its
process across reloads, the app works through the proxy (the page renders, Step updates the status
line; a CSV upload on "Your data" arrives: its XSRF cookie and its upload request reach the process
that holds the session), and SIGTERM to the script leaves no process behind.

Needs Debian's haproxy and chromium (``scripts/test.sh`` installs both); missing haproxy fails the
test with the script's own message rather than skipping it.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import browsers, first_page, open_page, wait_for_player, wait_idle
from class_server import ROOT, SCRIPT, start_class_server

from nnviz import userdata

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def class_server():
    server = start_class_server(2)
    try:
        yield server
    finally:
        server.stop()
        server.remove_log()


@pytest.fixture
def two_browsers():
    with browsers(2) as contexts:
        yield contexts


_page = first_page


def _backend_cookie(context) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == "SERVERID"]
    assert len(values) == 1, f"expected one SERVERID cookie from HAProxy, got {context.cookies()}"
    return values[0]


@pytest.mark.browser
def test_two_browsers_get_two_processes_and_each_sticks_to_its_own(class_server, two_browsers):
    alice, bob = two_browsers
    alice_page, bob_page = _page(alice), _page(bob)
    open_page(alice_page, class_server.url, "")
    open_page(bob_page, class_server.url, "")
    for page in (alice_page, bob_page):  # the player's own requests (Plotly.js, its prefetch) are done
        wait_for_player(page, TIMEOUT_MS)
        page.wait_for_timeout(1500)
    # HAProxy sends a new browser to the process with the fewest connections: alice's open
    # websocket makes that the other one for bob.
    on = {"alice": _backend_cookie(alice), "bob": _backend_cookie(bob)}
    assert sorted(on.values()) == ["s1", "s2"], on
    counts = class_server.backends()
    assert counts["s1"]["scur"] >= 1 and counts["s2"]["scur"] >= 1, counts  # each holds a live websocket

    # A reload (a new Streamlit session: new page, new websocket) goes back to alice's process only.
    before = class_server.backends()
    for _ in range(2):
        alice_page.reload()
        alice_page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT_MS)
        wait_idle(alice_page, TIMEOUT_MS, started_ms=2000)
        assert _backend_cookie(alice) == on["alice"]
    after = class_server.backends()
    assert after[on["alice"]]["stot"] > before[on["alice"]]["stot"], (before, after)
    # bob's own browser may open an HTTP connection meanwhile (Streamlit's health polls): the reloads'
    # new sessions are alice's process's, not his
    grew = {who: after[on[who]]["stot"] - before[on[who]]["stot"] for who in on}
    assert grew["bob"] < grew["alice"], (before, after)


@pytest.mark.browser
def test_the_app_works_through_the_proxy(class_server, two_browsers, tmp_path):
    page = _page(two_browsers[0])
    open_page(page, class_server.url, "")
    wait_for_player(page, TIMEOUT_MS)  # a click before the player is drawn goes nowhere
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]steps=1\b"), timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    page.get_by_text(re.compile(r"\bStep 1\b")).first.wait_for(timeout=TIMEOUT_MS)  # the status line

    # An upload is an HTTP PUT to /_stcore/upload_file/<session id>/…: it must reach the process
    # holding that session (else Streamlit answers 400 "Invalid session_id") and carry the XSRF
    # cookie that process set.
    csv = tmp_path / "class.csv"
    csv.write_text(userdata.sample_csv("toy"))
    open_page(page, class_server.url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    wait_idle(page, TIMEOUT_MS, started_ms=3000)
    page.locator(".st-key-data_use button").click(timeout=TIMEOUT_MS)
    page.get_by_text("Training on class.csv", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0


def _refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_stops_haproxy_and_every_streamlit_process(class_server):
    # Runs last in this module: it stops the module's server.
    with urllib.request.urlopen(class_server.url + "/_stcore/health", timeout=5) as r:
        assert r.status == 200
    assert len(class_server.backend_pids()) == 2
    left = class_server.stop(signal.SIGTERM)
    assert left == [], f"serve_class.sh left processes behind: {left}"
    assert class_server.proc.returncode == 0, class_server.output()
    assert "stopping HAProxy and 2 Streamlit process(es)" in class_server.output()
    assert all(_refused(p) for p in [class_server.port, *class_server.backend_ports])
    run_dir = Path(re.search(r"config and logs in (\S+);", class_server.output()).group(1))
    assert not run_dir.is_relative_to(ROOT) and not run_dir.exists()  # generated outside the repo, then removed


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["2"], {"NNVIZ_HAPROXY": "/nonexistent/haproxy"}, "apt-get install haproxy"),
        ([], {}, "usage: bash scripts/serve_class.sh N [PORT]"),
        (["0"], {}, "usage: bash scripts/serve_class.sh N [PORT]"),
        (["2", "http"], {}, "PORT must be a number"),
    ],
)
def test_bad_start_says_what_is_wrong(args, env, message):
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr

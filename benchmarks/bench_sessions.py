"""Many users, one server: N concurrent sessions each click Step on the study page.

For each N (a fresh server each), every session opens the study page, then all click
**Step** 20 times at once, each waiting for its own redraw before its next click. Two
kinds of client:

- ``browser``: a headless Chromium page per session (one browser, a context each). A click
  counts as redrawn when the URL says ``steps=k`` (the page writes it after its last figure)
  *and* Streamlit reports the run finished (``data-test-script-state="notRunning"``).
- ``protocol``: a Python client per session speaking Streamlit's websocket protocol (the
  protobuf messages the browser sends and receives), so no browser competes for the CPU:
  click = a ``rerun_script`` message with the Step button's trigger (and its fragment's id,
  when the button is drawn inside an ``st.fragment``, as the browser sends); redrawn = the server's
  ``script_finished`` message, after checking the new query string says ``steps=k``.

Printed, one line per client kind and N:

- ``p50_ms`` / ``p95_ms`` / ``max_ms``: click → redraw latency over all N × 20 clicks;
  ``lost``: clicks whose redraw never came within the timeout (browser only);
- ``mb_per_session``: (server RSS after the clicks − RSS of a warmed-up server with no
  session open) / N, RSS from /proc/<pid>/status (VmRSS);
- ``server_cpu_ms_per_click``: the server's user + system CPU over the clicks / clicks.

On a small machine the browsers and the server share the same cores and Chromium drawing N
pages of Plotly charts dominates the browser figures; the protocol figures are what the
server itself delivers.

    python benchmarks/bench_sessions.py                      # both clients, N = 5, 10, 20, 20 clicks
    python benchmarks/bench_sessions.py --quick              # smoke run: N = 2, 3 clicks
    python benchmarks/bench_sessions.py --client protocol --n 5 10 20 40
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, skip_reason, start_app, stop_app  # noqa: E402

#: how long one click may take to redraw before it counts as lost
WAIT_MS = 120_000
PAGE = ""  # the study page is the default page, served at the root ("/study" is "Page not found")
STEP_KEY = "study_step"
STEP_BUTTON = f".st-key-{STEP_KEY} button"
#: true once the page shows step k: the URL carries steps=k and the script run has finished
REDRAWN = """([k, idle]) => new URLSearchParams(location.search).get("steps") === String(k)
    && document.querySelector(idle) !== null"""


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0…100)."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))]


# ---------------------------------------------------------------------------
# Browser sessions (Playwright + Chromium).


async def open_browser_session(browser, base: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto(f"{base}/{PAGE}", timeout=WAIT_MS)
    await page.wait_for_function(REDRAWN, arg=[0, IDLE], timeout=WAIT_MS, polling=20)
    await page.locator(STEP_BUTTON).wait_for(timeout=WAIT_MS)
    return context, page


async def browser_clicks(page, clicks: int, start: asyncio.Event) -> tuple[list[float], int]:
    """(latencies in s, clicks lost); after a lost click the count goes on from what the URL says."""
    await start.wait()
    latencies, lost, k = [], 0, 0
    for _ in range(clicks):
        t0 = time.perf_counter()
        await page.locator(STEP_BUTTON).click()
        try:
            await page.wait_for_function(REDRAWN, arg=[k + 1, IDLE], timeout=WAIT_MS, polling=10)
        except Exception:  # Playwright's TimeoutError: the redraw never came
            lost += 1
            steps = re.search(r"[?&]steps=(\d+)", page.url)
            k = int(steps.group(1)) if steps else k
            continue
        latencies.append(time.perf_counter() - t0)
        k += 1
    return latencies, lost


async def run_browsers(base: str, n: int, clicks: int, server_pid: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Warm the server up (imports, caches), then let that session go before the baseline.
        context, _ = await open_browser_session(browser, base)
        await context.close()
        await asyncio.sleep(2.0)
        base_rss = rss_mb(server_pid)
        sessions = await asyncio.gather(*(open_browser_session(browser, base) for _ in range(n)))
        start = asyncio.Event()
        tasks = [asyncio.create_task(browser_clicks(page, clicks, start)) for _, page in sessions]
        result = await _timed(tasks, start, server_pid, base_rss)
        for context, _ in sessions:
            await context.close()
        await browser.close()
    return result


# ---------------------------------------------------------------------------
# Protocol sessions: Streamlit's websocket messages, no browser.


class ProtocolSession:
    """One Streamlit session driven over ``/_stcore/stream`` with the messages a browser would send."""

    def __init__(self, ws):
        self.ws = ws
        self.widget_ids: dict[str, str] = {}  # user key → widget id
        self.fragment_ids: dict[str, str] = {}  # user key → id of the fragment drawing it ("" if none)
        self.query = ""
        self.page_name = ""  # "" is the default page

    @classmethod
    async def open(cls, base: str) -> ProtocolSession:
        import websockets

        ws = await websockets.connect(
            base.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None
        )
        session = cls(ws)
        await session.rerun(None)
        return session

    @classmethod
    async def open_page(cls, base: str, page_name: str, query: dict[str, str]) -> ProtocolSession:
        """A session that opens ``/page_name?query`` (e.g. a shared link), once its first run has finished."""
        from urllib.parse import urlencode

        session = await cls.open(base)
        session.page_name, session.query = page_name, urlencode(query)
        await session.rerun(None)
        return session

    async def rerun(self, trigger_key: str | None) -> None:
        """Ask for a rerun (with ``trigger_key``'s button clicked) and read messages until the run finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        msg.rerun_script.page_name = self.page_name
        if trigger_key is not None:
            # a widget inside an st.fragment reruns only that fragment, as the browser asks for it
            msg.rerun_script.fragment_id = self.fragment_ids.get(trigger_key, "")
            w = msg.rerun_script.widget_states.widgets.add()
            w.id = self.widget_ids[trigger_key]
            w.trigger_value = True
        await self.ws.send(msg.SerializeToString())
        await self._until_finished()

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                widget = getattr(element, element.WhichOneof("type"))
                wid = getattr(widget, "id", None)
                if isinstance(wid, str) and wid:
                    key = wid.rsplit("-", 1)[-1]  # ids end in "-<user key>"
                    self.widget_ids[key] = wid
                    self.fragment_ids[key] = fwd.delta.fragment_id
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished":
                return

    @property
    def steps(self) -> int:
        m = re.search(r"(?:^|&)steps=(\d+)", self.query)
        return int(m.group(1)) if m else -1

    async def close(self) -> None:
        await self.ws.close()


async def protocol_clicks(session: ProtocolSession, clicks: int, start: asyncio.Event) -> tuple[list[float], int]:
    await start.wait()
    latencies = []
    for k in range(1, clicks + 1):
        t0 = time.perf_counter()
        await session.rerun(STEP_KEY)
        latencies.append(time.perf_counter() - t0)
        if session.steps != k:
            raise RuntimeError(f"after click {k} the page says steps={session.steps}")
    return latencies, 0


async def run_protocol(base: str, n: int, clicks: int, server_pid: int) -> dict:
    warm = await ProtocolSession.open(base)
    await warm.close()
    await asyncio.sleep(2.0)
    base_rss = rss_mb(server_pid)
    sessions = await asyncio.gather(*(ProtocolSession.open(base) for _ in range(n)))
    start = asyncio.Event()
    tasks = [asyncio.create_task(protocol_clicks(s, clicks, start)) for s in sessions]
    result = await _timed(tasks, start, server_pid, base_rss)
    for s in sessions:
        await s.close()
    return result


# ---------------------------------------------------------------------------


async def _timed(tasks, start: asyncio.Event, server_pid: int, base_rss: float) -> dict:
    cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    wall, cpu = time.perf_counter() - t0, cpu_seconds(server_pid) - cpu0
    lat = [x for r, _ in results for x in r]
    clicks = len(lat) + sum(lost for _, lost in results)
    return {
        "clicks": clicks,
        "lost": sum(lost for _, lost in results),
        "p50_ms": 1000 * statistics.median(lat) if lat else math.nan,
        "p95_ms": 1000 * percentile(lat, 95) if lat else math.nan,
        "max_ms": 1000 * max(lat) if lat else math.nan,
        "wall_s": wall,
        "base_rss_mb": base_rss,
        "rss_mb": rss_mb(server_pid),
        "server_cpu_ms_per_click": 1000 * cpu / clicks,
    }


def measure(client: str, n: int, clicks: int) -> dict:
    """One fresh server, ``n`` sessions of kind ``client`` each clicking Step ``clicks`` times."""
    proc, base = start_app()
    try:
        run = run_browsers if client == "browser" else run_protocol
        r = asyncio.run(run(base, n, clicks, proc.pid))
    finally:
        stop_app(proc)
    r.update(client=client, n=n, mb_per_session=(r["rss_mb"] - r["base_rss_mb"]) / n)
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: N = 2, 3 clicks")
    ap.add_argument("--client", choices=["protocol", "browser", "both"], default="both")
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20], help="session counts")
    ap.add_argument("--clicks", type=int, default=20, help="Step clicks per session")
    args = ap.parse_args(argv)
    clients = ["protocol", "browser"] if args.client == "both" else [args.client]
    reason = skip_reason()
    if reason and "browser" in clients:
        print(f"no browser sessions: {reason}", file=sys.stderr)
        clients.remove("browser")
    ns, clicks = ([2], 3) if args.quick else (args.n, args.clicks)
    print(f"# {os.cpu_count()} CPUs shared by server and clients; the study page; {clicks} Step clicks per session")
    for client in clients:
        for n in ns:
            r = measure(client, n, clicks)
            print(
                f"client={client} sessions={n} clicks={r['clicks']} lost={r['lost']} "
                f"p50_ms={r['p50_ms']:.0f} p95_ms={r['p95_ms']:.0f} max_ms={r['max_ms']:.0f} wall_s={r['wall_s']:.1f} "
                f"server_cpu_ms_per_click={r['server_cpu_ms_per_click']:.0f} "
                f"rss_mb={r['base_rss_mb']:.0f}->{r['rss_mb']:.0f} mb_per_session={r['mb_per_session']:.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

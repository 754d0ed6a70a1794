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

Where the sessions go (``target=``):

- ``direct1``: a fresh ``streamlit run app.py``, one process (the default);
- ``haproxyK``: a fresh ``scripts/serve_class.sh K`` (K processes behind HAProxy, ``--processes K``);
  every session first loads the page over HTTP like a browser, keeps the cookies it is given
  (HAProxy's SERVERID names its process) and sends them with its websocket, so it sticks to one
  process. ``backends=s1:30,s2:30`` says how the sessions were spread; CPU and memory are summed
  over the Streamlit processes, HAProxy's own CPU is ``proxy_cpu_ms_per_click``;
- ``url``: a server already running at ``--url`` (direct or a HAProxy front): no CPU/memory figures.

``--class`` is the class-size experiment in one run: N=30 on one process, N=60 on one process
(the reference at the same N) and N=60 through HAProxy with 2 processes, then the ratios.
``clicks_per_s`` = all clicks / wall time of the clicking phase.

What a protocol click depends on in the app (``--click-key`` / ``--click-label``): a button whose
widget id ends in ``-<key>`` (default ``study_step``), or failing that a button labelled
``<label>`` (default ``Step``); and, unless ``--no-check-steps``, the page writing ``steps=k`` into
its query string after the k-th click.

    python benchmarks/bench_sessions.py                      # both clients, N = 5, 10, 20, 20 clicks
    python benchmarks/bench_sessions.py --quick              # smoke run: N = 2, 3 clicks
    python benchmarks/bench_sessions.py --client protocol --n 5 10 20 40
    python benchmarks/bench_sessions.py --class              # 30 direct, 60 direct, 60 via HAProxy × 2
    python benchmarks/bench_sessions.py --client protocol --processes 2 --n 60
    python benchmarks/bench_sessions.py --client protocol --url http://127.0.0.1:8501 --n 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, skip_reason, start_app, stop_app  # noqa: E402
from class_server import start_class_server  # noqa: E402

#: how long one click may take to redraw before it counts as lost
WAIT_MS = 120_000
PAGE = ""  # the study page is the default page, served at the root ("/study" is "Page not found")
STEP_KEY = "study_step"  # the protocol client's default click target (--click-key)
STEP_LABEL = "Step"  # … or, when no widget has that key, the button with this label (--click-label)
STEP_BUTTON = "[data-nnviz-player] button[data-action=step]"  # the player's Step (the browser client)
PLAYER = "__player__"  # the protocol client's target when the page has the step-through player
#: true once the page shows step k: the URL carries steps=k and the script run has finished
REDRAWN = """([k, idle]) => document.querySelector(idle) !== null && (k === 0
    || document.querySelector("[data-nnviz-player]")?.getAttribute("data-step") === String(k))"""


def rss_mb(pids: list[int]) -> float:
    """Resident memory of processes in MB, summed (VmRSS from /proc); NaN with no pids."""
    if not pids:
        return math.nan
    total = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
                break
        else:
            raise RuntimeError(f"no VmRSS for pid {pid}")
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes so far, summed (/proc/<pid>/stat fields 14 and 15); NaN with no pids."""
    if not pids:
        return math.nan
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    """Where the sessions go: ``base`` URL, the Streamlit processes behind it, HAProxy's pid (if any)."""

    name: str
    base: str
    server_pids: list[int]
    proxy_pid: int | None = None
    processes: int = 1


@contextmanager
def direct_target() -> Iterator[Target]:
    """A fresh ``streamlit run app.py``."""
    proc, base = start_app()
    try:
        yield Target("direct1", base, [proc.pid])
    finally:
        stop_app(proc)


@contextmanager
def haproxy_target(processes: int) -> Iterator[Target]:
    """A fresh ``scripts/serve_class.sh processes`` (loopback ports)."""
    server = start_class_server(processes)
    try:
        yield Target(f"haproxy{processes}", server.url, server.backend_pids(), server.haproxy_pid(), processes)
    finally:
        left = server.stop()
        server.remove_log()
        if left:
            print(f"# serve_class.sh left processes behind (killed): {left}", file=sys.stderr)


@contextmanager
def url_target(url: str, processes: int) -> Iterator[Target]:
    """A server someone else started (``processes`` behind it, for the warm-up): no CPU or memory figures."""
    yield Target("url", url.rstrip("/"), [], processes=max(1, processes))


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


def _browser_backend(cookies: list[dict]) -> str:
    return next((c["value"] for c in cookies if c["name"] == "SERVERID"), "-")


async def run_browsers(target: Target, n: int, clicks: int, opts: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Warm every process up (imports, caches; one session each, held together so HAProxy spreads
        # them), then let those sessions go before the baseline.
        warm = [await open_browser_session(browser, target.base) for _ in range(target.processes)]
        for context, _ in warm:
            await context.close()
        await asyncio.sleep(2.0)
        base_rss = rss_mb(target.server_pids)
        sessions = await asyncio.gather(*(open_browser_session(browser, target.base) for _ in range(n)))
        backends = [_browser_backend(await context.cookies()) for context, _ in sessions]
        start = asyncio.Event()
        tasks = [asyncio.create_task(browser_clicks(page, clicks, start)) for _, page in sessions]
        result = await _timed(tasks, start, target, base_rss, backends)
        for context, _ in sessions:
            await context.close()
        await browser.close()
    return result


# ---------------------------------------------------------------------------
# Protocol sessions: Streamlit's websocket messages, no browser.


class ProtocolSession:
    """One Streamlit session driven over ``/_stcore/stream`` with the messages a browser would send."""

    def __init__(self, ws, backend: str = "-"):
        self.ws = ws
        self.backend = backend  # HAProxy's SERVERID cookie: the process this session sticks to ("-" if direct)
        self.widget_ids: dict[str, str] = {}  # user key → widget id
        self.fragment_ids: dict[str, str] = {}  # user key → id of the fragment drawing it ("" if none)
        self.button_keys: dict[str, str] = {}  # button label → user key
        self.query = ""
        self.player_id = ""  # the step-through player's element id, its fragment and its last phase index
        self.player_fragment = ""
        self.player_last = 0
        self.player_k = 0
        self.player_cursor: list[int] | None = None
        self.player_have: set[int] = set()  # the detailed steps the player was sent
        self.player_nonce = 0
        self.player_progress: list[int] | None = None  # [recorded, wanted] while a long goto computes
        self.player_target: list[int] | None = None
        self.player_pause_ms = 0.0  # how long the server asks the player to wait before the next chunk
        self.page_name = ""  # "" is the default page

    @classmethod
    async def open(cls, base: str) -> ProtocolSession:
        """Load the page over HTTP as a browser would, keep its cookies, and open the websocket with them."""
        import websockets

        cookies = await asyncio.to_thread(_page_cookies, base)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
        ws = await websockets.connect(
            base.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            additional_headers=headers,
            open_timeout=WAIT_MS / 1000,
        )
        session = cls(ws, cookies.get("SERVERID", "-"))
        await session.rerun(None)
        return session

    def target_key(self, key: str, label: str) -> str:
        """The user key to click: ``key`` if a widget has it, else the key of the button labelled ``label``."""
        if key in self.widget_ids:
            return key
        if self.player_id and label == STEP_LABEL:
            return PLAYER
        if label in self.button_keys:
            return self.button_keys[label]
        raise RuntimeError(
            f"no widget with key {key!r} and no button labelled {label!r} on the page "
            f"(keys: {sorted(self.widget_ids)}; buttons: {sorted(self.button_keys)}); "
            "choose one with --click-key / --click-label"
        )
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
        if trigger_key == PLAYER:
            # the player's Step past the recorded history: a request to the server, as player.js sends it
            self._player_request(msg, {"a": "goto", "k": self.player_k, "p": self.player_last})
            self.player_k += 1
        elif trigger_key is not None:
            # a widget inside an st.fragment reruns only that fragment, as the browser asks for it
            msg.rerun_script.fragment_id = self.fragment_ids.get(trigger_key, "")
            w = msg.rerun_script.widget_states.widgets.add()
            w.id = self.widget_ids[trigger_key]
            w.trigger_value = True
        await self.ws.send(msg.SerializeToString())
        await self._until_finished()

    async def player_request(self, req: dict) -> None:
        """Send the player's request ``req`` (e.g. ``{"a": "goto", "k": 99, "p": 6}``) and read until the run ends."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        msg.rerun_script.page_name = self.page_name
        self._player_request(msg, req)
        await self.ws.send(msg.SerializeToString())
        await self._until_finished()

    async def finish_computing(self, seconds: float = math.inf) -> int:
        """As player.js does while the server computes a long goto (a link, Run N): ask for the rest,
        after the pause the server asks for, until no progress is left (or for ``seconds``).
        Returns the requests sent."""
        n, t0 = 0, time.perf_counter()
        while self.player_progress and self.player_target and time.perf_counter() - t0 < seconds:
            await asyncio.sleep(self.player_pause_ms / 1000)
            k, p = self.player_target
            await self.player_request({"a": "goto", "k": k, "p": p})
            n += 1
        return n

    def _player_request(self, msg, req: dict) -> None:
        self.player_nonce += 1
        # as player.js: the detailed steps it already holds near the cursor are not sent again
        k = int(req.get("k", 0))
        have = sorted(h for h in self.player_have if abs(h - k) <= 20)[:64]
        req = {**req, "nonce": str(self.player_nonce), "have": have}
        msg.rerun_script.fragment_id = self.player_fragment
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = f"$$STREAMLIT_INTERNAL_KEY_{self.player_id}__events"  # as the player's JS (its trigger aggregator)
        w.json_trigger_value = json.dumps([{"event": "req", "value": req}])
        state = msg.rerun_script.widget_states.widgets.add()  # the component's (empty) state, as the browser sends
        state.id, state.json_value = self.player_id, "{}"

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                widget = getattr(element, element.WhichOneof("type"))
                if element.WhichOneof("type") == "bidi_component" and widget.component_name == "nnviz.player":
                    self.player_id, self.player_fragment = widget.id, fwd.delta.fragment_id
                    data = json.loads(widget.json)
                    data = json.loads(data) if isinstance(data, str) else data  # the player is sent JSON text
                    self.player_last = len(data["labels"]) - 1
                    if data.get("cursor") is not None:
                        self.player_cursor = data["cursor"]
                    self.player_have.update(int(k) for k in data.get("steps", {}))
                    self.player_progress, self.player_target = data.get("progress"), data.get("target")
                    self.player_pause_ms = float(data.get("pause_ms") or 0)
                    continue
                wid = getattr(widget, "id", None)
                if isinstance(wid, str) and wid:
                    key = wid.rsplit("-", 1)[-1]  # ids end in "-<user key>"
                    self.widget_ids[key] = wid
                    self.fragment_ids[key] = fwd.delta.fragment_id
                    label = getattr(widget, "label", None)
                    if element.WhichOneof("type") == "button" and isinstance(label, str):
                        self.button_keys[label] = key
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


def _page_cookies(base: str) -> dict[str, str]:
    """GET the page like a browser's first request; the cookies it sets (HAProxy's SERVERID, Streamlit's XSRF)."""
    with urllib.request.urlopen(base + "/", timeout=WAIT_MS / 1000) as r:
        jar = SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


async def protocol_clicks(
    session: ProtocolSession, clicks: int, start: asyncio.Event, opts: argparse.Namespace
) -> tuple[list[float], int]:
    key = session.target_key(opts.click_key, opts.click_label)
    await start.wait()
    latencies = []
    for k in range(1, clicks + 1):
        t0 = time.perf_counter()
        await session.rerun(key)
        latencies.append(time.perf_counter() - t0)
        if opts.check_steps and key == PLAYER:
            # the player's reply: its cursor is the update of step k (a player request reruns only the
            # player, so the query string follows later, when the browser reports the step on screen)
            if session.player_cursor != [k - 1, session.player_last]:
                raise RuntimeError(f"after click {k} the player shows {session.player_cursor}, not step {k}")
        elif opts.check_steps and session.steps != k:
            raise RuntimeError(
                f"after click {k} on {key!r} the page's query string says steps={session.steps} "
                f"({session.query!r}); if the app no longer writes steps=k, run with --no-check-steps"
            )
    return latencies, 0


async def run_protocol(target: Target, n: int, clicks: int, opts: argparse.Namespace) -> dict:
    # One warm-up session per process, held together so HAProxy's least-connections choice spreads them.
    warm = [await ProtocolSession.open(target.base) for _ in range(target.processes)]
    for s in warm:
        await s.close()
    await asyncio.sleep(2.0)
    base_rss = rss_mb(target.server_pids)
    sessions = await asyncio.gather(*(ProtocolSession.open(target.base) for _ in range(n)))
    start = asyncio.Event()
    tasks = [asyncio.create_task(protocol_clicks(s, clicks, start, opts)) for s in sessions]
    result = await _timed(tasks, start, target, base_rss, [s.backend for s in sessions])
    for s in sessions:
        await s.close()
    return result


# ---------------------------------------------------------------------------


async def _timed(tasks, start: asyncio.Event, target: Target, base_rss: float, backends: list[str]) -> dict:
    pids = target.server_pids
    proxy = [target.proxy_pid] if target.proxy_pid else []
    cpu0, proxy0, t0 = cpu_seconds(pids), cpu_seconds(proxy), time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    cpu, proxy_cpu = cpu_seconds(pids) - cpu0, cpu_seconds(proxy) - proxy0
    lat = [x for r, _ in results for x in r]
    clicks = len(lat) + sum(lost for _, lost in results)
    return {
        "clicks": clicks,
        "lost": sum(lost for _, lost in results),
        "p50_ms": 1000 * statistics.median(lat) if lat else math.nan,
        "p95_ms": 1000 * percentile(lat, 95) if lat else math.nan,
        "max_ms": 1000 * max(lat) if lat else math.nan,
        "wall_s": wall,
        "clicks_per_s": len(lat) / wall,
        "backends": ",".join(f"{b}:{c}" for b, c in sorted(Counter(backends).items())),
        "base_rss_mb": base_rss,
        "rss_mb": rss_mb(pids),
        "server_cpu_ms_per_click": 1000 * cpu / clicks,
        "proxy_cpu_ms_per_click": 1000 * proxy_cpu / clicks,
    }


def target_for(opts: argparse.Namespace, processes: int):
    """The context manager giving a fresh server (or ``--url``) for one measurement."""
    if opts.url:
        return url_target(opts.url, processes)
    return haproxy_target(processes) if processes else direct_target()


def measure(client: str, n: int, clicks: int, opts: argparse.Namespace, processes: int = 0) -> dict:
    """``n`` sessions clicking ``clicks`` times on a fresh server (``processes`` 0: one process; K: K via HAProxy)."""
    with target_for(opts, processes) as target:
        run = run_browsers if client == "browser" else run_protocol
        r = asyncio.run(run(target, n, clicks, opts))
    r.update(client=client, n=n, target=target.name, mb_per_session=(r["rss_mb"] - r["base_rss_mb"]) / n)
    return r


def report(r: dict) -> None:
    print(
        f"client={r['client']} target={r['target']} sessions={r['n']} backends={r['backends']} "
        f"clicks={r['clicks']} lost={r['lost']} "
        f"p50_ms={r['p50_ms']:.0f} p95_ms={r['p95_ms']:.0f} max_ms={r['max_ms']:.0f} wall_s={r['wall_s']:.1f} "
        f"clicks_per_s={r['clicks_per_s']:.1f} "
        f"server_cpu_ms_per_click={r['server_cpu_ms_per_click']:.0f} "
        f"proxy_cpu_ms_per_click={r['proxy_cpu_ms_per_click']:.1f} "
        f"rss_mb={r['base_rss_mb']:.0f}->{r['rss_mb']:.0f} mb_per_session={r['mb_per_session']:.1f}",
        flush=True,
    )


def report_ratio(a: dict, b: dict) -> None:
    """``a`` relative to ``b`` (both measured in this run)."""
    print(
        f"ratio {a['target']}@{a['n']} / {b['target']}@{b['n']}: "
        f"p50={a['p50_ms'] / b['p50_ms']:.2f} p95={a['p95_ms'] / b['p95_ms']:.2f} "
        f"clicks_per_s={a['clicks_per_s'] / b['clicks_per_s']:.2f}",
        flush=True,
    )


def class_experiment(clicks: int, opts: argparse.Namespace, small: int = 30, large: int = 60) -> None:
    """``small`` sessions on one process, ``large`` on one (the same-N reference), ``large`` via HAProxy × 2."""
    one_small = measure("protocol", small, clicks, opts)
    report(one_small)
    one_large = measure("protocol", large, clicks, opts)
    report(one_large)
    two_large = measure("protocol", large, clicks, opts, processes=2)
    report(two_large)
    report_ratio(two_large, one_large)
    report_ratio(two_large, one_small)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: N = 2, 3 clicks")
    ap.add_argument("--client", choices=["protocol", "browser", "both"], default="both")
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20], help="session counts")
    ap.add_argument("--clicks", type=int, default=20, help="Step clicks per session")
    ap.add_argument(
        "--processes", type=int, default=0,
        help="K > 0: serve through scripts/serve_class.sh K (with --url: how many processes it has)",
    )  # fmt: skip
    ap.add_argument("--url", help="a running server or HAProxy front to measure instead of a fresh one")
    ap.add_argument(
        "--class", dest="class_run", action="store_true",
        help="protocol client: N=30 and N=60 on one process, N=60 through HAProxy with 2 processes, ratios",
    )  # fmt: skip
    ap.add_argument("--click-key", default=STEP_KEY, help="user key of the button a protocol session clicks")
    ap.add_argument("--click-label", default=STEP_LABEL, help="its label, used when no widget has that key")
    ap.add_argument("--no-check-steps", dest="check_steps", action="store_false", help="don't require steps=k")
    args = ap.parse_args(argv)
    if args.class_run and (args.url or args.processes):
        ap.error("--class starts its own servers: leave out --url and --processes")
    clients = ["protocol", "browser"] if args.client == "both" else [args.client]
    reason = skip_reason()
    if reason and "browser" in clients:
        print(f"no browser sessions: {reason}", file=sys.stderr)
        clients.remove("browser")
    ns, clicks = ([2], 3) if args.quick else (args.n, args.clicks)
    print(f"# {os.cpu_count()} CPUs shared by server and clients; the study page; {clicks} Step clicks per session")
    if args.class_run:
        if args.quick:
            class_experiment(clicks, args, small=2, large=4)
        else:
            class_experiment(clicks, args)
        return 0
    for client in clients:
        for n in ns:
            report(measure(client, n, clicks, args, processes=args.processes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

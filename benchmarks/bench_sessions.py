"""Many users, one server: N concurrent headless sessions each click Step on the study page.

For N = 5, 10, 20 (a fresh server each), every session opens the study page, then all click
**Step** 20 times at once, each waiting for its own redraw before the next click. Printed,
one line per N:

- ``p50_ms`` / ``p95_ms``: click → redraw latency over all N × 20 clicks. Redrawn means the
  URL says ``steps=k`` (the page writes it after its last figure) *and* Streamlit reports the
  script run finished (``data-test-script-state="notRunning"``).
- ``mb_per_session``: (server RSS after the clicks − RSS of a warmed-up server with no
  session open) / N, RSS from /proc/<pid>/status (VmRSS).
- ``server_cpu_ms_per_click``: the server's user + system CPU time over the clicks / clicks,
  what one click costs the server whatever the machine.

The browsers and the server share this machine: on a small one, Chromium drawing N pages of
Plotly charts competes with the server for the same cores, so latency here is an upper bound
for a server whose users sit at their own computers.

    python benchmarks/bench_sessions.py            # N = 5, 10, 20, 20 clicks each
    python benchmarks/bench_sessions.py --quick    # smoke run: N = 2, 3 clicks
    python benchmarks/bench_sessions.py --n 5 --clicks 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, skip_reason, start_app, stop_app  # noqa: E402

TIMEOUT_MS = 120_000
PAGE = ""  # the study page is the default page, served at the root ("/study" is "Page not found")
STEP_BUTTON = ".st-key-study_step button"
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


async def open_session(browser, base: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{base}/{PAGE}", timeout=TIMEOUT_MS)
    await page.wait_for_function(REDRAWN, arg=[0, IDLE], timeout=TIMEOUT_MS, polling=20)
    await page.locator(STEP_BUTTON).wait_for(timeout=TIMEOUT_MS)
    return context, page


async def click_steps(page, clicks: int, start: asyncio.Event) -> list[float]:
    await start.wait()
    latencies = []
    for k in range(1, clicks + 1):
        t0 = time.perf_counter()
        await page.locator(STEP_BUTTON).click()
        await page.wait_for_function(REDRAWN, arg=[k, IDLE], timeout=TIMEOUT_MS, polling=10)
        latencies.append(time.perf_counter() - t0)
    return latencies


async def measure(n: int, clicks: int) -> dict:
    from playwright.async_api import async_playwright

    proc, base = start_app()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # Warm the server up (imports, caches), then let that session go before the baseline.
            context, _ = await open_session(browser, base)
            await context.close()
            await asyncio.sleep(2.0)
            base_rss = rss_mb(proc.pid)
            sessions = await asyncio.gather(*(open_session(browser, base) for _ in range(n)))
            start = asyncio.Event()
            tasks = [asyncio.create_task(click_steps(page, clicks, start)) for _, page in sessions]
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            start.set()
            results = await asyncio.gather(*tasks)
            wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
            after_rss = rss_mb(proc.pid)
            for context, _ in sessions:
                await context.close()
            await browser.close()
    finally:
        stop_app(proc)
    lat = [x for r in results for x in r]
    return {
        "n": n,
        "clicks": len(lat),
        "p50_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * percentile(lat, 95),
        "max_ms": 1000 * max(lat),
        "wall_s": wall,
        "base_rss_mb": base_rss,
        "rss_mb": after_rss,
        "mb_per_session": (after_rss - base_rss) / n,
        "server_cpu_ms_per_click": 1000 * cpu / len(lat),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: N = 2, 3 clicks")
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20], help="session counts")
    ap.add_argument("--clicks", type=int, default=20, help="Step clicks per session")
    args = ap.parse_args(argv)
    reason = skip_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    ns, clicks = ([2], 3) if args.quick else (args.n, args.clicks)
    print(f"# {os.cpu_count()} CPUs; browsers and server share them; the study page, {clicks} Step clicks per session")
    for n in ns:
        r = asyncio.run(measure(n, clicks))
        print(
            f"sessions={r['n']} clicks={r['clicks']} p50_ms={r['p50_ms']:.0f} p95_ms={r['p95_ms']:.0f} "
            f"max_ms={r['max_ms']:.0f} wall_s={r['wall_s']:.1f} "
            f"server_cpu_ms_per_click={r['server_cpu_ms_per_click']:.0f} "
            f"rss_mb={r['base_rss_mb']:.0f}->{r['rss_mb']:.0f} mb_per_session={r['mb_per_session']:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

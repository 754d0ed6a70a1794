"""What the worst allowed visitor costs a class server, and what another student feels meanwhile.

One fresh server. A *victim* session (the study page, spoken to over Streamlit's websocket
protocol with :class:`bench_sessions.ProtocolSession`, so no browser of its own competes for the
CPU) clicks **Step** again and again; first alone (its idle latency), then while an *abuser*
does one of the worst things the app allows:

- ``link``: opens the issue's worst shared link (toy page, 8-8-8, softmax output, 100,000
  one-sample steps) over the protocol, then asks for the rest of its steps chunk by chunk, after
  the pause the server asks for, as the player does while it shows progress;
- ``csv``: uploads the largest CSV the caps allow (10,000 rows × 49 input columns + a 20-class
  label, under 5 MB) on the data page, uses it and clicks the player's Step (a headless Chromium
  drives this one: the file upload needs the browser's upload request; Chromium shares the 2 cores);
- ``mnist``: trains the largest MNIST model the Train tab allows (784-1024-128-10, 936,330
  parameters, 36 epochs: parameters × 3,500 digits × epochs just under the 1.2e11 limit) in
  Chromium;
- ``canvas``: a crafted 6000 × 6000 PNG canvas value, measured in-process on the decoding path
  the page uses (``mnist.canvas_rgba``): the component's state cannot be forged over the plain
  protocol client here.

Printed per abuse: the server's CPU seconds during it (user + system, /proc), the server's peak
RSS (sampled every 50 ms), the abuser's wall time, and the victim's Step latency p50 / max over
the clicks made meanwhile, with the ratio to its idle p50.

    python benchmarks/bench_abuse.py                    # all four
    python benchmarks/bench_abuse.py --only link canvas
    python benchmarks/bench_abuse.py --only link --link-seconds 1e9   # the link's 100,000 steps to the end
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bench_sessions import STEP_KEY, STEP_LABEL, ProtocolSession, cpu_seconds, rss_mb  # noqa: E402
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, PLAYER, start_app, stop_app  # noqa: E402

WORST_LINK = {
    "ex": "toy",
    "hidden": "8-8-8",
    "act": "tanh,tanh,tanh,softmax",
    "loss": "cross_entropy",
    "init": "xavier",
    "shuffle": "1",
    "lr": "0.0001",
    "steps": "100000",
}
WAIT_MS = 1_800_000


def largest_csv() -> bytes:
    """10,000 rows × 50 columns (49 inputs and a 20-class label) of short numbers: within 5 MB."""
    import numpy as np

    rng = np.random.default_rng(0)
    header = ",".join([f"x{j}" for j in range(49)] + ["label"])
    X = rng.integers(0, 1000, (10_000, 49)) / 100
    y = rng.integers(0, 20, 10_000)
    lines = [header] + [",".join(f"{v:g}" for v in row) + f",{c}" for row, c in zip(X, y)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) <= 5_000_000, len(data)
    return data


class Peak:
    """Samples the server's RSS every 50 ms while running."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, False

    async def run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, rss_mb([self.pid]))
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self._stop = True


async def victim_clicks(victim: ProtocolSession, done: asyncio.Event, min_clicks: int = 3) -> list[float]:
    """Step clicks until ``done`` (at least ``min_clicks``); latency of each in seconds."""
    out = []
    while not done.is_set() or len(out) < min_clicks:
        t0 = time.perf_counter()
        await victim.rerun(victim.target_key(STEP_KEY, STEP_LABEL))
        out.append(time.perf_counter() - t0)
        await asyncio.sleep(0.05)  # a student's pause between clicks
    return out


async def abuse_link(base: str, seconds: float) -> None:
    """Open the link, then ask for the rest of its steps as the player does while it shows progress
    (for at most ``seconds``: the victim's latency is the same in every stretch of it)."""
    s = await ProtocolSession.open_page(base, "toy", WORST_LINK)
    chunks = await s.finish_computing(seconds)
    done = s.player_progress[0] if s.player_progress else int(WORST_LINK["steps"])
    print(f"  (link: {chunks} further requests; {done:,} of {int(WORST_LINK['steps']):,} steps recorded)", flush=True)
    await s.close()


async def abuse_browser(base: str, what: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
        page.set_default_timeout(WAIT_MS)
        idle = lambda: page.wait_for_selector(IDLE, state="attached", timeout=WAIT_MS)  # noqa: E731
        t0 = time.perf_counter()
        stage = lambda name: print(f"  ({what}: {name} at {time.perf_counter() - t0:.1f} s)", flush=True)  # noqa: E731
        try:
            if what == "csv":
                await page.goto(f"{base}/data")
                await idle()
                stage("the data page is drawn")
                dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
                await dropzone.wait_for(state="attached")
                await page.wait_for_timeout(1000)  # the uploader is ready after its first render
                # the file's bytes, not a path: with a path Chromium reads the file only when it
                # uploads it, after the call returns
                await dropzone.set_input_files({"name": "largest.csv", "mimeType": "text/csv", "buffer": largest_csv()})
                stage("uploaded")
                await page.locator(".st-key-data_use button").wait_for()
                await idle()
                stage("parsed")
                await page.locator(".st-key-data_use button").click()
                player = page.locator(f"{PLAYER} [data-plot=diagram] .main-svg").first
                await player.wait_for(state="attached")
                await idle()
                stage("the player is drawn")
                # the player's Step: the first step is computed on the server (a player request)
                await page.locator(PLAYER).get_by_role("button", name="Step", exact=True).click()
                await page.wait_for_function(
                    f"document.querySelector('{PLAYER}')?.dataset.phase === 'update'", timeout=WAIT_MS
                )
                await idle()
                stage("Step shows the update")
            else:
                await page.goto(f"{base}/mnist")
                await idle()
                await page.get_by_role("tab", name="Train").click()
                await page.locator(".st-key-mnist_cfg_hidden input").wait_for()
                await idle()
                await page.locator(".st-key-mnist_cfg_hidden input").fill("1024, 128")
                await page.locator(".st-key-mnist_cfg_epochs input").fill("36")
                await page.locator(".st-key-mnist_cfg_mode label").first.click()  # mini-batch
                await page.get_by_role("button", name="Train a new network").click()
                await page.wait_for_timeout(500)
                await idle()
        except asyncio.CancelledError:  # stopped by --timeout: keep what the abuser's page showed
            shot = Path(tempfile.gettempdir()) / f"bench_abuse_{what}.png"
            await asyncio.shield(page.screenshot(path=str(shot), full_page=True))
            print(f"  ({what}: stopped; its page is in {shot})", flush=True)
            raise
        await browser.close()


def canvas_cost() -> dict:
    """CPU and peak memory of the page's decoding path on a crafted 6000 × 6000 PNG (in-process)."""
    from PIL import Image

    from nnviz import mnist

    buf = io.BytesIO()
    Image.new("RGBA", (6000, 6000)).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    tracemalloc.start()
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        mnist.canvas_rgba(url)
        verdict = "decoded"
    except ValueError as exc:
        verdict = f"refused: {exc}"
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"cpu_s": cpu, "wall_s": wall, "peak_mb": peak / 1e6, "value_kb": len(url) / 1e3, "verdict": verdict}


async def measure(base: str, pid: int, abuses: list[str], timeout: float, link_seconds: float) -> None:
    victim = await ProtocolSession.open(base)
    for _ in range(3):  # warm up
        await victim.rerun(victim.target_key(STEP_KEY, STEP_LABEL))
    idle = []
    for _ in range(15):
        t0 = time.perf_counter()
        await victim.rerun(victim.target_key(STEP_KEY, STEP_LABEL))
        idle.append(time.perf_counter() - t0)
        await asyncio.sleep(0.05)
    idle_p50 = statistics.median(idle)
    print(f"victim idle Step: p50_ms={1000 * idle_p50:.0f} max_ms={1000 * max(idle):.0f} (15 clicks)", flush=True)
    for what in abuses:
        if what == "canvas":
            r = canvas_cost()
            print(
                f"abuse=canvas value_kb={r['value_kb']:.0f} cpu_s={r['cpu_s']:.3f} wall_s={r['wall_s']:.3f} "
                f"peak_mb={r['peak_mb']:.1f} ({r['verdict']})",
                flush=True,
            )
            continue
        rss0, cpu0, t0 = rss_mb([pid]), cpu_seconds([pid]), time.perf_counter()
        peak, done = Peak(pid), asyncio.Event()
        sampler = asyncio.create_task(peak.run())
        clicks = asyncio.create_task(victim_clicks(victim, done))
        job = abuse_link(base, link_seconds) if what == "link" else abuse_browser(base, what)
        try:
            await asyncio.wait_for(job, timeout)
            finished = ""
        except TimeoutError:
            finished = f" (NOT FINISHED: stopped after {timeout:.0f} s)"
        wall = time.perf_counter() - t0
        done.set()
        lat = await clicks
        cpu = cpu_seconds([pid]) - cpu0
        peak.stop()
        await sampler
        p50 = statistics.median(lat)
        print(
            f"abuse={what} wall_s={wall:.1f} server_cpu_s={cpu:.1f} rss_mb={rss0:.0f}->peak {peak.peak:.0f} "
            f"victim_clicks={len(lat)} victim_p50_ms={1000 * p50:.0f} victim_max_ms={1000 * max(lat):.0f} "
            f"ratio_p50={p50 / idle_p50:.2f}{finished}",
            flush=True,
        )
    await victim.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=["link", "csv", "mnist", "canvas"], default=None)
    ap.add_argument("--timeout", type=float, default=900, help="seconds one abuse may take before it is cut off")
    ap.add_argument(
        "--link-seconds", type=float, default=120, help="how long the link abuser keeps asking for its steps"
    )
    args = ap.parse_args(argv)
    abuses = args.only or ["link", "csv", "mnist", "canvas"]
    print(f"# {os.cpu_count()} CPUs shared by the server, the victim's client and the abuser's browser")
    proc, base = start_app()
    try:
        asyncio.run(measure(base, proc.pid, abuses, args.timeout, args.link_seconds))
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())

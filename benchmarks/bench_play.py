"""Play on the toy page, in headless Chromium: frames actually painted per second.

Opens the toy page (decision regions on), picks a speed ("Steps per second", default 20), presses
Play and lets it run for ``--seconds`` (default 30). In the page, a ``requestAnimationFrame`` loop
counts, per second of the page's clock:

- ``frames``: animation frames in which the network diagram had changed since the last one
  (a MutationObserver on ``[data-plot=diagram]`` marks it dirty) — the frames a learner sees move;
- ``regions``: the same for the decision-region plot;
- ``steps``: how far ``data-step`` advanced (training steps shown, with the player's stride);
- ``raf``: all animation frames (the browser's own rate; the ceiling for ``frames``).

Prints median and 10th percentile per second of each (the first second, Play's start-up with its first
request to the server, is left out), and whether the target (≥ 20 painted frames/s) is met.

Usage: python benchmarks/bench_play.py [--seconds S] [--sps N]   (needs /usr/bin/chromium and playwright)
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_helpers import PLAYER, close_browser, launch_browser, open_player, start_app, stop_app  # noqa: E402

TARGET_FPS = 20
TIMEOUT_MS = 30_000

#: Start counting (call just before pressing Play).
COUNTER_JS = """
() => {
  const root = document.querySelector('[data-nnviz-player]');
  const diagram = root.querySelector('[data-plot=diagram]');
  const regions = root.querySelector('[data-plot=regions]');
  const c = window.__nnvizPlay = {t0: performance.now(), frames: [], regions: [], steps: [], raf: [],
                                  dDirty: false, rDirty: false, lastStep: Number(root.dataset.step), stop: false};
  new MutationObserver(() => { c.dDirty = true; }).observe(diagram, {subtree: true, childList: true,
                                                                     attributes: true, characterData: true});
  new MutationObserver(() => { c.rDirty = true; }).observe(regions, {subtree: true, childList: true,
                                                                     attributes: true, characterData: true});
  const bump = (arr, s, by) => { while (arr.length <= s) arr.push(0); arr[s] += by; };
  const tick = (now) => {
    if (c.stop) return;
    const s = Math.floor((now - c.t0) / 1000);
    bump(c.raf, s, 1);
    bump(c.frames, s, c.dDirty ? 1 : 0);
    bump(c.regions, s, c.rDirty ? 1 : 0);
    const step = Number(root.dataset.step);
    bump(c.steps, s, Math.max(0, step - c.lastStep));
    c.lastStep = step; c.dDirty = false; c.rDirty = false;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long Play runs (default 30)")
    parser.add_argument("--sps", default="20", help="the player's 'Steps per second' (default 20)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from playwright.sync_api import sync_playwright

    proc, base = start_app()
    try:
        with sync_playwright() as p:
            context = launch_browser(p)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                open_player(page, base, "toy")
                root = page.locator(PLAYER)
                root.get_by_role("combobox", name="Steps per second").select_option(args.sps)
                page.evaluate(COUNTER_JS)
                root.get_by_role("button", name="Play", exact=True).click()
                page.wait_for_selector(f"{PLAYER}[data-playing='1']", timeout=TIMEOUT_MS, state="attached")
                page.wait_for_timeout(args.seconds * 1000)
                still = root.get_attribute("data-playing") == "1"
                c = page.evaluate("(() => { window.__nnvizPlay.stop = true; return window.__nnvizPlay; })()")
                end_step = int(root.get_attribute("data-step"))
                root.get_by_role("button", name="Pause", exact=True).click()
            finally:
                close_browser(context)
    finally:
        stop_app(proc)

    full = int(args.seconds)  # whole seconds measured; drop the first (start-up) and the last (partial)
    rows = {k: np.array(c[k][1:full], dtype=float) for k in ("frames", "regions", "steps", "raf")}
    print(
        f"play: toy page, {args.sps} steps/s for {args.seconds:g} s; per second (first second left out), "
        f"{rows['frames'].size} s measured; reached step {end_step}; still playing at the end: {still}"
    )
    print(f"{'per second':<22} {'median':>7} {'p10':>6} {'min':>5} {'max':>5}")
    for name, label in (
        ("frames", "diagram frames"),
        ("regions", "region frames"),
        ("steps", "steps shown"),
        ("raf", "animation frames"),
    ):
        v = rows[name]
        if v.size:
            print(f"{label:<22} {np.median(v):>7.1f} {np.percentile(v, 10):>6.1f} {v.min():>5.0f} {v.max():>5.0f}")
    med, p10 = np.median(rows["frames"]), np.percentile(rows["frames"], 10)
    verdict = "met" if p10 >= TARGET_FPS else ("median met, p10 missed" if med >= TARGET_FPS else "MISSED")
    print(f"target ≥ {TARGET_FPS} painted frames/s sustained: {verdict}")
    if errors:
        print("page errors:", *errors, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

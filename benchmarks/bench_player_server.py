"""Server time per computed step for the browser player, without a browser.

For the study page, the toy page and a 3 × 8 toy net, prints medians over repeated runs:

- ``engine``: recording one step (``History.step``), the reference;
- ``frames``: building that step's player frames (every phase's diagram, arithmetic as MathML,
  matrices, surface point; ``payload.step_frames``) with a warm MathML template cache, as a session has;
- ``json``: serialising them (``figures.to_json``), and their size;
- ``request``: one whole ``goto`` request past the recorded history as the server answers it
  (``PlayerSession.handle`` + ``data`` + JSON), i.e. a click that needs a new step.

Target (issue 8): per computed step ≤ 10 ms of server time.

Usage: python benchmarks/bench_player_server.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz import figures, stepper  # noqa: E402
from nnviz.player import payload  # noqa: E402
from nnviz.player.session import PlayerSession  # noqa: E402

CASES = {
    "study": (stepper.default_config("study"), stepper.default_learning_rate("study")),
    "toy": (stepper.default_config("toy"), stepper.default_learning_rate("toy")),
    "3x8": (
        replace(stepper.default_config("toy"), hidden=(8, 8, 8), activations=("tanh", "tanh", "tanh", "sigmoid")),
        0.02,
    ),
}


def _ms(f, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def measure(cfg, lr: float, repeat: int) -> dict:
    run = stepper.Run(cfg)
    for _ in range(40):
        run.step(lr)
    cache: dict = {}
    view = payload.View()
    payload.step_frames(run, 0, view, None, cache)  # warm the template cache, as a session's first step does
    ks = iter(range(1, 10_000))
    engine = _ms(lambda: run.history.step(lr), repeat)
    frames = _ms(lambda: payload.step_frames(run, next(ks) % 40, view, None, cache), repeat)
    one = payload.step_frames(run, 5, view, None, cache)
    js = _ms(lambda: figures.to_json(one), repeat)
    size = len(figures.to_json(one))

    ps = PlayerSession(lr=lr)
    ps.attach(stepper.Run(cfg))
    ps.handle({"a": "goto", "k": 0, "p": len(ps.run.phases) - 1})
    ps.data("/app/static/plotly.min.js", True)
    state = {"k": 1}

    def request():
        ps.handle({"a": "goto", "k": state["k"], "p": len(ps.run.phases) - 1, "have": list(range(state["k"]))})
        figures.to_json(ps.data("/app/static/plotly.min.js", True))
        state["k"] += 1

    req = _ms(request, repeat)
    return {"engine": engine, "frames": frames, "json": js, "kB": size / 1e3, "request": req}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args(argv)
    print(f"{'case':<6} {'engine_ms':>9} {'frames_ms':>9} {'json_ms':>8} {'frames_kB':>9} {'request_ms':>10}  target")
    for name, (cfg, lr) in CASES.items():
        m = measure(cfg, lr, args.repeat)
        per_step = m["engine"] + m["frames"] + m["json"]
        ok = "met" if per_step <= 10 else "MISSED"
        print(
            f"{name:<6} {m['engine']:>9.2f} {m['frames']:>9.2f} {m['json']:>8.2f} {m['kB']:>9.0f} "
            f"{m['request']:>10.1f}  per step {per_step:.1f} ms ≤ 10: {ok}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

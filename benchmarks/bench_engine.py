"""Engine timings, printed as one ``key median=… target…`` line per figure.

    python benchmarks/bench_engine.py            # full run (about 10 s)
    python benchmarks/bench_engine.py --quick    # smoke run (about 1 s), same keys

(a) one recorded step (History.step: forward, backward, update, history) on the
    2-3-1 study-hours and 2-2-2 toy nets, and one per-sample step of seed 004's
    own dict-based Python code (re-implemented below), in the same run;
(b) a 101×101 loss surface over two weights of the study-hours net, batched
    (``loss_surface``) vs a per-point ``net.with_parameters(θ).loss`` loop;
(c) History.nbytes after 1,000 toy steps.

Medians of several repeats of ``time.perf_counter`` (wall clock, what a user
waits); step and surface lines also give ``cpu_median`` (``time.thread_time``),
which other processes on a busy machine do not inflate.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz import examples  # noqa: E402
from nnviz.engine import loss_surface, unit_direction  # noqa: E402
from nnviz.seed_reference import seed004_train_step  # noqa: E402

# ---------------------------------------------------------------------------
# Seed 004's code, per sample, as the tutorial wrote it.


def _seed_network():
    rnd = random.Random(1)  # the seed's random.seed(1); random()
    hidden = [{"weights": [rnd.random() for _ in range(3)]} for _ in range(2)]
    output = [{"weights": [rnd.random() for _ in range(3)]} for _ in range(2)]
    return [hidden, output]


def _seed_step(network, row, l_rate):
    """One online step of seed 004's train_network, including its summed-error line."""
    return seed004_train_step(network, row, l_rate)


# ---------------------------------------------------------------------------
# Timing.


def _timed(fn, calls: int) -> tuple[float, float]:
    """(wall, cpu) seconds per call, the mean over ``calls`` back-to-back calls."""
    gc.collect()
    w0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - w0) / calls, (time.thread_time() - c0) / calls


def _medians(samples: list[tuple[float, float]], scale: float) -> tuple[float, float]:
    """Median wall and median cpu time of (wall, cpu) samples, times ``scale``."""
    return statistics.median(w for w, _ in samples) * scale, statistics.median(c for _, c in samples) * scale


def bench_steps(calls: int, repeats: int) -> list[str]:
    toy = examples.toy_history()
    study = examples.study_history()
    seed_net = _seed_network()
    rows = [[*x, int(y)] for x, y in zip(examples.TOY_X.tolist(), examples.TOY_LABELS)]
    k = iter(range(10**9))

    def toy_step():
        toy.step(examples.TOY_LR)

    def study_step():
        study.step(examples.STUDY_LR)

    def seed_step():
        _seed_step(seed_net, rows[next(k) % 10], examples.TOY_LR)

    for fn in (toy_step, study_step, seed_step):  # warm up
        for _ in range(50):
            fn()
    # interleave the three so that machine noise hits them alike
    t_toy, t_study, t_seed = [], [], []
    for _ in range(repeats):
        t_toy.append(_timed(toy_step, calls))
        t_study.append(_timed(study_step, calls))
        t_seed.append(_timed(seed_step, calls))
    (toy, toy_cpu), (study, study_cpu), (seed, seed_cpu) = (_medians(t, 1e6) for t in (t_toy, t_study, t_seed))
    return [
        f"step_toy_us median={toy:.1f} cpu_median={toy_cpu:.1f} target<=100 ratio_vs_seed_loop={toy / seed:.2f}",
        f"step_study_us median={study:.1f} cpu_median={study_cpu:.1f} target<=100",
        f"seed004_loop_step_us median={seed:.1f} cpu_median={seed_cpu:.1f}",
    ]


def bench_surface(repeats: int, loop_repeats: int, loop_rows: int) -> list[str]:
    net = examples.study_network()
    X, Y = examples.STUDY_X, examples.STUDY_Y
    d1, d2 = unit_direction(net, "W1[0,0]"), unit_direction(net, "W2[0,0]")
    alphas = betas = np.linspace(-3.0, 3.0, 101)
    theta = net.parameter_vector()

    def batched():
        loss_surface(net, X, Y, "half_sse", d1, d2, alphas, betas)

    def loop():
        # the first ``loop_rows`` rows of the same grid, one network per point
        for b in betas[:loop_rows]:
            for a in alphas:
                net.with_parameters(theta + a * d1 + b * d2).loss(X, Y, "half_sse")

    batched()
    surface, surface_cpu = _medians([_timed(batched, 1) for _ in range(repeats)], 1e3)
    # scaled from the rows timed to all 101
    loop, loop_cpu = _medians([_timed(loop, 1) for _ in range(loop_repeats)], 1e3 * len(betas) / loop_rows)
    note = "" if loop_rows == len(betas) else f" estimated_from_rows={loop_rows}"
    return [
        f"surface_101x101_ms median={surface:.2f} cpu_median={surface_cpu:.2f} target<=10",
        f"surface_loop_ms median={loop:.1f} cpu_median={loop_cpu:.1f} speedup={loop / surface:.1f} "
        f"target_speedup>=20{note}",
    ]


def bench_nbytes() -> list[str]:
    hist = examples.toy_history()
    for _ in range(1000):
        hist.step(examples.TOY_LR)
    # 12 parameters × 8 B × 1,001 vectors + 3 floats × 8 B × 1,000 steps = 120,096 B
    return [f"history_nbytes_1000_toy_steps bytes={hist.nbytes} target<200000"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (few repeats, sampled loop)")
    args = parser.parse_args(argv)
    if args.quick:
        lines = bench_steps(calls=50, repeats=3) + bench_surface(repeats=3, loop_repeats=1, loop_rows=2)
    else:
        lines = bench_steps(calls=500, repeats=15) + bench_surface(repeats=15, loop_repeats=3, loop_rows=101)
    for line in lines + bench_nbytes():
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""benchmarks/bench_engine.py runs and prints every figure (no timing is asserted)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engine.py"


def test_bench_engine_quick_prints_every_figure(capsys):
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    keys = [line.split()[0] for line in lines]
    assert keys == [
        "step_toy_us",
        "step_study_us",
        "seed004_loop_step_us",
        "surface_101x101_ms",
        "surface_loop_ms",
        "history_nbytes_1000_toy_steps",
    ]
    assert "ratio_vs_seed_loop=" in lines[0] and "speedup=" in lines[4] and "bytes=" in lines[5]

"""The benchmarks run and print their figures (no timing is asserted): bench_engine, bench_sessions via HAProxy."""

import importlib.util
import sys
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


def test_bench_sessions_through_haproxy_spreads_sessions_over_both_processes(capsys, monkeypatch):
    """Two protocol sessions via serve_class.sh 2: each keeps its SERVERID cookie, one per process; no click lost."""
    spec = importlib.util.spec_from_file_location("bench_sessions", BENCH.with_name("bench_sessions.py"))
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_sessions", bench)  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    assert bench.main(["--client", "protocol", "--processes", "2", "--n", "2", "--clicks", "2"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert "target=haproxy2 sessions=2 backends=s1:1,s2:1 clicks=4 lost=0 " in line, line

"""``python -m nnviz reproduce …`` prints the seed tutorials' numbers."""

import subprocess
import sys
from pathlib import Path

from nnviz import examples

ROOT = Path(__file__).resolve().parents[1]


def reproduce(which: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "nnviz", "reproduce", which], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.splitlines()


def test_reproduce_forward_prints_seed_002():
    lines = reproduce("forward")
    assert lines[-1].endswith("[0.31682708 0.69627909]")  # seed 002: ">> [0.31682708 0.69627909]"


def test_reproduce_toy_prints_seed_004():
    lines = reproduce("toy")
    epochs = [line for line in lines if line.startswith(">epoch=")]
    # seed 004 prints '>epoch=%d, lrate=%.3f, error=%.3f' every 100 epochs
    expected = [f">epoch={100 * i}, lrate=0.020, error={e:.3f}" for i, e in enumerate(examples.TOY_PRINTED_ERRORS)]
    assert epochs == expected
    assert epochs[0] == ">epoch=0, lrate=0.020, error=6.697"
    assert epochs[-1] == ">epoch=5000, lrate=0.020, error=0.027"
    predictions = [line for line in lines if line.startswith("expected=")]
    assert predictions == [f"expected={y}, predicted={y}" for y in [0] * 5 + [1] * 5]

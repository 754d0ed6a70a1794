"""An XOR example made only from the registry's parts (``datasets.DATASETS["xor"]``), for the tests that
add an entry to a copy of ``stepper.EXAMPLES`` (tests/test_example_registry.py, tests/xor_app.py)."""

from __future__ import annotations

from types import MappingProxyType

from nnviz import datasets, stepper
from nnviz.stepper import Config, Example, Sample

XOR_POINTS = 40
TITLE = "Exclusive or (a test's example)"
INTRO = "Points in four quadrants, class 1 where x₁·x₂ > 0."


def xor_data(cfg: Config):
    return datasets.make_dataset("xor", n_samples=XOR_POINTS, noise=0.0, seed=7), None


def xor_table():
    ds = xor_data(XOR.config)[0]
    rows = [(repr(float(a)), repr(float(b)), str(int(t))) for (a, b), t in zip(ds.X, ds.labels)]
    return ("x1", "x2", "label"), rows


XOR = Example(
    "xor",
    "XOR",
    Config("xor", (4,), ("tanh", "sigmoid"), "half_sse", "xavier", 3, "trainable", "full"),
    xor_data,
    0.05,
    title=TITLE,
    intro=INTRO,
    url_path="xor",
    sample=Sample("Sample: XOR (CSV)", "nnviz-xor.csv", xor_table, order=2),
)


def with_xor(examples=None):
    """A copy of the registry with the XOR entry added (read-only, as the registry is)."""
    return MappingProxyType({**(examples if examples is not None else stepper.EXAMPLES), "xor": XOR})

"""Bounded work on large inputs: seeded capped subsamples and curve downsampling. NumPy only.

- :func:`capped_subsample`: the row indices a figure or a check evaluates when a data set is
  large (a loss surface, a gradient check, full-batch figures): all rows up to ``cap``, else
  ``cap`` rows drawn without replacement from ``default_rng(seed)``, sorted. The same
  (n, cap, seed) always gives the same rows, so a figure is reproducible and cacheable.
- :func:`downsample_curve`: at most ``max_points`` points of a long curve (a loss per step)
  for drawing, min/max-preserving: the x-axis is cut into equal buckets and each bucket
  keeps the samples holding its smallest and its largest value (and the first and last point
  of the curve are always kept), so spikes and the overall range survive, which plain
  striding would lose. A bucket holding non-finite values (a diverged step) keeps its first
  one, so the break shows.
"""

from __future__ import annotations

import numpy as np


def capped_subsample(n: int, cap: int, seed: int = 0) -> np.ndarray:
    """Sorted indices (min(n, cap),) into n rows: all of them when n ≤ cap, else a seeded sample."""
    n, cap = int(n), int(cap)
    if n < 0 or cap < 1:
        raise ValueError(f"need n ≥ 0 and cap ≥ 1, got n={n}, cap={cap}")
    if n <= cap:
        idx = np.arange(n)
    else:
        idx = np.sort(np.random.default_rng(seed).choice(n, size=cap, replace=False))
    idx.setflags(write=False)
    return idx


def downsample_curve(y: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of at most ``max_points`` points of ``y`` (n,), min/max per bucket.

    With n ≤ max_points every point is returned. ``indices`` are increasing positions in ``y``
    (the step numbers, for a per-step curve); ``values`` = ``y[indices]``.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    n = y.shape[0]
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    if n <= max_points:
        return np.arange(n), y.copy()
    buckets = (max_points - 2) // 2  # two points per bucket, plus the first and the last point
    size = -(-n // buckets)
    padded = np.full(buckets * size, np.nan)
    padded[:n] = y
    rows = padded.reshape(buckets, size)
    finite = np.isfinite(rows)
    lows = np.argmin(np.where(finite, rows, np.inf), axis=1)
    highs = np.argmax(np.where(finite, rows, -np.inf), axis=1)
    # a bucket without any finite value: both arg-reductions give 0, its first sample
    start = np.arange(buckets) * size
    idx = np.unique(np.concatenate([[0, n - 1], start + lows, start + highs]))
    idx = idx[idx < n]
    return idx, y[idx]

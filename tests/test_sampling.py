"""Capped subsamples and curve downsampling (nnviz.sampling)."""

import numpy as np
import pytest

from nnviz import sampling


def test_small_data_is_used_whole():
    np.testing.assert_array_equal(sampling.capped_subsample(7, 10, seed=3), np.arange(7))


def test_large_data_gives_the_same_seeded_sorted_rows_without_repeats():
    a = sampling.capped_subsample(10_000, 500, seed=1)
    b = sampling.capped_subsample(10_000, 500, seed=1)
    c = sampling.capped_subsample(10_000, 500, seed=2)
    assert a.shape == (500,) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.all(np.diff(a) > 0) and a[0] >= 0 and a[-1] < 10_000
    # exactly the rows default_rng(1).choice draws, sorted: the documented origin
    np.testing.assert_array_equal(a, np.sort(np.random.default_rng(1).choice(10_000, 500, replace=False)))
    assert not a.flags.writeable


def test_bad_caps_are_refused():
    with pytest.raises(ValueError):
        sampling.capped_subsample(10, 0)


def test_short_curves_are_returned_whole():
    idx, v = sampling.downsample_curve([3.0, 1.0, 2.0], 10)
    assert idx.tolist() == [0, 1, 2] and v.tolist() == [3.0, 1.0, 2.0]


def test_downsampling_keeps_spikes_ends_and_range_within_the_budget():
    n = 100_000
    y = np.exp(-np.arange(n) / 20_000.0)  # a falling loss curve
    y[31_337] = 50.0  # one spike
    y[77_777] = -1.0  # one dip
    idx, v = sampling.downsample_curve(y, 1000)
    assert len(idx) <= 1000
    assert idx[0] == 0 and idx[-1] == n - 1
    assert 31_337 in idx and 77_777 in idx
    assert v.max() == 50.0 and v.min() == -1.0
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(v, y[idx])
    # every bucket's own min and max are kept: 499 buckets of 201 samples
    size = -(-n // 499)
    for b in (0, 100, 497):  # bucket 498 is padding only (499 × 201 > 100,000)
        seg = y[b * size : (b + 1) * size]
        kept = v[(idx >= b * size) & (idx < (b + 1) * size)]
        assert kept.min() == seg.min() and kept.max() == seg.max()


def test_a_diverged_step_stays_visible():
    y = np.linspace(1, 0, 10_000)
    y[9_000:] = np.inf
    idx, v = sampling.downsample_curve(y, 100)
    # 49 buckets of 205 samples: bucket 44 (from 9,020) holds only inf and keeps its first sample
    assert 9_020 in idx.tolist() and np.isinf(v).any()
    assert np.isfinite(v[idx < 9_000]).all()

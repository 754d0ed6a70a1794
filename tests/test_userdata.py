"""CSV upload → Dataset: every bad file gets a message naming the problem; good files give hand-checked numbers."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz import examples, safe_text, state, stepper, userdata
from nnviz.engine import Network
from nnviz.userdata import build_dataset, detect_task, read_csv

ROOT = Path(__file__).resolve().parents[1]


def table(text: str) -> userdata.Table:
    return read_csv(text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Parsing and scaling, with numbers worked by hand.


def test_reads_header_and_cells_stripping_spaces_and_bom():
    t = read_csv("\ufeffa, b ,c\n1, 2,x\n3,4 ,y\n".encode())
    assert t.header == ("a", "b", "c")
    assert t.rows == (("1", "2", "x"), ("3", "4", "y"))
    # spreadsheet numbering: the header is row 1
    assert t.row_numbers == (2, 3)
    assert t.column("c") == ["x", "y"]


def test_semicolon_and_tab_delimiters_and_blank_lines():
    assert table("a;b\n1;2\n\n3;4\n").rows == (("1", "2"), ("3", "4"))
    t = table("a\tb\n1\t2\n\n3\t4\n")
    # the blank line still counts: the third data line is spreadsheet row 4
    assert t.row_numbers == (2, 4)


def test_divide_by_max_as_seed_003():
    t = table("h,s,score\n2,9,92\n1,5,86\n3,6,89\n")
    d = build_dataset(t, ["h", "s"], "score", scaling="max")
    assert d.task == "regression"  # three different scores in three rows: not class labels
    # inputs / column max [3, 9]: (2/3, 9/9), (1/3, 5/9), (3/3, 6/9), exactly seed 003's X
    np.testing.assert_allclose(d.X, examples.STUDY_X, rtol=0, atol=1e-15)
    # all scores ≥ 0: divided by their max 92 → 92/92, 86/92, 89/92
    np.testing.assert_allclose(d.Y[:, 0], [1.0, 86 / 92, 89 / 92], rtol=0, atol=1e-15)
    assert d.input_names == ("h / 3", "s / 9") and d.output_names == ("score / 92",)
    assert "p × 92" in d.note


def test_divide_by_max_uses_the_largest_magnitude():
    # column a = [−4, 2]: max|a| = 4 → [−1, 0.5]
    d = build_dataset(table("a,y\n-4,1\n2,2\n"), ["a"], "y", "regression", "max")
    np.testing.assert_allclose(d.X[:, 0], [-1.0, 0.5])


def test_standardise_uses_population_std():
    # a = [1, 2, 3]: mean 2, population std sqrt(((1)² + 0 + 1²)/3) = sqrt(2/3) = 0.8165
    d = build_dataset(table("a,y\n1,0.1\n2,0.5\n3,0.9\n"), ["a"], "y", "regression", "standardise")
    s = np.sqrt(2 / 3)
    np.testing.assert_allclose(d.X[:, 0], [-1 / s, 0.0, 1 / s], rtol=1e-15)
    assert d.X[:, 0].mean() == pytest.approx(0, abs=1e-15) and d.X[:, 0].std() == pytest.approx(1)


def test_no_scaling_keeps_values():
    d = build_dataset(table("a,b,y\n10,-5,0\n20,7,1\n10,-5,0\n20,7,1\n"), ["a", "b"], "y", scaling="none")
    np.testing.assert_array_equal(d.X, [[10, -5], [20, 7], [10, -5], [20, 7]])


def test_negative_regression_target_is_min_max_scaled_and_the_note_inverts_it():
    # y = [−10, 0, 30]: min −10, range 40 → (y + 10)/40 = [0, 0.25, 1]
    d = build_dataset(table("x,y\n1,-10\n2,0\n3,30\n"), ["x"], "y", "regression")
    np.testing.assert_allclose(d.Y[:, 0], [0.0, 0.25, 1.0])
    assert "y = -10 + p × 40" in d.note
    assert d.output_names == ("(y − -10) / 40",)


def test_string_labels_become_sorted_one_hot_classes():
    t = table("x1,x2,fruit\n1,2,pear\n2,1,apple\n3,3,pear\n0,0,fig\n")
    d = build_dataset(t, ["x1", "x2"], "fruit")
    assert d.task == "classification"
    # classes in sorted order: apple 0, fig 1, pear 2
    assert d.output_names == ("class apple", "class fig", "class pear")
    np.testing.assert_array_equal(d.labels, [2, 0, 2, 1])
    np.testing.assert_array_equal(d.Y, np.eye(3)[[2, 0, 2, 1]])


def test_numeric_labels_merge_1_and_1_point_0_and_sort_by_value():
    d = build_dataset(table("x,c\n1,10\n2,2\n3,10.0\n4,2\n"), ["x"], "c", "classification")
    # 2 < 10 numerically (not "10" < "2" as text)
    assert d.output_names == ("class 2", "class 10")
    np.testing.assert_array_equal(d.labels, [1, 0, 1, 0])


def test_toy_sample_round_trips_to_the_builtin_data():
    d = build_dataset(read_csv(userdata.sample_csv("toy").encode()), ["x1", "x2"], "label", scaling="none")
    np.testing.assert_array_equal(d.X, examples.TOY_X)
    np.testing.assert_array_equal(d.labels, examples.TOY_LABELS)
    np.testing.assert_array_equal(d.Y, examples.TOY_Y)
    assert d.task == "classification"


def test_study_sample_parses_as_regression():
    d = build_dataset(read_csv(userdata.sample_csv("study").encode()), ["hours studied", "hours slept"], "score")
    assert d.task == "regression" and d.n_in == 2 and d.n_out == 1


def test_dataset_arrays_are_read_only():
    d = build_dataset(table("x,c\n1,0\n2,1\n3,0\n4,1\n"), ["x"], "c")
    for arr in (d.X, d.Y, d.labels):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 5


@pytest.mark.parametrize(
    ("cells", "task"),
    [
        (["0", "1", "1", "0"], "classification"),  # two whole numbers, each seen twice
        (["yes", "no", "no"], "classification"),  # text labels
        (["92", "86", "89"], "regression"),  # three different whole numbers in three rows
        (["0.5", "0.25", "0.5", "0.25"], "regression"),  # fractions
        ([str(i % 11) for i in range(40)], "regression"),  # 11 distinct > AUTO_MAX_CLASSES
        ([str(i % 10) for i in range(40)], "classification"),
    ],
)
def test_detect_task(cells, task):
    assert detect_task(cells) == task


def test_task_can_be_overridden():
    t = table("x,c\n1,0\n2,1\n3,0\n4,1\n")
    assert build_dataset(t, ["x"], "c").task == "classification"
    d = build_dataset(t, ["x"], "c", task="regression")
    assert d.task == "regression" and d.Y.shape == (4, 1)


def test_uploaded_data_runs_on_the_stepper():
    d = build_dataset(read_csv(userdata.sample_csv("toy").encode()), ["x1", "x2"], "label")
    run = stepper.Run(stepper.default_config("custom", d), d)
    assert run.run(5, 0.5) == 5
    assert np.all(np.isfinite(run.history.losses))


# ---------------------------------------------------------------------------
# Every bad file: a message that names the problem (and the row / column).


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"  \n\n \n", "empty"),
        (b"1,2,3\n4,5,6\n", "header row"),
        (b"a,b\n", "no data rows"),
        (b"a,b\n1,2\n", "single data row \\(row 2\\).*at least 2"),
        (b"a,b,c\n1,2,3\n4,5\n", "Row 3 has 2 cells but the header has 3 columns"),
        (b"a,b\n1,2\n3,4,5\n", "Row 3 has 3 cells"),
        (b"a,b,a\n1,2,3\n4,5,6\n", "Two columns are called 'a'"),
        ("x,caf\u00e9\n1,2\n3,4\n".encode("latin-1"), "not UTF-8.*byte 0xe9 on line 1.*Save it as UTF-8"),
        ("a,b\n1,2\n3,4\n".encode("utf-16"), "not UTF-8.*Save it as UTF-8"),
        (b"a,b\n1,\x002\n3,4\n", "NUL"),
    ],
)
def test_bad_files(data, match):
    with pytest.raises(ValueError, match=match):
        read_csv(data)


def test_row_cap_is_stated():
    text = "a,b\n" + "1,2\n" * (userdata.MAX_ROWS + 1)
    with pytest.raises(ValueError, match="more than 10,000 data rows; the limit is 10,000"):
        table(text)
    assert table("a,b\n" + "1,2\n" * userdata.MAX_ROWS).n_rows == userdata.MAX_ROWS


def test_column_cap_is_stated():
    names = ",".join(f"c{j}" for j in range(userdata.MAX_COLUMNS + 1))
    with pytest.raises(ValueError, match="51 columns; the limit is 50"):
        table(names + "\n" + ",".join("1" * (userdata.MAX_COLUMNS + 1)) + "\n")


def test_file_size_cap_is_stated():
    with pytest.raises(ValueError, match="the limit is 5 MB"):
        read_csv(b"a\n" + b"1\n" * (userdata.MAX_FILE_BYTES // 2 + 1))


def test_empty_header_cell_is_named_by_position():
    # pandas writes an unnamed index column
    assert table(",a,b\n0,1,2\n1,3,4\n").header == ("column 1", "a", "b")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a,b,y\n1,2,0\n3,oops,1\n", "Row 3, column 'b': 'oops' is not a number"),
        ("a,b,y\n1,2,0\n3,,1\n", "Row 3, column 'b': missing value \\(an empty cell\\)"),
        ("a,b,y\n1,NA,0\n3,4,1\n", "Row 2, column 'b': missing value \\('NA'\\)"),
        ("a,b,y\n1,2,0\n3,nan,1\n", "Row 3, column 'b': missing value"),
        ("a,b,y\n1,2,0\n3,inf,1\n", "Row 3, column 'b': 'inf' is not a number.*finite"),
        ("a,b,y\n1,2,0\n3,4,\n", "Row 3, column 'y': missing class label"),
    ],
)
def test_bad_cells_name_row_and_column(text, match):
    with pytest.raises(ValueError, match=match):
        build_dataset(table(text), ["a", "b"], "y", task="classification")


def test_non_numeric_regression_target_names_the_cell():
    with pytest.raises(ValueError, match="Row 3, column 'y': 'high' is not a number"):
        build_dataset(table("a,y\n1,2\n2,high\n"), ["a"], "y", task="regression")


def test_missing_values_in_unused_columns_are_fine():
    d = build_dataset(table("a,notes,y\n1,,0\n2,,1\n"), ["a"], "y", task="classification")
    assert d.n_samples == 2


def test_one_class_only():
    with pytest.raises(ValueError, match="only one class \\('yes'\\)"):
        build_dataset(table("a,y\n1,yes\n2,yes\n"), ["a"], "y")


def test_constant_regression_target():
    with pytest.raises(ValueError, match="'y' is 5 in every row: there is nothing to learn"):
        build_dataset(table("a,y\n1,5\n2,5\n"), ["a"], "y", task="regression")


def test_too_many_classes():
    rows = "".join(f"{i},c{i}\n" for i in range(userdata.MAX_CLASSES + 1))
    with pytest.raises(ValueError, match="21 different values; classification allows at most 20"):
        build_dataset(table("a,y\n" + rows), ["a"], "y")


def test_constant_column_under_standardise():
    with pytest.raises(ValueError, match="'b' has the same value \\(7\\) in every row.*standard deviation"):
        build_dataset(table("a,b,y\n1,7,0\n2,7,1\n"), ["a", "b"], "y", scaling="standardise")


def test_zero_column_under_divide_by_max():
    with pytest.raises(ValueError, match="'b' is 0 in every row: dividing by its maximum would divide by zero"):
        build_dataset(table("a,b,y\n1,0,0\n2,0,1\n"), ["a", "b"], "y", scaling="max")


@pytest.mark.parametrize(
    ("inputs", "target", "match"),
    [
        ([], "y", "at least one input"),
        (["a", "y"], "y", "cannot also be an input"),
        (["a", "a"], "y", "chosen twice"),
        (["zzz"], "y", "no column called 'zzz'"),
        (["a"], "zzz", "no column called 'zzz'"),
    ],
)
def test_bad_column_choices(inputs, target, match):
    with pytest.raises(ValueError, match=match):
        build_dataset(table("a,y\n1,0\n2,1\n"), inputs, target)


def test_bad_task_or_scaling_names():
    t = table("a,y\n1,0\n2,1\n")
    with pytest.raises(ValueError, match="task must be one of"):
        build_dataset(t, ["a"], "y", task="clustering")
    with pytest.raises(ValueError, match="scaling must be one of"):
        build_dataset(t, ["a"], "y", scaling="log")


# ---------------------------------------------------------------------------
# A shared network file → a run on a page (the pure part of the "Save / load" tab).


def _study_current():
    return stepper.default_config("study"), stepper.dataset("study")


def test_load_network_restores_architecture_and_training_settings():
    cfg, data = _study_current()
    net = stepper.build_network(replace(cfg, hidden=(4, 2), activations=("tanh", "relu", "sigmoid")), data)
    saved = {"init": "xavier", "seed": 7, "batch": "2", "shuffle": True}
    text = net.to_json(loss="mse", config=saved, updates=12, learning_rate=0.03)
    loaded = userdata.load_network(text, cfg, data, ("half_sse", "mse"), ("sigmoid", "identity"))
    assert loaded.config == replace(
        cfg, hidden=(4, 2), activations=("tanh", "relu", "sigmoid"), loss="mse", init="xavier", seed=7,
        batch="2", shuffle=True,
    )  # fmt: skip
    # 0.03 is not offered: the nearest on the log scale of 1-2-5 steps is 0.02 (|log 0.03/0.02| < |log 0.05/0.03|)
    assert loaded.learning_rate == 0.02 and loaded.updates == 12
    np.testing.assert_array_equal(loaded.network.parameter_vector(), net.parameter_vector())


def test_load_network_without_settings_keeps_the_current_ones():
    cfg, data = _study_current()
    text = stepper.build_network(cfg, data).to_json()
    loaded = userdata.load_network(text, cfg, data, ("half_sse", "mse"), ("sigmoid",))
    assert loaded.config == cfg and loaded.learning_rate is None and loaded.restored == ()


@pytest.mark.parametrize(
    ("sizes", "acts", "extra", "match"),
    [
        ([3, 3, 1], ["sigmoid", "sigmoid"], {}, "takes 3 inputs but this data set has 2"),
        ([2, 3, 2], ["sigmoid", "sigmoid"], {}, "2 outputs but this data set has 1 target"),
        ([2, 1], ["sigmoid"], {}, "1 to 6 hidden layers; the file has 0"),
        ([2, 2, 2, 2, 2, 2, 2, 2, 1], ["sigmoid"] * 8, {}, "1 to 6 hidden layers; the file has 7"),
        ([2, 9, 1], ["sigmoid", "sigmoid"], {}, "up to 8 neurons per hidden layer"),
        ([2, 3, 1], ["sigmoid", "relu"], {}, "output layer uses relu"),
        ([2, 3, 1], ["sigmoid", "sigmoid"], {"loss": "cross_entropy"}, "loss 'cross_entropy' does not fit"),
    ],
)
def test_load_network_says_why_a_network_does_not_fit(sizes, acts, extra, match):
    cfg, data = _study_current()
    net = Network.init(sizes, acts, "xavier", 0)
    with pytest.raises(ValueError, match=match):
        userdata.load_network(net.to_json(**extra), cfg, data, ("half_sse", "mse"), ("sigmoid", "identity"))


def test_load_network_ignores_settings_that_do_not_fit_here():
    cfg, data = _study_current()  # 3 samples
    bad = {"init": "magic", "seed": -1, "batch": "99", "shuffle": "yes"}
    text = stepper.build_network(cfg, data).to_json(config=bad, learning_rate=1e9, updates="many")
    loaded = userdata.load_network(text, cfg, data, ("half_sse", "mse"), ("sigmoid",))
    assert loaded.config == cfg and loaded.learning_rate is None and loaded.updates is None


# ---------------------------------------------------------------------------
# AppTest: the "Your data" page and the "Save / load" tab, as a learner uses them.

TIMEOUT = 60


def _data_page():
    from nnviz.pages import data_page

    data_page.render()


def _toy_page():
    from nnviz.pages import stepper_page

    stepper_page.render_toy()


def _app(script) -> AppTest:
    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _open_tab(at: AppTest, example: str, label: str) -> AppTest:
    # the step-through's tabs are lazy (st.tabs(key=…, on_change="rerun")): set what a click on the tab sets
    at.session_state[state.key(example, "tabs")] = label
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, key: str, name: str, content: bytes) -> AppTest:
    at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    """The error messages as shown (a visitor's text in them is Markdown-escaped)."""
    return [safe_text.shown_text(e.value) for e in at.error]


def _request(at: AppTest, example: str, **req) -> AppTest:
    """A click in the browser player: its request, handled by this session's PlayerSession (the
    component's callback calls the same method), then a rerun; while a goto is still being computed
    (the player shows progress) the player asks again, and so does this."""
    ps = at.session_state[state.key(example, "player_session")]
    ps.handle(req)
    at.run()
    for _ in range(1_000):
        assert not at.exception, at.exception
        if ps.target is None:
            return at
        ps.handle({"a": "goto", "k": ps.target[0], "p": ps.target[1]})
        at.run()
    raise AssertionError(f"the goto {req} never finished")


def _step(at: AppTest, example: str) -> AppTest:
    """Step: finish the step on screen, or take the next one, and show its update."""
    run = at.session_state[state.key(example, "run")]
    last = len(run.phases) - 1
    return _request(at, example, a="goto", k=run.step_index + (1 if run.phase_index == last else 0), p=last)


def _epoch(at: AppTest, example: str) -> AppTest:
    """Epoch: on to the end of the epoch (the update of its last step)."""
    run = at.session_state[state.key(example, "run")]
    updates = run.updates_applied + run.steps_to_epoch_end()
    return _request(at, example, a="goto", k=updates - 1, p=len(run.phases) - 1)


def _learning_rate(at: AppTest, example: str, lr: float) -> AppTest:
    run = at.session_state[state.key(example, "run")]
    return _request(at, example, a="lr", lr=lr, k=run.step_index, p=run.phase_index)


def _player_lr(at: AppTest, example: str) -> float:
    """The learning rate the player shows (what the browser is sent)."""
    run = at.session_state[state.key(example, "run")]
    ps = at.session_state[state.key(example, "player_session")]
    return ps.data("/app/static/plotly.min.js", run.data.task == "classification" and run.data.n_in == 2)["lr"]


def _use_toy_sample(at: AppTest) -> stepper.Run:
    _upload(at, "data_upload", "toy.csv", userdata.sample_csv("toy").encode())
    at.button(key="data_use").click().run()
    assert not at.exception, at.exception
    return at.session_state["custom_run"]


def test_data_page_trains_on_an_uploaded_csv_like_a_builtin_example():
    at = _app(_data_page)
    assert any("No data in use yet" in i.value for i in at.info)
    _upload(at, "data_upload", "toy.csv", userdata.sample_csv("toy").encode())
    # the last column is the target, the others the inputs, and 0/1 labels are detected as classes
    assert at.session_state["data_target"] == "label" and at.session_state["data_inputs"] == ["x1", "x2"]
    assert at.radio(key="data_task").value == "classification"
    run = _use_toy_sample(at)
    assert run.data.n_in == 2 and run.data.task == "classification" and run.config.loss == "cross_entropy"
    _step(at, "custom")
    assert at.session_state["custom_run"].updates_applied == 1
    # two inputs and class labels: the decision-boundary view is there
    assert any("What each neuron does with the plane" in s.value for s in at.subheader)


def test_a_bad_csv_shows_its_message_and_keeps_the_data_and_run_in_use():
    at = _app(_data_page)
    run = _use_toy_sample(at)
    _epoch(at, "custom")
    assert run.updates_applied == run.history.schedule.steps_per_epoch
    params = run.network.parameter_vector()
    for content, match in [
        (b"", "The file is empty"),
        (b"1,2\n3,4\n", "needs a header row"),
        ("a,b\n\u00e9,1\n2,3\n".encode("cp1252"), "Save it as UTF-8"),
    ]:
        _upload(at, "data_upload", "bad.csv", content)
        assert any(match in e and "The data and run you had are kept" in e for e in _errors(at)), _errors(at)
        assert at.session_state["custom_run"] is run
        np.testing.assert_array_equal(run.network.parameter_vector(), params)
        assert at.session_state[state.CUSTOM_DATA] is run.data


def test_a_bad_column_choice_shows_its_message_and_keeps_the_run():
    at = _app(_data_page)
    run = _use_toy_sample(at)
    _upload(at, "data_upload", "labels.csv", b"x,fruit\n1,apple\n2,pear\n3,apple\n")
    at.radio(key="data_task").set_value("regression").run()
    at.button(key="data_use").click().run()
    assert not at.exception
    assert any("Row 2, column 'fruit': 'apple' is not a number" in e for e in _errors(at)), _errors(at)
    assert at.session_state["custom_run"] is run


def test_changing_the_target_redetects_the_task_and_drops_it_from_the_inputs():
    at = _app(_data_page)
    _upload(at, "data_upload", "study.csv", userdata.sample_csv("study").encode())
    assert at.radio(key="data_task").value == "regression"
    at.selectbox(key="data_target").set_value("hours slept").run()
    assert not at.exception
    assert at.session_state["data_inputs"] == ["hours studied"]


def test_navigating_away_and_back_keeps_the_run():
    # Streamlit drops the widget state of a page that is not drawn; the run must survive it.
    from streamlit.util import calc_hash

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.number_input(key="study_size0").set_value(4).run()
    _learning_rate(at, "study", 0.5)
    _step(at, "study")
    at._page_hash = calc_hash("toy")  # what st.Page(url_path="toy") registers; AppTest.switch_page needs a file
    at.run()
    assert any("Toy" in t.value for t in at.title)
    at._page_hash = calc_hash("study")
    at.run()
    assert not at.exception
    run = at.session_state["study_run"]
    assert run.config.hidden == (4,) and run.updates_applied == 1
    assert at.session_state["study_lr"] == 0.5 and _player_lr(at, "study") == 0.5


def _download_bytes(at: AppTest, key: str, captured: dict) -> bytes:
    url = at.download_button(key=key).proto.url
    return captured[url.rsplit("/", 1)[-1].split(".")[0]]


@pytest.fixture
def downloads(monkeypatch):
    """What every download button of an AppTest run holds, by media-file id (AppTest keeps no handle on it)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    captured: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        captured[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return captured


def test_a_classmate_loads_a_shared_trained_network_and_gets_identical_parameters(downloads):
    alice = _app(_toy_page)
    _learning_rate(alice, "toy", 0.5)
    alice.number_input(key="toy_size0").set_value(3).run()
    _epoch(alice, "toy")
    trained = alice.session_state["toy_run"]
    assert trained.updates_applied == 10
    shared = _download_bytes(_open_tab(alice, "toy", "Save / load"), "toy_download", downloads)

    bob = _open_tab(_app(_toy_page), "toy", "Save / load")  # a new session: the default 2-2-2 run
    _upload(bob, "toy_upload", "alice.json", shared)
    run = bob.session_state["toy_run"]
    np.testing.assert_array_equal(run.network.parameter_vector(), trained.network.parameter_vector())
    assert run.network.sizes == [2, 3, 2] and run.config == trained.config
    assert bob.session_state["toy_lr"] == 0.5 and bob.number_input(key="toy_size0").value == 3
    assert _player_lr(bob, "toy") == 0.5
    msg = [safe_text.shown_text(s.value) for s in bob.success]  # what the reader sees of the escaped text
    assert any("a 2-3-2 network, trained for 10 updates" in m and "learning rate 0.5" in m for m in msg), msg
    # the loaded network trains on from there, and the sidebar does not start it over
    _step(bob, "toy")
    assert bob.session_state["toy_run"] is run and run.updates_applied == 1
    assert run.history.learning_rates.tolist() == [0.5]  # at the file's learning rate


def _bad_network_file(what: str) -> bytes:
    good = json.loads(examples.toy_network().to_json(loss="half_sse"))

    def edit(**changes):
        return json.dumps({**good, **changes}).encode()

    if what == "not JSON":
        return b"{nope"
    if what == "wrong schema version":
        return edit(version=99)
    if what == "unknown activation":
        return edit(activations=["sigmoid", "swish"])
    if what == "shapes do not chain":
        return edit(weights=[[[1, 2], [3, 4]], [[1, 2, 3]] * 3], biases=None, bias_mode="none")
    if what == "non-finite number":
        return edit(weights=[[[1.5, 2], [3, 4]], [[1, 2], [3, 4]]]).replace(b"1.5", b"NaN")
    if what == "too many parameters":
        # 1000 × 1001 zeros = 1,001,000 weights, about 3 MB of JSON
        return edit(weights=[[[0] * 1001] * 1000], biases=None, bias_mode="none", activations=["sigmoid"])
    if what == "over 5 MB":
        return b" " * 5_000_001 + edit()
    if what == "wrong input size":
        return Network.init([3, 2, 2], ["sigmoid"] * 2).to_json().encode()
    if what == "wrong loss":
        return examples.toy_network().to_json(loss="cross_entropy").encode()
    raise AssertionError(what)


BAD_NETWORK_FILES = [
    ("not JSON", "not valid JSON"),
    ("wrong schema version", "unsupported schema version 99"),
    ("unknown activation", "unknown activation 'swish' in layer 2"),
    ("shapes do not chain", "shapes do not chain"),
    ("non-finite number", "non-finite number NaN"),
    ("too many parameters", "1,001,000 parameters is more than the limit of 1,000,000"),
    ("over 5 MB", "the limit is 5 MB"),
    ("wrong input size", "takes 3 inputs but this data set has 2"),
    ("wrong loss", "needs a softmax output layer, but the output layer is sigmoid"),
]


@pytest.mark.parametrize(("what", "match"), BAD_NETWORK_FILES)
def test_a_bad_network_file_shows_its_message_and_keeps_the_run(what, match):
    at = _open_tab(_app(_toy_page), "toy", "Save / load")
    _epoch(at, "toy")
    run = at.session_state["toy_run"]
    params = run.network.parameter_vector()
    _upload(at, "toy_upload", "bad.json", _bad_network_file(what))
    errors = _errors(at)
    assert any(match in e and "Your current run is kept" in e for e in errors), (what, errors)
    assert at.session_state["toy_run"] is run and run.updates_applied == 10
    np.testing.assert_array_equal(run.network.parameter_vector(), params)
    # the message stays while the file is in the box, through other interactions
    _step(at, "toy")
    assert any(match in e for e in _errors(at)) and run.updates_applied == 11


def test_a_shared_link_does_not_override_the_data_just_chosen():
    # a link can carry settings but not data: "Use this data" starts from the data's own defaults
    at = AppTest.from_function(_data_page, default_timeout=TIMEOUT)
    for k, v in {"ex": "custom", "loss": "cross_entropy", "act": "tanh,softmax", "hidden": "4", "steps": "5"}.items():
        at.query_params[k] = v
    at.run()
    _upload(at, "data_upload", "study.csv", userdata.sample_csv("study").encode())
    at.button(key="data_use").click().run()
    assert not at.exception
    run = at.session_state["custom_run"]
    assert run.config == stepper.default_config("custom", run.data) and run.updates_applied == 0


def test_no_pickle_anywhere_in_the_project():
    # networks travel as JSON, arrays as .npz read with allow_pickle=False: never unpickle a file
    import re

    files = [ROOT / "app.py"] + [f for d in ("nnviz", "scripts", "benchmarks") for f in (ROOT / d).rglob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(c?pickle|dill|joblib)\b", text, re.M), path
        assert "pickle.load" not in text, path
        assert "cache_data" not in text, path  # st.cache_data pickles what it caches; cache_resource does not
        for call in re.finditer(r"np\.load\(([^)]*)\)", text):
            assert "allow_pickle=False" in call.group(1), (path, call.group(0))


def test_two_data_sets_with_the_same_network_get_their_own_figures():
    # Two uploads of the same shape start the same default network (xavier, seed 0). Figures memoised
    # on the network alone once showed the first data set's loss surface for the second.
    at = _app(_data_page)
    first = _use_toy_sample(at)
    surface_a = at.session_state["custom_memo"]["surface"][1][0]
    rows = [line.split(",") for line in userdata.sample_csv("toy").strip().splitlines()]
    # the same points, the first point's class flipped: another data set, another loss
    flipped = rows[:1] + [rows[1][:2] + [str(1 - int(rows[1][2]))]] + rows[2:]
    _upload(at, "data_upload", "flipped.csv", "\n".join(",".join(r) for r in flipped).encode())
    at.button(key="data_use").click().run()
    assert not at.exception, at.exception
    second = at.session_state["custom_run"]
    assert second is not first
    assert np.array_equal(first.network.parameter_vector(), second.network.parameter_vector())
    assert not np.array_equal(first.data.Y, second.data.Y)
    surface_b = at.session_state["custom_memo"]["surface"][1][0]
    # the slice through the same network is the loss of each data set: the values differ
    z_a, z_b = np.asarray(surface_a["data"][0]["z"]), np.asarray(surface_b["data"][0]["z"])
    assert z_a.shape == z_b.shape and not np.allclose(z_a, z_b)


def test_the_plane_plots_of_a_csv_say_which_columns_and_scaling_they_are_in():
    # the toy sample's inputs x1, x2 scaled by their maximum (the default "max"): the note under the
    # neuron maps is the data set's own, e.g. "Inputs: x1 / 8.5; x2 / 4.4. Target 'label': 2 classes, one-hot."
    at = _app(_data_page)
    run = _use_toy_sample(at)
    table = read_csv(userdata.sample_csv("toy").encode())
    m1, m2 = (max(abs(float(v)) for v in table.column(c)) for c in ("x1", "x2"))
    assert run.data.note.startswith(f"Inputs: x1 / {m1:g}; x2 / {m2:g}.")
    captions = [c.value for c in at.caption]
    assert any(safe_text.markdown(run.data.note, limit=None) == c for c in captions), captions

"""CSV upload → Dataset: every bad file gets a message naming the problem; good files give hand-checked numbers."""

import numpy as np
import pytest

from nnviz import examples, stepper, userdata
from nnviz.userdata import build_dataset, detect_task, read_csv


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

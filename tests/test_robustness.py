"""Issue 12: a class server no visitor can take down. One test per reproduction of the issue.

Each test builds the hostile input the issue describes (a link, a file, a canvas value) and
checks that the page answers with a message, keeps the visitor's work, and shows no traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from streamlit.testing.v1 import AppTest

from nnviz import stepper

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


# ---------------------------------------------------------------------------
# Server configuration.


def test_the_server_never_shows_tracebacks_and_offers_the_viewer_toolbar():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"


# ---------------------------------------------------------------------------
# Shared links.


def _open_link(query: dict[str, str]) -> AppTest:
    def script(example):
        from nnviz.pages import stepper_page

        {"study": stepper_page.render_study, "toy": stepper_page.render_toy}[example]()

    at = AppTest.from_function(script, args=(query["ex"],), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


@pytest.mark.parametrize(
    "query, reason",
    [
        ({"ex": "study", "seed": "-1"}, "seed must be a whole number from 0"),
        ({"ex": "toy", "seed": "-1", "init": "xavier"}, "seed must be a whole number from 0"),
        ({"ex": "toy", "hidden": "2", "act": "softmax,sigmoid"}, "hidden layer 1 cannot use 'softmax'"),
    ],
)
def test_a_bad_link_opens_the_default_run_with_a_warning(query, reason):
    at = _open_link(query)
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any("Could not open the shared link" in w and reason in w for w in warnings), warnings
    run = at.session_state[f"{query['ex']}_run"]
    assert run.config == stepper.default_config(query["ex"]) and len(run.history) == 0


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("seed", -1, "seed must be a whole number from 0"),
        ("seed", 2**31, "seed must be a whole number from 0"),
        ("activations", ("softmax", "sigmoid"), "hidden layer 1 cannot use 'softmax'"),
        ("activations", ("sigmoid", "nope"), "unknown output activation"),
        ("bias_mode", "sometimes", "unknown bias mode"),
    ],
)
def test_config_validate_refuses_what_the_sidebar_must_not_make(field, value, reason):
    from dataclasses import replace

    cfg = replace(stepper.default_config("toy"), **{field: value})
    with pytest.raises(ValueError, match=reason):
        cfg.validate()
    with pytest.raises(ValueError, match=reason):
        stepper.build_network(cfg)


# ---------------------------------------------------------------------------
# Network JSON from a visitor.

GOOD_NETWORK = {
    "format": "nnviz-network",
    "version": 1,
    "sizes": [2, 2, 2],
    "activations": ["sigmoid", "sigmoid"],
    "bias_mode": "trainable",
    "weights": [[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6], [0.7, 0.8]]],
    "biases": [[0.0, 0.0], [0.0, 0.0]],
}


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("sizes", 5, "field 'sizes' must be a list of whole numbers, got 5"),
        ("sizes", None, "field 'sizes' must be a list of whole numbers, got None"),
        ("sizes", "[2, 2, 2]", "field 'sizes' must be a list of whole numbers"),
        ("activations", [["sigmoid"], "sigmoid"], "field 'activations' must be a list of names"),
        ("biases", 5, "field 'biases' must be a list"),
        ("bias_mode", {"a": 1}, "field 'bias_mode' must be one of"),
        ("version", True, "unsupported schema version True"),
        ("version", "x" * 5000, "unsupported schema version 'xxxxx"),
    ],
)
def test_malformed_network_fields_give_a_value_error_naming_the_field(field, value, reason):
    import json

    from nnviz.engine import Network

    text = json.dumps({**GOOD_NETWORK, field: value})
    with pytest.raises(ValueError, match=reason) as info:
        Network.from_json(text)
    assert len(str(info.value)) < 300  # a 5,000-character field is cut, not echoed


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_is_a_value_error_not_a_recursion_error(depth):
    from nnviz.engine import Network

    nested = "[" * depth + "]" * depth
    for text in (nested, '{"format": "nnviz-network", "version": 1, "activations": [], "weights": ' + nested + "}"):
        with pytest.raises(ValueError, match="nests lists or objects too deeply|nested lists of numbers|layer"):
            Network.from_json(text)


def test_load_network_reports_a_bad_file_as_value_error_for_every_page():
    import json

    from nnviz import examples, userdata

    data = examples.toy_dataset()
    cfg = stepper.default_config("toy")
    for bad in ({**GOOD_NETWORK, "sizes": 5}, {**GOOD_NETWORK, "sizes": None}):
        with pytest.raises(ValueError, match="field 'sizes'"):
            userdata.load_network(json.dumps(bad).encode(), cfg, data, ["half_sse"], ["sigmoid"])
    with pytest.raises(ValueError, match="too deeply"):
        userdata.load_network(b"[" * 100_000 + b"]" * 100_000, cfg, data, ["half_sse"], ["sigmoid"])


_json_values = hst.recursive(
    hst.none() | hst.booleans() | hst.integers(-(2**70), 2**70) | hst.floats(allow_nan=False) | hst.text(max_size=20),
    lambda inner: hst.lists(inner, max_size=4) | hst.dictionaries(hst.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(field=hst.sampled_from(sorted(GOOD_NETWORK) + ["config", "loss"]), value=_json_values)
def test_any_json_value_in_any_field_is_accepted_or_a_value_error(field, value):
    import json

    from nnviz import examples, userdata

    text = json.dumps({**GOOD_NETWORK, field: value})
    try:
        userdata.load_network(
            text.encode(), stepper.default_config("toy"), examples.toy_dataset(), ["half_sse"], ["sigmoid"]
        )
    except ValueError:
        pass


# ---------------------------------------------------------------------------
# Visitors' text shown as text: the data page and its messages.

PHISHING = "[Session expired: log in again](https://evil.example/login)"
BEACON = "![b](http://127.0.0.1:9/beacon.png)"


def _inert(markdown_text: str) -> bool:
    """True when every ASCII punctuation character in the string is backslash-escaped
    (then Streamlit shows it verbatim: tests/test_browser_robustness.py checks that in Chromium)."""
    import string

    escaped = False
    for c in markdown_text:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c in string.punctuation:
            return False
    return True


def test_inert_detects_live_markdown():
    from nnviz import safe_text

    assert not _inert(PHISHING) and not _inert(BEACON)
    assert _inert(safe_text.markdown(PHISHING)) and _inert(safe_text.markdown(BEACON))


def _data_page():
    from nnviz.pages import data_page

    data_page.render()


def _upload_csv(at: AppTest, name: str, text: str) -> AppTest:
    at.file_uploader(key="data_upload").set_value((name, text.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_csv_column_names_and_file_name_are_shown_as_text():
    at = AppTest.from_function(_data_page, default_timeout=TIMEOUT)
    at.run()
    rows = "\n".join(f"{i / 10},{i % 2}" for i in range(10))
    _upload_csv(at, BEACON + ".csv", f"{BEACON},{PHISHING}\n{rows}\n")
    at.button(key="data_use").click().run()
    assert not at.exception, at.exception
    shown = [h.value for h in at.header] + [c.value for c in at.caption] + [s.value for s in at.success]
    # the data page's own elements (the step-through below it is stepper_page's, escaped there)
    about_the_file = [s for s in shown if ("Session expired" in s or "beacon" in s) and "First output" not in s]
    assert len(about_the_file) >= 3, shown  # the header, the caption, the success message
    for s in about_the_file:
        assert _inert(s.removeprefix("Training on ")), s


def test_a_csv_error_naming_a_hostile_column_is_shown_as_text():
    at = AppTest.from_function(_data_page, default_timeout=TIMEOUT)
    at.run()
    _upload_csv(at, "x.csv", f"{PHISHING},t\n1,0\n<b>high</b>,1\n4,0\n5,1\n")
    at.button(key="data_use").click().run()
    errors = [e.value for e in at.error]
    assert any("is not a number" in e and "Session expired" in e for e in errors), errors
    assert all(_inert(e) for e in errors), errors
    _upload_csv(at, PHISHING + ".csv", "only,one\n1,2\n")
    errors = [e.value for e in at.error]
    assert any("single data row" in e for e in errors) and all(_inert(e) for e in errors), errors

"""Issue 12: a class server no visitor can take down. One test per reproduction of the issue.

Each test builds the hostile input the issue describes (a link, a file, a canvas value) and
checks that the page answers with a message, keeps the visitor's work, and shows no traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
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

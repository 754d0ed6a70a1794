# ruff: noqa: E501  (markdown tables are one line per row)
"""About page: what nnviz is, the seed tutorials, and how nnviz checks its own numbers."""

import streamlit as st

from nnviz.engine import LOSSES


def render() -> None:
    st.title("About nnviz")
    st.markdown(
        """
nnviz steps a small NumPy network through real examples, **one phase at a time** —
forward layer by layer, the loss, backward layer by layer, the update — and draws every
number each phase produces: weights, activations, deltas (δ = ∂L/∂z), gradients, the update
and the loss surface with the path taken across it. You can step back, scrub the history and
click any neuron or weight to see its arithmetic written out with the real numbers.

### Notation
Batch-first, as the code: `z = a_prev @ W + b`, `a = f(z)`, with `W` of shape (inputs, outputs).
Nielsen's book writes the transpose (`z = W a + b`). `dz` is the delta δ, `dW` is ∂L/∂W,
`dx` is the error handed to the layer below.
"""
    )
    st.subheader("Losses and how they are reduced")
    st.table(
        {
            "loss": list(LOSSES),
            "reduction": [s.reduction for s in LOSSES.values()],
            "output layer": [s.requires or "any" for s in LOSSES.values()],
        }
    )
    st.markdown(
        """
### The tutorials nnviz grew from
| seed | nnviz page | where the tutorial's math or prose is wrong |
|---|---|---|
| 000 · Classic Feedforward MNIST (784-32-10) | MNIST | ReLU is applied to the output *before* softmax, the softmax-CE delta gets an extra `(z > 0)` factor, and `relU_prime` returns `z·(z ≤ 0)`. nnviz uses softmax on the output logits with the fused delta ŷ − y and ReLU′ = [z > 0]. |
| 001 · batch-first layers, L2 vs cross-entropy | MNIST | — (its `loss_L2` is Σ(ŷ − y)²/B, i.e. 2·half_sse/B) |
| 002 · fixed-weight forward pass, stable softmax | Fixed-weight forward pass | — |
| 003 · study hours | Study hours | The hand example rounds σ(7.6) = 0.99950 to .9994 and σ(3.9) = 0.98016 to 1.000; the query [4, 8] is scaled by its own max instead of the training max [3, 9]. |
| 004 · toy classification | Toy classification | It prints Σ(t − o)² but differentiates ½·Σ(t − o)²: the printed error is twice the loss it minimises. |

`python -m nnviz reproduce all` prints each tutorial's output from the nnviz engine.

### How nnviz checks itself
- Every gradient the app shows is compared with central finite differences
  (the **Gradient check** tab shows analytic vs numerical for every parameter).
- The tests reproduce the tutorials' printed numbers: seed 004's 51 printed errors and its final
  weights (to 1e-9), seed 002's output, seed 003's hand sums.
- What the diagram, the matrices and the arithmetic panel show is read from the same recorded
  step the engine computed — nothing is recomputed for display.
"""
    )

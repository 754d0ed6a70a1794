"""About page: what nnviz is and where the numbers come from."""

import streamlit as st


def render() -> None:
    st.title("nnviz: see every number of backpropagation")
    st.markdown(
        "Step a small NumPy network through real examples, one phase at a time: "
        "forward layer by layer, the loss, backward layer by layer, the update."
    )

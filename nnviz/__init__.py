"""nnviz: see every number of backpropagation.

``nnviz.engine`` (NumPy only) computes and records; ``nnviz.examples`` holds the
seed tutorials; ``nnviz.figures`` draws with Plotly; ``nnviz.pages`` and
``nnviz.state`` are the Streamlit app.
"""

__version__ = "0.1.0"

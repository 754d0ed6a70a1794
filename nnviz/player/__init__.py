"""The browser player: the engine records on the server, the browser plays.

- :mod:`nnviz.player.session`: one session's requests in, the data for the browser out (no streamlit);
- :mod:`nnviz.player.payload`: the frames of the recorded steps (figure specs, MathML, status text);
- :mod:`nnviz.player.mathml`: LaTeX rows to MathML, converted once per template;
- :mod:`nnviz.player.component`: the Streamlit Components v2 element (``player.js``, ``player.css``)
  and the copy of plotly.min.js that Streamlit serves.
"""

"""nnviz entry point: page config, navigation. No maths, no figures."""

import streamlit as st

from nnviz.mnist import set_blas_threads
from nnviz.pages import PAGES
from nnviz.player.component import ensure_static_plotly

# Once for the process (the same value on every run): sessions never change BLAS threads, so
# none can leave another's at a setting it did not choose; small matrices run best on one.
set_blas_threads(1)

st.set_page_config(page_title="nnviz: see backprop", page_icon="🧮", layout="wide")
# Less empty space above the title, so the player's controls, diagram and arithmetic fit a 1280×720 screen.
st.html("<style>.stMainBlockContainer { padding-top: 2.2rem; } h1 { padding-top: 0.2rem; }</style>")
ensure_static_plotly()  # the player's Plotly.js, served from ./static (server.enableStaticServing)
st.navigation([st.Page(p.render, title=p.title, url_path=p.url_path, default=p.default) for p in PAGES]).run()

"""nnviz entry point: the session's language, page config, navigation. No maths, no figures."""

import streamlit as st

from nnviz import i18n
from nnviz.i18n import _
from nnviz.mnist import set_blas_threads
from nnviz.pages import page_specs
from nnviz.player.component import ensure_static_plotly

# Once for the process (the same value on every run): sessions never change BLAS threads, so
# none can leave another's at a setting it did not choose; small matrices run best on one.
set_blas_threads(1)

i18n.setup()  # the language (?lang=, the sidebar picker) before any text is drawn
st.set_page_config(page_title=_("nnviz: see backprop"), page_icon="🧮", layout="wide")
# Less empty space above the title, so the player's controls, diagram and arithmetic fit a 1280×720 screen.
st.html("<style>.stMainBlockContainer { padding-top: 2.2rem; } h1 { padding-top: 0.2rem; }</style>")
ensure_static_plotly()  # the player's Plotly.js, served from ./static (server.enableStaticServing)
pages = page_specs()  # the examples' pages come from their registry, nnviz.stepper.EXAMPLES
page = st.navigation([st.Page(p.render, title=_(p.title), url_path=p.url_path, default=p.default) for p in pages])
try:
    page.run()
finally:
    # A page may rewrite the query string for its shared link (stepper_page._sync_url): keep ?lang= in it,
    # also when the page stopped early or asked for a rerun.
    i18n.keep_in_url()

"""nnviz entry point: page config, session-state defaults, navigation. No maths, no figures."""

import streamlit as st

from nnviz.mnist import set_blas_threads
from nnviz.pages import PAGES

# Once for the process (the same value on every run): sessions never change BLAS threads, so
# none can leave another's at a setting it did not choose; small matrices run best on one.
set_blas_threads(1)

st.set_page_config(page_title="nnviz: see backprop", page_icon="🧮", layout="wide")
st.navigation([st.Page(p.render, title=p.title, url_path=p.url_path, default=p.default) for p in PAGES]).run()

"""nnviz entry point: page config, session-state defaults, navigation. No maths, no figures."""

import streamlit as st

from nnviz.pages import PAGES

st.set_page_config(page_title="nnviz: see backprop", page_icon="🧮", layout="wide")
st.navigation([st.Page(p.render, title=p.title, url_path=p.url_path, default=p.default) for p in PAGES]).run()

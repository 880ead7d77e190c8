"""Reality Check CPD: the Streamlit entry point. Navigation and wiring only."""

import logging

import streamlit as st

from cpd.ui import learn

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Reality Check CPD: exosome safety", page_icon="🔬", layout="centered")

pages = [
    st.Page(learn.page, title="Learn", icon="📘", url_path="learn", default=True),
]
st.navigation(pages).run()

"""The floor for `bench/rerun_cost.py`: the cheapest Streamlit page that takes an answer.

One radio and a submit button inside one ``st.form``, and one line echoing the answer,
so each submitted answer costs exactly one script run and nothing app-specific.
Run it alone with ``streamlit run bench/bare_form_page.py``.
"""

import streamlit as st

with st.form("answer", enter_to_submit=False):
    choice = st.radio("Your answer", ["Option A", "Option B", "Option C", "Option D"], index=None)
    submitted = st.form_submit_button("Submit answer", type="primary")
if submitted:
    st.write(f"You chose {choice}.")

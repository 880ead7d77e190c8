"""Reality Check CPD: the entry point. Wiring only: the page script, HTTP routes, middleware, lifespan.

``streamlit run app.py`` (and ``make run``) finds the ``st.App`` below and serves it;
so does any ASGI server (``uvicorn app:app``). The pages live in ``cpd/ui/main.py``.
"""

from pathlib import Path

import streamlit as st

from cpd.web import lifespan, middleware, routes
from cpd.web.credentials import credential_routes  # credentials: did.json, status list, certificate API, achievement pages

PAGE_SCRIPT = Path(__file__).resolve().parent / "cpd" / "ui" / "main.py"

app = st.App(PAGE_SCRIPT, routes=[*routes(), *credential_routes()], middleware=middleware(), lifespan=lifespan)

if __name__ == "__main__":  # `python app.py` works too
    app.run()

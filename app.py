"""Reality Check CPD: the entry point. Wiring only: the page script, HTTP routes, middleware, lifespan.

``streamlit run app.py`` (and ``make run``) finds the ``st.App`` below and serves it;
so does any ASGI server (``uvicorn app:app``). The pages live in ``cpd/ui/main.py``;
the routes share the pages' settings (with Streamlit secrets) and database engine.
"""

from pathlib import Path

import streamlit as st

from cpd.preflight import exit_if_unfit
from cpd.settings import get_settings
from cpd.ui import resources
from cpd.web import WebContext, lifespan, middleware, routes

exit_if_unfit(get_settings())  # an unwritable data folder or a full disk is said at start, not at the first answer
PAGE_SCRIPT = Path(__file__).resolve().parent / "cpd" / "ui" / "main.py"

context = WebContext(settings=resources.settings, store=resources.store)
app = st.App(PAGE_SCRIPT, routes=routes(context), middleware=middleware(resources.settings), lifespan=lifespan(context))

if __name__ == "__main__":  # `python app.py` works too
    app.run()

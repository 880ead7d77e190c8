"""The floor for `bench/workshop_load.py`: the bare form page behind an st.App with a constant version route.

Phones on it poll ``/api/bare/version`` at the same interval as on the workshop page
and submit the same answers, so the ratio compares like with like.
"""

from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def version(request: Request) -> JSONResponse:
    return JSONResponse({"v": 1}, headers={"Cache-Control": "no-store"})


app = st.App(Path(__file__).with_name("bare_form_page.py"), routes=[Route("/api/bare/version", version)])

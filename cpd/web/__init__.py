"""The app's HTTP side: routes, middleware and the lifespan hook that ``app.py`` wires into ``st.App``.

No Streamlit here (the engine rule): these are Starlette pieces, testable with
Starlette's own test client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from cpd.settings import get_settings
from cpd.web.security import OriginCheckMiddleware, SecurityHeadersMiddleware


def routes() -> list[BaseRoute]:
    """The app's own HTTP routes, beside Streamlit's."""
    return []


def middleware() -> list[Middleware]:
    """Outermost first: headers go on every response, including an Origin refusal."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(OriginCheckMiddleware, trusted_origins=lambda: [get_settings().public_url]),
    ]


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any] | None]:
    """Starts and stops what lives as long as the process (the outbox worker, once it exists)."""
    yield None

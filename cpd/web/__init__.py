"""The app's HTTP side: routes, middleware and the lifespan hook that ``app.py`` wires into ``st.App``.

No Streamlit here (the engine rule): these are Starlette pieces, testable with
Starlette's own test client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from cpd.settings import Settings, get_settings
from cpd.storage.db import open_store
from cpd.web import auth
from cpd.web.auth import WebContext
from cpd.web.security import OriginCheckMiddleware, SecurityHeadersMiddleware

__all__ = ["WebContext", "default_context", "lifespan", "middleware", "routes"]


@lru_cache(maxsize=1)
def _default_store() -> sessionmaker[Session]:
    return open_store(get_settings().effective_database_url)


def default_context() -> WebContext:
    """Environment settings and one store per process (``app.py`` passes the pages' own instead)."""
    return WebContext(settings=get_settings, store=_default_store)


def routes(ctx: WebContext | None = None) -> list[BaseRoute]:
    """The app's own HTTP routes, beside Streamlit's."""
    return [*auth.routes(ctx or default_context())]


def middleware(settings: Callable[[], Settings] = get_settings) -> list[Middleware]:
    """Outermost first: headers go on every response, including an Origin refusal."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(OriginCheckMiddleware, trusted_origins=lambda: [settings().public_url]),
    ]


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any] | None]:
    """Starts and stops what lives as long as the process (the outbox worker, once it exists)."""
    yield None

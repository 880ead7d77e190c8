"""The app's HTTP side: routes, middleware and the lifespan hook that ``app.py`` wires into ``st.App``.

No Streamlit here (the engine rule): these are Starlette pieces, testable with
Starlette's own test client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from cpd.settings import Settings, get_settings
from cpd.storage.db import open_store
from cpd.web import auth, lti
from cpd.web.auth import WebContext
from cpd.web.credentials import credential_routes
from cpd.web.security import OriginCheckMiddleware, SecurityHeadersMiddleware
from cpd.web.workshops import workshop_routes

log = logging.getLogger("cpd.web")

__all__ = ["WebContext", "default_context", "lifespan", "middleware", "routes"]


@lru_cache(maxsize=1)
def _default_store() -> sessionmaker[Session]:
    return open_store(get_settings().effective_database_url)


def default_context() -> WebContext:
    """Environment settings and one store per process (``app.py`` passes the pages' own instead)."""
    return WebContext(settings=get_settings, store=_default_store)


def routes(ctx: WebContext | None = None) -> list[BaseRoute]:
    """The app's own HTTP routes, beside Streamlit's."""
    ctx = ctx or default_context()
    return [*auth.routes(ctx), *credential_routes(ctx), *workshop_routes(ctx), *lti.routes(ctx)]


def middleware(settings: Callable[[], Settings] = get_settings) -> list[Middleware]:
    """Outermost first: headers go on every response, including an Origin refusal."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(OriginCheckMiddleware, trusted_origins=lambda: [settings().public_url]),
    ]


def lifespan(ctx: WebContext | None = None) -> Callable[[Any], AbstractAsyncContextManager[dict[str, Any] | None]]:
    """What lives as long as the app process: the outbox worker (unless ``CPD_OUTBOX_WORKER_IN_APP=false``).

    It starts after Streamlit's runtime and stops before it, letting the effect in
    hand finish; ``python -m cpd worker`` processes may run beside it.
    """
    context = ctx or default_context()

    @asynccontextmanager
    async def _lifespan(app: Any) -> AsyncIterator[dict[str, Any] | None]:
        from cpd.outbox import start_background_worker

        settings = context.settings()
        if not settings.outbox_worker_in_app:
            log.info("outbox worker not started in the app (CPD_OUTBOX_WORKER_IN_APP=false)")
            yield None
            return
        store = await run_in_threadpool(context.store)  # opening the store migrates: not on the event loop
        worker = start_background_worker(store, settings=settings)
        daily = _start_onboarding_pass(store, settings)
        from cpd import housekeeping

        housekeeping.start(store, daily)  # the same hourly beat; the same event stops both
        try:
            yield {"outbox_worker": worker}
        finally:
            daily.set()
            await run_in_threadpool(worker.stop)

    return _lifespan


def _start_onboarding_pass(store: sessionmaker[Session], settings: Settings) -> threading.Event:
    """Clinics' reminders and renewals, hourly in the background; returns the event that stops it."""
    from cpd.onboarding.reminders import daily_loop, module_lookup

    stop = threading.Event()
    modules = module_lookup(settings.modules_dir, settings.questions_dir)
    threading.Thread(target=daily_loop, args=(store, modules), kwargs={"public_url": settings.public_url, "stop": stop},
                     name="cpd-onboarding", daemon=True).start()
    return stop

"""LTI 1.3 routes: ``/lti/login`` (OIDC login initiation), ``/lti/launch``, ``/lti/jwks.json``.

Thin: each route reads the request, calls ``cpd.lti`` in a thread (database and
network work stay off the event loop) and answers with a redirect or a plain
page. A valid launch ends in a redirect to ``/?t=<resume token>``, the learn
page's own way into an attempt, so the pages need no LTI code. The app refuses
to be framed (``frame-ancestors 'none'``): register the tool to open in a new
window (README, "LTI 1.3").
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cpd.content.loader import LoadedModule, load_content, resolve_module
from cpd.lti import keys, launch, learners
from cpd.settings import Settings
from cpd.storage.db import transaction
from cpd.web import pages as p
from cpd.web.auth import WebContext

log = logging.getLogger("cpd.lti")
LOGIN, LAUNCH, JWKS = "/lti/login", "/lti/launch", "/lti/jwks.json"


@lru_cache(maxsize=8)
def _module(modules_dir: Path, questions_dir: Path, module_id: str) -> LoadedModule | None:
    content = load_content(list(dict.fromkeys([modules_dir, questions_dir])))
    if not content.ok or module_id not in content.modules:
        log.error("LTI launch: module %r is not available (content errors: %d)", module_id, len(content.errors))
        return None
    return resolve_module(content, module_id)


def _refusal(text: str, status: int = 400) -> Response:
    return p.html_page("The module could not be opened", p.message(text) + p.paragraph(
        "Go back to your course and open the activity again. If this keeps happening, tell your course "
        "administrator what this page says.", hint=True), status=status)


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(request.query_params)


def routes(ctx: WebContext) -> list[Route]:
    def _login(settings: Settings, params: dict[str, str]) -> str:
        with transaction(ctx.store()) as session:
            return launch.login_redirect(session, params, redirect_uri=settings.public_url.rstrip("/") + LAUNCH)

    async def login(request: Request) -> Response:
        settings = ctx.settings()
        try:
            url = await run_in_threadpool(_login, settings, await _params(request))
        except launch.LaunchError as exc:
            return _refusal(str(exc))
        return RedirectResponse(url, status_code=302)

    def _launch(settings: Settings, form: dict[str, str]) -> str:
        store = ctx.store()
        with transaction(store) as session:  # spent first, in its own transaction: a refused launch cannot be retried
            platform_id, nonce = launch.use_state(session, form.get("state", ""))
        with transaction(store) as session:
            claims = launch.validate(session, form.get("id_token", ""), platform_id, nonce)
            module_id = claims.custom.get("module") if isinstance(claims.custom.get("module"), str) else settings.module_id
            loaded = _module(settings.modules_dir, settings.questions_dir, str(module_id))
            if loaded is None:
                raise launch.LaunchError("The module this course activity names is not available here.")
            token = learners.open_for_launch(session, claims, loaded)
            return f"{settings.public_url.rstrip('/')}/?{urlencode({'t': token, 'module': loaded.module.id})}"

    async def launch_route(request: Request) -> Response:
        settings = ctx.settings()
        form = await _params(request)
        try:
            url = await run_in_threadpool(_launch, settings, form)
        except launch.LaunchError as exc:
            log.info("LTI launch refused: %s", exc)
            return _refusal(str(exc), status=401)
        return RedirectResponse(url, status_code=303)

    def _jwks(settings: Settings) -> dict[str, Any]:
        key = keys.tool_key(settings)
        store = ctx.store()
        with store() as session:  # a plain read once the key is on record: platforms fetch this often
            if keys.registered(session, key):
                return keys.jwks(session, key)
        with transaction(store) as session:
            keys.register(session, key)
            return keys.jwks(session, key)

    async def jwks(request: Request) -> Response:
        try:
            body = await run_in_threadpool(_jwks, ctx.settings())
        except keys.ToolKeyError as exc:
            log.error("LTI JWKS: %s", exc)
            return JSONResponse({"error": "the tool key is not configured"}, status_code=503)
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})

    return [
        Route(LOGIN, login, methods=["GET", "POST"]),
        Route(LAUNCH, launch_route, methods=["POST"]),
        Route(JWKS, jwks, methods=["GET"]),
    ]

"""The workshop polling route: a phone asks whether its room changed, and reruns its page only when it did.

``GET /api/workshops/{id}/version`` answers ``{"v": n}``: the room's version, nothing
else (no counts, no answers, no key), from a per-process cache refreshed at most
every half second (``cpd.workshops.poll``). Workshop ids are random UUIDs.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from cpd.web.auth import WebContext
from cpd.workshops import poll

VERSION_PATH = "/api/workshops/{workshop_id}/version"
_UUID = re.compile(r"^[0-9a-f-]{36}$")


def version_url(workshop_id: str) -> str:
    return VERSION_PATH.format(workshop_id=workshop_id)


def workshop_routes(ctx: WebContext) -> list[BaseRoute]:
    async def version(request: Request) -> JSONResponse:
        workshop_id = request.path_params["workshop_id"]
        headers = {"Cache-Control": "no-store"}
        if not _UUID.match(workshop_id):
            return JSONResponse({"error": "no such workshop"}, status_code=404, headers=headers)
        value = poll.peek(workshop_id)  # most polls: no thread, no database
        if value is None:
            value = await run_in_threadpool(poll.cached_version, ctx.store(), workshop_id)
        if value is None:
            return JSONResponse({"error": "no such workshop"}, status_code=404, headers=headers)
        return JSONResponse({"v": value[0]}, headers=headers)

    return [Route(VERSION_PATH, version, methods=["GET"])]

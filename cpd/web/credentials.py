"""HTTP routes for credentials: thin Starlette wrappers over ``cpd.certificates.published``.

* ``GET /.well-known/did.json`` (or ``/<path>/did.json`` when CPD_PUBLIC_URL has a path): the issuer's DID document
* ``GET /credentials/status/<n>``: the signed Bitstring Status List credential
* ``GET /api/certificates/<id>``: public facts and status as JSON (id case-insensitive)
* ``GET /achievements/<module>/<version>`` and ``.../criteria``: the pages a badge links to (a certificate
  of participation links to ``.../participation`` and ``.../participation/criteria``)

All read-only (GET/HEAD). Content types follow the specifications; cache times are
short where the answer changes on revocation, and personal data is never cached.
"""

from __future__ import annotations

import json
import logging
from functools import cached_property
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cpd.certificates import published
from cpd.certificates.did import did_document_path
from cpd.certificates.keys import SigningKeyError, configured_public_key, configured_signing_key
from cpd.certificates.status_list import CACHE_SECONDS
from cpd.web.auth import WebContext

log = logging.getLogger(__name__)

DID_MEDIA_TYPE = "application/did+json"  # W3C DID Core, representation without JSON-LD processing
VC_MEDIA_TYPE = "application/vc"  # W3C VC Data Model 2.0, a secured credential as JSON


# Public, non-personal documents a browser-based wallet on another site must be able to fetch.
OPEN_TO_ALL_SITES = {"Access-Control-Allow-Origin": "*"}


def _json(data: Any, media_type: str, cache: str, status_code: int = 200, cors: bool = False) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Cache-Control": cache, **(OPEN_TO_ALL_SITES if cors else {})}
    return Response(body, status_code, media_type=media_type, headers=headers)


def _not_found() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Not found</title><p>No such achievement.</p>", 404,
                        headers={"Cache-Control": "no-store"})


class _Routes:
    """The handlers, bound to the app's settings and store (the same ones the pages use, secrets included)."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def did_json(self, request: Request) -> Response:
        settings = self.ctx.settings()
        with self.ctx.store()() as session:
            doc = published.issuer_did_document(session, settings.public_url, configured_public_key(settings))
        return _json(doc, DID_MEDIA_TYPE, "public, max-age=300", cors=True)

    def status_list(self, request: Request) -> Response:
        list_id = request.path_params["list_id"]
        try:
            key = configured_signing_key(self.ctx.settings())
        except SigningKeyError as exc:
            log.error("status list %s cannot be signed: %s", list_id, exc)
            return JSONResponse({"error": "the issuer has no signing key configured"}, 503,
                                headers={"Cache-Control": "no-store"})
        with self.ctx.store()() as session:
            credential = published.status_list(session, self.ctx.settings().public_url, key, list_id)
        if credential is None:
            return JSONResponse({"error": f"no status list {list_id}"}, 404, headers={"Cache-Control": "no-store"})
        return _json(credential, VC_MEDIA_TYPE, f"public, max-age={CACHE_SECONDS}", cors=True)

    def certificate_api(self, request: Request) -> Response:
        with self.ctx.store()() as session:
            view = published.certificate_status(session, request.path_params["cert_id"])
        if view is None:
            return JSONResponse({"status": "unknown", "error": "no certificate with this ID"}, 404,
                                headers={"Cache-Control": "no-store"})
        # A name is personal data: no shared cache keeps it, and a revocation shows at once.
        return _json(view, "application/json", "no-store")

    def _facts(self, request: Request) -> published.AchievementFacts | None:
        module_id, version = request.path_params["module_id"], request.path_params["version"]
        participation = request.url.path.removesuffix("/criteria").endswith("/participation")
        with self.ctx.store()() as session:
            return published.achievement_facts(session, module_id, version, self.current_module,
                                               participation=participation)


    @cached_property
    def current_module(self) -> Any | None:
        """The served module, as a fallback description for achievements with no certificate yet."""
        try:
            from cpd.content.loader import load_module

            s = self.ctx.settings()
            return load_module([s.modules_dir, s.questions_dir], s.module_id).module
        except Exception:  # noqa: BLE001 - broken content only loses the fallback; issued certificates still describe it
            return None

    def achievement(self, request: Request) -> Response:
        facts = self._facts(request)
        if facts is None:
            return _not_found()
        return HTMLResponse(published.achievement_page(facts, f"{request.url.path}/criteria"),
                            headers={"Cache-Control": "public, max-age=3600"})

    def criteria(self, request: Request) -> Response:
        facts = self._facts(request)
        if facts is None:
            return _not_found()
        return HTMLResponse(published.criteria_page(facts, request.url.path.removesuffix("/criteria")),
                            headers={"Cache-Control": "public, max-age=3600"})


def credential_routes(ctx: WebContext) -> list[BaseRoute]:
    """The credential routes, beside the platform's in ``cpd.web.routes``."""
    r = _Routes(ctx)
    did_paths = {"/.well-known/did.json", did_document_path(ctx.settings().public_url)}
    return [
        *(Route(path, r.did_json, methods=["GET"]) for path in sorted(did_paths)),
        Route("/credentials/status/{list_id:int}", r.status_list, methods=["GET"]),
        Route("/api/certificates/{cert_id:str}", r.certificate_api, methods=["GET"]),
        Route("/achievements/{module_id:str}/{version:str}", r.achievement, methods=["GET"]),
        Route("/achievements/{module_id:str}/{version:str}/criteria", r.criteria, methods=["GET"]),
        # Taking part in an attendance-based live workshop: a separate achievement with its own criteria.
        Route("/achievements/{module_id:str}/{version:str}/participation", r.achievement, methods=["GET"]),
        Route("/achievements/{module_id:str}/{version:str}/participation/criteria", r.criteria, methods=["GET"]),
    ]

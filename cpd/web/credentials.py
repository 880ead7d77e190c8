"""HTTP routes for credentials: thin Starlette wrappers over ``cpd.certificates.published``.

* ``GET /.well-known/did.json`` (or ``/<path>/did.json`` when CPD_PUBLIC_URL has a path): the issuer's DID document
* ``GET /credentials/status/<n>``: the signed Bitstring Status List credential
* ``GET /api/certificates/<id>``: public facts and status as JSON (id case-insensitive)
* ``GET /achievements/<module>/<version>`` and ``.../criteria``: the pages a badge links to

All read-only (GET/HEAD). Content types follow the specifications; cache times are
short where the answer changes on revocation, and personal data is never cached.
"""

from __future__ import annotations

import json
import logging
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cpd.certificates import published
from cpd.certificates.did import did_document_path
from cpd.certificates.keys import SigningKeyError, configured_public_key, configured_signing_key
from cpd.certificates.status_list import CACHE_SECONDS
from cpd.settings import Settings, get_settings
from cpd.storage.db import open_store

log = logging.getLogger(__name__)

DID_MEDIA_TYPE = "application/did+json"  # W3C DID Core, representation without JSON-LD processing
VC_MEDIA_TYPE = "application/vc"  # W3C VC Data Model 2.0, a secured credential as JSON


# Public, non-personal documents a browser-based wallet on another site must be able to fetch.
OPEN_TO_ALL_SITES = {"Access-Control-Allow-Origin": "*"}


def _json(data: Any, media_type: str, cache: str, status_code: int = 200, cors: bool = False) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Cache-Control": cache, **(OPEN_TO_ALL_SITES if cors else {})}
    return Response(body, status_code, media_type=media_type, headers=headers)


@lru_cache(maxsize=1)
def _settings() -> Settings:
    """Environment settings, with ``CPD_SIGNING_KEY_PEM`` from Streamlit's secrets file if set there.

    Routes run outside any Streamlit session (and the engine never imports Streamlit), so the
    secrets file is read as the TOML it is, from the places Streamlit reads it.
    """
    base = get_settings()
    if base.signing_key_pem:
        return base
    for path in (Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            pem = tomllib.loads(path.read_text(encoding="utf-8")).get("CPD_SIGNING_KEY_PEM")
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if pem:
            return Settings.model_validate({**base.model_dump(), "signing_key_pem": str(pem)})
    return base


@lru_cache(maxsize=1)
def _store() -> sessionmaker[Session]:
    return open_store(_settings().effective_database_url)


@lru_cache(maxsize=1)
def _signing_key() -> Ed25519PrivateKey:
    return configured_signing_key(_settings())


def did_json(request: Request) -> Response:
    settings = _settings()
    with _store()() as session:
        doc = published.issuer_did_document(session, settings.public_url, configured_public_key(settings))
    return _json(doc, DID_MEDIA_TYPE, "public, max-age=300", cors=True)


def status_list(request: Request) -> Response:
    list_id = request.path_params["list_id"]
    try:
        key = _signing_key()
    except SigningKeyError as exc:
        log.error("status list %s cannot be signed: %s", list_id, exc)
        return JSONResponse({"error": "the issuer has no signing key configured"}, 503,
                            headers={"Cache-Control": "no-store"})
    with _store()() as session:
        credential = published.status_list(session, _settings().public_url, key, list_id)
    if credential is None:
        return JSONResponse({"error": f"no status list {list_id}"}, 404, headers={"Cache-Control": "no-store"})
    return _json(credential, VC_MEDIA_TYPE, f"public, max-age={CACHE_SECONDS}", cors=True)


def certificate_api(request: Request) -> Response:
    with _store()() as session:
        view = published.certificate_status(session, request.path_params["cert_id"])
    if view is None:
        return JSONResponse({"status": "unknown", "error": "no certificate with this ID"}, 404,
                            headers={"Cache-Control": "no-store"})
    # A name is personal data: no shared cache keeps it, and a revocation shows at once.
    return _json(view, "application/json", "no-store")


def _facts(request: Request) -> published.AchievementFacts | None:
    module_id, version = request.path_params["module_id"], request.path_params["version"]
    with _store()() as session:
        return published.achievement_facts(session, module_id, version, _current_module())


@lru_cache(maxsize=1)
def _current_module() -> Any | None:
    try:
        from cpd.content.loader import load_module

        s = _settings()
        return load_module([s.modules_dir, s.questions_dir], s.module_id).module
    except Exception:  # noqa: BLE001 - broken content only loses the fallback; issued certificates still describe it
        return None


def _not_found() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Not found</title><p>No such achievement.</p>", 404,
                        headers={"Cache-Control": "no-store"})


def achievement(request: Request) -> Response:
    facts = _facts(request)
    if facts is None:
        return _not_found()
    return HTMLResponse(published.achievement_page(facts, f"{request.url.path}/criteria"),
                        headers={"Cache-Control": "public, max-age=3600"})


def criteria(request: Request) -> Response:
    facts = _facts(request)
    if facts is None:
        return _not_found()
    return HTMLResponse(published.criteria_page(facts, request.url.path.removesuffix("/criteria")),
                        headers={"Cache-Control": "public, max-age=3600"})


def credential_routes() -> list[BaseRoute]:
    """The credential routes; ``app.py`` adds them beside the platform's."""
    did_paths = {"/.well-known/did.json", did_document_path(_settings().public_url)}
    return [
        *(Route(path, did_json, methods=["GET"]) for path in sorted(did_paths)),
        Route("/credentials/status/{list_id:int}", status_list, methods=["GET"]),
        Route("/api/certificates/{cert_id:str}", certificate_api, methods=["GET"]),
        Route("/achievements/{module_id:str}/{version:str}", achievement, methods=["GET"]),
        Route("/achievements/{module_id:str}/{version:str}/criteria", criteria, methods=["GET"]),
    ]

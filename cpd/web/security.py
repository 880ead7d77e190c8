"""HTTP hardening around the whole app: security headers and an Origin check.

Both are plain ASGI middleware, so they wrap Streamlit's own responses (the page,
its static files) as well as our routes, and pass websockets through untouched.

Why an Origin check: Streamlit's XSRF token protects its own endpoints only; a
custom route that changes state (sign in, sign out, set a password) must refuse a
form posted from another site. Browsers send ``Origin`` on every POST, so a
missing or foreign ``Origin`` on a state-changing request is refused.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Streamlit's own endpoints carry its XSRF protection; its websocket is not an HTTP request.
STREAMLIT_PREFIXES = ("/_stcore/", "/media/", "/component/", "/static/")


def _streamlit_index() -> Path | None:
    spec = importlib.util.find_spec("streamlit")  # locate, without importing, the package's front end
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "static" / "index.html"


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions for each inline ``<script>`` in a page (Streamlit's index has one)."""
    out = []
    for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return out


def content_security_policy(extra_script_sources: Iterable[str] | None = None) -> str:
    """A policy Streamlit's front end runs under (checked in Chromium by the browser tests).

    Scripts: same origin plus the hash of each inline script of Streamlit's index page,
    read from the installed package so an upgrade keeps working, and WebAssembly. Styles need
    'unsafe-inline' (the front end injects style elements at run time); images and
    fonts also come as data:/blob: URLs. No framing by anyone, no plugins, forms post
    only to this origin.
    """
    if extra_script_sources is None:
        index = _streamlit_index()
        extra_script_sources = inline_script_hashes(index.read_text(encoding="utf-8")) if index and index.exists() else []
    # 'wasm-unsafe-eval' lets the front end compile WebAssembly (Chromium reported "wasm-eval" blocked on
    # the verify page without it); it does not allow JavaScript eval.
    script_src = " ".join(["'self'", "'wasm-unsafe-eval'", *extra_script_sources])
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        # Resume and invite tokens travel in URLs: never leak them to another site in a Referer. Not
        # "no-referrer": under it browsers send "Origin: null" on a form POST, and the Origin check needs the origin.
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = headers if headers is not None else security_headers(content_security_policy())
        # A custom component's own page (``/component/...``) is framed by our pages, and only by them.
        self.component_headers = {
            **self.headers,
            "Content-Security-Policy": self.headers.get("Content-Security-Policy", "")
            .replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
            "X-Frame-Options": "SAMEORIGIN",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                own = self.component_headers if scope["path"].startswith("/component/") else self.headers
                for name, value in own.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased; None when it is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(origin: str | None, host: str | None, trusted: Iterable[str]) -> bool:
    """Same origin as the request's Host, or one of the trusted origins (the public URL).

    The Host comparison ignores the scheme so a TLS-terminating proxy in front of the
    app (browser on https, app on http) still counts as same-origin.
    """
    if not origin:
        return False
    own = origin_of(origin)
    if own is None:  # "null" (sandboxed frames, file:) and anything else odd
        return False
    if own in {o for t in trusted if (o := origin_of(t))}:
        return True
    return bool(host) and urlsplit(own).netloc == str(host).lower()


class OriginCheckMiddleware:
    """Refuses a state-changing request (POST, PUT, PATCH, DELETE) from another origin.

    Applies to every path except Streamlit's own endpoints, so a route added later is
    covered without remembering to protect it.
    """

    def __init__(self, app: ASGIApp, trusted_origins: Callable[[], Iterable[str]] = lambda: ()) -> None:
        self.app = app
        self.trusted_origins = trusted_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] not in SAFE_METHODS
                and not scope["path"].startswith(STREAMLIT_PREFIXES)):
            headers = Headers(scope=scope)
            if not origin_allowed(headers.get("origin"), headers.get("host"), self.trusted_origins()):
                response = PlainTextResponse("Refused: this request did not come from this site's own pages.",
                                             status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

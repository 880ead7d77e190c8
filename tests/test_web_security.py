"""Security headers and the Origin check, through Starlette's test client on the app's own middleware."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cpd.web import middleware
from cpd.web.security import (
    OriginCheckMiddleware,
    SecurityHeadersMiddleware,
    content_security_policy,
    inline_script_hashes,
    origin_allowed,
)

ROOT = Path(__file__).resolve().parent.parent


async def _changed(request):
    return PlainTextResponse("changed")


async def _read(request):
    return PlainTextResponse("read")


def client(trusted=("https://cpd.example.org",)) -> TestClient:
    from starlette.middleware import Middleware

    app = Starlette(
        routes=[Route("/api/change", _changed, methods=["POST", "PUT", "DELETE"]), Route("/api/read", _read),
                Route("/_stcore/upload_file", _changed, methods=["PUT"])],
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(OriginCheckMiddleware, trusted_origins=lambda: trusted)],
    )
    return TestClient(app, base_url="http://cpd.internal:8501")


def test_every_response_carries_the_security_headers():
    resp = client().get("/api/read")
    assert resp.text == "read"
    csp = resp.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "form-action 'self'" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self'" in csp
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "same-origin"  # resume tokens are in URLs: never sent to another site
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_a_refusal_carries_the_headers_too():
    resp = client().post("/api/change")
    assert resp.status_code == 403 and resp.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_state_changes_from_another_site_are_refused(method):
    c = client()
    assert c.request(method, "/api/change").status_code == 403  # no Origin at all
    for origin in ("https://evil.example", "null", "http://cpd.internal.evil.example:8501", "file://", "http://cpd.internal:8502"):
        resp = c.request(method, "/api/change", headers={"Origin": origin})
        assert resp.status_code == 403, origin
        assert "changed" not in resp.text


def test_state_changes_from_the_sites_own_pages_pass():
    c = client()
    assert c.post("/api/change", headers={"Origin": "http://cpd.internal:8501"}).text == "changed"  # same host
    assert c.post("/api/change", headers={"Origin": "https://CPD.example.org"}).text == "changed"  # the public URL
    # Behind a TLS proxy the browser says https while the app sees http: the host decides.
    assert c.post("/api/change", headers={"Origin": "https://cpd.internal:8501"}).text == "changed"


def test_reads_and_streamlits_own_endpoints_are_left_alone():
    c = client()
    assert c.get("/api/read", headers={"Origin": "https://evil.example"}).text == "read"
    # Streamlit checks its own XSRF token on its endpoints; the Origin check does not second-guess it.
    assert c.put("/_stcore/upload_file").text == "changed"


def test_origin_allowed_rules():
    assert not origin_allowed(None, "a.example", [])
    assert not origin_allowed("", "a.example", [])
    assert not origin_allowed("javascript:alert(1)", "a.example", [])
    assert origin_allowed("https://a.example", "a.example", [])
    assert not origin_allowed("https://a.example", None, [])
    assert origin_allowed("https://b.example", None, ["https://b.example/some/path"])


def test_the_csp_allows_exactly_the_inline_script_of_streamlits_page():
    import streamlit

    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    hashes = inline_script_hashes(index)
    assert hashes, "Streamlit's index page has an inline script; the policy must allow it by hash"
    assert all(h in content_security_policy() for h in hashes)
    assert inline_script_hashes('<script src="/x.js"></script><script>alert(1)</script>') == [
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"]


def test_the_app_wires_headers_outermost_then_the_origin_check():
    classes = [m.cls for m in middleware()]
    assert classes == [SecurityHeadersMiddleware, OriginCheckMiddleware]


def test_app_py_is_an_st_app_around_the_page_script():
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "App"]
    assert len(calls) == 1, "app.py must define `app = st.App(...)` for `streamlit run app.py` to find"
    assert (ROOT / "cpd" / "ui" / "main.py").exists()

"""A wallet's view: a running server, and nothing else, to verify a badge and see it revoked.

The server is the real app (`streamlit run app.py`, as the browser tests start it) on
127.0.0.1; the test resolves the issuer's did:web over http, checks the badge's proof with
the keys it lists, and reads the badge's bit in the Bitstring Status List before and after
revocation. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from test_certificates_support import NOW, add_attempt, design, make_request, private_key  # noqa: F401

from cpd.certificates.did import did_web_document_url, keys_from_did_document
from cpd.certificates.openbadge import PROOF_RECOMMENDATION, check_proof
from cpd.certificates.service import issue_certificate, revoke
from cpd.certificates.status_list import LIST_SIZE, badge_revoked
from cpd.storage.db import open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory, private_key):
    data = tmp_path_factory.mktemp("wallet")
    key_file = data / "signing-key.pem"
    key_file.write_bytes(private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db_url = request.getfixturevalue("pg_schema_url") if request.param == "postgres" else f"sqlite:///{data / 'cpd.sqlite3'}"
    env = {**os.environ, "CPD_MODULES_DIR": str(FIXTURE_CONTENT / "modules"),
           "CPD_QUESTIONS_DIR": str(FIXTURE_CONTENT / "questions"), "CPD_MODULE_ID": "mini",
           "CPD_DATA_DIR": str(data), "CPD_PUBLIC_URL": url, "CPD_SIGNING_KEY_FILE": str(key_file),
           "CPD_DATABASE_URL": db_url}
    env.pop("CPD_SIGNING_KEY_PEM", None)
    factory = open_store(db_url)
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{url}/_stcore/health")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start:\n" + (data / "server.log").read_text())
            time.sleep(0.2)
        yield url, factory
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        factory.kw["bind"].dispose()


def _issue(factory, design, private_key, public_url, attempt_id, **request):
    with factory() as s:
        add_attempt(s, attempt_id)
        row = issue_certificate(s, make_request(attempt_id=attempt_id, **request), design=design,
                                private_key=private_key, public_url=public_url, now=NOW)
        s.commit()
        return row.id, json.loads(row.badge_json), row.pdf_sha256


def _wallet_check(badge: dict) -> bool:
    """Verify a badge with nothing but HTTP: returns True if revoked; raises if anything does not check."""
    did = badge["issuer"]["id"]
    status, headers, body = _get(did_web_document_url(did, scheme="http"))  # did:web over http: 127.0.0.1 only
    assert status == 200 and headers["content-type"].startswith("application/did+json")
    keys = {vm.partition("#")[2]: key for vm, key in keys_from_did_document(json.loads(body), did).items()}
    check = check_proof(badge, keys)
    assert check.ok and check.form == PROOF_RECOMMENDATION, check.reason
    status, headers, body = _get(badge["credentialStatus"]["statusListCredential"])
    assert status == 200 and headers["content-type"].startswith("application/vc")
    assert "max-age=" in headers["cache-control"] and headers["access-control-allow-origin"] == "*"
    return badge_revoked(badge, json.loads(body), keys)


def test_wallet_verifies_a_badge_then_sees_it_revoked(server, design, private_key):
    url, factory = server
    cert_id, badge, _ = _issue(factory, design, private_key, url, "wallet-1")
    assert badge["issuer"]["id"] == f"did:web:127.0.0.1%3A{url.rsplit(':', 1)[1]}"
    assert _wallet_check(badge) is False
    with factory() as s:
        revoke(s, cert_id, "Issued in error")
        s.commit()
    assert _wallet_check(badge) is True
    # A forged badge (another name) fails the same wallet check.
    forged = json.loads(json.dumps(badge))
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    with pytest.raises(AssertionError):
        _wallet_check(forged)


def test_status_list_is_large_enough_and_indexes_are_unique(server, design, private_key):
    url, factory = server
    badges = [_issue(factory, design, private_key, url, f"unique-{i}")[1] for i in range(5)]
    indexes = {b["credentialStatus"]["statusListIndex"] for b in badges}
    assert len(indexes) == 5
    status, _, body = _get(badges[0]["credentialStatus"]["statusListCredential"])
    import base64
    import gzip

    encoded = json.loads(body)["credentialSubject"]["encodedList"]
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= LIST_SIZE == 131_072
    assert _get(f"{url}/credentials/status/99")[0] == 404


def test_certificate_api_shows_what_an_employer_needs(server, design, private_key):
    url, factory = server
    cert_id, badge, sha = _issue(factory, design, private_key, url, "api-1")
    status, headers, body = _get(f"{url}/api/certificates/{cert_id.upper()}")  # ids read case-insensitively
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert headers["cache-control"] == "no-store"
    data = json.loads(body)
    assert data["status"] == "valid" and data["certificate_id"] == cert_id
    assert data["name"] == "Zoë Ångström-Müller" and data["profession"] == "nurse"
    assert data["cpd_hours"] == 2.5 and data["completion_date"] == "2026-03-05"
    assert data["issued_at"] == "2026-03-05T14:30:00Z" and data["valid_until"] == "2028-03-05"
    assert data["pdf_sha256"] == sha
    assert data["registration_number_partial"] == "GMC ••••321"
    assert "score" not in body.decode() and "7654321" not in body.decode()
    status, headers, body = _get(f"{url}/api/certificates/NoSuchCertificate00000")
    assert status == 404 and json.loads(body)["status"] == "unknown"


def test_achievement_and_criteria_pages_are_real(server, design, private_key):
    url, factory = server
    _, badge, _ = _issue(factory, design, private_key, url, "ach-1")
    achievement = badge["credentialSubject"]["achievement"]
    status, headers, body = _get(achievement["id"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "Reality Check: the safety of exosome products" in page and "2.5 CPD hours" in page
    assert "Recognise unsupported claims" in page
    status, headers, body = _get(achievement["criteria"]["id"])
    assert status == 200 and "at least 80%" in body.decode()
    assert _get(f"{url}/achievements/no-such-module/9.9")[0] == 404
    assert badge["image"]["id"].startswith("data:image/svg+xml;base64,")


def test_a_participation_badge_links_to_its_own_achievement_with_no_pass_mark(server, design, private_key):
    url, factory = server
    _issue(factory, design, private_key, url, "ach-assessed")  # the module's assessed achievement exists too
    _, badge, _ = _issue(factory, design, private_key, url, "ach-seat", awarded_for="participation",
                         delivery_format="workshop", venue="Leeds", score_percent=None, pass_mark_percent=None)
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["id"].endswith("/achievements/exosome-safety/1.2.0/participation")
    status, _, body = _get(achievement["id"])
    assert status == 200 and "certificate of participation" in body.decode() and "not assessed" in body.decode()
    status, _, body = _get(achievement["criteria"]["id"])
    page = body.decode()
    assert status == 200 and "attendance-based workshop" in page and "no pass mark" in page and "80%" not in page
    status, _, body = _get(achievement["id"].removesuffix("/participation") + "/criteria")
    assert status == 200 and "at least 80%" in body.decode()  # the assessed achievement is unchanged

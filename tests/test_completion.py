"""From a passed attempt to a frozen, verifiable certificate, through the engine and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER as BASE_LEARNER
from mini_answers import RIGHT, WRONG
from mini_answers import finish as finish_attempt
from processes import at_once
from pypdf import PdfReader

from cpd import attempts
from cpd.certificates.design import load_default_design
from cpd.certificates.keys import load_or_create_private_key
from cpd.certificates.service import lookup
from cpd.completion import certificate_for, correct_name
from cpd.storage.db import open_store

ROOT = Path(__file__).resolve().parent.parent
LEARNER = {**BASE_LEARNER, "registration_number": "GMC 7654321"}
WRONG_GRID = {**RIGHT, "q-grid": WRONG["q-grid"], "q-checks": WRONG["q-checks"]}
PUBLIC_URL = "https://cpd.example.org"


@pytest.fixture(scope="module")
def design():
    return load_default_design(ROOT / "certificates")


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def finish(store, mini, answers, *, evaluate=True):
    return finish_attempt(store, mini, answers, learner=LEARNER, evaluate=evaluate)


def test_a_pass_earns_one_frozen_certificate_with_the_attempts_facts(store, mini, design, key):
    state = finish(store, mini, RIGHT)
    cert = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL)
    again = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL)
    assert again.id == cert.id and again.pdf == cert.pdf
    with store() as s:
        record = lookup(s, cert.id).record
    assert record.learner_name == "Zoë Ångström" and record.registration_number == "GMC 7654321"
    assert record.module_version == "1.0.0" and record.content_hash == mini.content_hash
    assert record.score_percent == 100.0 and record.pass_mark_percent == 70
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(cert.pdf)).pages)
    assert "Zoë Ångström" in text


def test_no_certificate_before_the_evaluation_or_without_a_pass(store, mini, design, key):
    before_eval = finish(store, mini, RIGHT, evaluate=False)
    assert certificate_for(store, mini, before_eval, design=design, private_key=key, public_url=PUBLIC_URL) is None
    failed = finish(store, mini, WRONG_GRID)
    assert failed.passed is False
    assert certificate_for(store, mini, failed, design=design, private_key=key, public_url=PUBLIC_URL) is None


def test_a_name_correction_supersedes_and_keeps_the_old_bytes(store, mini, design, key):
    state = finish(store, mini, RIGHT)
    old = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL)
    new = correct_name(store, old.id, "Zoë Ångström-Müller", design=design, private_key=key, public_url=PUBLIC_URL)
    assert new.version == 2
    with store() as s:
        assert lookup(s, old.id).status == "superseded"
        assert lookup(s, new.id).record.learner_name == "Zoë Ångström-Müller"
    resumed = attempts.load_state(store, state.attempt_id)
    assert resumed.learner_name == "Zoë Ångström-Müller"
    current = certificate_for(store, mini, resumed, design=design, private_key=key, public_url=PUBLIC_URL)
    assert current.id == new.id
    with store() as s:
        from cpd.storage.tables import Certificate
        assert s.get(Certificate, old.id).pdf == old.pdf


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "cpd", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_revocation_shows_in_the_cli_verify(tmp_path, mini, design):
    """The administrator's path: revoke by id with a reason; verify then exits 1 and says why."""
    env = {**os.environ, "CPD_DATA_DIR": str(tmp_path), "CPD_PUBLIC_URL": PUBLIC_URL}
    env.pop("CPD_DATABASE_URL", None)
    store = open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    key = load_or_create_private_key(tmp_path / "signing-key.pem")
    state = finish(store, mini, RIGHT)
    cert = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL)
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(cert.pdf)

    ok = cli("verify", str(pdf), env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VALID" in ok.stdout and "Zoë Ångström" in ok.stdout

    revoked = cli("certificate", "revoke", cert.id, "--reason", "Issued to the wrong person", env=env)
    assert revoked.returncode == 0, revoked.stderr
    after = cli("verify", str(pdf), env=env)
    assert after.returncode == 1
    assert "REVOKED" in after.stdout and "Issued to the wrong person" in after.stdout


def test_correct_name_cli_refuses_html_and_unknown_ids(tmp_path):
    env = {**os.environ, "CPD_DATA_DIR": str(tmp_path)}
    open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    bad = cli("correct-name", "nope", "--name", "<script>x</script>", env=env)
    assert bad.returncode == 1 and "HTML or script" in bad.stderr
    unknown = cli("correct-name", "nope", "--name", "Anna", env=env)
    assert unknown.returncode == 1 and "no certificate" in unknown.stderr


def _issue_in_own_process(url: str, attempt_id: str, key_pem: bytes) -> str:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from sqlalchemy.orm import sessionmaker

    from cpd.content.loader import load_module
    from cpd.storage.db import make_engine

    engine = make_engine(url)
    store = sessionmaker(engine, expire_on_commit=False)
    try:
        mini = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
        state = attempts.load_state(store, attempt_id)
        cert = certificate_for(store, mini, state, design=load_default_design(ROOT / "certificates"),
                               private_key=load_pem_private_key(key_pem, None), public_url=PUBLIC_URL)
        return cert.id
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_replicas_issuing_at_once_store_one_certificate(backend, tmp_path, request, mini, key):
    """The results page open on two replicas (two processes) at the moment of passing: one certificate for both."""
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from sqlalchemy import func, select

    from cpd.storage.tables import Certificate

    url = f"sqlite:///{tmp_path / 'cpd.sqlite3'}" if backend == "sqlite" else request.getfixturevalue("pg_schema_url")
    store = open_store(url)
    state = finish(store, mini, RIGHT)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ids = at_once(_issue_in_own_process, [(url, state.attempt_id, pem)] * 2)
    assert len(set(ids)) == 1
    with store() as s:
        assert s.scalar(select(func.count()).select_from(Certificate).where(Certificate.attempt_id == state.attempt_id)) == 1

"""The key table: rotation keeps old certificates verifying; no process invents a key for a shared database."""

from __future__ import annotations

import argparse
import json

import pytest
from cryptography.hazmat.primitives import serialization
from test_certificates_support import NOW, PUBLIC_URL, add_attempt, design, make_request, private_key  # noqa: F401

from cpd.certificates import cli
from cpd.certificates.did import did_web
from cpd.certificates.key_registry import key_rows, published_keys, rotate
from cpd.certificates.keys import (
    SigningKeyError,
    configured_signing_key,
    key_id,
    load_private_key_pem,
)
from cpd.certificates.published import issuer_did_document
from cpd.certificates.service import issue_certificate
from cpd.settings import Settings

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _run(argv, capsys, **defaults):
    parser = argparse.ArgumentParser(prog="cpd")
    cli.register(parser.add_subparsers(dest="command", required=True))
    parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    code = args.func(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write_key(path, key) -> None:
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _issue(store, design, key, attempt_id):
    with store() as s:
        add_attempt(s, attempt_id)
        row = issue_certificate(s, make_request(attempt_id=attempt_id), design=design, private_key=key,
                                public_url=PUBLIC_URL, now=NOW)
        s.commit()
        return row


def test_rotation_retires_the_old_key_and_its_certificates_still_verify(store, design, private_key, tmp_path, capsys):
    key_file = tmp_path / "signing-key.pem"
    _write_key(key_file, private_key)
    settings = Settings(data_dir=tmp_path, signing_key_file=key_file, public_url=PUBLIC_URL)
    old = _issue(store, design, private_key, "a1")
    (tmp_path / "old.pdf").write_bytes(old.pdf)

    code, out, err = _run(["key", "rotate"], capsys, settings=settings, session_factory=store)
    assert code == 0, err
    new_key = load_private_key_pem(key_file.read_bytes())
    assert key_id(new_key) != key_id(private_key)
    assert f"retired: {key_id(private_key)}" in out
    assert (tmp_path / f"signing-key.pem.retired-{key_id(private_key)}").exists()  # nothing lost
    with store() as s:
        rows = {r.id: r for r in key_rows(s)}
        assert rows[key_id(private_key)].retired_at is not None and rows[key_id(new_key)].retired_at is None
        doc = issuer_did_document(s, PUBLIC_URL, new_key.public_key())
    assert doc["id"] == did_web(PUBLIC_URL)
    assert {m["id"] for m in doc["verificationMethod"]} == {
        f"did:web:cpd.example.org#{key_id(private_key)}", f"did:web:cpd.example.org#{key_id(new_key)}"}

    # No --public-key: the verifier uses every key in the table, so the old certificate still checks out.
    code, out, _ = _run(["verify", str(tmp_path / "old.pdf")], capsys, settings=settings, session_factory=store)
    assert code == 0 and "status: VALID and current" in out and f"signed with key {key_id(private_key)}" in out
    newer = _issue(store, design, configured_signing_key(settings), "a2")
    assert json.loads(newer.badge_json)["proof"][0]["verificationMethod"].endswith(key_id(new_key))
    (tmp_path / "new.pdf").write_bytes(newer.pdf)
    code, out, _ = _run(["verify", str(tmp_path / "new.pdf")], capsys, settings=settings, session_factory=store)
    assert code == 0 and f"signed with key {key_id(new_key)}" in out

    code, out, _ = _run(["public-key", "--all"], capsys, settings=settings, session_factory=store)
    assert code == 0 and out.count("BEGIN PUBLIC KEY") == 2 and "retired" in out and "current" in out


def test_rotation_with_a_secret_key_writes_the_new_one_elsewhere(store, private_key, tmp_path, capsys):
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    settings = Settings(data_dir=tmp_path, signing_key_pem=pem, public_url=PUBLIC_URL)
    code, _, err = _run(["key", "rotate"], capsys, settings=settings, session_factory=store)
    assert code == 2 and "--out" in err and "CPD_SIGNING_KEY_PEM" in err
    code, out, _ = _run(["key", "rotate", "--out", str(tmp_path / "next.pem")], capsys, settings=settings,
                        session_factory=store)
    assert code == 0 and "set CPD_SIGNING_KEY_FILE (or the secret CPD_SIGNING_KEY_PEM)" in out
    with store() as s:
        assert len(published_keys(s)) == 2


def test_no_key_is_created_for_a_shared_database(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=PG_URL)
    with pytest.raises(SigningKeyError, match="CPD_SIGNING_KEY_FILE") as exc:
        configured_signing_key(settings)
    assert "CPD_SIGNING_KEY_PEM" in str(exc.value)
    assert not (tmp_path / "signing-key.pem").exists()


@pytest.mark.parametrize("database_url", [None, PG_URL])
def test_public_key_never_creates_one(tmp_path, capsys, database_url):
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    code, out, err = _run(["public-key"], capsys, settings=settings)
    assert code == 2 and "never creates one" in err and not out
    assert not (tmp_path / "signing-key.pem").exists()


def test_sqlite_default_still_creates_a_key_on_first_use(tmp_path):
    settings = Settings(data_dir=tmp_path)
    key = configured_signing_key(settings)
    assert key_id(load_private_key_pem((tmp_path / "signing-key.pem").read_bytes())) == key_id(key)


def test_rotate_function_refuses_to_overwrite(store, tmp_path, private_key):
    target = tmp_path / "exists.pem"
    _write_key(target, private_key)
    with store() as s, pytest.raises(FileExistsError):
        rotate(s, target, current=private_key, replace_file=False)


def test_the_results_page_on_postgresql_without_a_key_says_so_and_creates_none(pg_schema_url, tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from cpd.settings import get_settings

    def page():
        from types import SimpleNamespace

        from cpd.ui import certificate_view

        # The key is needed before the attempt is looked at, so a stand-in attempt is enough here.
        certificate_view.show_certificate(None, SimpleNamespace(attempt_id="a1"))

    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CPD_DATABASE_URL", pg_schema_url)
    monkeypatch.delenv("CPD_SIGNING_KEY_PEM", raising=False)
    monkeypatch.delenv("CPD_SIGNING_KEY_FILE", raising=False)
    st.cache_resource.clear()
    get_settings.cache_clear()
    try:
        at = AppTest.from_function(page, default_timeout=30).run()
        assert not at.exception
        assert at.error[0].value.startswith("Your certificate cannot be signed yet because the server's signing key")
        assert not (tmp_path / "signing-key.pem").exists()
    finally:
        st.cache_resource.clear()
        get_settings.cache_clear()

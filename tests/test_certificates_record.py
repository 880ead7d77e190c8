"""Record canonical form, signing and key handling."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from test_certificates_support import NOW, PUBLIC_URL, design, make_request, private_key  # noqa: F401

from cpd.certificates.keys import (
    SigningKeyError,
    configured_public_key,
    configured_signing_key,
    key_id,
    load_or_create_private_key,
    load_private_key_pem,
    load_public_key_pem,
    public_key_pem,
    signing_key,
)
from cpd.certificates.record import CertificateRecordV2, canonical_bytes, canonical_json, new_certificate_id
from cpd.certificates.request import add_months, build_record
from cpd.certificates.signing import sign, verify


def test_canonical_json_form(design):
    record = build_record(make_request("Zoë"), design=design, public_url=PUBLIC_URL, issued_at=NOW, certificate_id="A" * 22)
    raw = canonical_json(record)
    text = raw.decode("utf-8")
    assert text.startswith('{"accreditation_statement":')
    parsed = json.loads(raw)
    assert raw == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert '"learner_name":"Zoë"' in text  # UTF-8, not \u escapes
    assert '"issued_at":"2026-03-05T14:30:00Z"' in text
    assert '"pass_mark_percent":80,' in text  # integral float written as JCS integer
    assert '"hours_claimed":2.5,' in text and '"record_type":"reality-check-cpd/certificate-record/2"' in text
    assert list(parsed) == sorted(parsed)
    # Parsing the canonical bytes and re-canonicalising is a fixed point.
    assert canonical_json(CertificateRecordV2.model_validate_json(raw)) == raw
    assert canonical_bytes({"b": 1.0, "a": [2.50, "é"]}) == '{"a":[2.5,"é"],"b":1}'.encode()


def test_record_rules(design):
    with pytest.raises(ValidationError):
        build_record(make_request("Evil\x1b]0;pwned\x07"), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    with pytest.raises(ValidationError):
        make_request(delivery_format="workshop", venue=None)
    with pytest.raises(ValidationError, match="pass mark"):
        make_request(score_percent=70)
    record = build_record(make_request(delivery_format="workshop", venue="Leeds"), design=design,
                          public_url=PUBLIC_URL, issued_at=NOW)
    assert record.format == "live workshop" and record.venue == "Leeds"
    assert record.valid_until == date(2028, 3, 5)
    assert record.verification_url == f"{PUBLIC_URL}/?verify={record.id}"
    assert len(new_certificate_id()) >= 22 and new_certificate_id() != new_certificate_id()


def test_add_months_clamps():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_sign_and_verify(private_key):
    sig = sign(private_key, b"hello")
    assert "=" not in sig and len(sig) == 86
    pub = private_key.public_key()
    assert verify(pub, b"hello", sig)
    assert not verify(pub, b"hello!", sig)
    assert not verify(Ed25519PrivateKey.generate().public_key(), b"hello", sig)
    for bad in ["", "!!!!", sig[:-2], sig + "AA", 12]:
        assert not verify(pub, b"hello", bad)


def test_key_created_on_first_run(tmp_path, caplog):
    path = tmp_path / "data" / "signing-key.pem"
    with caplog.at_level(logging.WARNING, logger="cpd.certificates.keys"):
        key = load_or_create_private_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert any(r.levelno == logging.WARNING and str(path.resolve()) in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cpd.certificates.keys"):
        again = load_or_create_private_key(path)
    assert not caplog.records
    assert key_id(again) == key_id(key)
    assert len(key_id(key)) == 16 and all(c in "0123456789abcdef" for c in key_id(key))


def _create_key_id(path, barrier) -> str:
    barrier.wait()
    return key_id(load_or_create_private_key(path))


def _create_key_in_process(path, barrier, results) -> None:
    try:
        results.put(_create_key_id(path, barrier))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a wrong answer
        results.put(repr(exc))


def test_key_created_once_when_threads_race(tmp_path):
    # Old code: O_EXCL create, then write; a loser read the winner's still-empty file.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    for round_ in range(10):
        path = tmp_path / str(round_) / "signing-key.pem"
        barrier = threading.Barrier(12)
        with ThreadPoolExecutor(12) as pool:
            ids = list(pool.map(lambda _, p=path, b=barrier: _create_key_id(p, b), range(12)))
        assert len(set(ids)) == 1, ids
        assert ids[0] == key_id(load_private_key_pem(path.read_bytes()))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]  # no temporary files left


def test_key_created_once_when_processes_race(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    path = tmp_path / "signing-key.pem"
    barrier, results = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_create_key_in_process, args=(path, barrier, results)) for _ in range(6)]
    for p in procs:
        p.start()
    ids = [results.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert len(set(ids)) == 1 and ids[0] == key_id(load_private_key_pem(path.read_bytes())), ids


def test_configured_keys(tmp_path, private_key):
    from cpd.settings import Settings

    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    no_key = Settings(data_dir=tmp_path / "empty")
    assert configured_public_key(no_key) is None  # verifying never creates a key
    assert not (tmp_path / "empty" / "signing-key.pem").exists()
    with_pem = Settings(data_dir=tmp_path / "empty", signing_key_pem=pem)
    assert key_id(configured_public_key(with_pem)) == key_id(private_key)
    assert key_id(configured_signing_key(with_pem)) == key_id(private_key)
    assert not (tmp_path / "empty" / "signing-key.pem").exists()  # the PEM wins over the file
    created = key_id(configured_signing_key(no_key))  # signing creates it on first run
    assert key_id(configured_public_key(no_key)) == created


def test_key_from_pem_string(tmp_path, private_key):
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = signing_key(tmp_path / "unused.pem", pem)
    assert key_id(key) == key_id(private_key)
    assert not (tmp_path / "unused.pem").exists()
    assert key_id(load_public_key_pem(public_key_pem(private_key))) == key_id(private_key)
    assert key_id(load_public_key_pem(pem)) == key_id(private_key)
    ec_pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningKeyError, match="Ed25519"):
        load_private_key_pem(ec_pem)
    with pytest.raises(SigningKeyError):
        load_private_key_pem("not a key")


def test_certificate_ids_are_readable_and_never_look_like_a_cli_option():
    ids = {new_certificate_id() for _ in range(500)}
    assert len(ids) == 500
    assert all(len(i) == 26 and i.isalnum() and i == i.lower() for i in ids)


def test_records_refuse_the_same_bidi_controls_as_learner_forms():
    from cpd.certificates.record import reject_control_characters
    from cpd.text import BIDI_CONTROLS, InvalidText, clean_text

    for cp in BIDI_CONTROLS:
        with pytest.raises(ValueError, match=f"U\\+{cp:04X}"):
            reject_control_characters(f"Anna {chr(cp)}X")
        with pytest.raises(InvalidText):
            clean_text(f"Anna {chr(cp)}X", field="Name", max_len=120)
    assert reject_control_characters("Zoë Ångström محمد") == "Zoë Ångström محمد"

"""Backup and restore: every table and the signing key, consistent while the app writes, on both stores."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import RIGHT, finish
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker

from cpd import audit
from cpd.backup import BackupError, backup, load, restore
from cpd.certificates.design import load_default_design
from cpd.certificates.key_registry import published_keys
from cpd.certificates.keys import load_private_key_pem, write_private_key
from cpd.certificates.verify import Status, verify_bundle, verify_file
from cpd.completion import certificate_for
from cpd.storage.db import make_engine, transaction
from cpd.storage.tables import Base, Certificate

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CPD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PUBLIC_URL = "https://cpd.example.org"


@pytest.fixture(scope="module")
def design():
    return load_default_design(ROOT / "certificates")


@pytest.fixture
def empty_target(request, tmp_path, pg_schema_url):
    """A fresh, empty database (a new SQLite file, or a new PostgreSQL schema) to restore into."""
    made: list = []

    def make(kind: str):
        if kind == "sqlite":
            engine = make_engine(f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.sqlite3'}")
        else:
            schema = f"cpd_restore_{uuid.uuid4().hex[:10]}"
            admin = create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'create schema "{schema}"'))
            sep = "&" if "?" in PG_URL else "?"
            engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
            made.append((admin, schema))
        made.append((engine, None))
        return engine

    yield make
    for engine, schema in reversed(made):
        if schema is None:
            engine.dispose()
        else:
            with engine.begin() as conn:
                conn.execute(text(f'drop schema "{schema}" cascade'))
            engine.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}


def _issue_two(store, mini, design, key):
    ids = []
    for email in ("a@example.org", "b@example.org"):
        state = finish(store, mini, RIGHT, learner={"name": "Zoë Ångström", "email": email, "profession": "Physician"})
        ids.append(certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL).id)
    with transaction(store) as s:
        audit.append(s, "certificate.issue", targets={"certificate": ids[0]})
    return ids


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
def test_restore_into_an_empty_database_and_every_certificate_still_verifies(store, mini, design, tmp_path, target,
                                                                               empty_target):
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing-key.pem"
    write_private_key(key, key_file)
    ids = _issue_two(store, mini, design, key)
    source = store.kw["bind"]
    path = tmp_path / "backups" / "cpd.backup"

    summary = backup(source, path, private_key_pem=key_file.read_text())

    assert os.stat(path).st_mode & 0o777 == 0o600  # it holds the private key
    assert summary.has_private_key and summary.rows["certificates"] == 2
    restored_key_file = tmp_path / "elsewhere" / "signing-key.pem"
    engine = empty_target(target)
    done = restore(engine, path, key_file=restored_key_file)

    assert done.rows == summary.rows and _counts(engine) == _counts(source)
    assert os.stat(restored_key_file).st_mode & 0o777 == 0o600
    new_key = load_private_key_pem(restored_key_file.read_bytes())
    assert new_key.private_bytes_raw() == key.private_bytes_raw()
    with sessionmaker(engine)() as s:
        keys = published_keys(s)
        rows = s.scalars(select(Certificate)).all()
        assert sorted(r.id for r in rows) == sorted(ids)
        for row in rows:
            assert verify_file(bytes(row.pdf), keys).status is Status.VALID
            bundle = {"record": json.loads(row.record_json), "signature": row.signature, "key_id": row.key_id}
            assert verify_bundle(bundle, keys).status is Status.VALID
        assert all(r.ok for r in audit.verify(s, all_chains=True))
    # The restored deployment goes on: new rows get new ids (PostgreSQL sequences were moved past the restored ones).
    with transaction(sessionmaker(engine)) as s:
        assert audit.append(s, "backup.restored").seq == 2


def test_restore_refuses_a_database_that_holds_anything_and_a_different_key(store, mini, design, tmp_path):
    key = Ed25519PrivateKey.generate()
    _issue_two(store, mini, design, key)
    path = tmp_path / "b.backup"
    key_file = tmp_path / "k.pem"
    write_private_key(key, key_file)
    backup(store.kw["bind"], path, private_key_pem=key_file.read_text())

    with pytest.raises(BackupError, match="needs an empty database.*certificates"):
        restore(store.kw["bind"], path, key_file=None)
    other = tmp_path / "other.pem"
    write_private_key(Ed25519PrivateKey.generate(), other)
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(BackupError, match="already holds another signing key"):
        restore(empty, path, key_file=other)
    assert _counts(empty)["certificates"] == 0  # refused before writing anything


def test_a_file_that_is_not_a_backup_is_refused_with_a_message(tmp_path):
    bad = tmp_path / "x.backup"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(BackupError, match="is not a backup"):
        load(bad)
    bad.write_bytes(gzip.compress(b'{"format": "something else"}'))
    with pytest.raises(BackupError, match="is not a backup"):
        load(bad)
    with pytest.raises(BackupError, match="no backup file"):
        load(tmp_path / "missing")


def _writer(url: str, stop: threading.Event, counter: list[int]) -> None:
    """Another replica: appends audit entries (an entry and its chain head, one transaction each) without pause."""
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    while not stop.is_set():
        with transaction(factory) as s:
            audit.append(s, "test.tick", targets={"n": counter[0]})
        counter[0] += 1
    engine.dispose()


def test_a_backup_taken_while_another_process_writes_is_one_consistent_snapshot(store, tmp_path, empty_target):
    """Each write changes two tables (entry + chain head); a backup reading them at different moments breaks the chain."""
    url = store.kw["bind"].url.render_as_string(hide_password=False)
    stop, counter = threading.Event(), [0]
    thread = threading.Thread(target=_writer, args=(url, stop, counter))
    thread.start()
    try:
        paths = []
        while len(paths) < 4:
            if counter[0] < 5 * (len(paths) + 1):
                threading.Event().wait(0.02)
                continue
            paths.append(tmp_path / f"b{len(paths)}.backup")
            backup(store.kw["bind"], paths[-1], private_key_pem=None)
    finally:
        stop.set()
        thread.join(timeout=30)
    for path in paths:
        doc = load(path)
        entries, heads = doc["tables"]["audit_log"], doc["tables"]["audit_heads"]
        assert entries and heads[0]["seq"] == len(entries) == max(e["seq"] for e in entries)
        engine = empty_target("sqlite")
        restore(engine, path, key_file=None)
        with sessionmaker(engine)() as s:
            assert [r.ok for r in audit.verify(s, all_chains=True)] == [True]


def test_cli_backup_and_restore_on_sqlite(tmp_path, mini, design):
    """The deploy commands as an operator types them: python -m cpd backup FILE, then restore into a new data folder."""
    data = tmp_path / "data"
    env = {**os.environ, "CPD_DATA_DIR": str(data)}
    env.pop("CPD_DATABASE_URL", None)
    store = sessionmaker(make_engine(f"sqlite:///{data / 'cpd.sqlite3'}"), expire_on_commit=False)
    from cpd.storage.db import migrate
    migrate(store.kw["bind"])
    key = Ed25519PrivateKey.generate()
    write_private_key(key, data / "signing-key.pem")
    ids = _issue_two(store, mini, design, key)
    out = tmp_path / "nightly.backup"
    run = subprocess.run([sys.executable, "-m", "cpd", "backup", str(out)], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "OK: wrote" in run.stdout and "with the signing key" in run.stdout
    assert os.stat(out).st_mode & 0o777 == 0o600

    env2 = {**env, "CPD_DATA_DIR": str(tmp_path / "new")}
    run = subprocess.run([sys.executable, "-m", "cpd", "restore", str(out)], env=env2, capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "signing key written" in run.stdout
    again = subprocess.run([sys.executable, "-m", "cpd", "restore", str(out)], env=env2, capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert again.returncode == 1 and "needs an empty database" in again.stderr
    restored = sessionmaker(make_engine(f"sqlite:///{tmp_path / 'new' / 'cpd.sqlite3'}"))
    for cert_id in ids:
        with restored() as s:
            pdf = tmp_path / f"{cert_id}.pdf"
            pdf.write_bytes(bytes(s.get(Certificate, cert_id).pdf))
        check = subprocess.run([sys.executable, "-m", "cpd", "verify", str(pdf)], env=env2, capture_output=True,
                               text=True, cwd=ROOT, timeout=120)
        assert check.returncode == 0 and "valid" in check.stdout.lower(), check.stdout + check.stderr

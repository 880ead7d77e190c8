"""Back up and restore a deployment: every table and the signing key, in one file.

Why one portable file rather than ``pg_dump`` or a copy of the SQLite file: the
same backup restores into either store (SQLite to PostgreSQL when a society
outgrows one process), and the certificate signing key travels with the
certificates it signed, so a restored deployment still verifies every one.

Consistency while the app runs: every table is read inside one read
transaction. On PostgreSQL it is ``REPEATABLE READ, READ ONLY`` (one snapshot
for all tables, and writers are never blocked); on SQLite, in WAL mode, a read
transaction sees one snapshot of the whole database likewise. A replica that
writes during the backup either lands wholly in it or not at all.

The file is gzip-compressed JSON, written with mode 0600 (it holds the private
key), to a temporary file first and renamed, so a crash never leaves half a backup
under the real name.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, LargeBinary, Table, func, select, text

from cpd.storage.db import WRITE, migrate
from cpd.storage.tables import Base

FORMAT = "reality-check-cpd-backup"
VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str | None
    rows: dict[str, int]
    has_private_key: bool

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents before children: restore order


def _encode(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row._mapping[column.name]
        if value is not None and isinstance(column.type, LargeBinary):
            value = base64.b64encode(bytes(value)).decode("ascii")
        elif value is not None and isinstance(column.type, DateTime):
            value = value.isoformat()
        out[column.name] = value
    return out


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            continue  # a column added after the backup keeps its default
        value = row[column.name]
        if value is not None and isinstance(column.type, LargeBinary):
            value = base64.b64decode(value)
        elif value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
        out[column.name] = value
    return out


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction over the whole database (see the module docstring)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("select version_num from alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no migrations table: an unmigrated database
        return None


def read_private_key(key_file: Path | None, key_pem: str | None) -> str | None:
    """The signing key the deployment uses: the PEM secret wins over the key file, as when signing."""
    if key_pem:
        return key_pem
    if key_file is not None and key_file.exists():
        return key_file.read_text(encoding="ascii")
    return None


def dump(engine: Engine, *, private_key_pem: str | None) -> dict[str, Any]:
    """Everything in the database, read in one snapshot, plus the private key."""
    with _snapshot(engine) as conn:
        tables = {table.name: [_encode(table, row) for row in conn.execute(select(table))] for table in _tables()}
        revision = _revision(conn)
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "source_dialect": engine.dialect.name,
        "revision": revision,
        "private_key_pem": private_key_pem,
        "tables": tables,
    }


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 from the first byte, then rename into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the temporary file was left over from before
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def backup(engine: Engine, path: Path, *, private_key_pem: str | None) -> BackupSummary:
    """Write a backup of the database behind ``engine`` and the key to ``path`` (mode 0600)."""
    doc = dump(engine, private_key_pem=private_key_pem)
    write_private(path, gzip.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"), mtime=0))
    return BackupSummary(Path(path), doc["revision"], {k: len(v) for k, v in doc["tables"].items()},
                         private_key_pem is not None)


def load(path: Path) -> dict[str, Any]:
    """Read and check a backup file; ``BackupError`` says what is wrong with it."""
    try:
        raw = gzip.decompress(Path(path).read_bytes())
        doc = json.loads(raw)
    except FileNotFoundError:
        raise BackupError(f"no backup file at {path}") from None
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path} is not a backup made by `python -m cpd backup` ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("tables"), dict):
        raise BackupError(f"{path} is not a backup made by `python -m cpd backup`")
    if doc.get("version") != VERSION:
        raise BackupError(f"{path} is a backup of format version {doc.get('version')}; this app reads version {VERSION}")
    return doc


def _row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: identity columns continue after the restored ids, so the next insert does not collide."""
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        column = pk[0].name
        seq = conn.execute(text("select pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}).scalar()
        if seq:
            top = conn.execute(select(func.max(pk[0]))).scalar()
            conn.execute(text("select setval(:s, :v, :called)"), {"s": seq, "v": int(top or 1), "called": top is not None})


def restore(engine: Engine, path: Path, *, key_file: Path | None) -> BackupSummary:
    """Restore a backup into an empty database (migrated here to the newest schema) and the key file.

    Refuses a database that holds anything, a backup from another schema revision,
    and a key file that exists with another key: nothing is ever overwritten.
    """
    doc = load(path)
    migrate(engine)
    with engine.connect() as conn:
        current = _revision(conn)
    if doc.get("revision") != current:
        raise BackupError(f"the backup is at schema revision {doc.get('revision')} but this app is at {current}: "
                          "restore it with the version of the app that made it, then upgrade")
    key_pem = doc.get("private_key_pem")
    if key_pem and key_file is not None and key_file.exists() and key_file.read_text(encoding="ascii") != key_pem:
        raise BackupError(f"{key_file} already holds another signing key; move it away or set CPD_SIGNING_KEY_FILE "
                          "to a new path, then restore again")
    rows: dict[str, int] = {}
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE: True})
        with conn.begin():
            busy = [t.name for t in _tables() if _row_count(conn, t)]
            if busy:
                raise BackupError("restore needs an empty database, but these tables hold rows: " + ", ".join(busy))
            for table in _tables():
                data = [_decode(table, r) for r in doc["tables"].get(table.name, [])]
                if data:
                    conn.execute(table.insert(), data)
                rows[table.name] = len(data)
            if engine.dialect.name == "postgresql":
                _reset_sequences(conn)
    if key_pem and key_file is not None and not key_file.exists():
        write_private(key_file, key_pem.encode("ascii"))
    return BackupSummary(Path(path), current, rows, bool(key_pem))

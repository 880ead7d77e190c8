"""A store migrated only up to an earlier revision, on SQLite or in a throw-away PostgreSQL schema.

Upgrade tests insert rows the way older code wrote them, then migrate to head and check
what users would see (a link handed out before the upgrade still opens, a room keeps its code).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from cpd.storage.db import make_engine, migrate

# As tests/conftest.py (not imported: under tests/browser another conftest module shadows that name).
PG_URL = os.environ.get("CPD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def engine_at(request: pytest.FixtureRequest, tmp_path: Path, revision: str, backend: str) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        migrate(engine, revision)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    request.getfixturevalue("pg_schema_url")  # skips (or fails in CI) when PostgreSQL is away
    schema = f"cpd_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        migrate(engine, revision)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()

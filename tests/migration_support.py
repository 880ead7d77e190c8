"""A store migrated only up to an earlier revision, on SQLite or in a throw-away PostgreSQL schema.

Upgrade tests insert rows the way older code wrote them, then migrate to head and check
what users would see (a link handed out before the upgrade still opens, a room keeps its code).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pg_schema import fresh_schema_url
from sqlalchemy import Engine

from cpd.storage.db import make_engine, migrate


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
    with fresh_schema_url("cpd_upgrade") as url:
        engine = make_engine(url)
        try:
            migrate(engine, revision)
            yield engine
        finally:
            engine.dispose()

"""Shared fixtures: the fixture content and a store on SQLite and on PostgreSQL.

The store tests run against both back ends. PostgreSQL is the server on
127.0.0.1:5432 (database ``test``); each test run gets its own schema there.
On a developer machine without it those tests skip with a message; in CI
(CI=true) a missing server is a failure, never a skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pg_schema import fresh_schema_url
from sqlalchemy.orm import sessionmaker

from cpd.content.loader import LoadedModule, load_module
from cpd.storage.db import make_engine, migrate
from cpd.storage.tables import Base

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server (aiosmtpd) on 127.0.0.1, running; ``.stop()``, ``.start()``, ``.messages()``."""
    from smtp_server import LocalSmtp

    server = LocalSmtp(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mini() -> LoadedModule:
    return load_module([FIXTURE_CONTENT], "mini")


@pytest.fixture(scope="session")
def pg_schema_url():
    """A fresh schema in the PostgreSQL test database, dropped after the run."""
    with fresh_schema_url("cpd_test") as url:
        yield url


def _empty(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def _pg_engine(pg_schema_url):
    engine = make_engine(pg_schema_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path) -> sessionmaker:
    """A migrated, empty store on each back end."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
        migrate(engine)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()
    else:
        engine = request.getfixturevalue("_pg_engine")
        _empty(engine)
        yield sessionmaker(engine, expire_on_commit=False)

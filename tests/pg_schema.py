"""One way for tests to get a PostgreSQL schema of their own on the shared test server.

Each run (or module, or upgrade test) gets a fresh schema and drops it afterwards, so runs in
parallel checkouts never see each other's rows. The server is required in CI (a clear failure)
and optional on a user's machine (a clear skip).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("CPD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_schema_url(prefix: str = "cpd_test") -> Iterator[str]:
    """A database URL whose search path is a new, empty schema; the schema is dropped on exit."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); start it or set CPD_TEST_POSTGRES_URL")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()

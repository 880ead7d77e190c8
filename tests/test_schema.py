"""The migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cpd.storage.tables import Base


def test_migrations_match_the_models(store):
    engine = store.kw["bind"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _migrate_cli(env_extra):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    return subprocess.run([sys.executable, "-m", "cpd", "migrate"], capture_output=True, text=True, timeout=120,
                          env={**env, **env_extra}, cwd=Path(__file__).resolve().parent.parent)


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cpd.storage.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_migrate_is_the_deploy_step_and_safe_to_repeat(store, tmp_path):
    if store.kw["bind"].dialect.name == "sqlite":
        env = {"CPD_DATA_DIR": str(tmp_path / "fresh")}  # nothing there yet: created and migrated
    else:
        env = {"CPD_DATABASE_URL": store.kw["bind"].url.render_as_string(hide_password=False)}
    for _ in range(2):
        done = _migrate_cli(env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("OK: ") and done.stdout.rstrip().endswith(f"is at revision {_head()}")
    if "CPD_DATA_DIR" in env:
        assert (tmp_path / "fresh" / "cpd.sqlite3").exists()


def test_migrate_reports_an_unreachable_database_and_fails(tmp_path):
    done = _migrate_cli({"CPD_DATABASE_URL": "postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/none"})
    assert done.returncode == 1
    assert "error: migrating postgresql+psycopg://nobody:***@127.0.0.1:1/none failed" in done.stderr
    assert "secret-pw" not in done.stderr

"""The store itself: WAL on SQLite, migrations safe to rerun, and a burst of learners without lost writes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from mini_answers import LEARNER, RIGHT
from sqlalchemy import func, inspect, select, text

from cpd import attempts
from cpd.storage.db import make_engine, migrate, open_store
from cpd.storage.tables import Attempt, Response


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_run_on_start_and_are_safe_to_run_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'cpd.sqlite3'}"
    open_store(url)
    engine = make_engine(url)
    migrate(engine)  # a second start: nothing to do, nothing broken
    names = set(inspect(engine).get_table_names())
    assert {"learners", "attempts", "responses", "evaluations", "certificates", "content_snapshots",
            "alembic_version"} <= names
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == _head()


def _head() -> str:
    """The newest migration in the scripts folder (so adding one does not break this test)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cpd.storage.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_a_burst_of_learners_answering_at_once_loses_nothing(store, mini):
    """40 learners start and answer every item at the same moment (a workshop room), on both back ends."""

    def learner(i: int) -> str:
        _, state = attempts.start_attempt(store, mini, {**LEARNER, "email": f"l{i}@example.org"}, pretest=False)
        while (item_id := attempts.next_item(mini, state)) is not None:
            _, state = attempts.submit_answer(store, mini, state.attempt_id, item_id, *RIGHT[item_id])
        return state.phase

    with ThreadPoolExecutor(max_workers=16) as pool:
        phases = list(pool.map(learner, range(40)))
    assert phases == ["evaluation"] * 40
    with store() as s:
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.passed.is_(True))) == 40
        assert s.scalar(select(func.count()).select_from(Response)) == 40 * len(RIGHT)


def test_on_sqlite_a_reader_does_not_hold_up_a_writer(tmp_path, mini):
    """Reads begin deferred, so an open read (a page rendering) never blocks an answer being saved."""
    store = open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    with store() as reader:
        reader.get(Attempt, state.attempt_id)  # a read transaction is open
        _, state = attempts.submit_answer(store, mini, state.attempt_id, "q-source", *RIGHT["q-source"])
    assert len(state.answers) == 1


def test_stored_times_come_back_in_utc_whatever_the_database_session_zone():
    from datetime import datetime, timedelta, timezone

    from cpd.timeutil import as_utc

    la = timezone(timedelta(hours=-8))
    assert as_utc(datetime(2026, 2, 28, 19, 0, tzinfo=la)) == datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 3, 1, 3, 0)).tzinfo is UTC

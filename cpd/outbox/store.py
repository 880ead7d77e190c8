"""The outbox table's operations: enqueue in the caller's transaction; claim, finish and retry for workers.

Claims: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` lets workers on
several replicas claim disjoint batches without waiting on one another; on
SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction, which already
admits one writer at a time. Either way the claim sets a lease (owner and
expiry) and commits before any handler runs, so no transaction stays open
while mail is sent.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cpd.outbox.handlers import Effect
from cpd.storage.tables import OutboxEffect
from cpd.timeutil import as_utc

_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
MAX_BACKOFF = timedelta(hours=1)


def enqueue(session: Session, kind: str, dedupe_key: str, payload: dict[str, Any], *, now: datetime | None = None) -> int:
    """Add an effect in the caller's transaction; the same (kind, dedupe_key) again is a no-op.

    Returns the effect's id (the existing one for a repeat). ``dedupe_key``
    names the effect itself (``invite:<invitation id>``), so a retried request
    cannot send twice, and it reaches the receiver so a retried delivery can be
    recognised there.
    """
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise ValueError(f"kind must be a short lower-case name, got {kind!r}")
    if not isinstance(dedupe_key, str) or not (1 <= len(dedupe_key) <= 200) or any(c in dedupe_key for c in "\r\n"):
        raise ValueError("dedupe_key must be 1 to 200 characters on one line")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    now = _now(now)
    values = dict(kind=kind, dedupe_key=dedupe_key, payload_json=body, status="pending", tries=0,
                  next_try_at=now, created_at=now)
    insert = pg_insert if session.connection().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(OutboxEffect).values(**values).on_conflict_do_nothing(index_elements=["kind", "dedupe_key"]))
    effect_id = session.scalar(
        select(OutboxEffect.id).where(OutboxEffect.kind == kind, OutboxEffect.dedupe_key == dedupe_key)
    )
    assert effect_id is not None
    return int(effect_id)


def anything_due(session: Session, *, now: datetime | None = None) -> bool:
    """A plain read: is any effect due? Lets an idle worker skip the write lock a claim takes."""
    now = _now(now)
    return session.scalar(
        select(OutboxEffect.id).where(OutboxEffect.status == "pending", OutboxEffect.next_try_at <= now, _lease_free(now))
        .limit(1)
    ) is not None


def counts(session: Session) -> dict[str, int]:
    """How many effects are pending, done and failed for good."""
    from sqlalchemy import func

    rows = session.execute(select(OutboxEffect.status, func.count()).group_by(OutboxEffect.status)).all()
    return {"pending": 0, "done": 0, "dead": 0} | {status: int(n) for status, n in rows}


def failed(session: Session, limit: int = 50) -> list[OutboxEffect]:
    """Effects that failed for good, newest first (their last error says why)."""
    return list(session.scalars(
        select(OutboxEffect).where(OutboxEffect.status == "dead").order_by(OutboxEffect.id.desc()).limit(limit)
    ))


def retry_failed(session: Session, ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
    """Put failed effects (these ids, or all) back in the queue with a fresh count of tries."""
    query = update(OutboxEffect).where(OutboxEffect.status == "dead")
    if ids is not None:
        query = query.where(OutboxEffect.id.in_(list(ids)))
    result = session.execute(
        query.values(status="pending", tries=0, next_try_at=_now(now), lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim(session: Session, owner: str, *, batch_size: int, lease: timedelta, max_tries: int,
          now: datetime | None = None) -> list[Effect]:
    """Lease up to ``batch_size`` due effects to ``owner`` (call inside a write transaction)."""
    now = _now(now)
    # Effects whose tries ran out while a worker held them (it died each time): failed for good.
    session.execute(
        update(OutboxEffect)
        .where(OutboxEffect.status == "pending", OutboxEffect.tries >= max_tries, _lease_free(now))
        .values(status="dead", lease_owner=None, lease_expires_at=None,
                last_error=f"gave up after {max_tries} tries (the worker stopped during delivery)")
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(OutboxEffect.id, OutboxEffect.kind, OutboxEffect.dedupe_key, OutboxEffect.payload_json, OutboxEffect.tries)
        .where(OutboxEffect.status == "pending", OutboxEffect.next_try_at <= now, _lease_free(now))
        .order_by(OutboxEffect.next_try_at, OutboxEffect.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises claims instead
    ).all()
    if not rows:
        return []
    session.execute(
        update(OutboxEffect).where(OutboxEffect.id.in_([r.id for r in rows]))
        .values(lease_owner=owner, lease_expires_at=now + lease, tries=OutboxEffect.tries + 1)
        .execution_options(synchronize_session=False)
    )
    return [Effect(r.id, r.kind, r.dedupe_key, json.loads(r.payload_json), r.tries + 1) for r in rows]


def renew(session: Session, owner: str, ids: Sequence[int], lease: timedelta, *, now: datetime | None = None) -> None:
    """Extend the lease on effects this worker still holds (a long batch)."""
    if ids:
        session.execute(
            update(OutboxEffect).where(OutboxEffect.id.in_(list(ids)), OutboxEffect.lease_owner == owner,
                                       OutboxEffect.status == "pending")
            .values(lease_expires_at=_now(now) + lease).execution_options(synchronize_session=False)
        )


def release(session: Session, owner: str, ids: Sequence[int]) -> None:
    """Give back effects not started (a worker stopping): another worker may take them at once."""
    if ids:
        session.execute(
            update(OutboxEffect).where(OutboxEffect.id.in_(list(ids)), OutboxEffect.lease_owner == owner,
                                       OutboxEffect.status == "pending")
            .values(lease_owner=None, lease_expires_at=None, tries=OutboxEffect.tries - 1)
            .execution_options(synchronize_session=False)
        )


def mark_done(session: Session, effect_id: int, *, now: datetime | None = None) -> None:
    """Delivered. The payload (which may hold a one-time link and an address) is cleared; the key stays."""
    session.execute(
        update(OutboxEffect).where(OutboxEffect.id == effect_id, OutboxEffect.status == "pending")
        .values(status="done", done_at=_now(now), payload_json="{}", lease_owner=None, lease_expires_at=None,
                last_error=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, owner: str, effect: Effect, error: str, *, permanent: bool, max_tries: int,
                retry_base: timedelta, now: datetime | None = None) -> str:
    """Schedule a retry with backoff, or mark failed for good; returns the new status."""
    now = _now(now)
    dead = permanent or effect.tries >= max_tries
    delay = min(retry_base * 2 ** (effect.tries - 1), MAX_BACKOFF) * random.uniform(0.8, 1.2)
    session.execute(
        update(OutboxEffect)
        .where(OutboxEffect.id == effect.id, OutboxEffect.status == "pending", OutboxEffect.lease_owner == owner)
        .values(status="dead" if dead else "pending", next_try_at=now if dead else now + delay, lease_owner=None,
                lease_expires_at=None, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    return "dead" if dead else "pending"


def _lease_free(now: datetime) -> Any:
    return (OutboxEffect.lease_expires_at.is_(None)) | (OutboxEffect.lease_expires_at <= now)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else as_utc(now)

"""A tamper-evident audit log: who did what, when, to which ids.

Entries are appended, never changed, to one hash chain per organisation plus
one for deployment-wide actions. Each entry's hash is the SHA-256 of the
canonical JSON of its content together with the previous entry's hash, so
changing, removing or reordering any entry breaks every hash after it, and
``python -m cpd audit verify`` names the first entry that no longer fits. A
head row per chain records the newest entry, so cutting entries off the end is
noticed too. (Someone able to rewrite the whole table and its heads could
forge a new chain; publish or copy the printed head hash somewhere else to
catch that.)

Hashed content holds ids only, never names or e-mail addresses: erasing a
person deletes their row elsewhere and leaves every chain intact.

Appends take the caller's ``Session`` and never commit, so an entry is written
in the same transaction as the change it records (revoking a certificate and
its audit entry both happen, or neither). Two replicas appending at once do not
fork a chain: on PostgreSQL a transaction-scoped advisory lock per chain
serialises them; on SQLite the write transaction (``BEGIN IMMEDIATE``, see
``cpd.storage.db.transaction``) already does. The unique (chain, seq) key is
the last guard.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cpd.storage.tables import AuditEntry, AuditHead
from cpd.timeutil import as_utc

DEPLOYMENT = "-"  # the chain of deployment-wide actions (no organisation)
GENESIS = "0" * 64  # the "previous hash" of a chain's first entry
AUDIT_LOCK = 7_240_332  # PostgreSQL advisory lock class (cpd.storage.db uses 7_240_331 for migrations)

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_VALUE_LENGTH = 200

Scalar = str | int | bool | None


class AuditError(ValueError):
    """An entry that may not be written (an e-mail address, free text, a bad action name)."""


@dataclass(frozen=True)
class Problem:
    """The first entry of a chain that does not fit."""

    chain: str
    seq: int
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" + (f" (row id {self.row_id})" if self.row_id is not None else "")
        return f"chain {self.chain}: {where}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def chain_for(organisation_id: str | None) -> str:
    return DEPLOYMENT if organisation_id is None else organisation_id


def append(
    session: Session,
    action: str,
    *,
    organisation_id: str | None = None,
    actor_id: str | None = None,
    targets: dict[str, Scalar] | None = None,
    details: dict[str, Scalar] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the organisation's chain (or the deployment's) in the caller's transaction.

    ``action`` is a dotted name (``certificate.revoke``); ``targets`` and
    ``details`` map short keys to ids, numbers or flags. Strings that look like
    e-mail addresses, and strings with spaces or longer than 200 characters
    (free text such as names or reasons), are refused: they belong in the
    records the ids point at, which may later be erased.
    """
    if not isinstance(action, str) or not _ACTION.match(action) or len(action) > 80:
        raise AuditError(f"action must be a dotted lower-case name, got {action!r}")
    targets_clean = _ids_only(targets or {}, "targets")
    details_clean = _ids_only(details or {}, "details")
    if organisation_id is not None and (not organisation_id or organisation_id == DEPLOYMENT):
        raise AuditError("organisation_id must be an organisation's id, or None for the deployment")
    chain = chain_for(organisation_id)
    _lock_chain(session, chain)
    head = session.get(AuditHead, chain, populate_existing=True)
    seq, prev = (head.seq + 1, head.hash) if head is not None else (1, GENESIS)
    at = as_utc(now) if now is not None else datetime.now(UTC)
    entry = AuditEntry(
        chain=chain, seq=seq, organisation_id=organisation_id, at=at, actor_id=actor_id, action=action,
        targets_json=_canonical(targets_clean), details_json=_canonical(details_clean), prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    if head is None:
        session.add(AuditHead(chain=chain, seq=seq, hash=entry.hash))
    else:
        head.seq, head.hash = seq, entry.hash
    session.flush()
    return entry


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the canonical JSON of everything the entry says plus the previous hash."""
    content = {
        "chain": entry.chain,
        "seq": entry.seq,
        "organisation_id": entry.organisation_id,
        "at": as_utc(entry.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "targets": json.loads(entry.targets_json),
        "details": json.loads(entry.details_json),
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def recent(session: Session, organisation_id: str | None = None, *, limit: int = 100) -> list[AuditEntry]:
    """The newest entries of one organisation's chain (or the deployment's), newest first.

    One chain only: an organisation's staff see their own organisation's log, never another's.
    """
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.chain == chain_for(organisation_id)).order_by(AuditEntry.seq.desc()).limit(limit)
    ))


def chains(session: Session) -> list[str]:
    """Every chain that has entries or a head, deployment first."""
    names = set(session.scalars(select(AuditEntry.chain).distinct())) | set(session.scalars(select(AuditHead.chain)))
    return sorted(names, key=lambda c: (c != DEPLOYMENT, c))


def verify_chain(session: Session, chain: str) -> ChainReport:
    """Walk one chain from its first entry; the report names the first entry that does not fit."""
    prev, expected, count = GENESIS, 1, 0
    rows = session.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)).yield_per(500)
    for row in rows:
        count += 1
        if row.seq != expected:
            return ChainReport(chain, count, prev, Problem(chain, expected, None,
                               f"missing (the chain jumps from entry {expected - 1} to entry {row.seq})"))
        if row.prev_hash != prev:
            return ChainReport(chain, count, prev, Problem(chain, row.seq, row.id,
                               f"does not follow entry {row.seq - 1} (its previous-hash differs)"))
        if entry_hash(row) != row.hash:
            return ChainReport(chain, count, prev, Problem(chain, row.seq, row.id,
                               "has been altered (its hash does not match its content)"))
        prev, expected = row.hash, expected + 1
    head = session.get(AuditHead, chain)
    last = expected - 1
    if head is None and last:
        return ChainReport(chain, count, prev, Problem(chain, last, None, "the chain's head record is missing"))
    if head is not None and (head.seq != last or head.hash != prev):
        return ChainReport(chain, count, prev, Problem(chain, head.seq, None,
                           f"missing: the chain ends at entry {last} but its head records entry {head.seq}"
                           " (entries were removed from the end, or the head was changed)"))
    return ChainReport(chain, count, prev, None)


def verify(session: Session, organisation_id: str | None = None, *, all_chains: bool = False) -> list[ChainReport]:
    """Reports for one organisation's chain (or the deployment's), or for every chain."""
    names = chains(session) if all_chains else [chain_for(organisation_id)]
    return [verify_chain(session, name) for name in names]


def _lock_chain(session: Session, chain: str) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(chain.encode("utf-8")) - 2**31  # into int4's range
        conn.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": AUDIT_LOCK, "key": key})


def _ids_only(values: dict[str, Any], field: str) -> dict[str, Scalar]:
    if not isinstance(values, dict):
        raise AuditError(f"{field} must be a mapping of names to ids")
    for key, value in values.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise AuditError(f"{field}: key {key!r} must be a short lower-case name")
        if value is None or isinstance(value, bool | int):
            continue
        if not isinstance(value, str):
            raise AuditError(f"{field}.{key}: only ids, whole numbers and flags are recorded, not {type(value).__name__}")
        if "@" in value:
            raise AuditError(f"{field}.{key}: looks like an e-mail address; record the person's id instead")
        if len(value) > MAX_VALUE_LENGTH or any(ch.isspace() for ch in value):
            raise AuditError(f"{field}.{key}: free text is not recorded in the audit log; record an id")
    return dict(values)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

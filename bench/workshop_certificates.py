"""Benchmark: time to issue a workshop's certificates end to end (issue 11).

Run: python bench/workshop_certificates.py [--participants 300] [--workers 1] [--database-url URL]
(from the repo root; SQLite in a temporary folder unless a URL is given; ~1 min for 300).

A finished attendance workshop with N seated participants (set up first, not timed).
Timed: from the facilitator's "Issue certificates" (``certify.request_all``, which
queues one outbox effect per participant) until the N-th certificate is stored, issued by
``python -m cpd worker`` processes started at the click (their start-up is included,
as when a worker is started for the run; a worker already running would save it).
Baseline in the same run: the same N certificates issued in one process straight through
the certificate service (render, sign, store; no outbox, no worker), on a second fresh
workshop. The ratio is end-to-end seconds over baseline seconds. Prints figures; asserts nothing.
Last line: ``certificates=N workers=W seconds=.. per_certificate_ms=.. baseline_seconds=.. ratio=..``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from cpd.accounts import directory  # noqa: E402
from cpd.accounts.directory import Principal  # noqa: E402
from cpd.certificates.design import load_default_design  # noqa: E402
from cpd.content.loader import LoadedModule, load_module  # noqa: E402
from cpd.settings import PROJECT_ROOT  # noqa: E402
from cpd.storage.db import open_store  # noqa: E402
from cpd.storage.tables import Account, Certificate, WorkshopParticipant  # noqa: E402
from cpd.workshops import certify, room  # noqa: E402

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PUBLIC_URL = "https://cpd.example.org"


def facilitator(store: sessionmaker[Session]) -> Principal:
    directory.create_organisation(store, "Bench Society", "bench")
    directory.create_account(store, "fac@bench.example", role="facilitator", org_slug="bench",
                             password="a long password 1")
    with store() as s:
        who = directory.principal(s, s.scalars(select(Account.id).where(Account.email == "fac@bench.example")).one())
    assert who is not None
    return who


def finished_room(store: sessionmaker[Session], loaded: LoadedModule, fac: Principal, n: int, title: str) -> room.Room:
    r = room.create(store, loaded, fac, title=title, held_on="2026-12-02", venue="Royal Hall, Leeds", cpd_hours=3,
                    assessed=False, now=T0).room
    for i in range(n):
        room.join(store, loaded, r.join_code, {"name": f"Participant Zoë {i:03d}", "profession": "Physician",
                                               "registration_number": f"GMC {7000000 + i}"},
                  client="10.0.0.1", now=T0 + timedelta(seconds=i / 10))
    room.finish(store, loaded, r.id, fac)
    return r


def issued(store: sessionmaker[Session], workshop_id: str) -> int:
    with store() as s:
        return int(s.scalar(select(func.count()).select_from(Certificate)
                            .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Certificate.attempt_id)
                            .where(WorkshopParticipant.workshop_id == workshop_id)) or 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    n = args.participants
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'cpd.sqlite3'}"
        store = open_store(url)
        loaded = load_module([PROJECT_ROOT / "modules", PROJECT_ROOT / "questions"], "exosome-safety")
        fac = facilitator(store)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        t = time.perf_counter()
        r = finished_room(store, loaded, fac, n, "Bench workshop")
        base = finished_room(store, loaded, fac, n, "Baseline workshop")
        print(f"set-up: two finished workshops of {n} participants in {time.perf_counter() - t:.1f} s")

        # Baseline: the same certificates straight through the service in this process.
        issuer = certify.Issuer(store, load_default_design(PROJECT_ROOT / "certificates"), key, PUBLIC_URL)
        with store() as s:
            ids = list(s.scalars(select(WorkshopParticipant.attempt_id)
                                 .where(WorkshopParticipant.workshop_id == base.id)))
        certify.request_all(store, base.id, fac)  # the run record lets issuing proceed; its effects stay queued
        t = time.perf_counter()
        for attempt_id in ids:
            certify.issue_one(issuer, base.id, attempt_id)
        baseline = time.perf_counter() - t
        print(f"baseline (in-process, no outbox): {baseline:.1f} s for {n}")
        from cpd.storage.tables import OutboxEffect

        with store.begin() as s:  # the baseline's queued effects are done already: keep them from the worker
            s.query(OutboxEffect).delete()

        env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
        env.update(CPD_DATABASE_URL=url, CPD_SIGNING_KEY_PEM=pem, CPD_PUBLIC_URL=PUBLIC_URL, CPD_DATA_DIR=tmp)
        t = time.perf_counter()
        certify.request_all(store, r.id, fac)
        procs = [subprocess.Popen([sys.executable, "-m", "cpd", "worker", "--batch", "25", "--poll-seconds", "0.2"],
                                  env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(args.workers)]
        try:
            marks = {}
            while (done := issued(store, r.id)) < n:
                for share in (0.1, 0.5):
                    if done >= n * share and share not in marks:
                        marks[share] = time.perf_counter() - t
                time.sleep(0.05)
            total = time.perf_counter() - t
        finally:
            for p in procs:
                p.terminate()
                p.wait(30)
        first = marks.get(0.1)
        print(f"end to end: {total:.1f} s for {n} (10 % after {first:.1f} s)" if first else f"end to end: {total:.1f} s")
        print(f"certificates={n} workers={args.workers} seconds={total:.2f} per_certificate_ms={1000 * total / n:.0f} "
              f"baseline_seconds={baseline:.2f} ratio={total / baseline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

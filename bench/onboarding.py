"""Benchmark: import 1,000 roster rows; build the evidence pack for 500 people.

Run: .venv/bin/python bench/onboarding.py [--postgres URL]   (from the repo root; about 1 min)

Baselines measured in the same run, same store: for the import, a bare
SQLAlchemy insert of the same 1,000 rows in one transaction (the floor: no
checking, no audit); for the pack, the same pack for 10 people (so the ratio
shows how it grows). Half of the 500 hold a certificate; the certificate rows
are written directly (rendering 250 certificates is not what is measured).
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sqlalchemy import insert  # noqa: E402

from cpd.accounts import directory  # noqa: E402
from cpd.content.loader import load_module  # noqa: E402
from cpd.onboarding import assignments, evidence, roster  # noqa: E402
from cpd.onboarding.assignments import Due  # noqa: E402
from cpd.storage.db import open_store, transaction  # noqa: E402
from cpd.storage.tables import Attempt, Certificate, Learner, StaffMember  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def roster_csv(n: int, domain: str) -> bytes:
    lines = ["name,email,role,start date,registration number"]
    roles = ["Nurse", "Doctor", "Receptionist", "Therapist"]
    lines += [f"Zoë Person {i},p{i}@{domain},{roles[i % 4]},2026-0{1 + i % 9}-1{i % 10},NMC {i:07d}" for i in range(n)]
    return ("\r\n".join(lines) + "\r\n").encode()


def timed(fn):  # noqa: ANN001, ANN201
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bench_import(store, runs: int = 3) -> None:
    own, floor, check = [], [], []
    for r in range(runs):
        org = directory.create_organisation(store, f"Import {r}", f"import-{r}-{uuid.uuid4().hex[:6]}")
        data = roster_csv(1000, f"c{r}.example")
        t_check, parsed = timed(lambda: roster.check_file(store, org.id, data))  # noqa: B023
        assert parsed.ok, parsed.problems[:3]
        t_import, result = timed(lambda: roster.import_roster(store, org.id, parsed))  # noqa: B023
        assert result.imported == 1000
        base_org = directory.create_organisation(store, f"Base {r}", f"base-{r}-{uuid.uuid4().hex[:6]}")
        now = datetime.now(UTC)
        values = [dict(id=str(uuid.uuid4()), organisation_id=base_org.id, name=row.name, email=row.email,
                       job_role=row.role, start_date=row.start_date, registration_number=row.registration_number,
                       created_at=now) for row in parsed.rows]

        def bare() -> None:
            with transaction(store) as s:
                s.execute(insert(StaffMember), values)  # noqa: B023

        t_floor, _ = timed(bare)
        check.append(t_check)
        own.append(t_import)
        floor.append(t_floor)
    c, i, f = statistics.median(check), statistics.median(own), statistics.median(floor)
    print(f"  import 1,000 rows: check {c * 1000:.0f} ms + write {i * 1000:.0f} ms = {(c + i) * 1000:.0f} ms "
          f"(median of {runs}); bare insert of the same rows {f * 1000:.0f} ms; ratio {(c + i) / f:.1f}x")


def seed_pack(store, mini, people: int) -> str:
    org = directory.create_organisation(store, f"Pack {people}", f"pack-{people}-{uuid.uuid4().hex[:6]}")
    parsed = roster.check_file(store, org.id, roster_csv(people, f"pack{people}.example"))
    roster.import_roster(store, org.id, parsed)
    assignments.assign(store, org.id, mini, Due(within_days_of_start=30), staff_ids=[m.id for m in roster.list_members(
        store, org.id)], public_url="https://cpd.example.org")
    now = datetime.now(UTC)
    with transaction(store) as s:
        for i, m in enumerate(s.query(StaffMember).filter(StaffMember.organisation_id == org.id).all()):
            if i % 2:
                continue
            learner = Learner(id=str(uuid.uuid4()), name=m.name, email=m.email, profession="Other", created_at=now)
            s.add(learner)
            s.flush()
            m.learner_id = learner.id
            att = Attempt(id=str(uuid.uuid4()), learner_id=learner.id,
                          module_id=mini.module.id, module_version=mini.module.version, content_hash=mini.content_hash,
                          phase="done", started_at=now, completed_at=now, percent=90.0, passed=True)
            s.add(att)
            s.add(Certificate(id=uuid.uuid4().hex[:26], attempt_id=att.id, version=1,
                              record_json=json.dumps({"valid_until": (date.today() + timedelta(days=700)).isoformat()}),
                              signature="-", key_id="-", pdf=b"", pdf_sha256="-", badge_json="{}", issued_at=now))
    return org.id


def bench_pack(store, mini, runs: int = 3) -> None:
    big, small = seed_pack(store, mini, 500), seed_pack(store, mini, 10)
    results = {}
    for org_id, label in ((small, 10), (big, 500)):
        times = []
        for _ in range(runs):
            with store() as s:
                t, pdf = timed(lambda: evidence.build(s, org_id, date.today(), public_url="https://cpd.example.org"))  # noqa: B023
            times.append(t)
        results[label] = statistics.median(times)
        print(f"  evidence pack, {label} people: {results[label] * 1000:.0f} ms (median of {runs}), "
              f"{len(pdf) / 1024:.0f} KiB")
    print(f"  ratio 500 / 10 people: {results[500] / results[10]:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--postgres", help="also on this PostgreSQL URL (an empty database or schema)")
    args = ap.parse_args()
    mini = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            store = open_store(url)
            print(f"{name}:")
            bench_import(store)
            bench_pack(store, mini)


if __name__ == "__main__":
    main()

"""300 workshop certificates issued in bulk by a real worker process that is killed mid-run come out exactly once each."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from workshop_helpers import person

from cpd.certificates.service import stored_record
from cpd.storage.tables import Certificate, OutboxEffect, WorkshopParticipant
from cpd.workshops import certify, room

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = 300
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def seat_room(store, mini, fac, n: int) -> room.Room:
    """An attendance workshop with ``n`` participants, finished (everyone is entitled to a certificate)."""
    r = room.create(store, mini, fac, title="Bulk", held_on="2026-12-02", venue="Hall 1", cpd_hours=3,
                    assessed=False, now=T0).room
    for i in range(n):
        room.join(store, mini, r.join_code, {"name": f"Participant {i:03d}", "profession": "Physician"},
                  client="10.0.0.1", now=T0 + timedelta(seconds=i / 10))
    room.finish(store, mini, r.id, fac)
    return r


def worker(store, tmp_path, pem: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    env.update(CPD_DATABASE_URL=store.kw["bind"].url.render_as_string(hide_password=False), CPD_SIGNING_KEY_PEM=pem,
               CPD_PUBLIC_URL="https://cpd.example.org", CPD_DATA_DIR=str(tmp_path), CPD_OUTBOX_RETRY_SECONDS="0.5")
    return subprocess.Popen([sys.executable, "-m", "cpd", "worker", "--batch", "25", "--lease-seconds", "4",
                             "--poll-seconds", "0.2"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def issued(store, workshop_id: str) -> int:
    with store() as s:
        return int(s.scalar(select(func.count()).select_from(Certificate)
                            .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Certificate.attempt_id)
                            .where(WorkshopParticipant.workshop_id == workshop_id)) or 0)


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("store", ["postgres"], indirect=True)  # the many-replica store; SQLite shares the outbox code
def test_300_certificates_with_a_worker_killed_midway_come_out_exactly_once(store, mini, tmp_path):
    fac = person(store, "fac@soc.example", "facilitator")
    r = seat_room(store, mini, fac, N)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()).decode()
    assert certify.request_all(store, r.id, fac) == N
    first = worker(store, tmp_path, pem)
    try:
        assert wait_until(lambda: issued(store, r.id) >= 40, 180), first.stderr and first.poll()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed_at = issued(store, r.id)
    assert killed_at < N, "the kill must land mid-run"
    with store() as s:  # the dead worker still holds leases on effects it had claimed
        assert s.scalar(select(func.count()).select_from(OutboxEffect).where(
            OutboxEffect.kind == certify.KIND, OutboxEffect.status == "pending",
            OutboxEffect.lease_owner.is_not(None))) > 0
    second = worker(store, tmp_path, pem)
    try:
        assert wait_until(lambda: certify.progress(store, r.id, fac).done, 300)
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    with store() as s:
        per_attempt = s.execute(select(Certificate.attempt_id, func.count()).group_by(Certificate.attempt_id)).all()
        seats = set(s.scalars(select(WorkshopParticipant.attempt_id).where(WorkshopParticipant.workshop_id == r.id)))
        effects = dict(s.execute(select(OutboxEffect.status, func.count()).where(OutboxEffect.kind == certify.KIND)
                                 .group_by(OutboxEffect.status)).all())
    assert len(per_attempt) == N and all(n == 1 for _, n in per_attempt)  # exactly once each
    assert {a for a, _ in per_attempt} == seats  # everyone who took a seat
    assert effects == {"done": N}
    progress = certify.progress(store, r.id, fac)
    assert (progress.entitled, progress.issued, progress.failed) == (N, N, 0)
    data, n = certify.zip_all(store, r.id, fac)
    assert n == N
    # An attendance workshop: every certificate is awarded for participation and states no score.
    with store() as s:
        records = [stored_record(c) for c in s.scalars(select(Certificate))]
    assert {(rec.awarded_for, rec.score_percent, rec.pass_mark_percent) for rec in records} == \
        {("participation", None, None)}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = pypdf.PdfReader(io.BytesIO(z.read(z.namelist()[0]))).pages[0].extract_text()
    assert "Certificate of participation" in text and "pass mark" not in text.lower()

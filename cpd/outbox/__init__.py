"""The outbox: side effects (mail now; learning-record statements, webhooks later) delivered reliably.

A change and the effect it causes are written in one transaction
(``enqueue(session, kind, dedupe_key, payload)``), so an e-mail is never sent
for a change that rolled back, and never lost for one that committed. A worker
(``python -m cpd worker``, or a thread started by the app's lifespan hook with
``start_background_worker``) claims due effects under a lease, runs each
kind's handler outside the claim transaction, and marks it done or schedules a
retry with backoff. A worker that dies mid-batch leaves its leases to expire
and another worker takes the effects over, so delivery is at least once; every
handler passes the effect's de-duplication key on to the receiver (for mail,
as the Message-ID and an ``X-CPD-Dedupe-Key`` header) so the receiver can
recognise a repeat.
"""

from cpd.outbox.handlers import Effect, PermanentFailure, register
from cpd.outbox.store import enqueue
from cpd.outbox.worker import BackgroundWorker, run_forever, run_once, run_until_idle, start_background_worker

__all__ = [
    "BackgroundWorker",
    "Effect",
    "PermanentFailure",
    "enqueue",
    "register",
    "run_forever",
    "run_once",
    "run_until_idle",
    "start_background_worker",
]

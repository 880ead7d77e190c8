"""The outbox worker: claim a batch under a lease, run each effect's handler, record the outcome.

Run it alone with ``python -m cpd worker`` (until SIGTERM or SIGINT), or in
the app process from the ``st.App`` lifespan hook::

    from contextlib import asynccontextmanager
    from cpd.outbox import start_background_worker

    @asynccontextmanager
    async def lifespan(app):
        worker = start_background_worker(session_factory, settings=settings)  # a daemon thread
        try:
            yield
        finally:
            worker.stop()  # finishes the effect in hand, gives the rest back

Several workers (threads, processes, replicas) may run at once: claims never
overlap while a lease holds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from cpd.outbox import store
from cpd.outbox.handlers import Effect, Handler, PermanentFailure, handlers_for
from cpd.settings import Settings, get_settings
from cpd.storage.db import transaction

log = logging.getLogger("cpd.outbox")


def new_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassResult:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    def add(self, other: PassResult) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.dead += other.dead


@dataclass
class WorkerOptions:
    batch_size: int
    lease: timedelta
    max_tries: int
    retry_base: timedelta
    owner: str = field(default_factory=new_owner)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> WorkerOptions:
        values: dict[str, object] = dict(
            batch_size=settings.outbox_batch_size,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            max_tries=settings.outbox_max_tries,
            retry_base=timedelta(seconds=settings.outbox_retry_seconds),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def run_once(
    factory: sessionmaker[Session],
    handlers: dict[str, Handler] | None = None,
    options: WorkerOptions | None = None,
    *,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> PassResult:
    """Claim one batch and deliver it. ``now`` (tests) pretends the clock says so for claiming and retries."""
    settings = get_settings()
    handlers = handlers_for(settings) if handlers is None else handlers
    opts = options or WorkerOptions.from_settings(settings)
    with factory() as session:  # a read first: an idle worker takes no write lock
        if not store.anything_due(session, now=now):
            return PassResult()
    with transaction(factory) as session:
        batch = store.claim(session, opts.owner, batch_size=opts.batch_size, lease=opts.lease,
                            max_tries=opts.max_tries, now=now)
    result = PassResult(claimed=len(batch))
    leased_at = time.monotonic()
    for i, effect in enumerate(batch):
        remaining = [e.id for e in batch[i:]]
        if stop is not None and stop.is_set():
            with transaction(factory) as session:
                store.release(session, opts.owner, remaining)
            break
        if time.monotonic() - leased_at > opts.lease.total_seconds() / 2:  # a long batch: keep the rest ours
            with transaction(factory) as session:
                store.renew(session, opts.owner, remaining, opts.lease)
            leased_at = time.monotonic()
        status = _deliver(factory, handlers, opts, effect, now)
        if status == "done":
            result.delivered += 1
        elif status == "dead":
            result.dead += 1
        else:
            result.retrying += 1
    return result


def _deliver(factory: sessionmaker[Session], handlers: dict[str, Handler], opts: WorkerOptions, effect: Effect,
             now: datetime | None) -> str:
    handler = handlers.get(effect.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for effect kind {effect.kind!r} in this worker")
        handler(effect)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the effect and retried
        permanent = isinstance(exc, PermanentFailure)
        error = f"{type(exc).__name__}: {exc}"
        with transaction(factory) as session:
            status = store.mark_failed(session, opts.owner, effect, error, permanent=permanent,
                                       max_tries=opts.max_tries, retry_base=opts.retry_base, now=now)
        log.warning("outbox effect %s (%s) try %d failed (%s): %s", effect.id, effect.kind, effect.tries, status, error)
        return status
    with transaction(factory) as session:
        store.mark_done(session, effect.id)
    return "done"


def run_until_idle(factory: sessionmaker[Session], handlers: dict[str, Handler] | None = None,
                   options: WorkerOptions | None = None, *, now: datetime | None = None) -> PassResult:
    """Passes until nothing is due (``python -m cpd worker --once``)."""
    total = PassResult()
    opts = options or WorkerOptions.from_settings(get_settings())
    while True:
        result = run_once(factory, handlers, opts, now=now)
        total.add(result)
        if result.claimed < opts.batch_size:
            return total


def run_forever(factory: sessionmaker[Session], stop: threading.Event, handlers: dict[str, Handler] | None = None,
                options: WorkerOptions | None = None, *, poll_seconds: float | None = None,
                settings: Settings | None = None) -> None:
    """Deliver until ``stop`` is set; sleeps ``poll_seconds`` when there is nothing to do.

    ``settings`` (default: the environment's) configure the handlers (SMTP) and the defaults.
    """
    settings = settings or get_settings()
    handlers = handlers_for(settings) if handlers is None else handlers
    opts = options or WorkerOptions.from_settings(settings)
    poll = settings.outbox_poll_seconds if poll_seconds is None else poll_seconds
    log.info("outbox worker %s started", opts.owner)
    while not stop.is_set():
        try:
            result = run_once(factory, handlers, opts, stop=stop)
        except Exception:  # noqa: BLE001 - the database was away: wait and try again, never die
            log.exception("outbox worker %s: a pass failed; trying again in %.1f s", opts.owner, poll)
            result = PassResult()
        if result.claimed < opts.batch_size:
            stop.wait(poll)
    log.info("outbox worker %s stopped", opts.owner)


class BackgroundWorker:
    """A worker on a daemon thread; ``stop()`` lets the effect in hand finish and gives the rest back."""

    def __init__(self, factory: sessionmaker[Session], handlers: dict[str, Handler] | None = None,
                 options: WorkerOptions | None = None, poll_seconds: float | None = None,
                 settings: Settings | None = None) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=run_forever, args=(factory, self._stop, handlers, options),
            kwargs={"poll_seconds": poll_seconds, "settings": settings}, name="cpd-outbox-worker", daemon=True,
        )

    def start(self) -> BackgroundWorker:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> bool:
        """True if the thread ended within ``timeout`` seconds."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()


def start_background_worker(factory: sessionmaker[Session], handlers: dict[str, Handler] | None = None,
                            options: WorkerOptions | None = None, poll_seconds: float | None = None,
                            settings: Settings | None = None) -> BackgroundWorker:
    """Start a worker thread in this process (the app's lifespan hook); keep it and call ``stop()`` on shutdown.

    Pass the app's ``settings`` (with Streamlit secrets laid over the environment) so the mail
    handler sees a ``CPD_SMTP_URL`` kept in secrets.
    """
    return BackgroundWorker(factory, handlers, options, poll_seconds, settings).start()

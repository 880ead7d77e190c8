"""Command-line subcommands of the platform: ``migrate``, ``audit verify``, ``mail test``, ``outbox`` and ``worker``.

``register(subparsers)`` is added to ``python -m cpd`` by ``cpd.cli``. Each
command opens the configured store itself (``CPD_DATABASE_URL``, else SQLite in
``CPD_DATA_DIR``); tests may set ``args.session_factory`` instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cpd.settings import get_settings
from cpd.text import terminal_safe


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    """The deploy step: bring the configured database to the newest schema, then say which it is."""
    from sqlalchemy import text

    from cpd.storage.db import make_engine, migrate

    url = get_settings().effective_database_url
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            revision = conn.execute(text("select version_num from alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, with its cause, and exits non-zero
        print(f"error: migrating {terminal_safe(_display_url(url))} failed: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"OK: {terminal_safe(_display_url(url))} is at revision {revision}")
    return 0


def _existing_store(args: argparse.Namespace) -> Any:
    factory = getattr(args, "session_factory", None)
    if factory is not None:
        return factory
    from cpd.storage.db import existing_store

    return existing_store(get_settings())


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the hash chains; print OK per chain, or the first entry that does not fit (exit 1)."""
    from cpd import audit

    factory = _existing_store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    with factory() as session:
        reports = audit.verify(session, args.org, all_chains=args.org is None and not args.deployment)
    if not reports:
        print("OK: the audit log is empty")
        return 0
    broken = False
    for report in reports:
        name = "deployment" if report.chain == audit.DEPLOYMENT else f"organisation {report.chain}"
        if report.ok:
            print(f"OK: {terminal_safe(name)}: {report.entries} entries, head {report.head_hash}")
        else:
            broken = True
            print(f"BROKEN: {terminal_safe(report.problem)}")
    return 1 if broken else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver the outbox until SIGTERM or SIGINT, or until nothing is due with ``--once``."""
    import logging
    import signal
    import threading
    from datetime import timedelta

    from cpd.outbox.worker import WorkerOptions, run_forever, run_until_idle

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    factory = getattr(args, "session_factory", None)
    if factory is None:
        from cpd.storage.db import open_store

        factory = open_store(settings.effective_database_url)
    lease = timedelta(seconds=args.lease_seconds) if args.lease_seconds else None
    options = WorkerOptions.from_settings(settings, batch_size=args.batch, lease=lease)
    if args.once:
        done = run_until_idle(factory, options=options)
        print(f"delivered {done.delivered}, to retry {done.retrying}, failed for good {done.dead}")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if settings.retention_abandoned_days:  # CPD_RETENTION_ABANDONED_DAYS: the worker also deletes abandoned attempts
        from cpd.privacy import retention_loop

        threading.Thread(target=retention_loop, args=(factory, settings.retention_abandoned_days, stop),
                         name="cpd-retention", daemon=True).start()
    from cpd.onboarding.cli import _modules
    from cpd.onboarding.reminders import daily_loop

    threading.Thread(target=daily_loop, args=(factory, _modules()), kwargs={"public_url": settings.public_url,
                     "stop": stop}, name="cpd-onboarding", daemon=True).start()
    from cpd import housekeeping

    housekeeping.start(factory, stop)  # throttle logs and expired login states, hourly
    run_forever(factory, stop, options=options, poll_seconds=args.poll_seconds)
    return 0


def cmd_mail_test(args: argparse.Namespace) -> int:
    """Send the test message now (not through the outbox), to check CPD_SMTP_URL and CPD_MAIL_FROM."""
    from cpd.mail import MailConfigError, MailError, compose, parse_smtp_url, render, send

    settings = get_settings()
    if settings.smtp_url is None:
        print("error: CPD_SMTP_URL is not set", file=sys.stderr)
        return 2
    try:
        config = parse_smtp_url(settings.smtp_url.get_secret_value())
        message = compose(render("test", {"public_url": settings.public_url}), to=args.to, sender=settings.mail_from)
        send(message, config)
    except (MailConfigError, ValueError) as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    except MailError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    print(f"sent a test message to {terminal_safe(args.to)} through {terminal_safe(config.describe())}")
    return 0


def cmd_outbox_status(args: argparse.Namespace) -> int:
    """Counts per status and the effects that failed for good, with their last error."""
    from cpd.outbox import store as outbox_store

    factory = _existing_store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    with factory() as session:
        counts = outbox_store.counts(session)
        dead = outbox_store.failed(session, limit=args.limit)
    print(f"pending {counts['pending']}, delivered {counts['done']}, failed for good {counts['dead']}")
    for row in dead:
        print(f"  {row.id}  {terminal_safe(row.kind)}  {terminal_safe(row.dedupe_key)}  after {row.tries} tries: "
              f"{terminal_safe(row.last_error or '')}")
    return 0


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    """Queue effects that failed for good again (after the cause is fixed)."""
    from cpd.outbox import store as outbox_store
    from cpd.storage.db import transaction

    if not args.ids and not args.all:
        print("error: name the effects to retry (ids from `outbox status`) or pass --all", file=sys.stderr)
        return 2
    factory = _existing_store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    with transaction(factory) as session:
        n = outbox_store.retry_failed(session, None if args.all else args.ids)
    print(f"queued {n} effect{'s' if n != 1 else ''} again")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="bring the configured database to the newest schema (the deploy step)")
    p.set_defaults(func=cmd_migrate)

    audit_p = subparsers.add_parser("audit", help="the tamper-evident audit log")
    audit_sub = audit_p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="check the hash chains and name the first entry that does not fit",
        description="Exit status: 0 every chain checked is intact; 1 a chain is broken; 2 no database.",
    )
    which = v.add_mutually_exclusive_group()
    which.add_argument("--org", default=None, help="check only this organisation's chain (default: every chain)")
    which.add_argument("--deployment", action="store_true", help="check only the deployment-wide chain")
    v.set_defaults(func=cmd_audit_verify)

    mail_p = subparsers.add_parser("mail", help="mail settings")
    mail_sub = mail_p.add_subparsers(dest="mail_command", required=True)
    t = mail_sub.add_parser("test", help="send a test message now, to check CPD_SMTP_URL and CPD_MAIL_FROM",
                            description="Exit status: 0 sent; 1 the server could not be reached or refused; "
                            "2 a setting or the address is wrong.")
    t.add_argument("to", help="the address to send to")
    t.set_defaults(func=cmd_mail_test)

    ob = subparsers.add_parser("outbox", help="the outbox of pending side effects (mail)")
    ob_sub = ob.add_subparsers(dest="outbox_command", required=True)
    st = ob_sub.add_parser("status", help="counts, and the effects that failed for good with their last error")
    st.add_argument("--limit", type=int, default=50, help="failed effects listed (newest first)")
    st.set_defaults(func=cmd_outbox_status)
    rt = ob_sub.add_parser("retry", help="queue failed effects again")
    rt.add_argument("ids", nargs="*", type=int, help="effect ids (from `outbox status`)")
    rt.add_argument("--all", action="store_true", help="every effect that failed for good")
    rt.set_defaults(func=cmd_outbox_retry)

    w = subparsers.add_parser(
        "worker",
        help="deliver the outbox (mail) until SIGTERM or SIGINT",
        description="Several workers may run at once, on one machine or many: claims are leased. "
        "SIGTERM or SIGINT finishes the effect in hand and gives the rest of the batch back.",
    )
    w.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    w.add_argument("--batch", type=int, default=None, help="effects claimed at once (default: CPD_OUTBOX_BATCH_SIZE)")
    w.add_argument("--lease-seconds", type=float, default=None, help="claim lease (default: CPD_OUTBOX_LEASE_SECONDS)")
    w.add_argument("--poll-seconds", type=float, default=None, help="idle wait (default: CPD_OUTBOX_POLL_SECONDS)")
    w.set_defaults(func=cmd_worker)

"""Command-line subcommands for the deployment's data: ``backup``, ``restore``, ``learner export|erase``, ``retention run``.

Registered on ``python -m cpd`` by ``cpd.cli``; each opens the configured store
(``CPD_DATABASE_URL``, else SQLite in ``CPD_DATA_DIR``) unless a test sets
``args.session_factory``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cpd.settings import get_settings
from cpd.storage.db import database_exists
from cpd.text import terminal_safe


def _engine(args: argparse.Namespace) -> Any:
    factory = getattr(args, "session_factory", None)
    if factory is not None:
        return factory.kw["bind"]
    from cpd.storage.db import make_engine

    return make_engine(get_settings().effective_database_url)


def _factory(args: argparse.Namespace) -> Any:
    from cpd.platform_cli import _existing_store

    return _existing_store(args)


def cmd_backup(args: argparse.Namespace) -> int:
    from cpd.backup import backup, read_private_key

    settings = get_settings()
    if getattr(args, "session_factory", None) is None and not database_exists(settings):
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    pem = settings.signing_key_pem.get_secret_value() if settings.signing_key_pem else None
    try:
        summary = backup(_engine(args), Path(args.file), private_key_pem=read_private_key(settings.effective_signing_key_file, pem))
    except OSError as exc:
        print(f"error: could not write {terminal_safe(args.file)}: {terminal_safe(exc.strerror or exc)}", file=sys.stderr)
        return 1
    key = "with the signing key" if summary.has_private_key else "no signing key was configured, none included"
    print(f"OK: wrote {terminal_safe(summary.path)} (mode 0600): {summary.total_rows} rows in {len(summary.rows)} tables, "
          f"schema {summary.revision}, {key}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from cpd.backup import BackupError, restore

    settings = get_settings()
    key_file = None if settings.signing_key_pem else settings.effective_signing_key_file
    try:
        summary = restore(_engine(args), Path(args.file), key_file=key_file)
    except BackupError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    print(f"OK: restored {summary.total_rows} rows in {len(summary.rows)} tables at schema {summary.revision}"
          + (f"; signing key written to {terminal_safe(key_file)}" if summary.has_private_key and key_file else ""))
    return 0


def cmd_learner_export(args: argparse.Namespace) -> int:
    from cpd.privacy import PrivacyError, export_json

    factory = _factory(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    try:
        data = export_json(factory, args.learner_id)
    except PrivacyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    if args.out:
        from cpd.backup import write_private

        write_private(Path(args.out), data)
        print(f"OK: wrote {terminal_safe(args.out)} (mode 0600)")
    else:
        sys.stdout.write(data.decode("utf-8") + "\n")
    return 0


def cmd_learner_erase(args: argparse.Namespace) -> int:
    from cpd.privacy import PrivacyError, erase_learner

    factory = _factory(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    if not args.yes:
        print("error: erasing cannot be undone; add --yes to confirm", file=sys.stderr)
        return 2
    try:
        done = erase_learner(factory, args.learner_id, actor_id=args.actor)
    except PrivacyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    print(f"OK: erased learner {terminal_safe(args.learner_id)} ({len(done.learner_ids)} record(s)); "
          f"{done.attempts_deleted} attempt(s) deleted, {done.attempts_kept} kept with {done.certificates_kept} "
          "certificate(s) (signed record and status only); written to the audit log")
    return 0


def cmd_retention_run(args: argparse.Namespace) -> int:
    from cpd.privacy import PrivacyError, delete_abandoned

    days = args.days or get_settings().retention_abandoned_days
    if not days:
        print("error: no retention period: set CPD_RETENTION_ABANDONED_DAYS or pass --days N", file=sys.stderr)
        return 2
    factory = _factory(args)
    if factory is None:
        print("OK: no database yet, nothing to delete")
        return 0
    try:
        run = delete_abandoned(factory, days)
    except PrivacyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    print(f"OK: deleted {run.attempts_deleted} attempt(s) abandoned for more than {days} day(s) "
          f"and {run.learners_deleted} learner record(s) left with nothing")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write the database and the signing key to FILE (mode 0600), consistent while running")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into an empty database, and its signing key")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("learner", help="a learner's data: export (JSON) or erase on request")
    lsub = p.add_subparsers(dest="learner_command", required=True)
    e = lsub.add_parser("export", help="print (or --out FILE) everything held about a learner as JSON")
    e.add_argument("learner_id")
    e.add_argument("--out", help="write to this file (mode 0600) instead of printing")
    e.set_defaults(func=cmd_learner_export)
    e = lsub.add_parser("erase", help="erase a learner, keeping only issued certificates' signed records and status")
    e.add_argument("learner_id")
    e.add_argument("--actor", help="the id of the account that asked (for the audit log)")
    e.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    e.set_defaults(func=cmd_learner_erase)
    p = sub.add_parser("retention", help="delete attempts abandoned for longer than the retention period")
    rsub = p.add_subparsers(dest="retention_command", required=True)
    r = rsub.add_parser("run", help="delete now")
    r.add_argument("--days", type=int, help="override CPD_RETENTION_ABANDONED_DAYS")
    r.set_defaults(func=cmd_retention_run)

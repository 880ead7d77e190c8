"""Command-line subcommands of the platform: ``migrate`` and ``audit verify``.

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
    settings = get_settings()
    if settings.database_url is None and not (settings.data_dir / "cpd.sqlite3").exists():
        return None
    from cpd.storage.db import open_store

    return open_store(settings.effective_database_url)


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

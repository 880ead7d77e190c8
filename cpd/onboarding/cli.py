"""``python -m cpd roster import --org ORG FILE.csv`` and ``python -m cpd onboarding run`` (the daily job)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cpd.settings import get_settings
from cpd.text import terminal_safe


def _store(args: argparse.Namespace) -> Any:
    factory = getattr(args, "session_factory", None)
    if factory is not None:
        return factory
    from cpd.storage.db import open_store

    return open_store(get_settings().effective_database_url)


def cmd_roster_import(args: argparse.Namespace) -> int:
    from cpd.accounts.directory import organisation_by_slug
    from cpd.onboarding import roster
    from cpd.onboarding.assignments import Rules

    store = _store(args)
    with store() as session:
        org = organisation_by_slug(session, args.org)
    if org is None:
        print(f"error: no organisation {terminal_safe(args.org)!r} (python -m cpd org list)", file=sys.stderr)
        return 2
    parsed = roster.check_file(store, org.id, Path(args.file).read_bytes(), allow_windows_1252=args.windows_1252)
    if parsed.needs_encoding_confirmation:
        print("error: the file is not UTF-8. Read as Windows-1252 the names would be:", file=sys.stderr)
        for name in parsed.preview:
            print(f"  {terminal_safe(name)}", file=sys.stderr)
        print("If they look right, run again with --windows-1252; nothing was imported.", file=sys.stderr)
        return 1
    for problem in parsed.problems:
        print(terminal_safe(problem), file=sys.stderr)
    try:
        result = roster.import_roster(store, org.id, parsed, good_rows_only=args.good_rows_only,
                                      rules=Rules(_modules(), get_settings().public_url))
    except roster.RosterError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    skipped = f" (skipped line{'s' if len(result.skipped_lines) > 1 else ''} " \
              f"{', '.join(map(str, result.skipped_lines))})" if result.skipped_lines else ""
    print(f"imported {result.imported} {'person' if result.imported == 1 else 'people'}{skipped}")
    return 0


def _modules() -> Any:
    from cpd.onboarding.reminders import module_lookup

    settings = get_settings()
    return module_lookup(settings.modules_dir, settings.questions_dir)


def cmd_onboarding_run(args: argparse.Namespace) -> int:
    from cpd.onboarding import reminders

    settings = get_settings()
    modules = _modules()
    today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    result = reminders.run(_store(args), today, modules, public_url=settings.public_url)
    print(f"reminders queued: {result.reminders_queued}; renewals opened: {result.renewals}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="a clinic's training roster")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    imp = rsub.add_parser("import", help="import staff from a CSV file (name, email, role, start date, "
                                         "registration number optional); all or nothing")
    imp.add_argument("--org", required=True, help="the organisation's short name")
    imp.add_argument("file")
    imp.add_argument("--good-rows-only", action="store_true", help="import the good rows and skip the reported ones")
    imp.add_argument("--windows-1252", action="store_true", help="read a file that is not UTF-8 as Windows-1252")
    imp.set_defaults(func=cmd_roster_import)
    p = sub.add_parser("onboarding", help="clinic onboarding jobs")
    osub = p.add_subparsers(dest="onboarding_command", required=True)
    run = osub.add_parser("run", help="queue due and expiry reminders and open renewals (run daily)")
    run.add_argument("--today", help="YYYY-MM-DD (default: today, UTC)")
    run.set_defaults(func=cmd_onboarding_run)

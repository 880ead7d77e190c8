"""``python -m cpd report completions|evaluations|item-analysis --module ID --from DATE --to DATE [--out FILE]``.

``item-analysis`` covers the self-paced attempts of the module started in the range, on the current content.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cpd import reports
from cpd.platform_cli import _existing_store
from cpd.text import terminal_safe


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace) -> int:
    factory = _existing_store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    try:
        if args.report == "completions":
            rows = reports.completions(factory, args.module, args.date_from, args.date_to)
            data, count = reports.completions_csv(rows), len(rows)
        elif args.report == "item-analysis":
            from cpd import item_analysis_data
            from cpd.onboarding.cli import _modules

            loaded = _modules()(args.module)
            if loaded is None:
                print(f"error: no module {terminal_safe(args.module)!r} in the content folders", file=sys.stderr)
                return 2
            stats = item_analysis_data.for_module(factory, loaded, date_from=args.date_from, date_to=args.date_to)
            data, count = item_analysis_data.csv(stats), stats.participants
        else:
            summary = reports.evaluations(factory, args.module, args.date_from, args.date_to)
            data, count = reports.evaluations_csv(summary), summary.count
    except ValueError as exc:
        print(f"error: {terminal_safe(str(exc))}", file=sys.stderr)
        return 2
    if args.out in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.out).write_bytes(data)
    print(f"{count} {args.report} for {terminal_safe(args.module)} from {args.date_from} to {args.date_to}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="CSV reports: completions, the evaluation summary, or the item analysis")
    p.add_argument("report", choices=("completions", "evaluations", "item-analysis"))
    p.add_argument("--module", required=True, help="module id")
    p.add_argument("--from", dest="date_from", type=_date, required=True, help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--to", dest="date_to", type=_date, required=True, help="last day, inclusive, YYYY-MM-DD (UTC)")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_report)

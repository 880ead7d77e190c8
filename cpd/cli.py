"""``python -m cpd``: the command line beside the web app, over the same engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from cpd.content.loader import load_content, resolve_module
from cpd.content.timing import estimate
from cpd.settings import get_settings


def cmd_validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    paths = [Path(p) for p in args.paths] or [settings.modules_dir, settings.questions_dir]
    content = load_content(paths)
    if content.errors:
        for err in content.errors:
            print(err, file=sys.stderr)
        n = len(content.errors)
        print(f"{n} error{'s' if n != 1 else ''} in the content", file=sys.stderr)
        return 1
    summary = content.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        types = ", ".join(f"{k} {v}" for k, v in summary["items_by_type"].items()) or "none"
        print(
            f"OK: {summary['modules']} module(s), {summary['cases']} case(s), "
            f"{summary['items']} item(s) ({types}), {summary['references']} reference(s)"
        )
        for module_id, module in sorted(content.modules.items()):
            est = estimate(resolve_module(content, module_id))
            print(
                f"  {module_id} {module.version}: claims {module.cpd_hours:g} CPD h / {module.estimated_minutes} min; "
                f"reading and deciding take about {est.minutes:g} min ({est.cpd_hours:g} h)"
            )
    return 0


def build_parser(extensions: Sequence[Callable[[argparse._SubParsersAction], None]] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cpd", description="Reality Check CPD tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check every module and case; exit non-zero on any error")
    p.add_argument("paths", nargs="*", help="files or folders (default: modules/ and questions/)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_validate)
    for register in extensions:
        register(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    from cpd.certificates import cli as certificates_cli

    return [certificates_cli.register]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        extensions = _extensions()
    except ImportError:  # certificates not installed in this checkout yet
        extensions = []
    args = build_parser(extensions).parse_args(argv)
    return int(args.func(args) or 0)

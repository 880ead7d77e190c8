"""``python -m cpd``: the command line beside the web app, over the same engine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from cpd.content.loader import ContentSet, load_content, resolve_module
from cpd.content.timing import estimate
from cpd.settings import get_settings
from cpd.storage.db import existing_store


def cmd_validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    paths = [Path(p) for p in args.paths] or [settings.modules_dir, settings.questions_dir]
    content = load_content(paths)
    if content.errors:
        if not args.json:
            _print_item_writing(content)  # the figures behind any item-writing error
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
            _print_item_writing(content, module_id)
    return 0


def _print_item_writing(content: ContentSet, module_id: str | None = None) -> None:
    """The item-writing summary (``cpd.content.item_writing``) of one module, or of every module it was computed for."""
    for mid, summary in sorted(content.writing.items()):
        if module_id not in (None, mid):
            continue
        print(f"  {mid} item writing:" if module_id is None else "    item writing:")
        for line in summary.lines():
            print(f"      {line}" if module_id else f"    {line}")


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


def cmd_correct(args: argparse.Namespace) -> int:
    """Issue a corrected certificate (new version) for a misspelt name."""
    from cpd.certificates.design import load_default_design
    from cpd.certificates.keys import SigningKeyError, configured_signing_key
    from cpd.certificates.pdf import RenderError
    from cpd.certificates.service import CertificateStateError
    from cpd.completion import correct_name
    from cpd.text import InvalidText, terminal_safe

    settings = get_settings()
    if args.session_factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    try:
        row = correct_name(args.session_factory, args.id, args.name, design=load_default_design(settings.certificates_dir),
                           private_key=configured_signing_key(settings), public_url=settings.public_url)
    except (CertificateStateError, InvalidText, RenderError, SigningKeyError) as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    print(f"issued {row.id} (version {row.version}), superseding {terminal_safe(args.id)}")
    return 0


    return 0


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    from cpd import data_cli, lms_cli, platform_cli, reports_cli
    from cpd.accounts import cli as accounts_cli
    from cpd.certificates import cli as certificates_cli
    from cpd.interop import cli as interop_cli
    from cpd.onboarding import cli as onboarding_cli

    def register_correct(sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser("correct-name", help="issue a corrected certificate (new version) for a misspelt name")
        p.add_argument("id", help="certificate id")
        p.add_argument("--name", required=True, help="the name as it should be printed")
        p.set_defaults(func=cmd_correct)

    return [certificates_cli.register, register_correct, platform_cli.register, accounts_cli.register,
            interop_cli.register, reports_cli.register, onboarding_cli.register, lms_cli.register,
            data_cli.register]


def _session_factory() -> Callable[[], Session] | None:
    """The configured store, but only if one exists: verifying a file must not create a database."""
    return existing_store(get_settings())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_extensions())
    args = parser.parse_args(argv)
    needs_store = (args.command in ("verify", "correct-name", "key", "public-key")
                   or getattr(args, "certificate_command", None) in ("revoke", "upgrade-badges"))
    if getattr(args, "session_factory", None) is None and needs_store:
        args.session_factory = _session_factory()
    return int(args.func(args) or 0)

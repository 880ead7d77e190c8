"""``python -m cpd export|import --format gift|qti``: question banks in and out of the content."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpd.content.loader import load_content, resolve_module
from cpd.interop import gift, qti
from cpd.interop.bank import bank_of, problems, write_bank
from cpd.settings import get_settings
from cpd.text import terminal_safe


def cmd_export(args: argparse.Namespace) -> int:
    settings = get_settings()
    content = load_content([settings.modules_dir, settings.questions_dir])
    if content.errors:
        print(f"error: the content has {len(content.errors)} error(s); run `python -m cpd validate`", file=sys.stderr)
        return 1
    if args.module not in content.modules:
        known = ", ".join(sorted(content.modules)) or "none"
        print(f"error: no module {terminal_safe(args.module)!r} (modules: {known})", file=sys.stderr)
        return 2
    bank = bank_of(resolve_module(content, args.module))
    if args.format == "gift":
        exported = gift.dumps(bank)
        for warning in exported.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        data = exported.text.encode("utf-8")
    else:
        data = qti.package(bank)
    if args.out is None and args.format == "qti":
        args.out = f"{args.module}-qti3.zip"
    if args.out is None or args.out == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.file)
    try:
        data = source.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {terminal_safe(args.file)}: {exc.strerror}", file=sys.stderr)
        return 2
    name = source.stem
    try:
        imported = gift.loads(data.decode("utf-8-sig"), name) if args.format == "gift" else qti.unpack(data, name)
    except (UnicodeDecodeError, qti.PackageError) as exc:
        print(f"error: {terminal_safe(str(exc))}", file=sys.stderr)
        return 1
    out = Path(args.out or f"imported-{name}")
    if (out / "bank.yaml").exists() and not args.force:
        print(f"error: {out} already holds an import; choose another --out or pass --force", file=sys.stderr)
        return 2
    for note in imported.notes:
        print(f"note: {terminal_safe(note)}", file=sys.stderr)
    for path in write_bank(imported, out):
        print(f"wrote {path}")
    found = problems(out)
    if not found:
        n = sum(len(s["items"]) for c in imported.cases for s in c["stages"])
        print(f"OK: {n} item(s) in {len(imported.cases)} case(s) validate; review them, then move the case files "
              "into questions/ and the objectives and references into the module")
        return 0
    print(f"DRAFT: {len(found)} thing(s) to add before these cases validate:", file=sys.stderr)
    for err in found:
        print(f"  {terminal_safe(str(err))}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a module's questions as GIFT (Moodle) or a QTI 3.0 content package")
    p.add_argument("--format", choices=("gift", "qti"), required=True)
    p.add_argument("module", help="module id, e.g. exosome-safety")
    p.add_argument("--out", help="file to write (GIFT default: standard output; QTI default: MODULE-qti3.zip)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", help="read a GIFT file or a QTI 3.0 package into case YAML for review (never into questions/)")
    p.add_argument("--format", choices=("gift", "qti"), required=True)
    p.add_argument("file")
    p.add_argument("--out", help="folder to write (default: imported-<file name>)")
    p.add_argument("--force", action="store_true", help="write over an earlier import in the same folder")
    p.set_defaults(func=cmd_import)

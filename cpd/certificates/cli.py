"""Command-line subcommands: ``certificate sample``, ``certificate revoke``, ``verify``.

``register(subparsers)`` is called by ``cpd/__main__.py``; each subcommand sets
``args.func(args) -> int`` (the exit code). Commands that need the database
read ``args.session_factory`` (a ``sessionmaker``-like callable) which the
caller sets with ``parser.set_defaults(session_factory=...)``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cpd.certificates.bundle import bundle_bytes, sign_record
from cpd.certificates.design import DesignError, load_design
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import SigningKeyError, configured_public_key, configured_signing_key, load_public_key_pem
from cpd.certificates.openbadge import build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import canonical_bytes
from cpd.certificates.request import IssueRequest, build_record
from cpd.certificates.verify import VerificationResult, verify_file
from cpd.text import terminal_safe


def _settings(args: argparse.Namespace) -> Any:
    settings = getattr(args, "settings", None)
    if settings is None:
        from cpd.settings import get_settings

        settings = get_settings()
    return settings


def _sample_module(settings: Any) -> dict[str, Any]:
    """The served module's own facts, so the preview shows real titles and objectives (marked SAMPLE).

    Falls back to placeholder text when the content does not validate, so a design can still be checked.
    """
    from cpd.content.loader import load_content, resolve_module

    content = load_content([settings.modules_dir, settings.questions_dir])
    if content.ok and settings.module_id in content.modules:
        loaded = resolve_module(content, settings.module_id)
        m = loaded.module
        return dict(module_title=f"{m.title} (SAMPLE)", module_id=m.id, module_version=m.version,
                    content_hash=loaded.content_hash, learning_objectives=[o.text for o in m.objectives],
                    cpd_hours=m.cpd_hours, score_percent=100, pass_mark_percent=m.pass_mark,
                    recertification_months=m.recertification_months)
    return dict(module_title="Sample activity (SAMPLE)", module_id=settings.module_id, module_version="sample",
                content_hash="0" * 64, learning_objectives=["Sample objective."], cpd_hours=1,
                score_percent=100, pass_mark_percent=70, recertification_months=24)


def _sample(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = Path(args.out)
    try:
        design = load_design(Path(args.design) if args.design else settings.certificates_dir / "default.yaml")
        key = configured_signing_key(settings)
        now = datetime.now(UTC)
        request = IssueRequest(
            attempt_id="sample",
            learner_name=args.name,
            registration_number=args.registration_number,
            completed_at=now,
            **_sample_module(settings),
        )
        record = build_record(request, design=design, public_url=settings.public_url, issued_at=now)
        signed = sign_record(record, key)
        pdf = render_certificate_pdf(signed, design)
    except (DesignError, SigningKeyError, MissingGlyphsError, ValueError) as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / f"certificate-{record.id}.pdf").write_bytes(pdf)
    (out / f"certificate-{record.id}.json").write_bytes(bundle_bytes(signed))
    (out / f"certificate-{record.id}.badge.json").write_bytes(canonical_bytes(build_badge(record, key, settings.public_url)))
    print(f"wrote {out / f'certificate-{record.id}'}.pdf, .json and .badge.json (id {record.id})")
    # A sample is signed but never stored, so a database check would call it UNKNOWN.
    print(f"check it with: python -m cpd verify {out / f'certificate-{record.id}.pdf'} --offline")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    factory: Callable[[], Any] | None = getattr(args, "session_factory", None)
    if factory is None:
        print("error: revoking needs the database, which this command was not given", file=sys.stderr)
        return 2
    from cpd.certificates.service import CertificateStateError, revoke

    try:
        with factory() as session:
            row = revoke(session, args.id, args.reason)
            session.commit()
            print(f"revoked {terminal_safe(row.id)} at {row.revoked_at:%Y-%m-%d %H:%M} UTC: {terminal_safe(row.revoked_reason)}")
    except (CertificateStateError, ValueError) as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    return 0


def print_result(result: VerificationResult, out: TextIO) -> None:
    if not result.valid:
        print(f"INVALID: {terminal_safe(result.reason)}", file=out)
        return
    print(f"VALID signature ({result.kind})", file=out)
    if result.record is not None:
        for key, value in result.record.model_dump(mode="json").items():
            if isinstance(value, list):
                value = " | ".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            print(f"  {key}: {terminal_safe(value)}", file=out)
    elif result.credential is not None:
        subject = result.credential.get("credentialSubject", {})
        names = [i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict)]
        print(f"  credential: {terminal_safe(result.credential.get('id'))}", file=out)
        print(f"  achievement: {terminal_safe(subject.get('achievement', {}).get('name'))}", file=out)
        print(f"  recipient: {terminal_safe(', '.join(str(n) for n in names))}", file=out)


def _public_key(args: argparse.Namespace) -> Any:
    """The key to verify against: ``--public-key``, else the configured key (never created here)."""
    if args.public_key:
        return load_public_key_pem(Path(args.public_key).read_bytes())
    return configured_public_key(_settings(args))


def _print_pdf_comparison(status: Any, path: Path) -> bool:
    """Compare the PDF's bytes with the issued copy; True unless they differ."""
    try:
        same = status.pdf_matches(path.read_bytes())
    except OSError:
        same = None
    if same is None:
        print("pdf: not compared with the issued PDF (none stored); only the signed record above is authentic")
        return True
    if same:
        print("pdf: identical to the PDF issued (SHA-256 matches the stored copy)")
        return True
    print(
        "pdf: DIFFERS from the PDF issued: the printed page may have been changed; "
        "only the signed record above is authentic"
    )
    return False


def _verify(args: argparse.Namespace) -> int:
    try:
        public_key = _public_key(args)
    except (OSError, SigningKeyError) as exc:
        print(f"error: cannot load the public key: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    if public_key is None:
        print(
            "error: no issuer key is configured (CPD_SIGNING_KEY_PEM or CPD_SIGNING_KEY_FILE); "
            "pass the issuer's public key with --public-key key.pem",
            file=sys.stderr,
        )
        return 2
    result = verify_file(Path(args.file), public_key)
    print_result(result, sys.stdout)
    if not result.valid:
        return 1
    factory = getattr(args, "session_factory", None)
    if args.offline or factory is None or result.certificate_id is None:
        print("status: signature valid (revocation not checked: no database)")
        return 0
    from cpd.certificates.service import lookup

    with factory() as session:
        status = lookup(session, result.certificate_id)
    pdf_ok = _print_pdf_comparison(status, Path(args.file)) if result.kind == "pdf" else True
    if status.status == "valid":
        print("status: valid (checked against the database)")
        return 0 if pdf_ok else 1
    if status.status == "revoked":
        when = f"{status.revoked_at:%Y-%m-%d}" if status.revoked_at else "unknown date"
        print(f"status: REVOKED on {when}: {terminal_safe(status.revoked_reason)}")
    elif status.status == "superseded":
        print(f"status: SUPERSEDED by certificate {terminal_safe(status.superseded_by)}")
    else:
        # Signed with our key but not in our records: a sample, another server's store, or a
        # database restored from an old backup. Not a certificate this server can vouch for.
        print(
            "status: UNKNOWN to this server's records (signature valid; a sample or issued elsewhere "
            "with this key: use --offline to check the signature only)"
        )
    return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``certificate sample|revoke`` and ``verify`` to the app's CLI."""
    cert = subparsers.add_parser("certificate", help="certificate tools")
    cert_sub = cert.add_subparsers(dest="certificate_command", required=True)

    sample = cert_sub.add_parser("sample", help="write a sample signed PDF + JSON (no database)")
    sample.add_argument("--name", required=True, help="learner name to print")
    sample.add_argument("--registration-number", default=None)
    sample.add_argument("--out", required=True, help="output folder")
    sample.add_argument("--design", default=None, help="design YAML (default: certificates/default.yaml)")
    sample.set_defaults(func=_sample)

    rev = cert_sub.add_parser("revoke", help="revoke an issued certificate (database)")
    rev.add_argument("id", help="certificate id")
    rev.add_argument("--reason", required=True)
    rev.set_defaults(func=_revoke)

    ver = subparsers.add_parser(
        "verify",
        help="verify a certificate PDF or JSON; with a database also its status and that the PDF is the one issued",
        description="Exit status: 0 valid; 1 invalid, revoked, superseded, unknown to the database, or a PDF "
        "that differs from the one issued; 2 no key or a usage error.",
    )
    ver.add_argument("file", help="certificate PDF, certificate JSON or Open Badge JSON")
    ver.add_argument("--public-key", default=None, help="issuer public key PEM (default: the configured key)")
    ver.add_argument("--offline", action="store_true", help="do not check revocation in the database")
    ver.set_defaults(func=_verify)


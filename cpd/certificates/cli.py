"""Command-line subcommands: ``certificate sample``, ``certificate revoke``, ``verify``.

``register(subparsers)`` is called by ``cpd/__main__.py``; each subcommand sets
``args.func(args) -> int`` (the exit code). Commands that need the database
read ``args.session_factory`` (a ``sessionmaker``-like callable) which the
caller sets with ``parser.set_defaults(session_factory=...)``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from cpd.certificates.bundle import bundle_bytes, sign_record
from cpd.certificates.design import DesignError, load_design
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import SigningKeyError, load_public_key_pem, signing_key
from cpd.certificates.openbadge import build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import canonical_bytes
from cpd.certificates.request import IssueRequest, build_record
from cpd.certificates.verify import VerificationResult, verify_file
from cpd.text import terminal_safe

safe_text = terminal_safe  # one implementation, in cpd.text


def _settings(args: argparse.Namespace) -> Any:
    settings = getattr(args, "settings", None)
    if settings is None:
        from cpd.settings import get_settings

        settings = get_settings()
    return settings


def _sample(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = Path(args.out)
    try:
        design = load_design(Path(args.design) if args.design else settings.certificates_dir / "default.yaml")
        key = signing_key(settings.effective_signing_key_file)
        now = datetime.now(timezone.utc)
        request = IssueRequest(
            attempt_id="sample",
            learner_name=args.name,
            registration_number=args.registration_number,
            module_title="Reality Check: the safety of exosome products (SAMPLE)",
            module_id=settings.module_id,
            module_version="sample",
            content_hash="0" * 64,
            learning_objectives=[
                "Sample objective: describe what is known about the safety of exosome products.",
                "Sample objective: recognise unsupported product claims.",
            ],
            cpd_hours=2,
            score_percent=90,
            pass_mark_percent=80,
            recertification_months=24,
            completed_at=now,
        )
        record = build_record(request, design=design, public_url=settings.public_url, issued_at=now)
        signed = sign_record(record, key)
        pdf = render_certificate_pdf(signed, design)
    except (DesignError, SigningKeyError, MissingGlyphsError, ValueError) as exc:
        print(f"error: {safe_text(exc)}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / f"certificate-{record.id}.pdf").write_bytes(pdf)
    (out / f"certificate-{record.id}.json").write_bytes(bundle_bytes(signed))
    (out / f"certificate-{record.id}.badge.json").write_bytes(canonical_bytes(build_badge(record, key, settings.public_url)))
    print(f"wrote {out / f'certificate-{record.id}'}.pdf, .json and .badge.json (id {record.id})")
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
            print(f"revoked {safe_text(row.id)} at {row.revoked_at:%Y-%m-%d %H:%M} UTC: {safe_text(row.revoked_reason)}")
    except (CertificateStateError, ValueError) as exc:
        print(f"error: {safe_text(exc)}", file=sys.stderr)
        return 1
    return 0


def print_result(result: VerificationResult, out: TextIO) -> None:
    if not result.valid:
        print(f"INVALID: {safe_text(result.reason)}", file=out)
        return
    print(f"VALID signature ({result.kind})", file=out)
    if result.record is not None:
        for key, value in result.record.model_dump(mode="json").items():
            if isinstance(value, list):
                value = " | ".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            print(f"  {key}: {safe_text(value)}", file=out)
    elif result.credential is not None:
        subject = result.credential.get("credentialSubject", {})
        names = [i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict)]
        print(f"  credential: {safe_text(result.credential.get('id'))}", file=out)
        print(f"  achievement: {safe_text(subject.get('achievement', {}).get('name'))}", file=out)
        print(f"  recipient: {safe_text(', '.join(str(n) for n in names))}", file=out)


def _verify(args: argparse.Namespace) -> int:
    try:
        if args.public_key:
            public_key = load_public_key_pem(Path(args.public_key).read_bytes())
        else:
            settings = _settings(args)
            public_key = signing_key(settings.effective_signing_key_file).public_key()
    except (OSError, SigningKeyError) as exc:
        print(f"error: cannot load the public key: {safe_text(exc)}", file=sys.stderr)
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
    if status.status == "valid":
        print("status: valid (checked against the database)")
        return 0
    if status.status == "revoked":
        when = f"{status.revoked_at:%Y-%m-%d}" if status.revoked_at else "unknown date"
        print(f"status: REVOKED on {when}: {safe_text(status.revoked_reason)}")
    elif status.status == "superseded":
        print(f"status: SUPERSEDED by certificate {safe_text(status.superseded_by)}")
    else:
        # The signature is ours, so the record is authentic; a sample or another replica's store.
        print("status: signature valid; not in this server's records (a sample, or issued with this key elsewhere)")
        return 0
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

    ver = subparsers.add_parser("verify", help="verify a certificate PDF or JSON offline")
    ver.add_argument("file", help="certificate PDF, certificate JSON or Open Badge JSON")
    ver.add_argument("--public-key", default=None, help="issuer public key PEM (default: the configured key)")
    ver.add_argument("--offline", action="store_true", help="do not check revocation in the database")
    ver.set_defaults(func=_verify)

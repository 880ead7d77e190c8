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
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

from cpd.certificates.bundle import bundle_bytes, sign_record
from cpd.certificates.design import DesignError, load_design
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import SigningKeyError, configured_public_key, configured_signing_key, load_public_key_pem
from cpd.certificates.openbadge import PROOF_FORMS, KeyRing, build_badge, keyring
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import canonical_bytes
from cpd.certificates.request import IssueRequest, build_record
from cpd.certificates.verify import Status, VerificationResult, printed_certificate_id, verify_file
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
                    cpd_hours=m.cpd_hours, maximum_hours=m.cpd_hours, edition_date=m.last_review_date,
                    score_percent=100, pass_mark_percent=m.pass_mark,
                    recertification_months=m.recertification_months)
    return dict(module_title="Sample activity (SAMPLE)", module_id=settings.module_id, module_version="sample",
                content_hash="0" * 64, learning_objectives=["Sample objective."], cpd_hours=1,
                score_percent=100, pass_mark_percent=70, recertification_months=24)


_PARTICIPATION_SAMPLE: dict[str, Any] = dict(awarded_for="participation", delivery_format="workshop",
                                             venue="Sample venue (SAMPLE)", score_percent=None, pass_mark_percent=None)


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
            profession=args.profession,
            completed_at=now,
            # --participation previews an attendance workshop's certificate: no score, no pass mark.
            **{**_sample_module(settings), **(_PARTICIPATION_SAMPLE if getattr(args, "participation", False) else {})},
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
    from cpd.admin import revoke_certificate
    from cpd.certificates.service import CertificateStateError

    try:  # the same door as the Administration page: the revocation and its audit entry in one transaction
        row = revoke_certificate(cast("sessionmaker[Session]", factory), args.id, args.reason)
        print(f"revoked {terminal_safe(row.id)} at {row.revoked_at:%Y-%m-%d %H:%M} UTC: {terminal_safe(row.revoked_reason)}")
    except (CertificateStateError, ValueError) as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    return 0


def _record_lines(record: Any, out: TextIO) -> None:
    for key, value in record.model_dump(mode="json").items():
        if isinstance(value, list):
            value = " | ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        print(f"  {key}: {terminal_safe(value)}", file=out)


HEADLINES = {
    Status.VALID: "GENUINE",
    Status.EXPIRED: "EXPIRED",
    Status.NOT_YET_VALID: "NOT YET IN FORCE",
    Status.UNCHECKABLE: "CANNOT BE CHECKED FROM THIS FILE",
}


def print_result(result: VerificationResult, out: TextIO) -> None:
    """The file check in plain words. Never the word "valid" for a file that does not match its record."""
    if result.status is Status.INVALID:
        headline = "DOES NOT MATCH" if result.differences else "NOT GENUINE"
        print(f"{headline}: {terminal_safe(result.reason)}", file=out)
        if result.differences and result.record is not None:
            r = result.record
            print("The signed record attached to this file (genuine, but not what the page shows) says:", file=out)
            for label, value in [("name", r.learner_name), ("registration number", r.registration_number),
                                 ("activity", r.activity_title), ("completed", r.completion_date),
                                 ("CPD hours", f"{r.cpd_hours:g}"), ("provider", r.provider),
                                 ("certificate ID", r.id), ("in force until", r.valid_until)]:
                if value is not None:
                    print(f"  {label}: {terminal_safe(value)}", file=out)
        return
    print(f"{HEADLINES[result.status]}: {terminal_safe(result.summary())}", file=out)
    if result.status is Status.UNCHECKABLE:
        return
    if result.kind == "pdf" and result.page is not None and result.page.rtl_by_letters:
        print("  (right-to-left text was compared by its letters only: PDF text extraction loses its order)", file=out)
    if result.key_id:
        print(f"  signed with key {terminal_safe(result.key_id)}", file=out)
    if result.record is not None:
        _record_lines(result.record, out)
    elif result.credential is not None:
        subject = result.credential.get("credentialSubject", {})
        names = [i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict)]
        print(f"  proof: {terminal_safe(PROOF_FORMS.get(result.proof_form or '', '?'))}", file=out)
        print(f"  credential: {terminal_safe(result.credential.get('id'))}", file=out)
        print(f"  achievement: {terminal_safe(subject.get('achievement', {}).get('name'))}", file=out)
        print(f"  recipient: {terminal_safe(', '.join(str(n) for n in names))}", file=out)


def _keys(args: argparse.Namespace) -> KeyRing | None:
    """The keys to verify against: ``--public-key`` alone, else every key in the key table plus the configured one.

    Never creates a key: checking against a key made up on the spot would only ever say "not genuine".
    """
    if args.public_key:
        return keyring(load_public_key_pem(Path(args.public_key).read_bytes()))
    configured = configured_public_key(_settings(args))
    factory = getattr(args, "session_factory", None)
    if factory is not None:
        from cpd.certificates.key_registry import published_keys

        with factory() as session:
            keys = published_keys(session, *([configured] if configured else []))
        return keys or None
    return keyring(configured) if configured else None


def _print_pdf_comparison(status: Any, path: Path) -> bool:
    """Compare the PDF's bytes with the issued copy; True only when they are identical."""
    try:
        same = status.pdf_matches(path.read_bytes())
    except OSError:
        same = None
    if same is None:
        print("pdf: not compared with the issued PDF (none stored); only the signed record above is authentic")
        return False
    if same:
        print("pdf: this file is exactly the PDF issued (SHA-256 matches the stored copy)")
        return True
    print(
        "pdf: this file is NOT byte for byte the PDF issued (re-saved or edited after issue); "
        "only the signed record above is authentic: compare the page with it, or ask for the original"
    )
    return False


def _uncheckable_hint(path: Path) -> None:
    """A re-saved certificate lost its attachment but may still show its id: point at the online check."""
    try:
        cert_id = printed_certificate_id(path.read_bytes())
    except OSError:
        return
    if cert_id:
        print(f"The page shows certificate ID {terminal_safe(cert_id)}: check it online at "
              f"<public URL>/?verify={terminal_safe(cert_id)} and compare this page with the PDF offered there.")


def _verify(args: argparse.Namespace) -> int:
    try:
        keys = _keys(args)
    except (OSError, SigningKeyError) as exc:
        print(f"error: cannot load the public key: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    if not keys:
        print(
            "error: no issuer key is configured (CPD_SIGNING_KEY_PEM or CPD_SIGNING_KEY_FILE); "
            "pass the issuer's public key with --public-key key.pem",
            file=sys.stderr,
        )
        return 2
    path = Path(args.file)
    result = verify_file(path, keys)
    print_result(result, sys.stdout)
    if result.status is Status.UNCHECKABLE:
        _uncheckable_hint(path)
        return 3
    if result.status is not Status.VALID:
        return 1
    factory = getattr(args, "session_factory", None)
    if args.offline or factory is None or result.certificate_id is None:
        if result.kind == "pdf":
            print("status: not checked online (offline): only the verification link can say this file is the one issued")
        else:
            print("status: revocation not checked (offline)")
        return 0
    from cpd.certificates.service import lookup

    with factory() as session:
        status = lookup(session, result.certificate_id)
    pdf_ok = _print_pdf_comparison(status, path) if result.kind == "pdf" else True
    if status.status == "valid":
        if pdf_ok:
            print("status: VALID and current (checked against the issuer's records)")
            return 0
        print("status: the certificate is current in the issuer's records, but this file is not the one issued")
        return 1
    if status.status == "revoked":
        when = f"{status.revoked_at:%Y-%m-%d}" if status.revoked_at else "unknown date"
        print(f"status: REVOKED on {when}: {terminal_safe(status.revoked_reason)}")
    elif status.status == "superseded":
        print(f"status: SUPERSEDED by certificate {terminal_safe(status.superseded_by)}")
    else:
        # Signed with our key but not in our records: a sample, another server's store, or a
        # database restored from an old backup. Not a certificate this server can vouch for.
        print(
            "status: UNKNOWN to this server's records (signature genuine; a sample or issued elsewhere "
            "with this key: use --offline to check the signature only)"
        )
    return 1


def _public_key_cmd(args: argparse.Namespace) -> int:
    """Print the public key(s) verifiers check against; never creates a key."""
    from cpd.certificates.keys import public_key_pem

    settings = _settings(args)
    try:
        configured = configured_public_key(settings)
    except SigningKeyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    if args.all:
        factory = getattr(args, "session_factory", None)
        if factory is None:
            print("error: --all lists the key table, which needs the database", file=sys.stderr)
            return 2
        from cpd.certificates.key_registry import key_rows

        with factory() as session:
            rows = key_rows(session)
        for row in rows:
            state = f"retired {row.retired_at:%Y-%m-%d}" if row.retired_at else "current"
            print(f"# key {row.id}, created {row.created_at:%Y-%m-%d}, {state}")
            print(row.public_key_pem, end="")
        if rows:
            return 0
    if configured is None:
        print(
            "error: no signing key is configured (CPD_SIGNING_KEY_FILE or CPD_SIGNING_KEY_PEM); "
            "this command never creates one",
            file=sys.stderr,
        )
        return 2
    print(public_key_pem(configured), end="")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    """Make a new signing key; the old one is retired (kept in the table, so its certificates still verify)."""
    factory: Callable[[], Any] | None = getattr(args, "session_factory", None)
    if factory is None:
        print("error: rotating needs the database (the key table); set CPD_DATABASE_URL or CPD_DATA_DIR",
              file=sys.stderr)
        return 2
    from cpd.certificates.key_registry import rotate

    settings = _settings(args)
    try:
        current = configured_public_key(settings)
        current_private = configured_signing_key(settings) if current is not None else None
    except SigningKeyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    from_secret = bool(settings.signing_key_pem)
    if args.out:
        target, replace = Path(args.out), False
    elif from_secret:
        print("error: the key comes from the secret CPD_SIGNING_KEY_PEM; write the new one with --out FILE "
              "and put its contents in the secret", file=sys.stderr)
        return 2
    else:
        target, replace = Path(settings.effective_signing_key_file), True
    if not replace and target.exists():
        print(f"error: {terminal_safe(target)} exists; choose a new file", file=sys.stderr)
        return 2
    with factory() as session:
        done = rotate(session, target, current=current_private, replace_file=replace)
        session.commit()
    print(f"new signing key {done.new_key_id} written to {terminal_safe(done.key_file)} (mode 0600)")
    if done.retired:
        print(f"retired: {', '.join(done.retired)} (still listed, so certificates signed with them keep verifying)")
    if done.old_file_moved_to:
        print(f"the old private key was moved to {terminal_safe(done.old_file_moved_to)}; delete it once backed up")
    if not replace:
        print("now set CPD_SIGNING_KEY_FILE (or the secret CPD_SIGNING_KEY_PEM) on every replica to the new key "
              "and restart them")
    else:
        print("restart every process that signs certificates so it loads the new key")
    return 0


def _upgrade_badges(args: argparse.Namespace) -> int:
    factory: Callable[[], Any] | None = getattr(args, "session_factory", None)
    if factory is None:
        print("error: upgrading badges needs the database", file=sys.stderr)
        return 2
    from cpd.certificates.service import upgrade_badges

    settings = _settings(args)
    try:
        key = configured_signing_key(settings)
    except SigningKeyError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    with factory() as session:
        done = upgrade_badges(session, key, settings.public_url)
        session.commit()
    print(f"re-signed {len(done)} badge(s) in the W3C Recommendation form; records and PDFs unchanged")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``certificate sample|revoke`` and ``verify`` to the app's CLI."""
    cert = subparsers.add_parser("certificate", help="certificate tools")
    cert_sub = cert.add_subparsers(dest="certificate_command", required=True)

    sample = cert_sub.add_parser("sample", help="write a sample signed PDF + JSON (no database)")
    sample.add_argument("--name", required=True, help="learner name to print")
    sample.add_argument("--registration-number", default=None)
    sample.add_argument("--profession", default=None, help="profession to print beside the name")
    sample.add_argument("--out", required=True, help="output folder")
    sample.add_argument("--design", default=None, help="design YAML (default: certificates/default.yaml)")
    sample.add_argument("--participation", action="store_true",
                        help="preview a certificate of participation (attendance workshop: no score or pass mark)")
    sample.set_defaults(func=_sample)

    rev = cert_sub.add_parser("revoke", help="revoke an issued certificate (database)")
    rev.add_argument("id", help="certificate id")
    rev.add_argument("--reason", required=True)
    rev.set_defaults(func=_revoke)

    upg = cert_sub.add_parser("upgrade-badges", help="re-sign badges issued before the W3C Recommendation proof "
                              "form (adds did:web and revocation status; records and PDFs unchanged)")
    upg.set_defaults(func=_upgrade_badges)

    ver = subparsers.add_parser(
        "verify",
        help="verify a certificate PDF or JSON; with a database also its status and that the PDF is the one issued",
        description="Exit status: 0 genuine (offline) or valid and current (online); 1 not genuine, a page that "
        "does not match its record, expired or not yet in force, revoked, superseded, unknown to the database, "
        "or a PDF that differs from the one issued; 2 no key or a usage error; 3 the file carries no signed record "
        "(use the verification link or ask for the original).",
    )
    ver.add_argument("file", help="certificate PDF, certificate JSON or Open Badge JSON")
    ver.add_argument("--public-key", default=None, help="issuer public key PEM (default: the configured key)")
    ver.add_argument("--offline", action="store_true", help="do not check revocation in the database")
    ver.set_defaults(func=_verify)

    pub = subparsers.add_parser("public-key", help="print the public key verifiers check certificates against")
    pub.add_argument("--all", action="store_true", help="every key in the key table, current and retired")
    pub.set_defaults(func=_public_key_cmd)

    key = subparsers.add_parser("key", help="signing key tools")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    rot = key_sub.add_parser("rotate", help="make a new signing key and retire the current one (database)")
    rot.add_argument("--out", default=None,
                     help="write the new private key here (required when the key comes from CPD_SIGNING_KEY_PEM); "
                          "default: replace CPD_SIGNING_KEY_FILE, keeping the old file beside it")
    rot.set_defaults(func=_rotate)


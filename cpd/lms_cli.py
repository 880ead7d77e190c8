"""``python -m cpd xapi export`` and ``python -m cpd lti add-platform | platforms`` (issue 16: learning records and LMS launch)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from cpd.settings import get_settings
from cpd.text import terminal_safe


def _store(args: argparse.Namespace):  # noqa: ANN202 - a sessionmaker or None
    from cpd.platform_cli import _existing_store

    return _existing_store(args)


def _date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or an ISO 8601 time): {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cmd_xapi_export(args: argparse.Namespace) -> int:
    """Every attempt's statements as one JSON array (what the LRS would have received), to a file."""
    from cpd.xapi.records import export

    factory = _store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    with factory() as session:
        found = export(session, get_settings().public_url, module_id=args.module, since=args.since)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {len(found)} statement{'s' if len(found) != 1 else ''} to {terminal_safe(str(out))}")
    return 0


def cmd_lti_add_platform(args: argparse.Namespace) -> int:
    from cpd.lti.platforms import PlatformError, PlatformInput, add_platform
    from cpd.storage.db import open_store, transaction

    factory = _store(args) or open_store(get_settings().effective_database_url)
    data = PlatformInput(issuer=args.issuer, client_id=args.client_id, auth_url=args.auth_url, token_url=args.token_url,
                         jwks_url=args.jwks_url, deployment_id=args.deployment_id)
    try:
        with transaction(factory) as session:
            platform, new = add_platform(session, args.org, data)
            pid, deployments = platform.id, platform.deployment_ids_json
    except PlatformError as exc:
        print(f"error: {terminal_safe(exc)}", file=sys.stderr)
        return 2
    base = get_settings().public_url.rstrip("/")
    print(f"{'registered' if new else 'updated'} platform {pid} for {terminal_safe(args.org)}; deployments "
          f"{terminal_safe(deployments)}")
    print(f"Tool settings for the platform: login URL {base}/lti/login, redirect URL {base}/lti/launch, "
          f"public keyset URL {base}/lti/jwks.json")
    return 0


def cmd_lti_platforms(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from cpd.storage.tables import LtiPlatform, Organisation

    factory = _store(args)
    if factory is None:
        print("error: no database found; set CPD_DATABASE_URL or CPD_DATA_DIR", file=sys.stderr)
        return 2
    with factory() as session:
        rows = session.execute(select(LtiPlatform, Organisation.slug).join(
            Organisation, Organisation.id == LtiPlatform.organisation_id).order_by(Organisation.slug, LtiPlatform.issuer))
        for platform, slug in rows:
            print(terminal_safe(f"{slug}\t{platform.issuer}\t{platform.client_id}\t{platform.deployment_ids_json}"))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    x = subparsers.add_parser("xapi", help="xAPI learning records")
    x_sub = x.add_subparsers(dest="xapi_command", required=True)
    e = x_sub.add_parser("export", help="write every attempt's xAPI statements to a JSON file (no LRS needed)")
    e.add_argument("--module", default=None, help="only this module's attempts")
    e.add_argument("--from", dest="since", type=_date, default=None, help="only attempts started on or after this date")
    e.add_argument("--out", required=True, help="the JSON file to write (an array of statements)")
    e.set_defaults(func=cmd_xapi_export)

    lti = subparsers.add_parser("lti", help="LTI 1.3: learning platforms that launch the module")
    lti_sub = lti.add_subparsers(dest="lti_command", required=True)
    a = lti_sub.add_parser("add-platform", help="register an LMS for an organisation (again: adds a deployment id)")
    a.add_argument("--org", required=True, help="the organisation's slug")
    a.add_argument("--issuer", required=True, help="the platform's issuer (Moodle: its site URL)")
    a.add_argument("--client-id", required=True, help="the client id the platform gave the tool")
    a.add_argument("--auth-url", required=True, help="the platform's OIDC authentication request URL")
    a.add_argument("--token-url", required=True, help="the platform's OAuth 2 access token URL")
    a.add_argument("--jwks-url", required=True, help="the platform's public keyset URL")
    a.add_argument("--deployment-id", required=True, help="the deployment id the platform gave the tool")
    a.set_defaults(func=cmd_lti_add_platform)
    ls = lti_sub.add_parser("platforms", help="list registered platforms")
    ls.set_defaults(func=cmd_lti_platforms)

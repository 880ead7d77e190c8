"""``python -m cpd user ...`` and ``python -m cpd org ...``: the first administrator, organisations, invitations.

The command line is the deployment's operator: it may do what an administrator
may. Passwords are typed twice without echo, or read as one line from stdin
(for scripts); there is never a default.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cpd.settings import get_settings
from cpd.text import terminal_safe


def _store(args: argparse.Namespace) -> Any:
    factory = getattr(args, "session_factory", None)
    if factory is not None:
        return factory
    from cpd.storage.db import open_store

    return open_store(get_settings().effective_database_url)


def _read_password() -> str | None:
    if sys.stdin.isatty():
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("The same password again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return None
        return password
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _fail(exc: BaseException) -> int:
    print(f"error: {terminal_safe(exc)}", file=sys.stderr)
    return 1


def cmd_user_add(args: argparse.Namespace) -> int:
    from cpd.accounts import directory
    from cpd.accounts.passwords import WeakPassword

    password = _read_password()
    if password is None:
        return 1
    if not password:
        print("error: no password given (type it, or pipe one line into stdin)", file=sys.stderr)
        return 1
    try:
        account = directory.create_account(_store(args), args.email, role=args.role, org_slug=args.org,
                                           password=password, name=args.name)
    except (ValueError, WeakPassword) as exc:
        return _fail(exc)
    print(f"added {terminal_safe(account.email)} as {args.role}" + (f" in {terminal_safe(args.org)}" if args.org else ""))
    return 0


def cmd_user_invite(args: argparse.Namespace) -> int:
    from cpd.accounts import links

    try:
        account = links.invite(_store(args), args.email, role=args.role, org_slug=args.org, name=args.name,
                               public_url=get_settings().public_url)
    except ValueError as exc:
        return _fail(exc)
    print(f"invited {terminal_safe(account.email)} as {args.role}: the e-mail with their link is in the outbox")
    return 0


def cmd_user_reset(args: argparse.Namespace) -> int:
    from cpd.accounts import links

    links.request_password_reset(_store(args), args.email, org_slug=args.org, public_url=get_settings().public_url)
    print("if that address has an account, a password-reset link is in the outbox")
    return 0


def cmd_user_migrate_admin(args: argparse.Namespace) -> int:
    """Once: the retired shared password (CPD_ADMIN_PASSWORD_HASH) becomes an administrator account's password."""
    from cpd.accounts import directory

    password_hash = get_settings().admin_password_hash
    if not password_hash:
        print("error: CPD_ADMIN_PASSWORD_HASH is not set; make an administrator with "
              "`python -m cpd user add --role admin EMAIL` instead", file=sys.stderr)
        return 1
    try:
        account = directory.create_account(_store(args), args.email, role="admin", password_hash=password_hash,
                                           name=args.name, action="account.migrate_admin")
    except ValueError as exc:
        return _fail(exc)
    print(f"added administrator {terminal_safe(account.email)} with the old shared password; "
          "now remove CPD_ADMIN_PASSWORD_HASH from the environment and secrets (it is ignored from now on)")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from cpd.accounts import directory

    viewer = directory.Principal("cli", "", None, None, None, None, frozenset({"admin"}))
    for a in directory.list_accounts(_store(args), viewer=viewer):
        status = "disabled" if a.disabled else "active" if a.has_password else "invited"
        print("\t".join(terminal_safe(v) for v in (a.email, a.organisation_slug or "-", ",".join(a.roles), status)))
    return 0


def cmd_org_add(args: argparse.Namespace) -> int:
    from cpd.accounts import directory

    try:
        org = directory.create_organisation(_store(args), args.name, args.slug)
    except ValueError as exc:
        return _fail(exc)
    print(f"added organisation {terminal_safe(org.name)} with the short name {terminal_safe(org.slug)}")
    return 0


def cmd_org_list(args: argparse.Namespace) -> int:
    from cpd.accounts import directory

    for org in directory.list_organisations(_store(args)):
        print(f"{terminal_safe(org.slug)}\t{terminal_safe(org.name)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from cpd.accounts.directory import ROLES

    user = sub.add_parser("user", help="staff accounts: add, invite, reset a password, migrate the old admin password")
    users = user.add_subparsers(dest="user_command", required=True)
    for name, func, helptext in (("add", cmd_user_add, "add an account with a password (typed twice, or one line on stdin)"),
                                 ("invite", cmd_user_invite, "add an account and e-mail them a link to choose a password")):
        p = users.add_parser(name, help=helptext)
        p.add_argument("email")
        p.add_argument("--role", required=True, choices=ROLES)
        p.add_argument("--org", help="the organisation's short name (every role but admin)")
        p.add_argument("--name", help="the person's name (optional)")
        p.set_defaults(func=func)
    p = users.add_parser("reset", help="e-mail a password-reset link")
    p.add_argument("email")
    p.add_argument("--org", help="only the account in this organisation")
    p.set_defaults(func=cmd_user_reset)
    p = users.add_parser("migrate-admin", help="once: make an administrator account from CPD_ADMIN_PASSWORD_HASH")
    p.add_argument("email")
    p.add_argument("--name")
    p.set_defaults(func=cmd_user_migrate_admin)
    p = users.add_parser("list", help="every account, its organisation, roles and status")
    p.set_defaults(func=cmd_user_list)

    org = sub.add_parser("org", help="organisations")
    orgs = org.add_subparsers(dest="org_command", required=True)
    p = orgs.add_parser("add", help="add an organisation")
    p.add_argument("name")
    p.add_argument("--slug", help="short name used in sign-in and commands (default: made from the name)")
    p.set_defaults(func=cmd_org_add)
    p = orgs.add_parser("list", help="every organisation")
    p.set_defaults(func=cmd_org_list)

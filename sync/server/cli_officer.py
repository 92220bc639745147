"""`sala server officer add|list` (back-office accounts; the first admin is made here),
`sala server officer disable|enable|reset-password|reset-totp|end-sessions USERNAME` and
`sala server settings show|set`: what an admin does in the console, from the server's shell,
for the first admin locked out (a lost phone, a forgotten password, every admin disabled).

They call the same functions as the console (console/account_admin.py, server_settings.py),
audited as `cli`, unrestricted on purpose: whoever runs them is the machine's operator (they can
read the database anyway), so no ministry, jurisdiction or all-ministries rule applies here, as
it does to admins in the console. A password reset here, too, must be changed by its owner at
the next sign-in. Registered by cli.py (`register_accounts` in its place among the
subcommands, `register_commands` through MORE_COMMANDS); imports only argparse until a command
runs, like cli.py.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

ACTIONS = {
    "disable": "disable an account; its sessions end at once (never the last enabled admin)",
    "enable": "enable a disabled account again",
    "reset-password": "a new password (made and printed once, or read with --password-stdin); "
    "sessions end, failed sign-ins are forgotten, and the owner must change it at next sign-in",
    "reset-totp": "a new TOTP secret, its enrolment URI printed once to hand over in person: "
    "the old authenticator stops working, the first sign-in with a new code enrols it",
    "end-sessions": "end every session of the account now",
}
SETTINGS = ("audit_share", "hall_hours", "override_share")


def register_accounts(cmds: Any, common: Any) -> None:
    """`officer add|list`: back-office accounts (/console/); the first admin is made here."""
    officer = cmds.add_parser(
        "officer", help="back-office accounts: add, list, disable, enable, reset-…, end-sessions"
    )
    common(officer, sub=True)
    sub = officer.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    c = sub.add_parser("add", help="add an account; prints its id and TOTP enrolment URI")
    common(c, sub=True)
    c.add_argument("--username", required=True)
    c.add_argument("--display-name", required=True)
    c.add_argument("--role", required=True, choices=["officer", "supervisor", "admin"])
    c.add_argument("--ministry", required=True, help="interior, mpwt, commerce, justice, … or *")
    c.add_argument("--jurisdiction", required=True, help="province/district codes, or all")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    c.add_argument("--no-totp", action="store_true", help="officer role only: no second factor")
    c.set_defaults(func=cmd_officer_add)
    c = sub.add_parser("list", help="list accounts: id, username, role, ministry, jurisdiction")
    common(c, sub=True)
    c.set_defaults(func=cmd_officer_accounts)
    register_officer_actions(sub, common)  # disable, enable, reset-password, reset-totp, …


def register_officer_actions(sub: Any, common: Any) -> None:
    """Add the admin actions to `officer` (after its `add|list`)."""
    for name, text in ACTIONS.items():
        c = sub.add_parser(name, help=text)
        common(c, sub=True)
        c.add_argument("username", metavar="USERNAME", help="the account's username or id")
        if name == "reset-password":
            c.add_argument(
                "--password-stdin", action="store_true", help="read the new password from stdin"
            )
        c.set_defaults(func=cmd_officer_action, officer_action=name)


def register_commands(cmds: Any, common: Any) -> None:
    settings = cmds.add_parser("settings", help="second-look settings: show, set")
    common(settings, sub=True)
    sub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    c = sub.add_parser("show", help="the settings in force, as JSON")
    common(c, sub=True)
    c.set_defaults(func=cmd_settings_show)
    c = sub.add_parser(
        "set",
        help="set one (checked as the console's settings page does)",
        description='e.g. settings set hall_hours \'{"days": [0,1,2,3,4,5], "open": "07:00", '
        '"close": "17:00"}\'; audit_share \'{"share": 0.02, "communes": {"120101": 0.1}}\'; '
        'override_share \'{"days": 30, "share": 0.25, "min": 20}\' (shares are fractions)',
    )
    common(c, sub=True)
    c.add_argument("name", choices=SETTINGS)
    c.add_argument("value", metavar="JSON")
    c.set_defaults(func=cmd_settings_set)


def cmd_officer_add(args: argparse.Namespace) -> int:
    import getpass

    from sync.server.cli import _context
    from sync.server.console import accounts

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 2
    try:
        account, secret = accounts.create(
            _context(args).engine,
            username=args.username,
            display_name=args.display_name,
            password=password,
            role=args.role,
            ministry=args.ministry,
            jurisdiction=args.jurisdiction,
            created_by="cli",
            totp=not args.no_totp,
        )
    except accounts.AccountError as exc:  # English, then the same refusal in Khmer
        from sync.server.console.i18n import t

        print(exc, file=sys.stderr)
        print(t(exc.code, "km", **exc.values), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{account.id}\t{account.username}")
    if secret:
        print(accounts.totp_uri(secret, account.username))
        print("scan the URI above into an authenticator app (shown once)", file=sys.stderr)
    return 0


def cmd_officer_accounts(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.console import accounts

    rows = accounts.list_accounts(_context(args).engine)
    for a in rows:
        print(f"{a.id}\t{a.username}\t{a.role}\t{a.ministry}\t{','.join(a.jurisdiction)}")
    print(f"{len(rows)} account(s).", file=sys.stderr)
    return 0


def cmd_officer_action(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.console import account_admin, accounts

    engine = _context(args).engine
    found = account_admin.find(engine, args.username)
    if found is None:
        print(f"no account {args.username!r}; see `sala server officer list`", file=sys.stderr)
        return 1
    account_id, name = found.account.id, found.account.username
    try:
        if args.officer_action in ("disable", "enable"):
            account_admin.set_enabled(engine, None, account_id, args.officer_action == "enable")
            print(f"{name} {args.officer_action}d")
        elif args.officer_action == "reset-totp":
            secret = account_admin.reset_totp(engine, None, account_id)
            print(accounts.totp_uri(secret, name))
            print(f"{name}: new authenticator, shown once: give its QR in person", file=sys.stderr)
        elif args.officer_action == "end-sessions":
            n = account_admin.end_sessions(engine, None, account_id)
            print(f"{name}: {n} session(s) ended")
        else:
            chosen = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
            password = account_admin.reset_password(engine, None, account_id, chosen)
            if chosen is None:
                print(password)
                print(
                    f"new password of {name}: shown once, give it in person; "
                    "they choose their own at the next sign-in",
                    file=sys.stderr,
                )
            else:
                print(f"{name}: password set (they choose their own at the next sign-in)")
    except account_admin.AdminRefusal as exc:
        print(f"{name}: {exc.text}. Nothing was changed.", file=sys.stderr)
        return 1
    return 0


def cmd_settings_show(args: argparse.Namespace) -> int:
    import json

    from sync.server import db
    from sync.server.cli import _context
    from sync.server.console import server_settings

    with db.reading(_context(args).engine) as conn:
        print(json.dumps(server_settings.current(conn), indent=2, sort_keys=True))
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.console import server_settings
    from sync.server.console.i18n import t

    try:
        value = server_settings.from_json(args.name, args.value)
    except server_settings.SettingError as exc:
        for lang in ("en", "km"):
            print(t(exc.code, lang, **exc.values), file=sys.stderr)
        return 2
    server_settings.save(_context(args).engine, None, args.name, value)
    print(f"{args.name} = {value}")
    return 0

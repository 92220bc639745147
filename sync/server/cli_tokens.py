"""`sala server officer-token|officer-revoke|officer-list`: officer bearer tokens (a role, a
jurisdiction, an expiry; sync/server/officers.py) for the API's status and publish routes, made,
revoked and listed from the server's shell. (Back-office accounts: `officer …`, cli_officer.py.)

Registered by cli.py (in its place among the subcommands); like cli.py, this imports only
argparse and the protocol until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sync import protocol as p


def register_commands(cmds: Any, common: Any) -> None:
    c = cmds.add_parser("officer-token", help="make a scoped bearer token for an officer")
    common(c, sub=True)
    c.add_argument("--name", default="officer", help="who holds it (kept in the status log)")
    c.add_argument(
        "--role",
        required=True,
        choices=["decide", "publish", "admin"],
        help="decide: set statuses; publish: catalogs and gazetteers (needs --jurisdiction "
        "all); admin: both",
    )
    c.add_argument(
        "--jurisdiction",
        required=True,
        metavar="CODES",
        help="comma-separated province (12), district (1201) or commune (120101) codes, or all",
    )
    c.add_argument(
        "--expires-days", type=float, default=90.0, help="validity in days (default 90, max 366)"
    )
    c.set_defaults(func=cmd_officer_token)

    c = cmds.add_parser("officer-revoke", help="revoke an officer token (by its id or itself)")
    common(c, sub=True)
    c.add_argument("token", metavar="ID_OR_TOKEN", help="the id officer-list shows, or the token")
    c.set_defaults(func=cmd_officer_revoke)

    c = cmds.add_parser("officer-list", help="list officer tokens: id, role, jurisdiction, state")
    common(c, sub=True)
    c.set_defaults(func=cmd_officer_list)


def _engine(args: argparse.Namespace) -> Any:
    from sync.server.cli import _context

    return _context(args).engine


def cmd_officer_token(args: argparse.Namespace) -> int:
    """Prints the token alone on stdout (scripts capture it); its id and scope go to stderr."""
    from sync.server.officers import make_token

    try:
        token_id, token = make_token(
            _engine(args), args.name, args.role, args.jurisdiction, args.expires_days
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(token)
    print(
        f"token id {token_id}: {args.role} in {args.jurisdiction}, "
        f"expires in {args.expires_days:g} days; shown once, keep it secret",
        file=sys.stderr,
    )
    return 0


def cmd_officer_revoke(args: argparse.Namespace) -> int:
    from sync.server.officers import revoke_token

    if not revoke_token(_engine(args), args.token):
        print("No active officer token with this id.", file=sys.stderr)
        return 1
    print("revoked")
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync.server import db
    from sync.server.officers import list_tokens

    now = db.now()
    for r in list_tokens(_engine(args)):
        if r.revoked_at is not None:
            state = "revoked"
        elif r.expires_at is None or r.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        until = p.format_date(datetime.fromtimestamp(r.expires_at or 0, UTC))
        print(f"{r.id}\t{r.name}\t{r.role}\t{r.jurisdiction}\t{state}\tuntil {until}")
    return 0

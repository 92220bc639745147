"""`sala server partner add|list|revoke`: keys for other government systems and banks that check
receipts and read decisions (sync/server/partner.py). Registered through `cli.MORE_COMMANDS`;
imports only argparse until a command runs, like cli.py."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register_commands(cmds: Any, common: Any) -> None:
    partner = cmds.add_parser("partner", help="partner API keys: add, list, revoke")
    common(partner, sub=True)
    sub = partner.add_subparsers(dest="partner_command", metavar="ACTION", required=True)
    c = sub.add_parser(
        "add",
        help="make a scoped, expiring, rate-limited partner key (shown once)",
        description="The key alone goes to stdout (scripts capture it), its id and scope to "
        "stderr. Only its hash is kept: a lost key is revoked and replaced, never shown again.",
    )
    common(c, sub=True)
    c.add_argument("--name", required=True, help="the partner institution (kept in the audit)")
    c.add_argument(
        "--ministry",
        required=True,
        metavar="CODES",
        help="whose applications it sees: owning-ministry codes of the services "
        "(interior, mpwt, commerce, …), comma-separated, or all",
    )
    c.add_argument(
        "--services",
        default="all",
        metavar="IDS",
        help="catalog service ids, comma-separated, or all (default) within --ministry",
    )
    c.add_argument(
        "--jurisdiction",
        default="all",
        metavar="CODES",
        help="province (12), district (1201) or commune (120101) codes, or all (default)",
    )
    c.add_argument(
        "--rights",
        default="check,decisions",
        help="check (receipts), decisions (the feed), or both (default)",
    )
    c.add_argument(
        "--expires-days", type=float, default=90.0, help="validity in days (default 90, max 366)"
    )
    c.add_argument(
        "--rate", type=float, default=60.0, help="requests per minute, refilled (default 60)"
    )
    c.add_argument("--burst", type=int, default=20, help="requests at once (default 20)")
    c.set_defaults(func=cmd_add)

    c = sub.add_parser("list", help="list keys: id, name, scope, rights, rate, state, expiry")
    common(c, sub=True)
    c.set_defaults(func=cmd_list)

    c = sub.add_parser("revoke", help="revoke a key (by its id or the key itself)")
    common(c, sub=True)
    c.add_argument("key", metavar="ID_OR_KEY", help="the id `partner list` shows, or the key")
    c.set_defaults(func=cmd_revoke)


def cmd_add(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.partner import make_key

    try:
        key_id, key = make_key(
            _context(args).engine,
            args.name,
            ministries=args.ministry,
            services=args.services,
            jurisdiction=args.jurisdiction,
            rights=args.rights,
            expires_days=args.expires_days,
            rate_per_minute=args.rate,
            burst=args.burst,
        )
    except ValueError as exc:
        print(f"sala server partner add: {exc}. No key was made.", file=sys.stderr)
        return 2
    print(key)
    print(
        f"partner key id {key_id}: {args.rights} for ministry {args.ministry}, services "
        f"{args.services}, in {args.jurisdiction}; {args.rate:g}/min (burst {args.burst}); "
        f"expires in {args.expires_days:g} days; shown once, keep it secret",
        file=sys.stderr,
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync import protocol as p
    from sync.server import db
    from sync.server.cli import _context
    from sync.server.partner import list_keys, state

    now = db.now()
    for r in list_keys(_context(args).engine):
        until = p.format_date(datetime.fromtimestamp(r.expires_at, UTC))
        print(
            f"{r.id}\t{r.name}\tministry={r.ministries}\tservices={r.services}\t"
            f"in={r.jurisdiction}\trights={r.rights}\t{r.rate_per_minute:g}/min\t"
            f"{state(r, now)}\tuntil {until}"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.partner import revoke_key

    if not revoke_key(_context(args).engine, args.key):
        print("No active partner key with this id.", file=sys.stderr)
        return 1
    print("revoked")
    return 0

"""`sala server service-owner [SERVICE MINISTRY]`: which ministry owns each service, and a
change of owner from the server's shell.

The console sets an owner only for a service new in a catalog being published (an admin picks
it then); a ministry reorganised, or a service first published from this shell or by the API,
needs its owner named or changed afterwards. `catalog.change_owner` moves the service's
applications and everything counted by ministry with them, in one transaction with its audit
row. Registered by cli.py; imports only argparse until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register_commands(cmds: Any, common: Any) -> None:
    c = cmds.add_parser(
        "service-owner",
        help="list the owning ministry of each service, or give SERVICE to MINISTRY",
    )
    common(c, sub=True)
    c.add_argument("service", nargs="?", metavar="SERVICE", help="a service id in the catalog")
    c.add_argument("ministry", nargs="?", metavar="MINISTRY", help="the ministry's code")
    c.set_defaults(func=cmd_service_owner)


def cmd_service_owner(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from sync.server import catalog, db, officers
    from sync.server.cli import _context
    from sync.server.console.accounts import MINISTRIES

    engine = _context(args).engine
    if args.service is None:
        with db.reading(engine) as conn:
            known = sorted({sid for sid, _v in catalog.known_services(conn)})
            sm = db.service_ministry
            owners = dict(conn.execute(select(sm.c.service_id, sm.c.ministry)).tuples().all())
        for sid in sorted(set(known) | set(owners)):
            print(f"{sid}\t{owners.get(sid, '-')}")
        unowned = [sid for sid in known if sid not in owners]
        if unowned:  # their applications are seen by no ministry's officers until named
            print(f"{len(unowned)} service(s) without an owner.", file=sys.stderr)
        return 0
    if args.ministry is None:
        print("Give the ministry too: service-owner SERVICE MINISTRY", file=sys.stderr)
        return 2
    if args.ministry not in MINISTRIES:
        print(
            f"Unknown ministry {args.ministry!r}: one of {', '.join(MINISTRIES)}", file=sys.stderr
        )
        return 2
    with engine.begin() as conn:
        if args.service not in {sid for sid, _v in catalog.known_services(conn)}:
            print(f"No service {args.service!r} in any published catalog.", file=sys.stderr)
            return 1
        changed = catalog.change_owner(conn, args.service, args.ministry)
        if changed:
            officers.record(
                conn, None, "service_owner", args.service, "ok", detail=args.ministry, who="cli"
            )
    print(f"{args.service}: {args.ministry}" + ("" if changed else " (already its owner)"))
    return 0

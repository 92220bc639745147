"""`sala server end-of-day list|show`, `sala server events REG` and `sala server
purge-registration REG`: the clerk station's records, read (and purged) from the database.

Registered through `sync.server.cli.MORE_COMMANDS`; like cli.py, this imports only argparse and
the protocol until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from sync import protocol as p


def _when(ts: float) -> str:
    return p.format_date(datetime.fromtimestamp(ts, UTC))


def _engine(args: argparse.Namespace) -> Any:
    from sync.server import cli

    return cli._context(args).engine


def register_commands(cmds: Any, common: Any) -> None:
    eod = cmds.add_parser("end-of-day", help="kiosks' signed end-of-day summaries")
    common(eod, sub=True)
    sub = eod.add_subparsers(dest="end_of_day_command", metavar="ACTION", required=True)
    c = sub.add_parser(
        "list", help="newest revision per kiosk and date: counts, fees reported and recorded"
    )
    common(c, sub=True)
    c.add_argument("--commune", metavar="CODE", help="only this commune (6 digits)")
    c.add_argument("--date", metavar="YYYY-MM-DD", help="only this (Cambodia) date")
    c.set_defaults(func=cmd_end_of_day_list)

    c = cmds.add_parser(
        "events", help="a registration's supplements, counter events and status history"
    )
    common(c, sub=True)
    c.add_argument("registration_id")
    c.set_defaults(func=cmd_events)

    c = cmds.add_parser(
        "purge-registration",
        help="remove a registration's personal data; its id then answers 410 purged",
    )
    common(c, sub=True)
    c.add_argument("registration_id")
    c.add_argument("--actor", default="technician", help="who asked (kept in the tombstone)")
    c.add_argument("--force", action="store_true", help="also when it is not in a final status")
    c.set_defaults(func=cmd_purge)


def cmd_end_of_day_list(args: argparse.Namespace) -> int:
    from datetime import date

    from sync.server import db, end_of_day

    if args.commune is not None and not p.is_ascii_digits(args.commune, 6):
        print("--commune must be 6 digits (MEF code), e.g. 120101", file=sys.stderr)
        return 2
    try:
        day = date.fromisoformat(args.date).isoformat() if args.date else None
    except ValueError:
        print("--date must be YYYY-MM-DD", file=sys.stderr)
        return 2
    with db.reading(_engine(args)) as conn:
        rows = end_of_day.reports(conn, commune=args.commune, day=day)
    for r in rows:
        counts = " ".join(f"{k}={r[k]}" for k in p.END_OF_DAY_COUNTS)
        flag = "" if r["fees_total"] == r["fees_recorded"] else "\tFEES DIFFER"
        print(
            f"{r['date']}\t{r['commune_code']}\tkiosk {r['kiosk_number']}\trev {r['revision']}\t"
            f"{counts}\tfees {r['fees_total']}\trecorded {r['fees_recorded']}\t"
            f"signed {r['signed_by']}{flag}"
        )
    print(f"{len(rows)} report(s).", file=sys.stderr)
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from sync.server import clerk_events, db, versions

    regs = db.registrations
    with db.reading(_engine(args)) as conn:
        row = conn.execute(
            select(regs.c.status, regs.c.app_number).where(regs.c.id == args.registration_id)
        ).first()
        if row is None:
            print(f"No registration {args.registration_id}.", file=sys.stderr)
            return 1
        history = conn.execute(
            select(db.status_history)
            .where(db.status_history.c.registration_id == args.registration_id)
            .order_by(db.status_history.c.id)
        ).all()
        supplements = versions.versions_of(conn, args.registration_id)
        events = clerk_events.events_of(conn, args.registration_id)
        arrived = versions.supplement_arrived(conn, args.registration_id)
    print(f"{args.registration_id}\t{row.app_number}\t{row.status}")
    if arrived:
        print("supplement arrived")
    for h in history:
        print(f"{_when(h.at)}\tstatus\t{h.status}\t{h.actor}\t{h.note}")
    for v in supplements:
        body = v["body"]
        fields = ",".join(sorted(body.get("answers", {}))) or "-"
        pages = len(body.get("attachments", []))
        print(
            f"{_when(v['received_at'])}\tversion {v['version']}\tstaff {v['staff_id']}\t"
            f"fields {fields}\tpages {pages}"
        )
    for e in events:
        print(
            f"{_when(e['received_at'])}\t{e['kind']}\tstaff {e['staff_id']}\tat {e['at']}\t"
            f"{p.canonical_text(e['data'])}"
        )
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from sync.server import versions

    try:
        done = versions.purge(
            _engine(args), args.registration_id, f"cli:{args.actor}", force=args.force
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not done:
        print(f"No registration {args.registration_id}.", file=sys.stderr)
        return 1
    print(f"purged {args.registration_id}")
    return 0

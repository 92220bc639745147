"""`sala server staff add|disable|enable|reset|unlock-code|list`: the commune staff roster that
kiosks receive (sync/server/staff.py), from the server's shell.

Registered by cli.py (in its place among the subcommands); like cli.py, this imports only
argparse and the protocol until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sync import protocol as p


def register_commands(cmds: Any, common: Any) -> None:
    """`staff add|disable|enable|reset|unlock-code|list`: the commune roster kiosks receive."""
    staff = cmds.add_parser(
        "staff", help="commune staff: add, disable, enable, reset, unlock-code, list"
    )
    common(staff, sub=True)
    sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    c = sub.add_parser("add", help="add a staff member; prints their id and first-sign-in code")
    common(c, sub=True)
    c.add_argument("--commune", required=True, help="6-digit MEF commune code, e.g. 120101")
    c.add_argument("--name-km", required=True, help="name in Khmer, as the kiosk shows it")
    c.add_argument("--name-en", required=True, help="name in Latin letters")
    c.add_argument("--role", required=True, choices=list(p.STAFF_ROLES))
    c.set_defaults(func=cmd_staff_add)
    for name, text in (
        ("disable", "disable an account (its codes are voided)"),
        ("enable", "enable a disabled account again"),
        ("reset", "forget the PIN; prints a new first-sign-in code"),
        ("unlock-code", "prints a one-time code that unlocks a locked account"),
    ):
        c = sub.add_parser(name, help=text)
        common(c, sub=True)
        c.add_argument("staff_id", metavar="ID")
        c.set_defaults(func=cmd_staff_change, staff_action=name)
    c = sub.add_parser("list", help="list staff: id, commune, role, status, version, PIN, names")
    common(c, sub=True)
    c.add_argument("--commune", help="only this commune")
    c.set_defaults(func=cmd_staff_list)


def _engine(args: argparse.Namespace) -> Any:
    from sync.server.cli import _context

    return _context(args).engine


def _print_code(new: Any, what: str) -> None:
    """The id and code on stdout (tab-separated, for scripts); the warning on stderr."""
    print(f"{new.staff_id}\t{new.code}")
    print(
        f"{what} for {new.staff_id} (roster version {new.version}): shown once, give it to "
        "the person only; the server keeps only its Argon2id verifier",
        file=sys.stderr,
    )


def cmd_staff_add(args: argparse.Namespace) -> int:
    from sync.server import staff

    try:
        new = staff.add(_engine(args), args.commune, args.name_km, args.name_en, args.role)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    _print_code(new, "first sign-in code")
    return 0


def cmd_staff_change(args: argparse.Namespace) -> int:
    from sync.server import staff

    engine = _engine(args)
    try:
        if args.staff_action in ("disable", "enable"):
            status = "disabled" if args.staff_action == "disable" else "active"
            version = staff.set_status(engine, args.staff_id, status)
            print(f"{args.staff_id} {status} (roster version {version})")
        elif args.staff_action == "reset":
            _print_code(staff.reset(engine, args.staff_id), "new first sign-in code")
        else:
            _print_code(staff.unlock_code(engine, args.staff_id), "one-time unlock code")
    except (LookupError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    from sync.server import db, staff

    if args.commune is not None and not p.is_ascii_digits(args.commune, 6):
        print("--commune must be 6 digits (MEF code), e.g. 120101", file=sys.stderr)
        return 2
    with db.reading(_engine(args)) as conn:
        rows = staff.roster(conn, args.commune)
    for r in rows:
        pin = "pin" if r.pin_verifier else "code" if r.first_code_verifier else "none"
        print(
            f"{r.id}\t{r.commune_code}\t{r.role}\t{r.status}\tv{r.version}\t{pin}\t"
            f"{r.name_en}\t{r.name_km}"
        )
    print(f"{len(rows)} staff member(s).", file=sys.stderr)
    return 0

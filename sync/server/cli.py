"""`sala-server` (= `sala server`): run the ministry server, or act directly on its database.

`sala-server [--host --port --db --media-dir --tls-cert --tls-key]` runs it; the subcommands
`enrolment-code`, `officer-token`, `officer-revoke`, `officer-list`, `set-status`, `revoke`,
`review`, `publish`, `staff add|disable|enable|reset|unlock-code|list`, `officer add|list`
(back-office accounts), `audit-flags`, and from their own modules (`MORE_COMMANDS`)
`end-of-day`, `events`, `purge-registration` (clerk station), `enrolment-code --qr` (setup),
`import`, `usb-key` (USB), `release publish` and `partner add|list|revoke` open the same db
without the web server, so they work while it runs (SQLite WAL / PostgreSQL) or while it is down.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from sync import protocol as p

DAY = 86400.0


# Modules that add their own subcommands with `register_commands(cmds, common)`, where `common`
# is `_common` (the --db/--media-dir/config options). They import only argparse and the protocol
# at this point, like this module; their commands import the rest when they run.
MORE_COMMANDS: tuple[str, ...] = (
    "sync.server.cli_clerk",
    "sync.server.cli_setup",
    "sync.server.cli_usb",
    "sync.server.cli_release",
    "sync.server.cli_partner",
    "sync.server.cli_officer",
)


def _common(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    """Storage options, accepted before or after the subcommand."""
    d = {"default": argparse.SUPPRESS} if sub else {"default": None}
    parser.add_argument(
        "--data-dir",
        dest="server_data_dir",
        metavar="DIR",
        **d,
        help="server data dir: SQLite db, media, signing key "
        "(default: $SALA_SERVER_DATA_DIR or the per-user data dir)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        **d,
        help="database URL: sqlite:///path.db (default: server.db in the data "
        "dir) or postgresql://user@host/db (psycopg 3); also $SALA_DATABASE_URL",
    )
    parser.add_argument(
        "--media-dir",
        metavar="DIR",
        **d,
        help="where uploaded media are stored (default: DATA_DIR/media)",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    _common(parser, sub=False)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8443, help="TCP port (default 8443)")
    parser.add_argument("--tls-cert", metavar="PEM", help="TLS certificate chain (enables https)")
    parser.add_argument("--tls-key", metavar="PEM", help="TLS private key for --tls-cert")
    parser.add_argument(
        "--max-upload",
        type=int,
        metavar="BYTES",
        help=f"Tus-Max-Size (default {p.DEFAULT_MAX_UPLOAD})",
    )
    parser.add_argument(
        "--upload-expiry",
        type=float,
        metavar="SECONDS",
        help="unfinished uploads expire this long after their last PATCH (default 7 days)",
    )
    parser.add_argument(
        "--feed-retention",
        type=float,
        metavar="SECONDS",
        help="change-feed entries older than this are compacted; older cursors "
        "get 410 and take a snapshot (default 365 days)",
    )
    parser.add_argument(
        "--sweep-interval",
        type=float,
        metavar="SECONDS",
        help="how often expired uploads, nonces and old feed entries are swept (default 300)",
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        metavar="N",
        help="concurrent requests before answering 503 + Retry-After (256)",
    )
    parser.add_argument(
        "--catalog",
        metavar="JSON",
        help="catalog published on first start (default: the bundled one)",
    )
    parser.add_argument(
        "--accept-v1-tus-until",
        metavar="YYYY-MM-DD",
        type=_date_arg,
        help="until this UTC date, also accept version-1 signatures (which do not cover the "
        "tus headers) on uploads, for kiosks not yet updated (default: refuse them)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(func=run, server_command="run")
    cmds = parser.add_subparsers(dest="server_command", metavar="SUBCOMMAND")

    c = cmds.add_parser("run", help="run the server (the default)")
    _common(c, sub=True)
    c.set_defaults(func=run)

    c = cmds.add_parser("enrolment-code", help="make a one-time kiosk enrolment code (72 h)")
    _common(c, sub=True)
    c.add_argument("--commune", required=True, help="6-digit MEF commune code, e.g. 120101")
    c.add_argument("--ttl-hours", type=float, default=72.0, help="validity (default 72)")
    c.add_argument("--count", type=int, default=1, help="how many codes, one per line")
    c.set_defaults(func=cmd_enrolment_code)

    c = cmds.add_parser("officer-token", help="make a scoped bearer token for an officer")
    _common(c, sub=True)
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
    _common(c, sub=True)
    c.add_argument("token", metavar="ID_OR_TOKEN", help="the id officer-list shows, or the token")
    c.set_defaults(func=cmd_officer_revoke)

    c = cmds.add_parser("officer-list", help="list officer tokens: id, role, jurisdiction, state")
    _common(c, sub=True)
    c.set_defaults(func=cmd_officer_list)

    c = cmds.add_parser("set-status", help="set a registration's status (as an officer)")
    _common(c, sub=True)
    c.add_argument("registration_id")
    c.add_argument("status", choices=list(p.STATUS_TRANSITIONS))
    c.add_argument("--note", default="", help="message shown to the citizen")
    c.add_argument("--actor", default="cli", help="who made the change (status log)")
    c.set_defaults(func=cmd_set_status)

    c = cmds.add_parser("revoke", help="revoke a kiosk: its requests are refused from now on")
    _common(c, sub=True)
    c.add_argument("device_id")
    c.set_defaults(func=cmd_revoke)

    c = cmds.add_parser("review", help="list registrations flagged for a supervisor")
    _common(c, sub=True)
    c.set_defaults(func=cmd_review)

    c = cmds.add_parser("publish", help="publish a catalog or gazetteer JSON file to the feed")
    _common(c, sub=True)
    c.add_argument("kind", choices=["catalog", "gazetteer"])
    c.add_argument("file", type=Path)
    c.set_defaults(func=cmd_publish)

    _staff_commands(cmds)
    _officer_commands(cmds)
    for name in MORE_COMMANDS:
        importlib.import_module(name).register_commands(cmds, _common)

    c = cmds.add_parser("audit-flags", help="list breaks and gaps in kiosks' uploaded audit")
    _common(c, sub=True)
    c.set_defaults(func=cmd_audit_flags)


def _staff_commands(cmds: Any) -> None:
    """`staff add|disable|enable|reset|unlock-code|list`: the commune roster kiosks receive."""
    staff = cmds.add_parser(
        "staff", help="commune staff: add, disable, enable, reset, unlock-code, list"
    )
    _common(staff, sub=True)
    sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    c = sub.add_parser("add", help="add a staff member; prints their id and first-sign-in code")
    _common(c, sub=True)
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
        _common(c, sub=True)
        c.add_argument("staff_id", metavar="ID")
        c.set_defaults(func=cmd_staff_change, staff_action=name)
    c = sub.add_parser("list", help="list staff: id, commune, role, status, version, PIN, names")
    _common(c, sub=True)
    c.add_argument("--commune", help="only this commune")
    c.set_defaults(func=cmd_staff_list)


def register(sub: Any) -> None:
    """Add `sala server` to the `sala` command."""
    parser = sub.add_parser(
        "server",
        help="run the reference ministry server, or manage its devices and officers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure(parser)


def _config(args: argparse.Namespace) -> Any:
    from sync.server.config import resolve

    return resolve(
        data_dir=getattr(args, "server_data_dir", None),  # not `sala --data-dir`: the kiosk's
        db=getattr(args, "db", None),
        media_dir=getattr(args, "media_dir", None),
        max_upload=getattr(args, "max_upload", None),
        upload_expiry_s=getattr(args, "upload_expiry", None),
        feed_retention_s=getattr(args, "feed_retention", None),
        sweep_interval_s=getattr(args, "sweep_interval", None),
        max_in_flight=getattr(args, "max_in_flight", None),
        catalog_path=Path(args.catalog) if getattr(args, "catalog", None) else None,
        signature_v1_tus_until=getattr(args, "accept_v1_tus_until", None),
    )


def _date_arg(text: str) -> float:
    """`YYYY-MM-DD` → epoch seconds at 00:00 UTC that day."""
    from datetime import UTC, datetime

    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def _context(args: argparse.Namespace) -> Any:
    from sync.server.context import open_context

    return open_context(_config(args))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app

    if bool(args.tls_cert) != bool(args.tls_key):
        print("--tls-cert and --tls-key go together.", file=sys.stderr)
        return 2
    config = _config(args)
    # Handler threads mostly wait on the database: one back from a query waits for the GIL
    # while another renders a page, up to the switch interval (5 ms) per query, ~20 a page.
    sys.setswitchinterval(0.0005)
    # keep-alive 75 s > the kiosks' 60 s round: an idle connection is not closed by the server
    # at the very moment a kiosk reuses it (the HTTP/1.1 keep-alive race, seen as ReadError).
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_level=args.log_level,
        access_log=args.log_level == "debug",
        timeout_graceful_shutdown=5,
        timeout_keep_alive=75,
    )
    return 0


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    from sync.server.auth import make_enrolment_code

    ctx = _context(args)
    try:
        for _ in range(max(1, args.count)):
            print(make_enrolment_code(ctx.engine, args.commune, args.ttl_hours * 3600))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def cmd_officer_token(args: argparse.Namespace) -> int:
    """Prints the token alone on stdout (scripts capture it); its id and scope go to stderr."""
    from sync.server.officers import make_token

    try:
        token_id, token = make_token(
            _context(args).engine, args.name, args.role, args.jurisdiction, args.expires_days
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

    if not revoke_token(_context(args).engine, args.token):
        print("No active officer token with this id.", file=sys.stderr)
        return 1
    print("revoked")
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync.server import db
    from sync.server.officers import list_tokens

    now = db.now()
    for r in list_tokens(_context(args).engine):
        if r.revoked_at is not None:
            state = "revoked"
        elif r.expires_at is None or r.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        until = p.format_date(datetime.fromtimestamp(r.expires_at or 0, UTC))
        print(f"{r.id}\t{r.name}\t{r.role}\t{r.jurisdiction}\t{state}\tuntil {until}")
    return 0


def cmd_set_status(args: argparse.Namespace) -> int:
    from sync.server.decisions import change_status
    from sync.server.errors import ApiError

    try:
        seq = change_status(
            _context(args).engine, args.registration_id, args.status, args.note, f"cli:{args.actor}"
        )
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"{args.registration_id} -> {args.status} (feed seq {seq})")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from sync.server.auth import revoke

    if not revoke(_context(args).engine, args.device_id):
        print(f"No active device {args.device_id}.", file=sys.stderr)
        return 1
    print(f"revoked {args.device_id}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from sync.server import db

    regs = db.registrations
    with db.reading(_context(args).engine) as conn:
        rows = conn.execute(
            select(
                regs.c.id,
                regs.c.review,
                regs.c.service_id,
                regs.c.form_version,
                regs.c.app_number,
                regs.c.received_at,
            )
            .where(regs.c.review.is_not(None))
            .order_by(regs.c.received_at)
        ).all()
    for r in rows:
        at = p.format_date(datetime.fromtimestamp(r.received_at, UTC))
        print(f"{r.id}\t{r.review}\t{r.service_id}@{r.form_version}\t{r.app_number}\t{at}")
    print(f"{len(rows)} registration(s) need a supervisor.", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish through `catalog.publish`: a catalog a kiosk would refuse is refused here with
    every problem, in Khmer and English as the console lists them, and nothing changes."""
    from sync.server.catalog import CatalogRefused, publish

    ctx = _context(args)
    try:
        raw = args.file.read_bytes()
        with ctx.engine.begin() as conn:
            version = publish(conn, args.kind, raw, name=args.file.name)
    except CatalogRefused as exc:
        print(_refusal_text(exc), file=sys.stderr)
        return 1
    except (ValueError, FileExistsError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"published {args.kind} {version}")
    return 0


def _refusal_text(exc: Any) -> str:
    """A refused catalog in the console's words (its `catalog_*` texts), English then Khmer."""
    from sync.server.catalog import problem_lines
    from sync.server.console.i18n import t

    lines = [t("catalog_refused", lang, file=exc.name, n=len(exc.errors)) for lang in ("en", "km")]
    lines += problem_lines(exc.errors)
    lines += [t("catalog_nothing_changed", lang) for lang in ("en", "km")]
    return "\n".join(lines)


def _officer_commands(cmds: Any) -> None:
    """`officer add|list`: back-office accounts (/console/); the first admin is made here."""
    officer = cmds.add_parser(
        "officer", help="back-office accounts: add, list, disable, enable, reset-…, end-sessions"
    )
    _common(officer, sub=True)
    sub = officer.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    c = sub.add_parser("add", help="add an account; prints its id and TOTP enrolment URI")
    _common(c, sub=True)
    c.add_argument("--username", required=True)
    c.add_argument("--display-name", required=True)
    c.add_argument("--role", required=True, choices=["officer", "supervisor", "admin"])
    c.add_argument("--ministry", required=True, help="interior, mpwt, commerce, justice, … or *")
    c.add_argument("--jurisdiction", required=True, help="province/district codes, or all")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    c.add_argument("--no-totp", action="store_true", help="officer role only: no second factor")
    c.set_defaults(func=cmd_officer_add)
    c = sub.add_parser("list", help="list accounts: id, username, role, ministry, jurisdiction")
    _common(c, sub=True)
    c.set_defaults(func=cmd_officer_accounts)
    from sync.server import cli_officer  # disable, enable, reset-password, reset-totp, …

    cli_officer.register_officer_actions(sub, _common)


def cmd_officer_add(args: argparse.Namespace) -> int:
    import getpass

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
    from sync.server.console import accounts

    rows = accounts.list_accounts(_context(args).engine)
    for a in rows:
        print(f"{a.id}\t{a.username}\t{a.role}\t{a.ministry}\t{','.join(a.jurisdiction)}")
    print(f"{len(rows)} account(s).", file=sys.stderr)
    return 0


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
        new = staff.add(_context(args).engine, args.commune, args.name_km, args.name_en, args.role)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    _print_code(new, "first sign-in code")
    return 0


def cmd_staff_change(args: argparse.Namespace) -> int:
    from sync.server import staff

    engine = _context(args).engine
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
    with db.reading(_context(args).engine) as conn:
        rows = staff.roster(conn, args.commune)
    for r in rows:
        pin = "pin" if r.pin_verifier else "code" if r.first_code_verifier else "none"
        print(
            f"{r.id}\t{r.commune_code}\t{r.role}\t{r.status}\tv{r.version}\t{pin}\t"
            f"{r.name_en}\t{r.name_km}"
        )
    print(f"{len(rows)} staff member(s).", file=sys.stderr)
    return 0


def cmd_audit_flags(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync.server.audit_upload import open_flags

    rows = open_flags(_context(args).engine)
    for r in rows:
        at = p.format_date(datetime.fromtimestamp(r.last_at, UTC))
        print(f"{r.id}\t{r.device_id}\t{r.commune_code}\t{r.kind}\tseq {r.seq}\tx{r.count}\t{at}")
    print(f"{len(rows)} open audit flag(s).", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `sala-server` console script and `python -m sync.server`: this module and the
    protocol are all it imports before a command runs, so it needs only the `server` extra."""
    parser = argparse.ArgumentParser(
        prog="sala-server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure(parser)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)

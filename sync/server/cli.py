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
from sync.server import cli_officer, cli_staff, cli_tokens

DAY = 86400.0


# Modules that add their own subcommands with `register_commands(cmds, common)`, where `common`
# is `_common` (the --db/--media-dir/config options). They import only argparse and the protocol
# at this point, like this module; their commands import the rest when they run. cli_tokens,
# cli_staff and cli_officer.register_accounts are called in `configure`, in their place in --help.
MORE_COMMANDS: tuple[str, ...] = (
    "sync.server.cli_clerk",
    "sync.server.cli_setup",
    "sync.server.cli_usb",
    "sync.server.cli_release",
    "sync.server.cli_partner",
    "sync.server.cli_officer",
    "sync.server.cli_owners",
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
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="an HTTP reverse proxy (address or CIDR; repeatable) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed: the officer's own address for lockouts and audit, "
        "https for Secure cookies (default: none, the headers are ignored)",
    )
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

    cli_tokens.register_commands(cmds, _common)

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

    cli_staff.register_commands(cmds, _common)
    cli_officer.register_accounts(cmds, _common)
    for name in MORE_COMMANDS:
        importlib.import_module(name).register_commands(cmds, _common)

    c = cmds.add_parser("audit-flags", help="list breaks and gaps in kiosks' uploaded audit")
    _common(c, sub=True)
    c.set_defaults(func=cmd_audit_flags)


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
        # uvicorn believes X-Forwarded-* from 127.0.0.1 by default: behind a TCP proxy on this
        # host (the scale-out set-up) any client could then name its own source address and
        # step around the per-source sign-in lockout. Only the proxies named are believed.
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=list(args.trusted_proxy) or None,
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

"""`sala server import BUNDLE` and `sala server usb-key --out DIR` (the field kit's USB path).

Registered through `cli.MORE_COMMANDS`; imports only argparse and the protocol until a command
runs, like cli.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register_commands(cmds: Any, common: Any) -> None:
    c = cmds.add_parser(
        "import",
        help="commit a kiosk's USB bundle and write the signed return bundle next to it",
        description="Verify the bundle (device signature, encryption to this server's USB key), "
        "commit every registration through the same rules as the network (a second import "
        "changes nothing), then write the return bundle (receipts, statuses, roster, catalog) "
        "for the kiosk's `sala import`.",
    )
    common(c, sub=True)
    c.add_argument("bundle", metavar="BUNDLE", help="the kiosk's .salabundle file")
    c.add_argument(
        "--out", metavar="DIR", help="where to write the return bundle (default: beside it)"
    )
    c.set_defaults(func=cmd_import)

    c = cmds.add_parser(
        "usb-key",
        help="write this server's signed USB key file (sala-usb-key.json) for kiosks' exports",
    )
    common(c, sub=True)
    c.add_argument("--out", metavar="DIR", required=True, help="e.g. the mounted USB stick")
    c.set_defaults(func=cmd_usb_key)


def _context(args: argparse.Namespace) -> Any:
    from sync.server.cli import _context as ctx

    return ctx(args)


def cmd_import(args: argparse.Namespace) -> int:
    from sync.protocol.usb import BundleError
    from sync.server.usb_import import import_file

    ctx = _context(args)
    try:
        result = import_file(ctx, Path(args.bundle), Path(args.out) if args.out else None)
    except BundleError as exc:
        print(
            f"sala server import: refused ({exc.code}): {exc.message} Nothing was changed.",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"sala server import: {exc}", file=sys.stderr)
        return 2
    if result.created:
        print(
            f"{len(result.created)} new registration(s) received, "
            f"{len(result.repeated)} already held."
        )
    else:
        print(
            f"Nothing new: all {len(result.repeated)} registration(s) were already received "
            "(this bundle was imported before, or they came over the network)."
        )
    for r in result.refused:
        print(f"  refused {r['registration_id']}: {r['error']}: {r['message']}", file=sys.stderr)
    if result.release:
        print(f"Release {result.release} goes back with it (the kiosk verifies it).")
    print(f"Return bundle: {result.return_path}")
    return 0 if not result.refused else 1


def cmd_usb_key(args: argparse.Namespace) -> int:
    from sync import protocol as p
    from sync.protocol import usb as fmt
    from sync.server.durable import write_atomic
    from sync.server.usb_import import key_certificate

    cert = key_certificate(_context(args))
    out = Path(args.out) / fmt.KEY_FILE
    write_atomic(out, p.canonical_json(cert))
    print(f"{out} (key {cert['key']['key_id']})")
    return 0

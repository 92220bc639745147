"""`sala server release publish MANIFEST DEB --key release_key.pub`: put a signed kiosk release
on the change feed (sync/server/releases.py). Registered through `cli.MORE_COMMANDS`; imports
only argparse until the command runs, like cli.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register_commands(cmds: Any, common: Any) -> None:
    rel = cmds.add_parser("release", help="kiosk releases signed by the ministry: publish")
    common(rel, sub=True)
    sub = rel.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    c = sub.add_parser(
        "publish",
        help="check a signed release and announce it to every kiosk on the feed",
        description="MANIFEST and DEB come from packaging/release.py sign (its feed/ and "
        "sala-update/ folders). The signature is checked with the release public key and the "
        ".deb against the manifest before anything is stored.",
    )
    common(c, sub=True)
    c.add_argument("manifest", type=Path, metavar="MANIFEST")
    c.add_argument("deb", type=Path, metavar="DEB")
    c.add_argument("--key", type=Path, required=True, help="the release public key file")
    c.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    from sync.server.cli import _context
    from sync.server.releases import ReleaseRefused, publish, read_public_key

    try:
        document = args.manifest.read_bytes()
        public_key = read_public_key(args.key.read_text(encoding="ascii"))
        ctx = _context(args)
        with ctx.engine.begin() as conn:
            seq = publish(conn, ctx.config.data_dir, document, args.deb, public_key)
    except (ReleaseRefused, OSError, UnicodeError) as exc:
        print(f"sala server release: refused: {exc}. Nothing was published.", file=sys.stderr)
        return 1
    print(f"published release {args.manifest.name} on the feed (seq {seq})")
    return 0

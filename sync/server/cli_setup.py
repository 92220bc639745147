"""`sala server enrolment-code --qr`: the setup QR a technician scans with the kiosk's camera.

Adds options to the existing `enrolment-code` command (registered through `MORE_COMMANDS`):
with `--qr --url URL` each code is also printed as a QR in the terminal, carrying the server
URL, the code, its commune and expiry and, with `--ca-file`, the SHA-256 of the ministry CA
certificate (format: `sync.protocol.setup_qr`, PROTOCOL.md "Setup QR"). `--qr-out
FILE.svg|.png` also writes the (last) QR to a file for printing. segno is already the
server's QR encoder (the officers' TOTP enrolment).
"""

from __future__ import annotations

import argparse
import hashlib
import ssl
import sys
import time
from pathlib import Path
from typing import Any

from sync.protocol import setup_qr


def register_commands(cmds: Any, common: Any) -> None:
    """Extend `enrolment-code` (already registered by sync.server.cli) with the QR options."""
    c = cmds.choices["enrolment-code"]
    c.add_argument(
        "--qr", action="store_true", help="also print each code as a setup QR (needs --url)"
    )
    c.add_argument("--url", metavar="URL", help="the server address kiosks use, for the QR")
    c.add_argument(
        "--ca-file", metavar="PEM", help="ministry CA certificate; its SHA-256 is pinned"
    )
    c.add_argument("--qr-out", metavar="FILE", type=Path, help="write the QR as .svg or .png")
    c.set_defaults(func=cmd_enrolment_code)


def ca_fingerprint(pem_file: Path) -> str:
    """SHA-256 (hex) of the first certificate in a PEM file, as DER."""
    text = pem_file.read_text(encoding="ascii")
    end = text.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    start = text.index("-----BEGIN CERTIFICATE-----")
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(text[start:end])).hexdigest()


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    from sync.server import cli

    if not args.qr:
        return cli.cmd_enrolment_code(args)
    if not args.url:
        print("--qr needs --url: the server address the kiosk will use.", file=sys.stderr)
        return 2
    import segno

    from sync.server.auth import make_enrolment_code

    try:
        fingerprint = ca_fingerprint(Path(args.ca_file)) if args.ca_file else None
    except (OSError, ValueError) as exc:
        print(f"--ca-file: not a readable PEM certificate ({exc})", file=sys.stderr)
        return 2
    ctx = cli._context(args)
    try:
        for _ in range(max(1, args.count)):
            expires = int(time.time() + args.ttl_hours * 3600)
            code = make_enrolment_code(ctx.engine, args.commune, args.ttl_hours * 3600)
            text = setup_qr.enrolment_qr_text(
                args.url,
                code,
                commune_code=args.commune,
                expires_at=expires,
                ca_sha256=fingerprint,
            )
            qr = segno.make(text, error="m")
            print(code)
            print(text)
            qr.terminal(out=sys.stdout, compact=True)
            if args.qr_out:
                qr.save(str(args.qr_out), scale=8, border=4)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0

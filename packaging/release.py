#!/usr/bin/env python3
"""The ministry's release signing tool (README "Updates" and "Release key ceremony").

  python packaging/release.py keygen --out DIR         # once, at the key ceremony (offline)
  python packaging/release.py sign --key DIR/release_key.pem --deb dist/sala-kiosk_X_amd64.deb \
      --min-version 0.1.0 [--channel stable] [--valid-days 90] --out OUT
  python packaging/release.py verify --pub release_key.pub OUT/sala-update/*.manifest.json

`sign` writes OUT/sala-update/ (copy that folder to the root of a USB stick: the .deb and its
signed manifest) and OUT/feed/manifest.json (for `sala server release publish MANIFEST DEB`).
The private key's passphrase comes from $SALA_RELEASE_PASSPHRASE or is asked for.
Run it with the checkout's core venv: `.venv-core/bin/python packaging/release.py ...`.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.update import manifest as mf
from kiosk.update.spool import USB_DIR
from kiosk.update.versions import is_version


def _passphrase(confirm: bool) -> bytes:
    given = os.environ.get("SALA_RELEASE_PASSPHRASE")
    if given:
        return given.encode()
    first = getpass.getpass("Release key passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise SystemExit("release: the passphrases differ")
    if len(first) < 12:
        raise SystemExit("release: use a passphrase of at least 12 characters")
    return first.encode()


def keygen(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    pem, pub = out / "release_key.pem", out / "release_key.pub"
    if pem.exists():
        raise SystemExit(f"release: {pem} exists; a key is never overwritten")
    private = Ed25519PrivateKey.generate()
    fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(mf.private_key_pem(private, _passphrase(confirm=True)))
    pub.write_text(mf.public_key_text(private.public_key()), encoding="ascii")
    print(f"release key {mf.key_id(private.public_key())}: private {pem}, public {pub}")
    return 0


def _deb_version(deb: Path) -> str:
    try:
        out = subprocess.run(["dpkg-deb", "--field", str(deb), "Version"], capture_output=True,
                             text=True, check=True)  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = re.match(r"^sala-kiosk_([^_]+)_amd64\.deb$", deb.name)
        if not found:
            raise SystemExit(f"release: cannot tell the version of {deb}") from None
        return found.group(1)


def sign(args: argparse.Namespace) -> int:
    deb: Path = args.deb
    version = args.version or _deb_version(deb)
    if not (is_version(version) and is_version(args.min_version)):
        raise SystemExit("release: bad version or --min-version")
    private = mf.load_private_key(args.key.read_bytes(), _passphrase(confirm=False))
    digest = hashlib.sha256()
    with deb.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    m = mf.Manifest(
        version=version,
        deb_file=deb.name,
        sha256=digest.hexdigest(),
        size=deb.stat().st_size,
        min_version=args.min_version,
        channel=args.channel,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        valid_days=args.valid_days,
        key_id=mf.key_id(private.public_key()),
    )
    mf.parse(m.to_dict())  # the kiosk's own shape check, before anything is written
    document = mf.sign(m, private)
    usb = args.out / USB_DIR
    feed = args.out / "feed"
    usb.mkdir(parents=True, exist_ok=True)
    feed.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(deb, usb / deb.name)
    (usb / f"{deb.name.removesuffix('.deb')}.manifest.json").write_bytes(document)
    (feed / "manifest.json").write_bytes(document)
    print(f"signed {deb.name} {version} (sha256 {m.sha256[:16]}..., key {m.key_id})")
    print(f"USB: copy {usb} to the stick's root; feed: {feed / 'manifest.json'}")
    return 0


def verify(args: argparse.Namespace) -> int:
    document = args.manifest.read_bytes()
    try:
        m = mf.read_signed(document, mf.load_public_key(args.pub))
        deb = args.deb or args.manifest.parent / m.deb_file
        from kiosk.update.verify import check_deb

        check_deb(deb, m)
    except mf.UpdateRefused as exc:
        print(f"release: REFUSED: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {m.version} {deb.name} signed by {m.key_id}, expires {m.expires_at():%Y-%m-%d}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("keygen", help="make the release key pair (key ceremony)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=keygen)
    p = sub.add_parser("sign", help="sign a built .deb: USB folder and feed manifest")
    p.add_argument("--key", type=Path, required=True, help="release_key.pem")
    p.add_argument("--deb", type=Path, required=True)
    p.add_argument("--version", help="default: the .deb's Version")
    p.add_argument("--min-version", required=True, help="no kiosk may run below this")
    p.add_argument("--channel", default="stable")
    p.add_argument("--valid-days", type=int, default=90)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=sign)
    p = sub.add_parser("verify", help="check a manifest (and its .deb) as a kiosk would")
    p.add_argument("--pub", type=Path, required=True)
    p.add_argument("manifest", type=Path)
    p.add_argument("--deb", type=Path)
    p.set_defaults(func=verify)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

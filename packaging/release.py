#!/usr/bin/env python3
"""The ministry's release signing tool (README "Updates" and "Release key ceremony").

  python packaging/release.py keygen --out DIR         # once, at the key ceremony (offline)
  python packaging/release.py sign --key DIR/release_key.pem --deb dist/sala-kiosk_X_amd64.deb \
      --min-version 0.1.0 [--channel stable] [--valid-days 90] --out OUT
  python packaging/release.py downgrade --key DIR/release_key.pem --deb OLD.deb --from 1.3.0 \
      --min-version 0.1.0 [--valid-days 7] --out OUT
  python packaging/release.py verify --pub release_key.pub OUT/sala-update/*.manifest.json

`sign` writes OUT/sala-update/ (copy that folder to the root of a USB stick: the .deb and its
signed manifest) and OUT/feed/manifest.json (for `sala server release publish MANIFEST DEB`).
`downgrade` is the only way a kiosk goes back to a lower version: it signs the older .deb
as `sign` does (a fresh manifest) and, beside it in OUT/sala-update/, a downgrade manifest
naming exactly the version the kiosks run now (`--from`) and the older one, valid for
`--valid-days` (at most 31). USB only: the change feed never carries a downgrade.
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.update import downgrade as dg
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
    version = args.version or _deb_version(args.deb)
    if not (is_version(version) and is_version(args.min_version)):
        raise SystemExit("release: bad version or --min-version")
    private = mf.load_private_key(args.key.read_bytes(), _passphrase(confirm=False))
    _sign_release(args, version, private, feed=True)
    return 0


def _sign_release(
    args: argparse.Namespace, version: str, private: Ed25519PrivateKey, *, feed: bool
) -> mf.Manifest:
    """Sign `args.deb` as `version`: OUT/sala-update/ (and OUT/feed/ when `feed`)."""
    deb: Path = args.deb
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
    usb.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(deb, usb / deb.name)
    (usb / f"{deb.name.removesuffix('.deb')}.manifest.json").write_bytes(document)
    print(f"signed {deb.name} {version} (sha256 {m.sha256[:16]}..., key {m.key_id})")
    if feed:
        (args.out / "feed").mkdir(parents=True, exist_ok=True)
        (args.out / "feed" / "manifest.json").write_bytes(document)
        print(f"USB: copy {usb} to the stick's root; feed: {args.out / 'feed' / 'manifest.json'}")
    return m


def downgrade(args: argparse.Namespace) -> int:
    """Sign the older .deb and the permission to go from `--from` back to it (USB only)."""
    version = args.version or _deb_version(args.deb)
    if not (is_version(version) and is_version(args.min_version) and is_version(args.from_)):
        raise SystemExit("release: bad version, --from or --min-version")
    if not 1 <= args.valid_days <= dg.MAX_VALID_DAYS:
        raise SystemExit(f"release: --valid-days must be 1 to {dg.MAX_VALID_DAYS}")
    now = datetime.now(UTC).replace(microsecond=0)
    d = dg.Downgrade(args.from_, version, now, now + timedelta(days=args.valid_days), "")
    try:
        dg.parse(d.to_dict())  # the kiosk's own shape check (e.g. --from must be newer)
    except mf.UpdateRefused as exc:
        raise SystemExit(f"release: not a downgrade: {exc}") from None
    private = mf.load_private_key(args.key.read_bytes(), _passphrase(confirm=False))
    d = replace(d, key_id=mf.key_id(private.public_key()))
    _sign_release(args, version, private, feed=False)
    path = args.out / USB_DIR / dg.file_name(d.from_version, d.to_version)
    path.write_bytes(dg.sign(d, private))
    print(f"downgrade {d.from_version} -> {d.to_version}, expires {d.expires_at:%Y-%m-%d}: {path}")
    print(f"USB: copy {args.out / USB_DIR} to the stick's root; kiosks on {d.from_version} only")
    return 0


def verify(args: argparse.Namespace) -> int:
    document = args.manifest.read_bytes()
    if args.manifest.name.endswith(dg.SUFFIX):
        try:
            d = dg.read_signed(document, mf.load_public_key(args.pub))
        except mf.UpdateRefused as exc:
            print(f"release: REFUSED: {exc}", file=sys.stderr)
            return 1
        print(f"ok: downgrade {d.from_version} -> {d.to_version}, expires {d.expires_at:%Y-%m-%d}")
        return 0
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
    p = sub.add_parser("downgrade", help="sign an older .deb and the way back to it (USB)")
    p.add_argument("--key", type=Path, required=True, help="release_key.pem")
    p.add_argument("--deb", type=Path, required=True, help="the older release's .deb")
    p.add_argument("--version", help="default: the .deb's Version")
    p.add_argument("--from", dest="from_", required=True, help="the version kiosks run now")
    p.add_argument("--min-version", required=True, help="no kiosk may run below this")
    p.add_argument("--channel", default="stable")
    p.add_argument("--valid-days", type=int, default=7, help="the downgrade's expiry (<= 31)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=downgrade)
    p = sub.add_parser("verify", help="check a manifest (and its .deb) as a kiosk would")
    p.add_argument("--pub", type=Path, required=True)
    p.add_argument("manifest", type=Path)
    p.add_argument("--deb", type=Path)
    p.set_defaults(func=verify)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""The signed downgrade manifest: the one way past anti-rollback (README "Updates").

A lower version than the running one (or than the highest ever run, or the highest
`min_version` seen) is refused, unless the ministry signed, with the same release key, a
document that names exactly the version it leaves and the version it goes back to, with an
expiry:
`{"downgrade": {"format": "sala-downgrade/1", "package", "from_version", "to_version",
"issued_at", "expires_at", "key_id"}, "signature"}`, the signature over
`"sala-downgrade-v1\\n"` + the body's canonical JSON. Its own prefix keeps a release
manifest's signature from ever passing for a downgrade's, and the reverse. The older release
itself still comes with its own signed release manifest (size and SHA-256 of its .deb).

It travels beside the release on a USB stick (`sala-update/*.downgrade.json`, written by
`packaging/release.py downgrade`); `spool.request_install` picks the one naming the installed
version and the offered one, and the root unit checks it again on its own copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.update.manifest import PACKAGE, UpdateRefused, key_id
from kiosk.update.versions import compare, is_version
from kiosk.usb_sticks import read_stick_file
from sync import protocol

FORMAT = "sala-downgrade/1"
SIGNATURE_CONTEXT = b"sala-downgrade-v1\n"
SUFFIX = ".downgrade.json"
MAX_VALID_DAYS = 31  # a downgrade is an emergency measure, not a standing permission
MAX_BYTES = 4096


@dataclass(frozen=True)
class Downgrade:
    from_version: str  # the version it may leave (exactly the installed one)
    to_version: str  # the version it may install (exactly the release's)
    issued_at: datetime
    expires_at: datetime
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "package": PACKAGE,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "issued_at": protocol.format_date(self.issued_at),
            "expires_at": protocol.format_date(self.expires_at),
            "key_id": self.key_id,
        }

    def names(self, installed: str, version: str) -> bool:
        """It allows exactly `installed` → `version`, nothing else (dpkg's equality: `1.0`
        and `1.0.0` differ, `1.0` and `01.0` do not)."""
        return compare(self.from_version, installed) == 0 and compare(self.to_version, version) == 0


def file_name(from_version: str, to_version: str) -> str:
    return f"{PACKAGE}_{from_version}_to_{to_version}{SUFFIX}".replace(":", "%3a")


def sign(d: Downgrade, private: Ed25519PrivateKey) -> bytes:
    body = d.to_dict()
    signature = private.sign(SIGNATURE_CONTEXT + protocol.canonical_json(body))
    return protocol.canonical_json(
        {"downgrade": body, "signature": protocol.b64url_encode(signature)}
    )


def parse(body: dict[str, Any]) -> Downgrade:
    """The fields, checked for shape (not yet for trust: see `read_signed`)."""
    try:
        if body.get("format") != FORMAT or body.get("package") != PACKAGE:
            raise ValueError("format or package")
        d = Downgrade(
            from_version=str(body["from_version"]),
            to_version=str(body["to_version"]),
            issued_at=protocol.parse_date(str(body["issued_at"])),
            expires_at=protocol.parse_date(str(body["expires_at"])),
            key_id=str(body["key_id"]),
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise UpdateRefused("bad_downgrade", str(exc)[:80]) from exc
    if not (is_version(d.from_version) and is_version(d.to_version)):
        raise UpdateRefused("bad_downgrade", "version")
    if compare(d.to_version, d.from_version) >= 0:
        raise UpdateRefused("bad_downgrade", "not lower")
    if not d.issued_at < d.expires_at <= d.issued_at + timedelta(days=MAX_VALID_DAYS):
        raise UpdateRefused("bad_downgrade", "expiry")
    return d


def _body(document: bytes) -> tuple[dict[str, Any], bytes]:
    if len(document) > MAX_BYTES:
        raise UpdateRefused("bad_downgrade", "too large")
    try:
        doc = json.loads(document.decode("utf-8"))
        body, signature = doc["downgrade"], protocol.b64url_decode(doc["signature"])
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise UpdateRefused("bad_downgrade", "not a signed downgrade") from exc
    if not isinstance(body, dict):
        raise UpdateRefused("bad_downgrade", "not a signed downgrade")
    return body, signature


def read_signed(document: bytes, public: Ed25519PublicKey) -> Downgrade:
    """The downgrade, only if the pinned release key signed exactly these fields; a tampered
    one, or one signed by another key, is `bad_downgrade`."""
    body, signature = _body(document)
    try:
        public.verify(signature, SIGNATURE_CONTEXT + protocol.canonical_json(body))
    except (InvalidSignature, ValueError) as exc:
        raise UpdateRefused("bad_downgrade", "signature") from exc
    d = parse(body)
    if d.key_id != key_id(public):
        raise UpdateRefused("bad_downgrade", "key id")
    return d


def check(d: Downgrade, installed: str, version: str, reference: datetime | None) -> None:
    """`d` allows installing `version` over `installed` now. Its expiry counts against the
    updater's reference time (the later of the last server contact and the newest manifest
    seen: `UpdateState.reference_time`), never the device clock alone."""
    if not d.names(installed, version):
        raise UpdateRefused("rollback", f"downgrade names {d.from_version}->{d.to_version}",
                            version=version)  # fmt: skip
    if reference is not None and d.expires_at < reference:
        raise UpdateRefused("downgrade_expired", version, version=version)


def beside(deb: Path, version: str, installed: str, public: Ed25519PublicKey) -> bytes | None:
    """The signed downgrade in the .deb's folder (a stick's `sala-update/`) that allows
    `installed` → `version`, or None. One that claims exactly these versions but does not
    verify is refused (`bad_downgrade`), so a technician learns why, not just `rollback`."""
    refused: UpdateRefused | None = None
    for path in sorted(deb.parent.glob(f"*{SUFFIX}")):
        document = read_stick_file(path, MAX_BYTES)
        if document is None:
            continue
        try:
            claimed = parse(_body(document)[0])
        except UpdateRefused:
            continue
        if not claimed.names(installed, version):
            continue
        try:
            read_signed(document, public)
        except UpdateRefused as exc:
            refused = exc
            continue
        return document
    if refused is not None:
        raise refused
    return None

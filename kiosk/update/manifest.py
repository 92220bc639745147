"""The release manifest: what the ministry signs about one kiosk .deb.

On the wire and on a USB stick it is one JSON document, `{"manifest": {...}, "signature"}`,
the signature an Ed25519 signature by the release key over
`protocol.release_signature_base(manifest)`. Fields of `manifest`:
`format` ("sala-release/1"), `package` ("sala-kiosk"), `version` (the .deb's, dpkg order),
`deb` {`file`, `sha256` (hex), `size` (bytes)}, `min_version` (no kiosk may run below it),
`channel` ("stable", "pilot", ...), `issued_at` (RFC 3339), `valid_days` (freshness, counted
against the kiosk's last server contact: `verify`), `key_id` (which release key signed).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.update.versions import is_version
from sync import protocol

PACKAGE = "sala-kiosk"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CHANNEL = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_DEB_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,120}\.deb$")
MAX_DEB_BYTES = 1 << 31


class UpdateRefused(Exception):
    """A release the kiosk will not install. `code` names the reason (logs, tests, audit);
    `message_key` is the technician's text (assets/translations/*/update.json)."""

    def __init__(self, code: str, detail: str = "", **params: object) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.message_key = f"update.refused.{code}"
        self.params = params


@dataclass(frozen=True)
class Manifest:
    version: str
    deb_file: str
    sha256: str
    size: int
    min_version: str
    channel: str
    issued_at: datetime
    valid_days: int
    key_id: str

    def expires_at(self) -> datetime:
        return self.issued_at + timedelta(days=self.valid_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": protocol.RELEASE_FORMAT,
            "package": PACKAGE,
            "version": self.version,
            "deb": {"file": self.deb_file, "sha256": self.sha256, "size": self.size},
            "min_version": self.min_version,
            "channel": self.channel,
            "issued_at": protocol.format_date(self.issued_at),
            "valid_days": self.valid_days,
            "key_id": self.key_id,
        }


# -- keys ----------------------------------------------------------------------------------------
def key_id(public: Ed25519PublicKey) -> str:
    """A short name of a release key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_text(public: Ed25519PublicKey) -> str:
    """The pinned-key file's one line: `sala-release-ed25519 <base64url raw key> <key id>`."""
    return f"sala-release-ed25519 {protocol.public_key_b64(public)} {key_id(public)}\n"


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read a pinned release key; UpdateRefused("no_key") when absent or malformed."""
    try:
        kind, b64, kid = path.read_text(encoding="ascii").split()
        public = protocol.load_public_key(b64)
    except (OSError, ValueError, UnicodeError) as exc:
        raise UpdateRefused("no_key", f"{path}: {exc}") from exc
    if kind != "sala-release-ed25519" or kid != key_id(public):
        raise UpdateRefused("no_key", f"{path}: not a release key file")
    return public


def private_key_pem(private: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_private_key(pem: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


# -- signing and reading -------------------------------------------------------------------------
def sign(manifest: Manifest, private: Ed25519PrivateKey) -> bytes:
    """The signed document's bytes (canonical JSON)."""
    body = manifest.to_dict()
    signature = private.sign(protocol.release_signature_base(body))
    return protocol.canonical_json(
        {"manifest": body, "signature": protocol.b64url_encode(signature)}
    )


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UpdateRefused("bad_manifest", f"field {name!r}")
    return value


def parse(body: dict[str, Any]) -> Manifest:
    """The manifest's fields, checked for shape (not yet for trust: see `read_signed`)."""
    if body.get("format") != protocol.RELEASE_FORMAT or body.get("package") != PACKAGE:
        raise UpdateRefused("bad_manifest", "format or package")
    deb = _field(body, "deb", dict)
    version = _field(body, "version", str)
    min_version = _field(body, "min_version", str)
    try:
        issued = protocol.parse_date(_field(body, "issued_at", str))
    except ValueError as exc:
        raise UpdateRefused("bad_manifest", "issued_at") from exc
    m = Manifest(
        version=version,
        deb_file=_field(deb, "file", str),
        sha256=_field(deb, "sha256", str),
        size=_field(deb, "size", int),
        min_version=min_version,
        channel=_field(body, "channel", str),
        issued_at=issued,
        valid_days=_field(body, "valid_days", int),
        key_id=_field(body, "key_id", str),
    )
    if not (is_version(version) and is_version(min_version)):
        raise UpdateRefused("bad_manifest", "version")
    if not (_HEX64.match(m.sha256) and 0 < m.size <= MAX_DEB_BYTES):
        raise UpdateRefused("bad_manifest", "deb hash or size")
    if not (_DEB_FILE.match(m.deb_file) and _CHANNEL.match(m.channel)):
        raise UpdateRefused("bad_manifest", "file name or channel")
    if not 1 <= m.valid_days <= 366:
        raise UpdateRefused("bad_manifest", "valid_days")
    return m


def read_signed(document: bytes, public: Ed25519PublicKey) -> Manifest:
    """The manifest of a signed document, only if the pinned key signed exactly these fields.

    A document signed by another key is refused as `wrong_key`, one whose signature does not
    match as `bad_signature`; nothing in it is trusted before the signature checks out.
    """
    if len(document) > protocol.RELEASE_MANIFEST_MAX_BYTES:
        raise UpdateRefused("bad_manifest", "too large")
    try:
        doc = json.loads(document.decode("utf-8"))
        if isinstance(doc, dict) and "manifest" in doc and not doc.get("signature"):
            raise UpdateRefused("unsigned")  # a manifest with no signature at all
        body, signature = doc["manifest"], protocol.b64url_decode(doc["signature"])
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise UpdateRefused("bad_manifest", "not a signed manifest") from exc
    if not isinstance(body, dict):
        raise UpdateRefused("bad_manifest", "not a signed manifest")
    try:
        public.verify(signature, protocol.release_signature_base(body))
    except (InvalidSignature, ValueError) as exc:
        if body.get("key_id") != key_id(public):
            raise UpdateRefused("wrong_key", str(body.get("key_id"))[:32]) from exc
        raise UpdateRefused("bad_signature") from exc
    return parse(body)

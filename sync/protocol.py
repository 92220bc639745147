"""Wire helpers shared by the sync client and the ministry server (see sync/PROTOCOL.md).

Both halves import this module so that the bytes they sign, hash and compare are built by the
same code: a one-character difference in the signature base string would lock every kiosk out.
Nothing here does I/O; keys are `cryptography` Ed25519 objects or raw 32-byte strings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --- constants ---------------------------------------------------------------------------------

API_PREFIX = "/v1"
SIGNATURE_SCHEME = "sala-v1"
CLOCK_SKEW_SECONDS = 300  # ±5 min window for Sala-Date
NONCE_BYTES = 16

HDR_DEVICE = "Sala-Device"
HDR_DATE = "Sala-Date"
HDR_NONCE = "Sala-Nonce"
HDR_SIGNATURE = "Sala-Signature"
HDR_SERVER_TIME = "Sala-Server-Time"

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "creation-with-upload", "checksum", "expiration", "termination")
TUS_CHECKSUM_ALGORITHM = "sha256"
TUS_CONTENT_TYPE = "application/offset+octet-stream"
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # Tus-Max-Size default, bytes
UPLOAD_EXPIRY_DAYS = 7
HTTP_CHECKSUM_MISMATCH = 460  # tus checksum extension

# Error codes in `{"error": code, "message": …}` bodies.
ERR_CLOCK_SKEW = "clock_skew"
ERR_UNAUTHORIZED = "unauthorized"
ERR_REPLAY = "replay"
ERR_CONFLICT = "conflict"
ERR_ATTACHMENTS_MISSING = "attachments_missing"
ERR_CURSOR_EXPIRED = "cursor_expired"

# Officer status moves (PROTOCOL.md "Officers"); the server refuses anything else with 409.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"in_review"}),
    "in_review": frozenset({"needs_papers", "approved", "rejected"}),
    "needs_papers": frozenset({"in_review"}),
    "approved": frozenset({"ready_for_pickup"}),
    "ready_for_pickup": frozenset({"collected"}),
    "rejected": frozenset(),
    "collected": frozenset(),
}


# --- encodings ---------------------------------------------------------------------------------


def canonical_json(obj: Any) -> bytes:
    """The one JSON spelling that is hashed and signed: sorted keys, no spaces, raw UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(obj: Any) -> str:
    """Hex SHA-256 of the canonical JSON of `obj` (a commit body's identity)."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def b64url_encode(data: bytes) -> str:
    """base64url without padding (keys, signatures, nonces)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of `b64url_encode`; accepts padded input too. Raises ValueError on garbage."""
    s = text.strip()
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except Exception as exc:  # binascii.Error is a ValueError subclass, but be explicit
        raise ValueError("not base64url") from exc


def format_date(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z`, second precision: `2026-11-21T05:44:03Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (any offset) to an aware UTC datetime; ValueError if bad."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    moment = datetime.fromisoformat(s)
    if moment.tzinfo is None:
        raise ValueError("timestamp without a timezone")
    return moment.astimezone(UTC)


def new_nonce() -> str:
    return b64url_encode(os.urandom(NONCE_BYTES))


# --- request signatures ------------------------------------------------------------------------


def signature_base(method: str, path_with_query: str, date: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes a device signs: scheme, METHOD, path?query, date, nonce, hex sha256(body).

    `path_with_query` is the request target as sent on the wire (no scheme/host), e.g.
    `/v1/changes?since=12&limit=100`.
    """
    body_hash = hashlib.sha256(body).hexdigest()
    lines = (SIGNATURE_SCHEME, method.upper(), path_with_query, date, nonce, body_hash)
    return "\n".join(lines).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path_with_query: str,
    body: bytes = b"",
    *,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request. `now` is the kiosk clock plus its learned offset."""
    date = format_date(now or datetime.now(UTC))
    nonce = nonce or new_nonce()
    sig = key.sign(signature_base(method, path_with_query, date, nonce, body))
    return {
        HDR_DEVICE: device_id,
        HDR_DATE: date,
        HDR_NONCE: nonce,
        HDR_SIGNATURE: b64url_encode(sig),
    }


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """base64url of the raw 32-byte public key, as sent in `POST /v1/devices`."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url_encode(raw)


def load_public_key(b64: str) -> Ed25519PublicKey:
    """Raw 32-byte base64url → key object; ValueError if it is not a valid Ed25519 key."""
    raw = b64url_decode(b64)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key: Ed25519PublicKey | str, signature_b64: str, message: bytes) -> bool:
    """True if `signature_b64` is a valid signature over `message`; never raises on bad input."""
    try:
        key = load_public_key(public_key) if isinstance(public_key, str) else public_key
        key.verify(b64url_decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_receipt(server_public_key: str, receipt: Mapping[str, Any], signature: str) -> bool:
    """Check a commit receipt against the server key pinned at enrolment."""
    return verify(server_public_key, signature, canonical_json(dict(receipt)))


# --- tus helpers -------------------------------------------------------------------------------


def tus_checksum_header(chunk: bytes) -> str:
    """`Upload-Checksum` value for one PATCH body: `sha256 <standard base64 of the digest>`."""
    digest = hashlib.sha256(chunk).digest()
    return f"{TUS_CHECKSUM_ALGORITHM} {base64.b64encode(digest).decode('ascii')}"


def encode_tus_metadata(values: Mapping[str, str]) -> str:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs (standard base64, per tus)."""
    return ",".join(
        f"{k} {base64.b64encode(v.encode('utf-8')).decode('ascii')}" for k, v in values.items()
    )


def decode_tus_metadata(header: str) -> dict[str, str]:
    """Inverse of `encode_tus_metadata`; ValueError on a malformed pair."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        if not key or " " in value.strip():
            raise ValueError(f"bad Upload-Metadata pair: {pair[:40]!r}")
        try:
            raw = base64.b64decode(value.strip(), validate=True) if value else b""
            out[key] = raw.decode("utf-8")
        except Exception as exc:
            raise ValueError(f"Upload-Metadata value for {key!r} is not base64") from exc
    return out

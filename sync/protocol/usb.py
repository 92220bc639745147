"""The USB bundle file: what a kiosk and the ministry server both read and write (PROTOCOL.md
"USB bundles and the device report").

Beside `sync.protocol` (which it builds on) because it is wire format too, but only the field
kit needs it; it imports nothing else of ours, so the server may use it.

A bundle is one file: `MAGIC`, a signed manifest (canonical JSON) and a body. The Ed25519
signature covers the manifest, and the manifest holds the body's size and SHA-256, so a
truncated, bit-flipped or re-signed file is refused before anything is decrypted or read. An
export's body is encrypted to the ministry's X25519 USB key (ephemeral X25519 + HKDF-SHA256 +
AES-256-GCM in segments); a return bundle is signed by the server and not encrypted (it holds
statuses, receipts and the roster the kiosk would also get from the feed, no answers or media).
The decrypted payload is a canonical JSON index followed by the media bytes it lists in order.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync import protocol as p

MAGIC = b"SALA-USB\n"
FORMAT = "sala-usb"
VERSION = 1
KIND_EXPORT = "export"
KIND_RETURN = "return"
EXPORT_SUFFIX = ".salabundle"
RETURN_SUFFIX = ".salareturn"
KEY_FILE = "sala-usb-key.json"  # the ministry's signed USB key, as written on a stick
KEY_FORMAT = "sala-usb-key"
ENC_ALG = "X25519-HKDF-SHA256-AES-256-GCM"
SEGMENT = 4 * 1024 * 1024  # plaintext bytes per AES-GCM segment (each adds a 16-byte tag)
RELEASE_MIME = "application/vnd.debian.binary-package"  # a release's .deb in a return bundle
PEEK_BYTES = 64 * 1024  # enough of a file's start to read its manifest (`peek_manifest`)
_SIG_CONTEXT = b"sala-usb-v1\n"
_HKDF_INFO = b"sala-usb-v1 bundle key"
_MANIFEST_MAX = 1 << 20
_U32 = struct.Struct(">I")


class BundleError(Exception):
    """A bundle that cannot be used. `code` is stable (tests, i18n keys `usb.error.<code>`);
    the message is the technician's English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Parsed:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    body: bytes


# --- keys ----------------------------------------------------------------------------------


def x25519_public_b64(key: X25519PrivateKey | X25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return p.b64url_encode(
        pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def key_id(public_b64: str) -> str:
    """A short name for a USB key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(p.b64url_decode(public_b64)).hexdigest()[:16]


def key_certificate(
    server_key: Ed25519PrivateKey, usb_public_b64: str, created_at: str
) -> dict[str, Any]:
    """The USB key, signed by the server's receipt key (which every kiosk pinned at enrolment),
    so a key file on a stick cannot be swapped for an attacker's."""
    key = {
        "format": KEY_FORMAT,
        "v": VERSION,
        "public_key": usb_public_b64,
        "key_id": key_id(usb_public_b64),
        "created_at": created_at,
    }
    return {"key": key, "signature": p.b64url_encode(server_key.sign(p.canonical_json(key)))}


def verify_key_certificate(cert: Any, server_public_key: str) -> str:
    """The X25519 public key (base64url) of a certificate the pinned server key signed."""
    if not isinstance(cert, dict) or not isinstance(cert.get("key"), dict):
        raise BundleError("bad_key", "The ministry USB key file is not a Sala key file.")
    key = cert["key"]
    if key.get("format") != KEY_FORMAT or key.get("v") != VERSION:
        raise BundleError("bad_key", "The ministry USB key file has an unknown format.")
    if not p.verify(server_public_key, str(cert.get("signature", "")), p.canonical_json(key)):
        raise BundleError(
            "bad_key", "The ministry USB key file is not signed by this kiosk's ministry server."
        )
    try:
        X25519PublicKey.from_public_bytes(p.b64url_decode(str(key.get("public_key"))))
    except ValueError as exc:
        raise BundleError("bad_key", "The ministry USB key file holds no valid key.") from exc
    return str(key["public_key"])


def _derive(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + recipient, info=_HKDF_INFO)
    return hkdf.derive(shared)


def _nonce(base: bytes, index: int) -> bytes:
    return base + _U32.pack(index)


class Encryptor:
    """Encrypts a payload of a known total length segment by segment, so a kiosk never holds
    a whole bundle in memory (`encrypt` is the one-shot form). Feed it with `update`, in any
    pieces; it returns the ciphertext segments that became complete."""

    def __init__(self, recipient_b64: str, total: int) -> None:
        recipient = p.b64url_decode(recipient_b64)
        eph = X25519PrivateKey.generate()
        epk = eph.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient))
        self._aead = AESGCM(_derive(shared, epk, recipient))
        self._base = os.urandom(8)
        self._count = max(1, -(-total // SEGMENT))
        self._total, self._seen, self._index = total, 0, 0
        self._buf = bytearray()
        self.enc = {
            "alg": ENC_ALG,
            "key_id": key_id(recipient_b64),
            "epk": p.b64url_encode(epk),
            "nonce": p.b64url_encode(self._base),
            "segments": self._count,
        }

    def _seal(self, plain: bytes) -> bytes:
        out = self._aead.encrypt(_nonce(self._base, self._index), plain, _U32.pack(self._count))
        self._index += 1
        return out

    def update(self, data: bytes) -> list[bytes]:
        self._seen += len(data)
        if self._seen > self._total:
            raise ValueError("more payload than declared")
        self._buf += data
        out = []
        while len(self._buf) >= SEGMENT and self._index < self._count - 1:
            out.append(self._seal(bytes(self._buf[:SEGMENT])))
            del self._buf[:SEGMENT]
        return out

    def finish(self) -> list[bytes]:
        if self._seen != self._total:
            raise ValueError(f"payload was {self._seen} bytes, not the declared {self._total}")
        out = []
        while self._index < self._count:
            out.append(self._seal(bytes(self._buf[:SEGMENT])))
            del self._buf[:SEGMENT]
        return out


def encrypt(payload: bytes, recipient_b64: str) -> tuple[dict[str, Any], bytes]:
    """(the manifest's `enc`, ciphertext): a fresh ephemeral key per bundle."""
    enc = Encryptor(recipient_b64, len(payload))
    parts = enc.update(payload) + enc.finish()
    return enc.enc, b"".join(parts)


def decrypt(enc: dict[str, Any], body: bytes, key: X25519PrivateKey) -> bytes:
    mine = x25519_public_b64(key)
    if enc.get("alg") != ENC_ALG:
        raise BundleError("version", f"Unknown bundle encryption {enc.get('alg')!r}.")
    if enc.get("key_id") != key_id(mine):
        raise BundleError(
            "wrong_key",
            f"This bundle is encrypted to USB key {enc.get('key_id')}, not this server's "
            f"{key_id(mine)}.",
        )
    try:
        epk = p.b64url_decode(str(enc["epk"]))
        peer = X25519PublicKey.from_public_bytes(epk)
        base, count = p.b64url_decode(str(enc["nonce"])), int(enc["segments"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError("tampered", "The bundle's encryption header is malformed.") from exc
    recipient = p.b64url_decode(mine)
    aead = AESGCM(_derive(key.exchange(peer), epk, recipient))
    step = SEGMENT + 16
    out = []
    try:
        for i in range(count):
            out.append(
                aead.decrypt(_nonce(base, i), body[i * step : (i + 1) * step], _U32.pack(count))
            )
    except InvalidTag as exc:
        raise BundleError(
            "tampered", "The bundle's contents do not decrypt: it was altered."
        ) from exc
    return b"".join(out)


# --- the payload: JSON index + media bytes ---------------------------------------------------


def pack_payload(index: dict[str, Any], blobs: list[bytes]) -> bytes:
    """`index["media"]` lists `{"sha256", "size", ...}` for `blobs`, in the same order."""
    return b"".join([payload_head(index), *blobs])


def payload_head(index: dict[str, Any]) -> bytes:
    """The payload's start: the index; the media bytes follow (streaming writers add them)."""
    head = p.canonical_json(index)
    return _U32.pack(len(head)) + head


def unpack_payload(payload: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(index, media by sha256), each media checked against its declared hash and size."""
    import json

    if len(payload) < 4:
        raise BundleError("truncated", "The bundle's contents are cut short.")
    (n,) = _U32.unpack_from(payload)
    try:
        index = json.loads(payload[4 : 4 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError("tampered", "The bundle's index is not valid JSON.") from exc
    media: dict[str, bytes] = {}
    pos = 4 + n
    for item in index.get("media") or []:
        size = int(item["size"])
        data = payload[pos : pos + size]
        pos += size
        if len(data) != size or hashlib.sha256(data).hexdigest() != item["sha256"]:
            raise BundleError(
                "tampered", f"Media {str(item['sha256'])[:12]}… does not match its hash."
            )
        media[str(item["sha256"])] = data
    if pos != len(payload):
        raise BundleError("tampered", "The bundle's contents have bytes nothing lists.")
    return index, media


# --- the file ------------------------------------------------------------------------------


def new_manifest(kind: str, device_id: str, commune_code: str, created_at: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "v": VERSION,
        "kind": kind,
        "bundle_id": str(uuid.uuid4()),
        "device_id": device_id,
        "commune_code": commune_code,
        "created_at": created_at,
    }


def seal(manifest: dict[str, Any], body: bytes, key: Ed25519PrivateKey) -> bytes:
    """The whole file: the manifest gains the body's size and hash, then is signed."""
    return header(manifest, len(body), hashlib.sha256(body).hexdigest(), key) + body


def header(
    manifest: dict[str, Any], body_size: int, body_sha256: str, key: Ed25519PrivateKey
) -> bytes:
    """Everything before the body (for writers that stream the body after it)."""
    manifest = {**manifest, "body_size": body_size, "body_sha256": body_sha256}
    head = p.canonical_json(manifest)
    sig = key.sign(_SIG_CONTEXT + head)
    return b"".join([MAGIC, _U32.pack(len(head)), head, _U32.pack(len(sig)), sig])


def parse(blob: bytes) -> Parsed:
    """Split and check the framing, version and body hash; NOT the signature (the reader
    knows whose key must have signed: `check_signature`)."""
    import json

    if not blob.startswith(MAGIC):
        if MAGIC.startswith(blob[: len(MAGIC)]):
            raise BundleError("truncated", "The bundle file is cut short (empty or nearly).")
        raise BundleError("not_a_bundle", "This file is not a Sala USB bundle.")
    pos = len(MAGIC)
    if len(blob) < pos + 4:
        raise BundleError("truncated", "The bundle file is cut short.")
    (n,) = _U32.unpack_from(blob, pos)
    if n > _MANIFEST_MAX:
        raise BundleError("tampered", "The bundle's manifest is implausibly large.")
    head = blob[pos + 4 : pos + 4 + n]
    pos += 4 + n
    if len(head) != n or len(blob) < pos + 4:
        raise BundleError("truncated", "The bundle file is cut short.")
    (s,) = _U32.unpack_from(blob, pos)
    sig = blob[pos + 4 : pos + 4 + s]
    body = blob[pos + 4 + s :]
    try:
        manifest = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError("tampered", "The bundle's manifest is not valid JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("not_a_bundle", "This file is not a Sala USB bundle.")
    if manifest.get("v") != VERSION:
        raise BundleError(
            "version",
            f"This bundle uses format version {manifest.get('v')!r}; this Sala reads "
            f"version {VERSION}. Update the older side.",
        )
    if len(sig) != s or len(body) < int(manifest.get("body_size", -1)):
        raise BundleError("truncated", "The bundle file is cut short.")
    if len(body) != manifest.get("body_size") or (
        hashlib.sha256(body).hexdigest() != manifest.get("body_sha256")
    ):
        raise BundleError("tampered", "The bundle's contents do not match its manifest.")
    return Parsed(manifest, head, sig, body)


def peek_manifest(head: bytes) -> dict[str, Any]:
    """The manifest from the first bytes of a bundle file, UNVERIFIED: only to order or name
    files before `parse` and `check_signature` read the whole of one."""
    import json

    pos = len(MAGIC)
    if not head.startswith(MAGIC) or len(head) < pos + 4:
        raise BundleError("not_a_bundle", "This file is not a Sala USB bundle.")
    (n,) = _U32.unpack_from(head, pos)
    try:
        manifest = json.loads(head[pos + 4 : pos + 4 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError("truncated", "The bundle's manifest is cut short.") from exc
    if not isinstance(manifest, dict):
        raise BundleError("not_a_bundle", "This file is not a Sala USB bundle.")
    return manifest


def check_signature(parsed: Parsed, public_key: str | Ed25519PublicKey) -> None:
    if not p.verify(
        public_key, p.b64url_encode(parsed.signature), _SIG_CONTEXT + parsed.manifest_bytes
    ):
        raise BundleError(
            "bad_signature", "The bundle's signature does not match the key of its sender."
        )

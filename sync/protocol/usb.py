"""The USB bundle file: what a kiosk and the ministry server both read and write (PROTOCOL.md
"USB bundles and the device report").

Beside `sync.protocol` (which it builds on) because it is wire format too, but only the field
kit needs it; it imports nothing else of ours, so the server may use it.

A bundle is one file: `MAGIC`, a signed manifest (canonical JSON) and a body. The Ed25519
signature covers the manifest, and the manifest holds the body's size and SHA-256, so a
truncated, bit-flipped or re-signed file is refused before anything in it is used. An
export's body is encrypted to the ministry's X25519 USB key (ephemeral X25519 + HKDF-SHA256 +
AES-256-GCM in segments); a return bundle is signed by the server and not encrypted (it holds
statuses, receipts and the roster the kiosk would also get from the feed, no answers or media).
The decrypted payload is a canonical JSON index followed by the media bytes it lists in order.

Tests and tools read small bundles whole (`parse`, `unpack_payload`); the server's import of
an export and the kiosk's import of a return bundle (up to hundreds of MB, a release .deb
inside) read from the file (`usb_reader.BundleReader`): the header and signature first,
then one pass that checks every segment, the body hash and every file while keeping none
(`verify`), then a second that hands the files on one at a time (`payload`). Memory: about
one segment of ciphertext and plaintext plus the file being taken, never the bundle. Both
paths share the checks below, so they refuse the same bundles with the same codes.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator
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
SEGMENT_STEP = SEGMENT + 16  # ciphertext bytes per segment (the last one may be shorter)
RELEASE_MIME = "application/vnd.debian.binary-package"  # a release's .deb in a return bundle
PEEK_BYTES = 64 * 1024  # enough of a file's start to read its manifest (`peek_manifest`)
_SIG_CONTEXT = b"sala-usb-v1\n"
_HKDF_INFO = b"sala-usb-v1 bundle key"
_MANIFEST_MAX = 1 << 20
_SIG_MAX = 1024  # an Ed25519 signature is 64 bytes
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


@dataclass(frozen=True)
class Header:
    """What precedes the body: the manifest (parsed and as signed), the signature, and where
    the body starts in the file."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    body_offset: int


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


class Decryptor:
    """Opens an export body's segments in order, each one's tag checked (its index is in the
    nonce and the segment count in the associated data, so a segment moved, dropped, added or
    taken from another bundle, whose ephemeral key differs, does not open)."""

    def __init__(self, enc: dict[str, Any], key: X25519PrivateKey) -> None:
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
            self._base, self.count = p.b64url_decode(str(enc["nonce"])), int(enc["segments"])
            if len(self._base) != 8 or self.count < 1:
                raise ValueError("nonce or segment count")
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleError("tampered", "The bundle's encryption header is malformed.") from exc
        self._aead = AESGCM(_derive(key.exchange(peer), epk, p.b64url_decode(mine)))
        self._index = 0

    def open(self, segment: bytes) -> bytes:
        """The next segment's plaintext (ciphertext of `SEGMENT_STEP` bytes, the last shorter)."""
        if self._index >= self.count:
            raise BundleError("tampered", "The bundle's contents have more segments than listed.")
        try:
            plain = self._aead.decrypt(
                _nonce(self._base, self._index), segment, _U32.pack(self.count)
            )
        except InvalidTag as exc:
            raise BundleError(
                "tampered", "The bundle's contents do not decrypt: it was altered."
            ) from exc
        self._index += 1
        return plain

    def finish(self) -> None:
        if self._index != self.count:
            raise BundleError("tampered", "The bundle's contents do not decrypt: it was altered.")


def decrypt(enc: dict[str, Any], body: bytes, key: X25519PrivateKey) -> bytes:
    """The one-shot form of `Decryptor` (small bodies; `usb_reader` streams)."""
    dec = Decryptor(enc, key)
    out = [dec.open(body[i : i + SEGMENT_STEP]) for i in range(0, max(len(body), 1), SEGMENT_STEP)]
    dec.finish()
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
    reader = PayloadReader(iter([payload]))
    index = reader.index()
    media = {str(item["sha256"]): data for item, data in reader.media() if data is not None}
    return index, media


Sink = Callable[[memoryview], object]  # takes a file's bytes as they are read (`media`)


class PayloadReader:
    """The payload (index, then the media it lists, in order) from its pieces, e.g. decrypted
    segments: one file at a time is held, each checked against its size and SHA-256 before it
    is handed on; `media` ends by checking that nothing follows the last one."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buf = memoryview(b"")
        self._index: dict[str, Any] | None = None

    def _take(self, n: int) -> bytes:
        """Up to `n` bytes (fewer only at the end); a spent piece is let go before the next
        one is read, so one piece and the bytes asked for are all that is held."""
        if n <= len(self._buf):
            out = bytes(self._buf[:n])
            self._buf = self._buf[n:]
            return out
        parts = [bytes(self._buf)]
        need = n - len(parts[0])
        self._buf = memoryview(b"")
        while need:
            piece = next(self._pieces, None)
            if piece is None:
                break
            view = memoryview(piece)
            del piece
            parts.append(bytes(view[:need]))
            self._buf = view[need:] if len(view) > need else memoryview(b"")
            need -= len(parts[-1])
            del view
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def index(self) -> dict[str, Any]:
        import json

        if self._index is not None:
            return self._index
        size = self._take(4)
        if len(size) < 4:
            raise BundleError("truncated", "The bundle's contents are cut short.")
        (n,) = _U32.unpack(size)
        try:
            index = json.loads(self._take(n).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BundleError("tampered", "The bundle's index is not valid JSON.") from exc
        if not isinstance(index, dict) or not isinstance(index.get("media") or [], list):
            raise BundleError("tampered", "The bundle's index is not a Sala index.")
        self._index = index
        return index

    def media(
        self, limit: int | None = None, sink: Callable[[dict[str, Any]], Sink | None] | None = None
    ) -> Iterator[tuple[dict[str, Any], bytes | None]]:
        """(the index's entry, its bytes) for each file in order, then the end check. A file
        over `limit` bytes is checked in pieces and comes as None (its reader refuses it as
        too large without ever holding it); `sink(entry)` may give a writer its pieces also go
        to (a kiosk streams a release's .deb to its spool file). The hash is checked after the
        last piece: what a writer got is good only if that file is then yielded."""
        for item in self.index().get("media") or []:
            try:
                sha, size = str(item["sha256"]), int(item["size"])
            except (KeyError, TypeError, ValueError) as exc:
                raise BundleError("tampered", "The bundle's index lists a bad file.") from exc
            if limit is not None and size > limit:
                got, digest = self._digest(size, sink(item) if sink else None)
                data = None
            else:
                data = self._take(max(size, 0))
                got, digest = len(data), hashlib.sha256(data).hexdigest()
            if size < 0 or got != size or digest != sha:
                raise BundleError("tampered", f"Media {sha[:12]}… does not match its hash.")
            yield item, data
            del data
        if self._buf or any(self._pieces):
            raise BundleError("tampered", "The bundle's contents have bytes nothing lists.")

    def _digest(self, n: int, write: Sink | None = None) -> tuple[int, str]:
        """(bytes read, SHA-256) of the next `n` bytes, hashed in place, a piece at a time."""
        digest, got = hashlib.sha256(), 0
        while got < n:
            if not self._buf:
                self._buf = memoryview(b"")  # the spent piece goes before the next is read
                piece = next(self._pieces, None)
                if piece is None:
                    break
                self._buf = memoryview(piece)
                del piece
            k = min(n - got, len(self._buf))
            digest.update(self._buf[:k])
            if write is not None:
                write(self._buf[:k])
            got += k
            self._buf = self._buf[k:] if len(self._buf) > k else memoryview(b"")
        return got, digest.hexdigest()


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


def read_header(read: Callable[[int], bytes], total: int) -> Header:
    """Framing, manifest and version from the file's start, read in small pieces, and the body's
    length against the file's (`total` bytes): what `parse` and `usb_reader` both check before
    any of the body is read."""
    import json

    magic = read(len(MAGIC))
    if magic != MAGIC:
        if MAGIC.startswith(magic):
            raise BundleError("truncated", "The bundle file is cut short (empty or nearly).")
        raise BundleError("not_a_bundle", "This file is not a Sala USB bundle.")
    size = read(4)
    if len(size) < 4:
        raise BundleError("truncated", "The bundle file is cut short.")
    (n,) = _U32.unpack(size)
    if n > _MANIFEST_MAX:
        raise BundleError("tampered", "The bundle's manifest is implausibly large.")
    head, size = read(n), read(4)
    if len(head) != n or len(size) < 4:
        raise BundleError("truncated", "The bundle file is cut short.")
    (s,) = _U32.unpack(size)
    sig = read(min(s, _SIG_MAX + 1))
    offset = len(MAGIC) + 8 + n + len(sig)
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
    body_size = manifest.get("body_size")
    if not isinstance(body_size, int) or isinstance(body_size, bool) or s > _SIG_MAX:
        raise BundleError("tampered", "The bundle's manifest is not a Sala manifest.")
    if len(sig) != s or total - offset < body_size:
        raise BundleError("truncated", "The bundle file is cut short.")
    if total - offset != body_size:
        raise BundleError("tampered", "The bundle's contents do not match its manifest.")
    return Header(manifest, head, sig, offset)


def sealed(
    manifest: dict[str, Any], payload: Callable[[], Iterable[bytes]], key: Ed25519PrivateKey
) -> Iterator[bytes]:
    """`seal` in pieces, for an unencrypted body (a return bundle with a release) too big to
    hold: `payload()` is read twice, to hash it and to write it, and must give the same bytes
    (if not, the reader refuses the file as altered)."""
    digest, size = hashlib.sha256(), 0
    for piece in payload():
        digest.update(piece)
        size += len(piece)
    yield header(manifest, size, digest.hexdigest(), key)
    yield from payload()


def parse(blob: bytes) -> Parsed:
    """Split and check the framing, version and body hash; NOT the signature (the reader
    knows whose key must have signed: `check_signature`). For small bundles (return
    bundles, tests); `usb_reader.BundleReader` reads a big one from its file without holding it."""
    view, pos = memoryview(blob), 0

    def read(n: int) -> bytes:
        nonlocal pos
        out = bytes(view[pos : pos + n])
        pos += len(out)
        return out

    found = read_header(read, len(blob))
    body = blob[found.body_offset :]
    if hashlib.sha256(body).hexdigest() != found.manifest.get("body_sha256"):
        raise BundleError("tampered", "The bundle's contents do not match its manifest.")
    return Parsed(found.manifest, found.manifest_bytes, found.signature, body)


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


def check_signature(parsed: Parsed | Header, public_key: str | Ed25519PublicKey) -> None:
    if not p.verify(
        public_key, p.b64url_encode(parsed.signature), _SIG_CONTEXT + parsed.manifest_bytes
    ):
        raise BundleError(
            "bad_signature", "The bundle's signature does not match the key of its sender."
        )

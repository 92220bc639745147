"""The one module the kiosk and the ministry server share: wire vocabulary and helpers.

Both sides import it so that the bytes they sign, hash and compare are built by the same code (a
one-character difference in the signature base string would lock every kiosk out), and so that
words like the registration statuses have a single owner. It sits at the bottom of the import
layers: it imports nothing from kiosk/, ui/, sync.client or sync.server (see pyproject.toml).
Nothing here does I/O. `cryptography` is imported inside the signing functions, so the kiosk
model can use the vocabulary without loading OpenSSL before the first paint.
"""

from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from hashlib import _Hash

    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def _sha256(data: bytes) -> _Hash:
    import hashlib  # on first use: it loads OpenSSL, which the kiosk's start-up never needs

    return hashlib.sha256(data)


# --- constants ---------------------------------------------------------------------------------

API_PREFIX = "/v1"
SIGNATURE_SCHEME = "sala-v1"
SIGNATURE_SCHEME_V2 = "sala-v2"
SIGNATURE_VERSION = 2  # what `sign_request` makes; the server still accepts 1 where safe
CLOCK_SKEW_SECONDS = 300  # ±5 min window for Sala-Date
NONCE_BYTES = 16
_OWS = " \t"  # HTTP optional whitespace around header values

HDR_DEVICE = "Sala-Device"
HDR_DATE = "Sala-Date"
HDR_NONCE = "Sala-Nonce"
HDR_SIGNATURE = "Sala-Signature"
HDR_SERVER_TIME = "Sala-Server-Time"
HDR_SIGNATURE_VERSION = "Sala-Signature-Version"  # "2"; absent means 1

# Request headers a version-2 signature covers (lower-case, in this order), present ones only:
# a header added, removed or rewritten on the way breaks the signature. Version 1 covered none,
# so the server refuses a version-1 request that carries any of the tus ones (PROTOCOL.md).
SIGNED_HEADERS = (
    "content-type",
    "upload-checksum",
    "upload-length",
    "upload-metadata",
    "upload-offset",
)
TUS_SIGNED_HEADERS = SIGNED_HEADERS[1:]

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
ERR_APP_NUMBER_TAKEN = "app_number_taken"  # 409: another kiosk already sent this number
ERR_SIGNATURE_VERSION = "signature_version"  # 401: tus headers under a version-1 signature
KIOSK_NUMBER_MAX = 99  # per commune, allocated by the server at enrolment
ERR_AUDIT_CHAIN_BROKEN = "audit_chain_broken"  # 409: an entry does not continue the held chain
ERR_AUDIT_GAP = "audit_gap"  # 409: an audit entry's seq skips over ones the server lacks


# --- registration statuses ---------------------------------------------------------------------


class ServerStatus(StrEnum):
    """The status an officer sets on the ministry server; it reaches kiosks through the feed.

    A `StrEnum`, so members compare and hash equal to the plain strings on the wire and in the
    server's database. `kiosk.model` re-exports it rather than keeping a copy of these words.
    """

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    NEEDS_PAPERS = "needs_papers"
    APPROVED = "approved"
    REJECTED = "rejected"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"


_S = ServerStatus
# Officer status moves (PROTOCOL.md "Officers"); the server refuses anything else with 409.
STATUS_TRANSITIONS: dict[ServerStatus, frozenset[ServerStatus]] = {
    _S.RECEIVED: frozenset({_S.IN_REVIEW}),
    _S.IN_REVIEW: frozenset({_S.NEEDS_PAPERS, _S.APPROVED, _S.REJECTED}),
    _S.NEEDS_PAPERS: frozenset({_S.IN_REVIEW}),
    _S.APPROVED: frozenset({_S.READY_FOR_PICKUP}),
    _S.READY_FOR_PICKUP: frozenset({_S.COLLECTED}),
    _S.REJECTED: frozenset(),
    _S.COLLECTED: frozenset(),
}
# Statuses after which the citizen's case needs nothing more from the kiosk: its retention
# period counts from here.
FINAL_STATUSES = frozenset({_S.REJECTED, _S.READY_FOR_PICKUP, _S.COLLECTED})
# A commit's optional receipt code (PROTOCOL.md "Commit"), checked by the partner API.
COMMIT_VERIFICATION_CODE = "verification_code"
VERIFICATION_CODE_PATTERN = r"^[0-9A-Z]{4,16}$"  # the kiosk prints 6 of 34679ACDEFGHJKMNPQRTUVWXY


# --- clerk station (PROTOCOL.md "Clerk station: versions, staff events, end of day") ----------

REGISTRATION_VERSION_MAX = 999  # a commit's optional "version" (default 1) and supplements' n
SUPPLEMENT_ANSWERS_MAX = 500  # changed fields in one supplement
# A supplement is taken while an officer may still read it; after a decision it is refused.
SUPPLEMENT_STATUSES = frozenset({_S.RECEIVED, _S.IN_REVIEW, _S.NEEDS_PAPERS})
SUPPLEMENT_NOTE = "Supplement arrived (version {version})."  # needs_papers -> in_review note


class ClerkEvent(StrEnum):
    """What a clerk did at the counter: `PUT /v1/registrations/{id}/events/{event_id}`."""

    ORIGINALS_CHECKED = "originals_checked"
    COLLECTED = "collected"  # needs ready_for_pickup; becomes the status `collected`
    FEE_RECEIVED = "fee_received"
    PHOTO_OVERRIDE = "photo_override"


class OriginalsRule(StrEnum):
    """A catalog service's `originals_check`: when the clerk sees the original papers."""

    BEFORE_UPLOAD = "before_upload"
    AT_PICKUP = "at_pickup"
    NONE = "none"


ORIGINALS_GRACE_DAYS = 3  # default of the kiosk setting clerk.originals_grace_days
# Reason codes of a photo override (the kiosk's `kiosk.overrides.OverrideReason` values).
PHOTO_OVERRIDE_REASONS: tuple[str, ...] = ("glasses_glare", "medical", "religious_headwear")
PHOTO_OVERRIDE_REASONS += ("child_under_5", "disability", "camera_fault")
CLERK_EVENT_DATA_MAX_BYTES = 8192  # canonical JSON of an event's `data`
RECEIPT_BOOK_NO_MAX = 40
DOCUMENT_NUMBER_MAX = 60
END_OF_DAY_COUNTS: tuple[str, ...] = ("taken", "originals_checked", "sent", "waiting")
END_OF_DAY_COUNTS += ("problems", "supplements", "handovers")
END_OF_DAY_REVISION_MAX = 999
ERR_UNKNOWN_REGISTRATION = "unknown_registration"  # 404
ERR_PURGED = "purged"  # 410: the server no longer holds this registration's data
ERR_WRONG_COMMUNE = "wrong_commune"  # 403: a registration or report of another commune
ERR_VERSION_CONFLICT = "version_conflict"  # 409: (id, n) held with other content, or n skips
ERR_STATUS_FORBIDS = "status_forbids"  # 409: the status does not allow it (with `status`)
ERR_EVENT_CONFLICT = "event_conflict"  # 409: event id held with other content
ERR_EVENT_INVALID = "event_invalid"  # 422: bad kind, data or time
ERR_ALREADY_COLLECTED = "already_collected"  # 409: another hand-over was recorded first
ERR_FEE_MISMATCH = "fee_mismatch"  # 409: not the catalog's fee (with `expected_riel`)
ERR_FEE_ALREADY_RECEIVED = "fee_already_received"  # 409: another fee event holds it
ERR_END_OF_DAY_CONFLICT = "end_of_day_conflict"  # 409: (device, date, revision) held, other
ERR_END_OF_DAY_INVALID = "end_of_day_invalid"  # 422: path and body disagree, bad numbers


def supplement_path(registration_id: str, version: int) -> str:
    return f"{API_PREFIX}/registrations/{registration_id}/versions/{version}"


def event_path(registration_id: str, event_id: str) -> str:
    return f"{API_PREFIX}/registrations/{registration_id}/events/{event_id}"


def end_of_day_path(day: str, revision: int) -> str:
    """`day` is the kiosk's Cambodia date, YYYY-MM-DD."""
    return f"{API_PREFIX}/end-of-day/{day}/{revision}"


# --- commune staff (PROTOCOL.md "Staff roster") -------------------------------------------------

STAFF_ROLES = ("clerk", "supervisor", "technician")
STAFF_STATUSES = ("active", "disabled")
STAFF_ACTIONS = ("add", "disable", "reset_pin", "unlock")  # POST /v1/staff-changes
STAFF_CODE_DIGITS = 6  # PINs, and the codes the ministry makes (kiosks accept codes of 6-12)
STAFF_NAME_MAX = 80  # characters per language of a staff member's display name
# Argon2id parameters every new PIN or code verifier is made with (argon2-cffi
# `PasswordHasher(time_cost=, memory_cost=, parallelism=)`); verifiers are the encoded
# `$argon2id$v=19$m=…,t=…,p=…$salt$hash` strings, which carry their own parameters. A verifier
# below the floor (OWASP's minimum) is refused: the roster travels to every kiosk of a commune,
# and a 6-digit secret behind a cheap hash would be read off it in seconds.
STAFF_ARGON2_TIME_COST = 3
STAFF_ARGON2_MEMORY_KIB = 65536
STAFF_ARGON2_PARALLELISM = 1
STAFF_ARGON2_MIN_TIME_COST = 2
STAFF_ARGON2_MIN_MEMORY_KIB = 19456
# …and a ceiling, so a verifier cannot make every kiosk of the commune stall on a sign-in.
STAFF_ARGON2_MAX_TIME_COST = 10
STAFF_ARGON2_MAX_MEMORY_KIB = 262144
STAFF_ARGON2_MAX_PARALLELISM = 8
_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=([0-9]{1,9}),t=([0-9]{1,4}),p=([0-9]{1,3})"
    r"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{22,128}"
)


def check_staff_verifier(verifier: str) -> None:
    """ValueError unless `verifier` is an encoded Argon2id string within the bounds."""
    found = _ARGON2ID.fullmatch(verifier) if isinstance(verifier, str) else None
    if found is None:
        raise ValueError("not an encoded Argon2id verifier ($argon2id$v=19$m=…,t=…,p=…$…$…)")
    memory, time_cost, lanes = (int(x) for x in found.groups())
    if not (
        STAFF_ARGON2_MIN_MEMORY_KIB <= memory <= STAFF_ARGON2_MAX_MEMORY_KIB
        and STAFF_ARGON2_MIN_TIME_COST <= time_cost <= STAFF_ARGON2_MAX_TIME_COST
        and 1 <= lanes <= STAFF_ARGON2_MAX_PARALLELISM
    ):
        raise ValueError(
            f"Argon2id parameters out of bounds (m {STAFF_ARGON2_MIN_MEMORY_KIB}-"
            f"{STAFF_ARGON2_MAX_MEMORY_KIB} KiB, t {STAFF_ARGON2_MIN_TIME_COST}-"
            f"{STAFF_ARGON2_MAX_TIME_COST}, p 1-{STAFF_ARGON2_MAX_PARALLELISM})"
        )


class StaffNameError(ValueError):
    """A refused staff name; `code` ("empty" | "long" | "control") lets a page say why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_staff_name(text: object) -> str:
    """A display name as stored and sent: NFC, whitespace runs made one space; StaffNameError
    if it is not text, is empty, has control characters or is over `STAFF_NAME_MAX`."""
    if not isinstance(text, str):
        raise StaffNameError("empty", "a name is text")
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise StaffNameError("empty", f"a name is 1 to {STAFF_NAME_MAX} characters")
    if len(name) > STAFF_NAME_MAX:
        raise StaffNameError("long", f"a name is 1 to {STAFF_NAME_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise StaffNameError("control", "a name has no control characters")
    return name


# --- the kiosk's hash-chained audit (PROTOCOL.md "Audit upload") ----------------------------------

AUDIT_GENESIS = "0" * 64  # the prev_hash of entry 1
AUDIT_DETAILS_MAX_BYTES = 4096  # canonical details per entry; the server refuses more


def audit_entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, details: str
) -> str:
    """Hex SHA-256 chaining one audit entry to the previous one. `details` is the canonical
    text of the details object (`canonical_text(details)`), as the kiosk stores it.

    The kiosk makes and checks its chain with this, and the server verifies uploads with it:
    one formula, or a correct kiosk would be flagged as tampered.
    """
    body = canonical_text(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        }
    )
    return _sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


# --- encodings ---------------------------------------------------------------------------------


def canonical_text(obj: Any) -> str:
    """The one JSON spelling Sala hashes, signs and chains: sorted keys, no spaces, UTF-8 kept.

    NaN and ±Infinity are refused (ValueError): they are not JSON, and another parser could
    read them back differently, so the same document would have two hashes.
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical_json(obj: Any) -> bytes:
    """`canonical_text` as the UTF-8 bytes that go on the wire and into hashes."""
    return canonical_text(obj).encode("utf-8")


def refuse_constant(name: str) -> NoReturn:
    """`json.loads(..., parse_constant=refuse_constant)`: NaN/Infinity in input is an error."""
    raise ValueError(f"{name} is not JSON")


def commit_body_sha256(doc: Any) -> str:
    """Hex SHA-256 of the canonical JSON of a whole commit body (`PUT /v1/registrations/{id}`).

    The server's identity for a commit: a retry with the same body gets the original receipt.
    It travels in the signed receipt as `content_sha256` (the v1 wire name, kept).
    """
    return _sha256(canonical_json(doc)).hexdigest()


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


def parse_uint(text: str | None, *, max_digits: int = 18) -> int:
    """A non-negative decimal integer written in ASCII digits only; ValueError otherwise.

    `str.isdigit()` accepts "²" (then `int()` fails: a 500) and `int()` accepts Arabic-Indic
    or Khmer digits, so a header could mean a number nobody wrote. Every number read from the
    wire (cursors, Upload-Length/Offset, Content-Length, Retry-After) goes through here.
    Surrounding spaces and tabs are allowed (HTTP optional whitespace), a sign is not.
    """
    if text is None:
        raise ValueError("a number is required")
    s = text.strip(_OWS)
    if not s or len(s) > max_digits or not (s.isascii() and s.isdigit()):
        raise ValueError(f"not a non-negative ASCII integer: {text[:30]!r}")
    return int(s)


def is_ascii_digits(text: str, length: int | None = None) -> bool:
    """True for a non-empty run of ASCII digits (of exactly `length`, if given)."""
    ok = bool(text) and text.isascii() and text.isdigit()
    return ok and (length is None or len(text) == length)


# --- request signatures ------------------------------------------------------------------------


def signature_base(method: str, path_with_query: str, date: str, nonce: str, body: bytes) -> bytes:
    """Version 1: scheme, METHOD, path?query, date, nonce, hex sha256(body); no headers.

    `path_with_query` is the request target as sent on the wire (no scheme/host), e.g.
    `/v1/changes?since=12&limit=100`.
    """
    body_hash = _sha256(body).hexdigest()
    lines = (SIGNATURE_SCHEME, method.upper(), path_with_query, date, nonce, body_hash)
    return "\n".join(lines).encode("utf-8")


def canonical_headers(headers: Mapping[str, str | bytes]) -> str:
    """The `SIGNED_HEADERS` present in `headers` as `name:value` lines, in that fixed order.

    Names are matched case-insensitively; values lose surrounding spaces and tabs, and bytes
    are read as latin-1 (as HTTP servers do). An absent header has no line, so adding one
    (even empty) on the way changes the signed text.
    """
    lower = {
        k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v for k, v in headers.items()
    }
    lines = [n + ":" + lower[n].strip(_OWS) for n in SIGNED_HEADERS if n in lower]
    return "\n".join(lines)


def signature_base_v2(
    method: str,
    path_with_query: str,
    date: str,
    nonce: str,
    headers: Mapping[str, str | bytes],
    body: bytes,
) -> bytes:
    """Version 2: version 1's lines with the canonical signed headers before the body hash."""
    body_hash = _sha256(body).hexdigest()
    lines = (SIGNATURE_SCHEME_V2, method.upper(), path_with_query, date, nonce)
    return "\n".join((*lines, canonical_headers(headers), body_hash)).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path_with_query: str,
    body: bytes = b"",
    *,
    headers: Mapping[str, str | bytes] | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
    version: int = SIGNATURE_VERSION,
) -> dict[str, str]:
    """Headers that authenticate one request. `now` is the kiosk clock plus its learned offset.

    `headers` are the request's other headers exactly as they will be sent: version 2 signs
    the `SIGNED_HEADERS` among them, so add none of those after signing. Version 1 is kept
    only for tests of the server's backward compatibility.
    """
    date = format_date(now or datetime.now(UTC))
    nonce = nonce or new_nonce()
    if version == 1:
        base = signature_base(method, path_with_query, date, nonce, body)
    else:
        base = signature_base_v2(method, path_with_query, date, nonce, headers or {}, body)
    out = {
        HDR_DEVICE: device_id,
        HDR_DATE: date,
        HDR_NONCE: nonce,
        HDR_SIGNATURE: b64url_encode(key.sign(base)),
    }
    if version != 1:
        out[HDR_SIGNATURE_VERSION] = str(version)
    return out


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """base64url of the raw 32-byte public key, as sent in `POST /v1/devices`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url_encode(raw)


def load_public_key(b64: str) -> Ed25519PublicKey:
    """Raw 32-byte base64url → key object; ValueError if it is not a valid Ed25519 key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = b64url_decode(b64)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key: Ed25519PublicKey | str, signature_b64: str, message: bytes) -> bool:
    """True if `signature_b64` is a valid signature over `message`; never raises on bad input."""
    from cryptography.exceptions import InvalidSignature

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
    digest = _sha256(chunk).digest()
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


# --- releases (PROTOCOL.md "Releases") -------------------------------------------------------
# A `release` feed entry carries the ministry's signed manifest of a kiosk .deb. The server
# only relays it (it holds no release key); kiosks verify it against their pinned key.
RELEASE_KIND = "release"
RELEASE_FORMAT = "sala-release/1"
RELEASE_SIGNATURE_CONTEXT = b"sala-release-v1\n"  # domain separation from request signatures
RELEASE_MANIFEST_MAX_BYTES = 8192


def release_signature_base(manifest: Mapping[str, Any]) -> bytes:
    """The bytes the release key signs: a fixed prefix and the manifest's canonical JSON."""
    return RELEASE_SIGNATURE_CONTEXT + canonical_json(manifest)

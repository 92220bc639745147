"""The kiosk's domain model: a registration, its attachments, its receipt.

Plain dataclasses with no storage or Qt in them, so the store, the UI and the sync client speak
the same words. `ServerStatus` and `FINAL_STATUSES` belong to the wire protocol
(`sync/protocol/`, shared with the server) and are re-exported here. See GUIDE.md §2 for the
lifecycle.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

# The server's status words are protocol vocabulary: one owner, re-exported for the kiosk.
from sync.protocol import FINAL_STATUSES as FINAL_STATUSES
from sync.protocol import ServerStatus as ServerStatus


class State(StrEnum):
    """Where a registration is in its life on the kiosk (GUIDE.md §2)."""

    DRAFT = "draft"  # being filled in at the kiosk, autosaved
    SUBMITTED = "submitted"  # durable on the kiosk, receipt given, waiting for sync
    UPLOADING = "uploading"  # sync has started sending media
    ACCEPTED = "accepted"  # the ministry server returned its signed receipt
    DECIDED = "decided"  # a final status came back (approved, rejected, ready for pick-up…)
    PURGED = "purged"  # PII and media removed after retention; a tombstone stays


AttachmentKind = Literal["photo", "document"]


def utc_now() -> datetime:
    """The device clock in UTC; pass a different callable wherever time matters in tests."""
    return datetime.now(UTC)


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so ids sort by creation and index well."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return str(uuid.UUID(int=value))


@dataclass(frozen=True)
class MediaRef:
    """A photo or page stored in the media vault, named by the SHA-256 of its plaintext."""

    sha256: str
    size: int
    mime: str


@dataclass(frozen=True)
class Attachment:
    """One captured image bound to a form field; documents have pages 0, 1, 2…"""

    field_id: str
    kind: AttachmentKind
    media: MediaRef
    page: int = 0
    # Measured values of the capture checks (e.g. {"sharpness": 212.4, "override": "…"}).
    checks: dict[str, Any] = field(default_factory=dict)


@dataclass
class Registration:
    """An application for one service, from the first keystroke to the tombstone."""

    id: str
    service_id: str
    form_version: str
    state: State
    locale: str
    commune_code: str
    created_at: datetime
    updated_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    app_number: str | None = None
    submitted_at: datetime | None = None
    fee_khr: int | None = None
    # Filled in by sync:
    server_status: ServerStatus | None = None
    status_note: str | None = None
    status_at: datetime | None = None
    server_receipt: dict[str, Any] | None = None
    last_sync_error: str | None = None


@dataclass(frozen=True)
class Receipt:
    """What the citizen takes home: printed, shown on screen and encoded in the QR code."""

    registration_id: str
    app_number: str
    verification_code: str
    service_id: str
    form_version: str
    commune_code: str
    fee_khr: int
    submitted_at: datetime
    processing_days: int | None = None

    @property
    def qr_payload(self) -> str:
        """The text in the receipt's QR code; `parse_qr_payload` reads it back."""
        return f"SALA1:{self.app_number}:{self.verification_code}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    """(application number, verification code) from a receipt QR text, or None if not ours."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != "SALA1" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]

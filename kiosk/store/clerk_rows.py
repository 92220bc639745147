"""Plain rows the clerk half of the store hands out (kiosk/store/clerk.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.model import Attachment
from kiosk.store import crypto

EVENT_KINDS = frozenset({"originals_checked", "collected", "fee_received", "photo_override"})


@dataclass(frozen=True)
class StaffEvent:
    """One staff event (wire: PUT /v1/registrations/{id}/events/{event_id})."""

    id: str
    registration_id: str
    kind: str
    staff_id: str
    at: str
    day: str
    service_id: str
    amount_riel: int | None
    data: dict[str, Any]
    sent_at: str | None
    refused: str | None


@dataclass(frozen=True)
class PendingEvent:
    event: StaffEvent


@dataclass(frozen=True)
class VersionRow:
    version: int
    kind: str  # "correction" | "supplement"
    wire_version: int | None
    staff_id: str
    at: str
    sent_at: str | None
    refused: str | None


@dataclass(frozen=True)
class PendingSupplement:
    registration_id: str
    version: int
    wire_version: int
    staff_id: str
    at: str
    answers: dict[str, Any]  # only what changed, new values
    pages: list[Attachment]


@dataclass(frozen=True)
class ClerkRecord:
    """The clerk's columns of one registration."""

    version: int
    assisted_by: str | None
    originals: str | None  # None | "checked" | "unchecked_sent"
    originals_at: str | None
    collected_at: str | None
    problem: str | None
    problem_key: str | None
    problem_at: str | None
    claimed: bool  # the sync worker is sending it right now
    held: bool  # waiting for its originals check before upload
    events: list[StaffEvent]
    versions: list[VersionRow]


@dataclass(frozen=True)
class DayCounts:
    taken: int
    originals_checked: int
    sent: int
    waiting: int
    problems: int
    supplements: int
    handovers: int
    fees: list[tuple[str, str, int]]  # (service id, staff id, riel)
    signed: tuple[int, str, str] | None  # (revision, signed_by, signed_at) of the last one


@dataclass(frozen=True)
class EndOfDay:
    day: str
    revision: int
    body: dict[str, Any]


def event_from_row(aead: AESGCM, r: Any) -> StaffEvent:
    data = json.loads(crypto.open_sealed(aead, r[8], f"sala/event/{r[0]}".encode("ascii")))
    return StaffEvent(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], data, r[9], r[10])

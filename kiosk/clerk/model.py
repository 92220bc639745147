"""The clerk station's vocabulary (ARCHITECTURE.md "Clerk core"): queues, rows, the view of
one application, an originals check, the day's summary, and `ClerkError`.

Plain frozen dataclasses with no store or Qt in them, so the screens (ui/clerk/) and the
tests share one shape; the names are fixed by the issue-12 contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kiosk.text import Text
from sync.protocol import format_date


class Queue(StrEnum):
    """The station's home lists, newest first."""

    ORIGINALS = "originals"  # before_upload service, originals not yet checked
    NEEDS_PAPERS = "needs_papers"  # the ministry asked; row.note = the officer's note
    SUPPLEMENT = "supplement"  # a supplement saved here, not yet sent
    PICKUP = "pickup"  # ready_for_pickup and not collected
    PROBLEMS = "problems"  # sync problems/conflicts (a state of the record)
    TODAY = "today"  # submitted today (Cambodia date)


@dataclass(frozen=True)
class QueueRow:
    reg_id: str
    app_number: str
    service_id: str
    name: str
    submitted_at: datetime
    status: str  # the ministry's status, else the kiosk state
    sync_state: str  # "held" | "waiting" | "sending" | "sent" | "problem" | "purged"
    note: str | None


@dataclass(frozen=True)
class OriginalCheck:
    """One paper the service lists: the original seen or not brought, with optional details
    and an optional photo of the original (kept as a new page of that document)."""

    document_id: str
    seen: bool
    number: str | None = None
    issued_on: date | None = None
    photo_jpeg: bytes | None = None


@dataclass(frozen=True)
class OriginalRecord:
    document_id: str
    seen: bool
    number: str | None
    issued_on: str | None
    page_sha256: str | None
    staff_id: str
    at: str


@dataclass(frozen=True)
class FeePaid:
    amount_riel: int
    receipt_book_no: str
    staff_id: str
    at: str


@dataclass(frozen=True)
class Override:
    field_id: str
    reason: str  # a kiosk.overrides.OverrideReason code
    staff_id: str


@dataclass(frozen=True)
class ApplicationView:
    reg_id: str
    app_number: str
    service_id: str
    service_name: Text
    version: int
    status: str
    sync_state: str
    answers: list[tuple[str, Text, str]]  # field id, label, value in the desk's locale
    answer_texts: list[tuple[str, Text, Text]]  # field id, label, value in km and en
    photo_media_id: str | None
    page_media_ids: list[tuple[str, str]]  # field id, media id (sha256)
    capture_checks: dict[str, float]
    overrides: list[Override]
    history: list[tuple[str, str | None, str | None]]  # status, at, note
    audit: list[tuple[str, str, str]]  # at, actor, action
    originals_rule: str  # "before_upload" | "at_pickup" | "none"
    documents: list[tuple[str, Text]]  # document field id, label
    originals: list[OriginalRecord]
    originals_state: str | None  # None | "checked" | "unchecked_sent"
    fee_due: int | None
    fee_paid: FeePaid | None
    collected: bool
    assisted_by: str | None
    submitted_at: datetime | None
    problem_key: str | None  # why the record is in the problems queue (i18n key)
    held: bool  # waiting for its originals check before upload
    being_sent: bool  # the sync worker holds it right now: corrections wait
    uploaded: bool  # the server has it (a correction becomes a supplement)


@dataclass(frozen=True)
class DaySummary:
    day: date
    taken: int
    originals_checked: int
    sent: int
    waiting: int
    problems: int
    supplements: int
    handovers: int
    fees_by_service: dict[str, int] = field(default_factory=dict)
    fees_by_clerk: dict[str, int] = field(default_factory=dict)
    signed_by: str | None = None
    signed_at: datetime | None = None
    revision: int | None = None

    @property
    def fees_total(self) -> int:
        return sum(self.fees_by_service.values())

    def wire_body(self, commune_code: str, kiosk_number: int) -> dict[str, Any]:
        """`PUT /v1/end-of-day/{date}/{revision}` body (revision added when stored)."""
        return {
            "date": self.day.isoformat(),
            "commune_code": commune_code,
            "kiosk_number": kiosk_number,
            "taken": self.taken,
            "originals_checked": self.originals_checked,
            "sent": self.sent,
            "waiting": self.waiting,
            "problems": self.problems,
            "supplements": self.supplements,
            "handovers": self.handovers,
            "fees_by_service": dict(sorted(self.fees_by_service.items())),
            "fees_by_clerk": dict(sorted(self.fees_by_clerk.items())),
            "signed_by": self.signed_by,
            "signed_at": format_date(self.signed_at) if self.signed_at else None,
        }


class ClerkError(Exception):
    """A refusal the clerk reads (the `UserFacingError` shape: `clerk.core.*` keys, km + en).
    Raised before anything is written, so nothing saved changes. `issue`: the form engine's
    own words when an answer does not validate."""

    message_key = "clerk.core.error"

    def __init__(
        self, message: str, *, key: str, issue: Text | None = None, **params: object
    ) -> None:
        super().__init__(message)
        self.message_key = f"clerk.core.{key}"
        self.params = params
        self.issue = issue

"""`ClerkDesk`: what a signed-in clerk can see and do (issue 12), Qt-free and blocking.

The screens call it on the database worker (ui/tasks.py). Every call checks the staff
session (idle expiry, role) through `StaffSession.require`, every action is one store
transaction together with its hash-chained audit entry, and anything the record's state
does not allow raises `ClerkError` before anything is written. The reads live here; the
actions in kiosk/clerk/actions.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from kiosk.catalog import Catalog, FieldType, Service
from kiosk.clerk.actions import ClerkActions
from kiosk.clerk.model import (
    ApplicationView,
    ClerkError,
    DaySummary,
    FeePaid,
    OriginalRecord,
    Override,
    Queue,
    QueueRow,
)
from kiosk.i18n import cambodia_today
from kiosk.model import Registration, State, parse_qr_payload, utc_now
from kiosk.staff import Action, StaffDesk, StaffSession
from kiosk.store import NotFound, Store, StoreError
from kiosk.store.appnumber import normalise_app_number, validate_app_number
from kiosk.store.clerk_rows import ClerkRecord
from kiosk.text import Text

_NAME_FIELDS = ("name_km", "name_latin", "business_name_km", "business_name_latin")


class ClerkDesk(ClerkActions):
    """See ARCHITECTURE.md "Clerk core"; one per staff session."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        session: StaffSession,
        *,
        now: Callable[[], datetime] | None = None,
        locale: str = "km",
        staff_desk: StaffDesk | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.session = session
        self.now = now or utc_now
        self.locale = locale  # the staff member's language, for answer values
        self.staff_desk = staff_desk  # for sign_day's PIN check (default: a new StaffDesk)
        store.set_originals_rules({s.id: s.originals_check for s in catalog.services.values()})

    # -- helpers -----------------------------------------------------------------------------
    def _require(self, action: Action) -> None:
        self.session.require(action, self.now())

    def _today(self) -> date:
        return cambodia_today(self.now())

    def _service(self, service_id: str) -> Service | None:
        return self.catalog.services.get(service_id)

    def _registration(self, reg_id: str) -> Registration:
        try:
            reg = self.store.get(reg_id)
        except NotFound:
            raise ClerkError(f"No application {reg_id}.", key="unknown") from None
        if reg.state is State.DRAFT:
            raise ClerkError(f"{reg_id} is a draft.", key="unknown")
        if reg.state is State.PURGED:
            raise ClerkError(f"{reg_id} is purged.", key="purged")
        return reg

    def _row(self, reg: Registration, rec_sync: str | None = None) -> QueueRow:
        note = reg.status_note if reg.server_status == "needs_papers" else None
        return QueueRow(
            reg_id=reg.id,
            app_number=reg.app_number or "",
            service_id=reg.service_id,
            name=display_name(reg.answers),
            submitted_at=reg.submitted_at or reg.created_at,
            status=str(reg.server_status or reg.state.value),
            sync_state=rec_sync or sync_state(reg, None),
            note=note,
        )

    # -- the queue -------------------------------------------------------------------------
    def counts(self) -> dict[Queue, int]:
        self._require(Action.VIEW_APPLICATION)
        day = self._today()
        return {q: self.store.queue_count(q.value, day) for q in Queue}

    def queue(self, which: Queue, *, limit: int = 50, offset: int = 0) -> list[QueueRow]:
        self._require(Action.VIEW_APPLICATION)
        which = Queue(which)
        regs = self.store.queue_page(which.value, self._today(), limit=limit, offset=offset)
        return self._rows(regs)

    def _rows(self, regs: list[Registration]) -> list[QueueRow]:
        flags = self.store.sync_flags([r.id for r in regs])
        return [self._row(r, flags.get(r.id)) for r in regs]

    def search(self, text: str, *, limit: int = 50) -> list[QueueRow]:
        """Name (Khmer or Latin), phone, national id or another searchable field, the
        application number (whole or any 3+ digits), the registration id, or a receipt QR."""
        self._require(Action.VIEW_APPLICATION)
        text = text.strip()
        if not text:
            return []
        found: list[Registration] = []
        qr = parse_qr_payload(text)
        if qr is not None:
            reg = self.store.by_app_number(qr[0])
            if reg is not None and self.store.receipt(reg.id).verification_code == qr[1]:
                found.append(reg)
            return self._rows(found)
        # The id first: a registration id's digits read as an application number with a
        # correct check digit about one time in ten.
        if len(text) == 36 and text.count("-") == 4:
            with contextlib.suppress(NotFound):
                found.append(self.store.get(text))
        elif validate_app_number(normalise_app_number(text)):
            reg = self.store.by_app_number(text)
            if reg is not None:
                found.append(reg)
        if not found:  # a whole number or id is unique: no need to search by its digits
            found = self.store.search(text, limit=limit)
        return self._rows([r for r in found if r.state not in (State.DRAFT, State.PURGED)][:limit])

    # -- one application ------------------------------------------------------------------
    def open(self, reg_id: str) -> ApplicationView:
        """Everything about one application; audited as "viewed" (personal data shown)."""
        self._require(Action.VIEW_APPLICATION)
        reg = self._registration(reg_id)
        rec = self.store.clerk_record(reg_id)
        self.store.audit.append(self.session.staff_id, "clerk.viewed", reg_id, {})
        return self._view(reg, rec)

    def reprinting(self, reg_id: str) -> None:
        """A reprint of the receipt is about to be made: audited like a view (it shows the
        citizen's data on paper), refused for a record that is not sent or is purged."""
        self._require(Action.VIEW_APPLICATION)
        reg = self._registration(reg_id)
        if reg.state in (State.DRAFT, State.PURGED):
            raise ClerkError(f"{reg_id} has no receipt to reprint", key="no_receipt")
        self.store.audit.append(self.session.staff_id, "clerk.reprinted", reg_id, {})

    def _view(self, reg: Registration, rec: ClerkRecord) -> ApplicationView:
        service = self._service(reg.service_id)
        answers: list[tuple[str, Text, str]] = []
        texts: list[tuple[str, Text, Text]] = []
        documents: list[tuple[str, Text]] = []
        if service is not None:
            texts = answer_texts(service, reg.answers)
            answers = [(fid, label, value.get(self.locale)) for fid, label, value in texts]
            documents = [(f.id, f.label) for f in service.fields if f.type is FieldType.DOCUMENT]
        photo = next((a for a in reg.attachments if a.kind == "photo"), None)
        checks: dict[str, float] = {}
        overrides: list[Override] = []
        for a in reg.attachments:
            for k, v in a.checks.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    checks[f"{a.field_id}.{k}" if a.kind != "photo" else k] = float(v)
            ov = a.checks.get("override")
            if isinstance(ov, dict) and "reason" in ov:
                overrides.append(Override(a.field_id, str(ov["reason"]), str(ov.get("staff_id"))))
            elif isinstance(ov, str):
                overrides.append(Override(a.field_id, ov, ""))
        history: list[tuple[str, str | None, str | None]] = [
            (str(s), at, note) for s, note, at in self.store.status_history(reg.id)
        ]
        audit = [(e.at, e.actor, e.action) for e in self.store.audit.entries(subject=reg.id)]
        return ApplicationView(
            reg_id=reg.id,
            app_number=reg.app_number or "",
            service_id=reg.service_id,
            service_name=service.name if service else Text(reg.service_id, reg.service_id),
            version=rec.version,
            status=str(reg.server_status or reg.state.value),
            sync_state=sync_state(reg, rec),
            answers=answers,
            answer_texts=texts,
            photo_media_id=photo.media.sha256 if photo else None,
            page_media_ids=[
                (a.field_id, a.media.sha256) for a in reg.attachments if a.kind == "document"
            ],
            capture_checks=checks,
            overrides=overrides,
            history=history,
            audit=audit,
            originals_rule=service.originals_check if service else "none",
            documents=documents,
            originals=originals_of(rec),
            originals_state=rec.originals,
            fee_due=self._fee_due(reg),
            fee_paid=fee_paid_of(rec),
            collected=rec.collected_at is not None or reg.server_status == "collected",
            assisted_by=rec.assisted_by,
            submitted_at=reg.submitted_at,
            problem_key=rec.problem_key,
            held=rec.held,
            being_sent=rec.claimed,
            uploaded=reg.state in (State.ACCEPTED, State.DECIDED),
        )

    def media(self, media_id: str) -> bytes:
        """Decrypted image bytes (JPEG/PNG) of a photo or page of an application."""
        self._require(Action.VIEW_APPLICATION)
        try:
            return self.store.read_media(media_id)
        except (StoreError, ValueError):  # missing, damaged, or not a media id
            raise ClerkError(f"No media {media_id}.", key="media_missing") from None

    # -- fees --------------------------------------------------------------------------------
    def fee_due(self, reg_id: str) -> int | None:
        """The catalog's fee for this application in riel, or None when it charges none."""
        self._require(Action.VIEW_APPLICATION)
        return self._fee_due(self._registration(reg_id))

    def _fee_due(self, reg: Registration) -> int | None:
        service = self._service(reg.service_id)
        fee = service.fee_khr if service is not None else reg.fee_khr
        return fee if fee else None

    # -- the day ----------------------------------------------------------------------------
    def day_summary(self, day: date) -> DaySummary:
        self._require(Action.VIEW_APPLICATION)
        c = self.store.day_counts(day)
        by_service: dict[str, int] = {}
        by_clerk: dict[str, int] = {}
        for service_id, staff_id, amount in c.fees:
            by_service[service_id] = by_service.get(service_id, 0) + amount
            by_clerk[staff_id] = by_clerk.get(staff_id, 0) + amount
        signed = c.signed
        return DaySummary(
            day=day,
            taken=c.taken,
            originals_checked=c.originals_checked,
            sent=c.sent,
            waiting=c.waiting,
            problems=c.problems,
            supplements=c.supplements,
            handovers=c.handovers,
            fees_by_service=by_service,
            fees_by_clerk=by_clerk,
            signed_by=signed[1] if signed else None,
            signed_at=datetime.fromisoformat(signed[2]) if signed else None,
            revision=signed[0] if signed else None,
        )


def display_name(answers: dict[str, Any]) -> str:
    """The applicant's name for a queue row: Khmer and Latin where both are given."""
    names = [str(answers[k]) for k in _NAME_FIELDS if isinstance(answers.get(k), str)]
    return " · ".join(names[:2])


def sync_state(reg: Registration, rec: ClerkRecord | None) -> str:
    if rec is not None and rec.problem is not None:
        return "problem"
    if rec is not None and rec.held:
        return "held"
    if reg.state is State.PURGED:
        return "purged"
    if reg.state in (State.ACCEPTED, State.DECIDED):
        return "sent"
    if rec is not None and rec.claimed:
        return "sending"
    return "waiting"


def answer_texts(service: Service, answers: dict[str, Any]) -> list[tuple[str, Text, Text]]:
    """Every typed answer with its label, in Khmer and English, in the form's order."""
    from kiosk.catalog import ATTACHMENT_TYPES
    from kiosk.forms import display_value

    gaz: Any = None
    out = []
    for f in service.fields:
        if f.type in ATTACHMENT_TYPES or f.id not in answers:
            continue
        if f.type is FieldType.ADDRESS and gaz is None:
            from kiosk.gazetteer import load_gazetteer

            gaz = load_gazetteer()
        value = answers[f.id]
        out.append(
            (
                f.id,
                f.label,
                Text(display_value(f, value, "km", gaz), display_value(f, value, "en", gaz)),
            )
        )
    return out


def originals_of(rec: ClerkRecord) -> list[OriginalRecord]:
    """The latest check of each paper."""
    latest: dict[str, OriginalRecord] = {}
    for e in rec.events:
        if e.kind != "originals_checked":
            continue
        for c in e.data.get("checks", []):
            latest[c["document_id"]] = OriginalRecord(
                c["document_id"],
                bool(c["seen"]),
                c.get("number"),
                c.get("issued_on"),
                c.get("page_sha256"),
                e.staff_id,
                e.at,
            )
    return list(latest.values())


def fee_paid_of(rec: ClerkRecord) -> FeePaid | None:
    for e in rec.events:
        if e.kind == "fee_received":
            return FeePaid(
                int(e.data["amount_riel"]), str(e.data["receipt_book_no"]), e.staff_id, e.at
            )
    return None

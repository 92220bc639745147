"""The clerk's actions (the reads are in kiosk/clerk/desk.py, `ClerkDesk` mixes these in).

Each action checks the session and the record's state first and raises `ClerkError` (nothing
written) when the state does not allow it; otherwise it is ONE store transaction with its
audit entry and, where the ministry must know, a staff event queued for the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from kiosk.catalog import FieldType, Service
from kiosk.clerk.model import ClerkError, DaySummary, OriginalCheck
from kiosk.forms import normalise, validate_field, visible_fields
from kiosk.model import Attachment, Registration, State
from kiosk.overrides import OverrideReason, OverrideReasonError, check_reason
from kiosk.staff import Action, StaffDesk, StaffError, StaffSession
from kiosk.store import Store
from kiosk.store.search import fields_to_index
from kiosk.text import to_ascii_digits
from sync.protocol import DOCUMENT_NUMBER_MAX, RECEIPT_BOOK_NO_MAX, SUPPLEMENT_STATUSES

_RECEIPT_NO_RE = re.compile(r"[A-Za-z0-9/\-]+")
_CORRECTABLE = {
    FieldType.TEXT_KM,
    FieldType.TEXT_LATIN,
    FieldType.NUMBER,
    FieldType.DATE,
    FieldType.CHOICE,
    FieldType.PHONE,
    FieldType.NATIONAL_ID,
}
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class ClerkActions:
    """Writes of `ClerkDesk`; relies on the attributes and readers ClerkDesk sets up."""

    store: Store
    session: StaffSession
    now: Callable[[], datetime]
    staff_desk: StaffDesk | None = None

    if TYPE_CHECKING:

        def _require(self, action: Action) -> None: ...
        def _today(self) -> date: ...
        def _service(self, service_id: str) -> Service | None: ...
        def _registration(self, reg_id: str) -> Registration: ...
        def _fee_due(self, reg: Registration) -> int | None: ...
        def day_summary(self, day: date) -> DaySummary: ...

    @property
    def _me(self) -> str:
        return self.session.staff_id

    def _service_of(self, reg: Registration) -> Service:
        service = self._service(reg.service_id)
        if service is None:
            raise ClerkError(f"Service {reg.service_id} not in the catalog.", key="no_service")
        return service

    # -- originals --------------------------------------------------------------------------
    def record_originals(self, reg_id: str, checks: list[OriginalCheck]) -> None:
        """Original seen / not brought for the service's papers, with optional details and
        photos of the originals (new pages). Releases a held before_upload application."""
        self._require(Action.CHECK_ORIGINALS)
        reg = self._registration(reg_id)
        service = self._service_of(reg)
        if service.originals_check == "none":
            raise ClerkError(f"{service.id} has no originals check.", key="no_originals_check")
        if self.store.clerk_record(reg_id).collected_at or reg.server_status == "collected":
            raise ClerkError(f"{reg_id} was collected.", key="already_collected")
        documents = {f.id for f in service.fields if f.type is FieldType.DOCUMENT}
        if not checks:
            raise ClerkError("No paper checked.", key="originals_empty")
        wire: list[dict[str, Any]] = []
        pages: list[Attachment] = []
        seen_ids: set[str] = set()
        for c in checks:
            if c.document_id not in documents or c.document_id in seen_ids:
                raise ClerkError(
                    f"Not a paper of {service.id}: {c.document_id}", key="bad_document"
                )
            seen_ids.add(c.document_id)
            item: dict[str, Any] = {"document_id": c.document_id, "seen": bool(c.seen)}
            if c.number is not None and c.number.strip():
                number = to_ascii_digits(c.number).strip()
                if len(number) > DOCUMENT_NUMBER_MAX:
                    raise ClerkError("Document number too long.", key="bad_document_number")
                item["number"] = number
            if c.issued_on is not None:
                if c.issued_on > self._today():
                    raise ClerkError("Issue date in the future.", key="bad_issue_date")
                item["issued_on"] = c.issued_on.isoformat()
            if c.photo_jpeg is not None:
                att = self._page(c.document_id, c.photo_jpeg)
                pages.append(att)
                item["page_sha256"] = att.media.sha256
            wire.append(item)
        self.store.record_originals_checked(reg_id, self._me, wire, pages)

    def _page(self, field_id: str, data: bytes) -> Attachment:
        if not data.startswith(_IMAGE_MAGIC):
            raise ClerkError("Not a JPEG or PNG image.", key="bad_image")
        mime = "image/png" if data.startswith(_IMAGE_MAGIC[1]) else "image/jpeg"
        return Attachment(field_id, "document", self.store.add_media(data, mime))

    # -- corrections and supplements --------------------------------------------------------
    def _checked_answer(
        self, service: Service, answers: dict[str, Any], field_id: str, value: str
    ) -> Any:
        field = service.field(field_id)
        if field is None or field.type not in _CORRECTABLE:
            raise ClerkError(f"{field_id} cannot be corrected here.", key="not_correctable")
        new = normalise(field, value)
        trial = {**answers, field_id: new}
        visible = {f.id for f in visible_fields(service, trial)}
        issues = validate_field(field, new, trial, today=self._today(), visible=visible)
        if issues:
            raise ClerkError(
                f"{field_id}: {issues[0].code}", key="invalid_answer", issue=issues[0].message
            )
        return new

    def correct(self, reg_id: str, field_id: str, value: str) -> int:
        """A corrected typed answer -> the new version. Before upload a new local version,
        atomic with respect to the sync worker (refused while it is sending the record);
        after upload a supplement (version n+1 with only this change)."""
        self._require(Action.CORRECT_ANSWER)
        reg = self._registration(reg_id)
        service = self._service_of(reg)
        new = self._checked_answer(service, reg.answers, field_id, value)
        if reg.answers.get(field_id) == new:
            raise ClerkError("Nothing changed.", key="unchanged")
        if reg.state in (State.ACCEPTED, State.DECIDED):
            return self._supplement(reg, service, {field_id: new}, [])
        with self.store.clerk_tx():
            now_reg = self.store.get(reg_id)
            if now_reg.state not in (State.SUBMITTED, State.UPLOADING) or self.store.claimed(
                reg_id
            ):
                raise ClerkError(f"{reg_id} is being sent.", key="being_sent")
            if now_reg.updated_at != reg.updated_at:
                raise ClerkError(f"{reg_id} changed meanwhile.", key="changed_meanwhile")
            old = reg.answers.get(field_id)
            answers = {**reg.answers, field_id: new}
            version, _ = self.store.new_version(
                reg_id,
                kind="correction",
                staff_id=self._me,
                answers=answers,
                changes={"answers": {field_id: [old, new]}, "pages": []},
                pages=[],
                searchable_fields=fields_to_index(service),
            )
            self.store.audit.append(
                self._me,
                "clerk.corrected",
                reg_id,
                {
                    "field_id": field_id,
                    "version": version,
                    "values": self.store.seal_note({"old": old, "new": new}, reg_id, version),
                },
            )
        return version

    def supplement(
        self,
        reg_id: str,
        *,
        answers: dict[str, str] | None = None,
        pages: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """What the ministry asked for (needs papers), or a late correction: the same
        registration, version n+1, only what changed plus new pages; sent by the sync client."""
        self._require(Action.CORRECT_ANSWER)
        reg = self._registration(reg_id)
        service = self._service_of(reg)
        if reg.state not in (State.ACCEPTED, State.DECIDED):
            raise ClerkError(f"{reg_id} is not sent yet.", key="not_sent_yet")
        changed: dict[str, Any] = {}
        trial = dict(reg.answers)
        for fid, value in (answers or {}).items():
            new = self._checked_answer(service, trial, fid, value)
            if reg.answers.get(fid) != new:
                changed[fid] = new
                trial[fid] = new
        documents = {f.id for f in service.fields if f.type is FieldType.DOCUMENT}
        for fid, _ in pages:
            if fid not in documents:
                raise ClerkError(f"Not a paper of {service.id}: {fid}", key="bad_document")
        if not changed and not pages:
            raise ClerkError("Nothing to send.", key="supplement_empty")
        return self._supplement(
            reg, service, changed, [self._page(fid, data) for fid, data in pages]
        )

    def _supplement(
        self,
        reg: Registration,
        service: Service,
        changed: dict[str, Any],
        pages: list[Attachment],
    ) -> int:
        status = reg.server_status
        if status is not None and status not in SUPPLEMENT_STATUSES:
            raise ClerkError(f"{reg.id} is {status}.", key="status_forbids_supplement")
        with self.store.clerk_tx():
            if self.store.get(reg.id).updated_at != reg.updated_at:
                raise ClerkError(f"{reg.id} changed meanwhile.", key="changed_meanwhile")
            old = {k: reg.answers.get(k) for k in changed}
            version, wire = self.store.new_version(
                reg.id,
                kind="supplement",
                staff_id=self._me,
                answers={**reg.answers, **changed},
                changes={
                    "answers": {k: [old[k], v] for k, v in changed.items()},
                    "pages": [],
                },
                pages=pages,
                searchable_fields=fields_to_index(service),
            )
            self.store.audit.append(
                self._me,
                "clerk.supplement",
                reg.id,
                {
                    "version": version,
                    "wire_version": wire,
                    "fields": sorted(changed),
                    "pages": len(pages),
                    "values": self.store.seal_note({"old": old, "new": changed}, reg.id, version),
                },
            )
        return version

    # -- photo override ---------------------------------------------------------------------
    def override_photo(self, reg_id: str, reason: OverrideReason) -> None:
        """Accept a face photo that failed a check, for a reason from the fixed list."""
        self._require(Action.OVERRIDE_PHOTO)
        try:
            code = check_reason(reason)
        except OverrideReasonError:
            raise ClerkError("Not a reason from the list.", key="bad_reason") from None
        reg = self._registration(reg_id)
        photo = next((a for a in reg.attachments if a.kind == "photo"), None)
        if photo is None:
            raise ClerkError(f"{reg_id} has no photo.", key="no_photo")
        if reg.server_status in ("rejected", "ready_for_pickup", "collected", "approved"):
            raise ClerkError(f"{reg_id} is decided.", key="decided")
        with self.store.clerk_tx():
            checks = {**photo.checks, "override": {"reason": code.value, "staff_id": self._me}}
            self.store.set_attachment_checks(reg_id, photo.field_id, checks)
            data = {"field_id": photo.field_id, "reason": code.value}
            event = self.store.add_event(reg_id, "photo_override", self._me, reg.service_id, data)
            self.store.audit.append(
                self._me,
                "clerk.photo_override",
                reg_id,
                {"field_id": photo.field_id, "reason": code.value, "event": event.id},
            )

    # -- hand-over and fees -------------------------------------------------------------------
    def hand_over(
        self, reg_id: str, *, id_number: str | None, clerk_takes_responsibility: bool
    ) -> None:
        """Record "collected" for a ready application, after the ID card number typed matches
        the application's, or with the clerk taking responsibility."""
        self._require(Action.HAND_OVER)
        reg = self._registration(reg_id)
        service = self._service_of(reg)
        rec = self.store.clerk_record(reg_id)
        if rec.collected_at is not None or reg.server_status == "collected":
            raise ClerkError(f"{reg_id} was collected.", key="already_collected")
        if reg.server_status != "ready_for_pickup":
            raise ClerkError(f"{reg_id} is not ready.", key="not_ready")
        if service.originals_check == "at_pickup" and rec.originals is None:
            raise ClerkError("Check the originals first.", key="originals_first")
        typed = "".join(ch for ch in to_ascii_digits(id_number or "") if ch.isalnum())
        if typed:
            known = {
                "".join(ch for ch in to_ascii_digits(str(reg.answers[f.id])) if ch.isalnum())
                for f in service.fields
                if f.type is FieldType.NATIONAL_ID and reg.answers.get(f.id)
            }
            if known and typed not in known:
                raise ClerkError("The ID number does not match.", key="id_mismatch")
        elif not clerk_takes_responsibility:
            raise ClerkError("Type the ID number or take responsibility.", key="id_needed")
        checked = bool(typed)
        with self.store.clerk_tx():
            self.store.mark_collected(reg_id)
            data = {"id_checked": checked, "clerk_responsible": not checked}
            event = self.store.add_event(reg_id, "collected", self._me, reg.service_id, data)
            self.store.audit.append(
                self._me, "clerk.handed_over", reg_id, {**data, "event": event.id}
            )

    def record_fee(self, reg_id: str, amount_riel: int, receipt_book_no: str) -> None:
        """The fee received, with the paper receipt-book number; never any amount other
        than the catalog's fee for this application."""
        self._require(Action.RECORD_FEE)
        reg = self._registration(reg_id)
        due = self._fee_due(reg)
        if due is None:
            raise ClerkError(f"{reg.service_id} charges no fee.", key="no_fee")
        if isinstance(amount_riel, bool) or not isinstance(amount_riel, int) or amount_riel != due:
            raise ClerkError(f"Fee is {due}, not {amount_riel}.", key="wrong_fee", expected=due)
        number = to_ascii_digits(receipt_book_no).strip()
        if not number or len(number) > RECEIPT_BOOK_NO_MAX or not _RECEIPT_NO_RE.fullmatch(number):
            raise ClerkError("Receipt-book number not readable.", key="bad_receipt_no")
        if any(e.kind == "fee_received" for e in self.store.clerk_record(reg_id).events):
            raise ClerkError("Fee already recorded.", key="fee_already")
        with self.store.clerk_tx():
            data = {"amount_riel": due, "receipt_book_no": number, "service_id": reg.service_id}
            event = self.store.add_event(
                reg_id, "fee_received", self._me, reg.service_id, data, amount_riel=due
            )
            self.store.audit.append(
                self._me,
                "clerk.fee_recorded",
                reg_id,
                {"amount_riel": due, "receipt_book_no": number, "event": event.id},
            )

    def clear_problem(self, reg_id: str) -> None:
        """Take a record out of the problems queue once the clerk (or the technician) has
        dealt with it: the sync worker tries it again."""
        self._require(Action.CORRECT_ANSWER)
        self._registration(reg_id)
        if self.store.clerk_record(reg_id).problem is None:
            raise ClerkError(f"{reg_id} has no sync problem.", key="no_problem")
        self.store.clear_problem(reg_id, self._me)

    # -- assisted applications, the day ------------------------------------------------------
    def start_assisted(self) -> str:
        """The clerk's staff id to put on the citizen draft (`Store.set_assisted_by`)."""
        self._require(Action.ASSIST)
        self.store.audit.append(self._me, "clerk.assisted_started", self._me, {})
        return self._me

    def sign_day(self, day: date, supervisor_id: str, pin: str) -> DaySummary:
        """The supervisor signs the day's summary with their PIN (checked by kiosk/staff,
        with its lockout); stored as the day's next revision and sent to the server."""
        self._require(Action.VIEW_APPLICATION)
        if day > self._today():
            raise ClerkError("A day still to come.", key="future_day")
        desk = self.staff_desk or StaffDesk(self.store, clock=self.now)
        signer = desk.sign_in(supervisor_id, pin)  # StaffError (wrong PIN, locked) passes up
        if not isinstance(signer, StaffSession):
            raise ClerkError("Set a PIN first.", key="pin_not_set")
        try:
            if not signer.can(Action.SIGN_END_OF_DAY):
                raise ClerkError("Only a supervisor signs.", key="not_supervisor")
            summary = self.day_summary(day)
            signed_at = self.now().astimezone(UTC)
            signed = DaySummary(
                **{**summary.__dict__, "signed_by": supervisor_id, "signed_at": signed_at}
            )
            body = signed.wire_body(self.store.commune_code, self.store.kiosk_number())
            revision = self.store.save_end_of_day(day, body, supervisor_id)
        finally:
            desk.sign_out(signer)
        return DaySummary(**{**signed.__dict__, "revision": revision})


__all__ = ["ClerkActions", "StaffError"]

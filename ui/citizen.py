"""The citizen's journey: its screens, and the session's operations on the store.

Start a service, autosave, submit, print and end the session all go through here, so every
screen uses one path to the store (the task helper) and the rest of the kiosk hears of it
through past-tense signals (`registration_saved`, `draft_saved`, `session_ended`). Citizen
screens are given this object as their navigator (`CitizenNav`).

A db job returns its results; it never writes a GUI-owned object. The draft's registration id
is made by the store on the db worker, and the jobs queued after the create (autosave, submit,
discard) must find it before the GUI thread hears of it: `_DraftLedger` keeps it on the db
worker's side, and the id reaches `Session.draft` on the GUI thread as the create's result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal

from ui.navigator import Journey, ScreenSpec
from ui.screens.attract import AttractScreen
from ui.widgets.text import tr

if TYPE_CHECKING:
    from kiosk.model import Receipt
    from ui.navigator import StackNavigator
    from ui.screens.base import AppContext
    from ui.session import Draft, Session

log = logging.getLogger(__name__)
OnError = Callable[[BaseException], None]

HOME = "attract"
# Every citizen screen but the attract screen, built after the first paint.
SCREENS: tuple[ScreenSpec, ...] = (
    ("language", "ui.screens.language", "LanguageScreen"),
    ("services", "ui.screens.services", "ServicesScreen"),
    ("service_detail", "ui.screens.service_detail", "ServiceDetailScreen"),
    ("question", "ui.screens.question", "QuestionScreen"),
    ("check_answers", "ui.screens.check_answers", "CheckAnswersScreen"),
    ("consent", "ui.screens.consent", "ConsentScreen"),
    ("confirmation", "ui.screens.confirmation", "ConfirmationScreen"),
    ("status_check", "ui.screens.status_check", "StatusCheckScreen"),
)


class CitizenNav(Journey, Protocol):
    """What a citizen screen may ask: navigation plus the session's operations."""

    def start_service(self, service: Any) -> None: ...

    def autosave(self) -> None: ...

    def fill_check_ahead(self) -> None: ...

    def submit(self, on_error: OnError) -> None: ...

    def print_receipt(self, on_done: Callable[[Any], None], on_error: OnError) -> None: ...


class _DraftLedger:
    """The db worker's memory of drafts: draft key -> registration id, and which keys were
    submitted. Touched only inside `run_db` jobs (one worker, in submission order), never on
    the GUI thread."""

    def __init__(self) -> None:
        self._ids: dict[int, str] = {}
        self._submitted: set[int] = set()

    def create(
        self, store: Any, key: int, service: Any, locale: str, assisted_by: str | None = None
    ) -> str:
        reg_id = self._ids.get(key)
        if reg_id is None:
            reg_id = self._ids[key] = store.create_draft(service.id, service.version, locale).id
            if assisted_by is not None:  # in the record before it can be submitted or sent
                store.set_assisted_by(reg_id, assisted_by)
        return reg_id

    def open_id(self, key: int) -> str | None:
        """The draft's id while it may still change (made and not submitted)."""
        return None if key in self._submitted else self._ids.get(key)

    def submitted(self, key: int) -> None:
        self._submitted.add(key)

    def forget(self, key: int) -> str | None:
        """Drop the key; the id to discard, or None when it was submitted or never made."""
        reg_id = self.open_id(key)
        self._ids.pop(key, None)
        self._submitted.discard(key)
        return reg_id


class CitizenJourney(QObject):
    """The citizen's screens and session operations (implements `CitizenNav`)."""

    registration_saved = Signal(object)  # the Receipt, after the submit transaction
    draft_saved = Signal()
    session_ended = Signal()

    def __init__(self, ctx: AppContext, nav: StackNavigator, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._nav = nav
        self._ledger = _DraftLedger()
        ctx.extras["autosave"] = self.autosave  # media fields bind new pictures to the draft
        ctx.extras["citizen"] = self  # the clerk station starts assisted applications here
        # An assisted application (issue 12): the clerk's staff id and name, and what to do
        # when it ends (`start_assisted`); None for a citizen on their own.
        self.assisted: tuple[str, Any] | None = None
        self._after_assisted: Callable[[bool], None] | None = None
        # Only the attract screen exists before the first paint; the rest are built after it.
        self.attract = AttractScreen(ctx, self)
        self.attract.touched.connect(self._on_attract_touched)
        nav.add(self, self.attract, HOME)
        nav.register(self, SCREENS)
        nav.screen_built.connect(self._on_screen_built)

    @property
    def session(self) -> Session:
        return self.ctx.session

    # -- Navigator (passed on) ---------------------------------------------------------------
    @property
    def current(self) -> str:
        return self._nav.current

    def go(self, name: str, **kw: Any) -> None:
        self._nav.go(name, **kw)

    def set_locale(self, locale: str) -> None:
        self._nav.set_locale(locale)

    # -- data arriving from the workers ------------------------------------------------------
    def set_catalog(self, catalog: Any) -> None:
        self.ctx.catalog = catalog
        for service_id, why in getattr(catalog, "hidden", {}).items():
            log.warning("service %s hidden from citizens: %s", service_id, why)
        services = self._nav.screens.get("services")
        if services is not None:
            services.prepare()  # type: ignore[attr-defined]
            if self.current == "services":
                services.retranslate()

    def set_gazetteer(self, gazetteer: Any) -> Any:
        """The commune's name on the attract screen; returns its Place (None if unknown)."""
        self.ctx.gazetteer = gazetteer
        code = getattr(self.ctx.config, "commune_code", None)
        place = gazetteer.get(code) if code else None
        if place is not None:
            self.attract.set_commune(place.name.km, place.name.en)
        return place

    def set_out_of_service(self, exc: BaseException) -> None:
        """The store did not open: no citizen may start (nothing they type could be kept)."""
        key = getattr(exc, "message_key", None)
        km = tr(key, "km") if isinstance(key, str) else ""
        en = tr(key, "en") if isinstance(key, str) else str(exc)
        self.attract.set_out_of_service(km, en)
        self.go(HOME)

    def _on_screen_built(self, name: str) -> None:
        if name == "services" and self.ctx.catalog is not None:
            self._nav.screens[name].prepare()  # type: ignore[attr-defined]

    def _on_attract_touched(self) -> None:
        if not self.attract.out_of_service:
            self.go("language")

    # -- the session's operations ------------------------------------------------------------
    def start_service(self, service: Any) -> None:
        s = self.session
        s.start(service)
        draft, locale, ledger = s.draft, s.locale, self._ledger
        assert draft is not None
        key = draft.key
        helper = self.assisted[0] if self.assisted is not None else None
        self.ctx.tasks.run_db(
            lambda store: ledger.create(store, key, service, locale, helper),
            lambda reg_id: self._on_draft_created(draft, reg_id),
            self._on_draft_failed,
        )
        self.go("question")
        check = self._nav.screens.get("check_answers")
        if check is not None:  # its rows, made while the citizen answers (idle slices)
            check.prepare(service)  # type: ignore[attr-defined]

    def fill_check_ahead(self) -> None:
        """The last question shows: fill the check-answers rows now, in idle turns."""
        check = self._nav.screens.get("check_answers")
        if check is not None:
            check.fill_ahead()  # type: ignore[attr-defined]

    def _on_draft_created(self, draft: Draft, reg_id: str) -> None:
        draft.id = reg_id

    def autosave(self) -> None:
        """Save the draft after each step, on the db worker (never blocks the screen)."""
        s = self.session
        draft, answers, attachments = s.draft, dict(s.answers), list(s.attachments)
        if draft is None:
            return
        key, ledger = draft.key, self._ledger

        def save(store: Any) -> None:
            reg_id = ledger.open_id(key)
            if reg_id is not None:
                store.save_draft(reg_id, answers, attachments)

        self.ctx.tasks.run_db(save, lambda _r: self.draft_saved.emit(), self._on_draft_failed)

    def _on_draft_failed(self, exc: BaseException) -> None:
        log.warning("draft autosave failed: %s", exc)

    def submit(self, on_error: OnError) -> None:
        from kiosk import forms
        from kiosk.catalog import ATTACHMENT_TYPES

        s = self.session
        service, draft = s.service, s.draft
        assert draft is not None
        visible = forms.visible_fields(service, s.answers)
        ids = {f.id for f in visible}
        answers = {k: v for k, v in s.answers.items() if k in ids}
        media_ids = {f.id for f in visible if f.type in ATTACHMENT_TYPES}
        attachments = [a for a in s.attachments if a.field_id in media_ids]
        key, locale, ledger = draft.key, s.locale, self._ledger
        assisted = self.assisted

        def job(store: Any) -> Receipt:
            helper = assisted[0] if assisted is not None else None
            reg_id = ledger.create(store, key, service, locale, helper)
            receipt: Receipt = store.submit(
                reg_id,
                answers,
                attachments,
                fee_khr=service.fee_khr,
                processing_days=service.processing_days,
                service=service,
            )
            ledger.submitted(key)
            if assisted is not None:  # the receipt says "assisted by <clerk>"
                from ui.receipts.content import assisted_receipt

                receipt = assisted_receipt(receipt, assisted[1])
            try:  # the confirmation's QR, encoded now (cached) so it shows with the screen
                from ui.receipts.qr import qr_matrix

                qr_matrix(receipt.qr_payload)
            except Exception:  # the screen encodes it again and says what went wrong
                log.exception("QR code not prepared")
            return receipt

        self.ctx.tasks.run_db(job, lambda r: self._on_submitted(draft, r), on_error)

    def _on_submitted(self, draft: Draft, receipt: Receipt) -> None:
        draft.id, draft.submitted = receipt.registration_id, True
        self.session.receipt = receipt
        self.registration_saved.emit(receipt)
        self.go("confirmation")

    def print_receipt(self, on_done: Callable[[Any], None], on_error: OnError) -> None:
        """Print on the io pool; the receipt helper reports trouble as a PrintResult."""
        printer, s = self.ctx.printer, self.session
        receipt, service, locale = s.receipt, s.service, s.locale
        if printer is None or receipt is None:
            on_error(RuntimeError("no printer"))
            return

        def done(result: Any) -> None:
            if getattr(result, "ok", True):
                on_done(result)
            else:
                outcome, detail = getattr(result, "outcome", "error"), getattr(result, "detail", "")
                on_error(RuntimeError(f"{outcome}: {detail}"))

        self.ctx.tasks.run_io(lambda: printer(receipt, service, locale), done, on_error)

    def start_assisted(
        self, staff_id: str, clerk_name: Any, on_end: Callable[[bool], None]
    ) -> None:
        """A clerk starts an application for a citizen: the same journey and validation,
        recorded as assisted by `staff_id`. `on_end(finished)` runs when it ends; finished is
        False when it ended by the idle countdown (nobody may be at the screen)."""
        self.end_session_quietly()
        self.assisted = (staff_id, clerk_name)
        self._after_assisted = on_end
        self.go("language")

    def end_session_quietly(self) -> None:
        """Forget any citizen session left over, without leaving the screen shown now."""
        if self.session.active:
            draft, tmp = self.session.wipe()
            if tmp is not None:
                import shutil

                self.ctx.tasks.run_io(lambda: shutil.rmtree(tmp, ignore_errors=True))
            self._discard(draft)
        for screen in self._nav.screens_of(self):
            screen.reset()

    def _ended_by_idle(self) -> bool:
        """The idle countdown is on screen: the session ends because nobody touched it."""
        overlay = getattr(self._nav.stack.window(), "overlay", None)
        return bool(overlay is not None and overlay.isVisible())

    def _discard(self, draft: Draft | None) -> None:
        if draft is not None:
            key, ledger = draft.key, self._ledger

            def discard(store: Any) -> None:
                reg_id = ledger.forget(key)
                if reg_id is not None:
                    store.discard_draft(reg_id)

            self.ctx.tasks.run_db(discard, None, lambda exc: log.error("discard failed: %s", exc))

    def end_session(self) -> None:
        """Wipe the session: answers, images, temp files, the unsubmitted draft; reset screens."""
        after, self._after_assisted, self.assisted = self._after_assisted, None, None
        finished = not self._ended_by_idle()
        draft, tmp = self.session.wipe()
        if tmp is not None:
            import shutil

            self.ctx.tasks.run_io(lambda: shutil.rmtree(tmp, ignore_errors=True))
        self._discard(draft)
        for screen in self._nav.screens_of(self):
            screen.reset()
        self.set_locale("km")
        self.go(HOME)
        self.session_ended.emit()
        if after is not None:  # an assisted application: the clerk's side decides where next
            after(finished)

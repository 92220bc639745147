"""`clerk_application`: one application, everything the clerk needs at the counter.

Every answer with its label in the staff member's language, the face photo and pages (tap:
full window, zoom), the photo checks and any override with its reason, fee, originals, the
status history with the officers' notes, the sync state and this application's audit. The
buttons lead to the action screens (`go(name, reg_id=...)`), shown only where the status and
the role allow (`ui.clerk.allowed`). Opening is audited by the core ("viewed").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import error_text, format_khr
from kiosk.i18n import tr as core_tr
from ui.clerk.allowed import allowed_actions
from ui.clerk.rows import when_text, word
from ui.clerk.viewer import PictureViewer, Thumb, decode
from ui.clerk.widgets import capture_check_label
from ui.screens.base import Screen, clear_layout
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label
from ui.widgets.text import digits

if TYPE_CHECKING:
    from ui.clerk.journey import ClerkJourney
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)


def _panel(name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setProperty("role", "panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(24, 14, 24, 14)
    box.setSpacing(6)
    return frame, box


def _reason(code: str, locale: str) -> str:
    try:
        from kiosk.overrides import label_key

        key = label_key(code)
    except ValueError:
        return code
    text = core_tr(key, locale)
    return code if text == key else text


class ClerkApplicationScreen(Screen):
    name = "clerk_application"
    nav: ClerkJourney

    def __init__(self, ctx: AppContext, nav: ClerkJourney) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.heading.setObjectName("appHeading")
        self.service = wrap_label(role="subheading")
        self.service.setObjectName("appService")
        self.state = wrap_label(role="lead")
        self.state.setObjectName("appState")
        self.error = ErrorLabel()
        self.error.setObjectName("appError")
        self.actions_box = QWidget()
        self.action_grid = QGridLayout(self.actions_box)
        self.action_grid.setContentsMargins(0, 0, 0, 0)
        self.action_grid.setSpacing(12)
        for w in (self.heading, self.service, self.state, self.error, self.actions_box):
            self.body.addWidget(w)
        self.media_title = wrap_label(role="subheading")
        self.media_hint = wrap_label(role="hint")
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(12)
        thumbs_box = QWidget()
        thumbs_box.setLayout(self.thumbs)
        self.body.addWidget(self.media_title)
        self.body.addWidget(self.media_hint)
        self.body.addWidget(thumbs_box)
        self.answers_title = wrap_label(role="subheading")
        self.answers = QGridLayout()
        self.answers.setHorizontalSpacing(24)
        self.answers.setVerticalSpacing(8)
        self.answers.setColumnStretch(1, 1)
        self.body.addWidget(self.answers_title)
        self.body.addLayout(self.answers)
        # checks and overrides, fee and originals, history, audit: titled panels
        self.sections: dict[str, tuple[QFrame, QVBoxLayout]] = {}
        for key in ("checks", "originals", "fee", "history", "audit"):
            frame, box = _panel(f"appSection_{key}")
            self.sections[key] = (frame, box)
            self.body.addWidget(frame)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("appBack")
        self.back.clicked.connect(lambda: self.nav.go("clerk_home"))
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.print_note = wrap_label(role="notice")  # the reprint's outcome, in plain words
        self.print_note.hide()
        self.footer.addWidget(self.print_note, 1)
        self.reprint = BigButton(kind="secondary")
        self.reprint.setObjectName("appReprint")
        self.reprint.clicked.connect(self._on_reprint)
        self.footer.addWidget(self.reprint)
        self.viewer: PictureViewer | None = None
        self.view: Any = None
        self.reg_id: str | None = None
        self.thumb_widgets: list[Thumb] = []
        self.action_buttons: dict[str, BigButton] = {}
        self._ask = 0

    # -- the Screen protocol -------------------------------------------------------------------
    def enter(self, reg_id: str | None = None, **kw: Any) -> None:
        if reg_id is None:
            reg_id = self.reg_id  # back from an action screen: the same application, fresh
        if reg_id != self.reg_id:
            self.reset()
        self.reg_id = reg_id
        self.retranslate()
        self.scroll_to_top()
        if reg_id is None:
            return
        self._ask += 1
        ask = self._ask
        self.error.clear_error()

        def opened(view: Any) -> None:
            if ask == self._ask:
                self.view = view
                self._show()
                self._load_media(view, ask)

        self.nav.run(lambda desk: desk.open(reg_id), opened, self._on_failed)

    def reset(self) -> None:
        self._ask += 1
        self.view, self.reg_id = None, None
        if self.viewer is not None:
            self.viewer.close_viewer()
        clear_layout(self.thumbs)
        self.thumb_widgets = []
        self.error.clear_error()
        self._show()

    def retranslate(self) -> None:
        self.back.setText(self.tr("clerk.ui.back"))
        self.reprint.setText(self.tr("clerk.ui.app.reprint"))
        self.media_title.setText(self.tr("clerk.ui.app.media"))
        self.media_hint.setText(self.tr("clerk.ui.app.tap_zoom"))
        self.answers_title.setText(self.tr("clerk.ui.app.answers"))
        if self.viewer is not None:
            self.viewer.retranslate(self.lang)
        self._show()

    # -- showing it ----------------------------------------------------------------------------
    def _show(self) -> None:
        view, loc = self.view, self.lang
        has = view is not None
        for w in (self.media_title, self.media_hint, self.answers_title, self.actions_box):
            w.setVisible(has)
        for frame, box in self.sections.values():
            clear_layout(box)
            frame.setVisible(has)
        clear_layout(self.answers)
        clear_layout(self.action_grid)
        self.action_buttons = {}
        if view is None:
            self.heading.setText(self.tr("clerk.ui.loading") if self.reg_id else "")
            self.service.setText("")
            self.state.setText("")
            return
        self.heading.setText(self.tr("clerk.ui.app.title", number=view.app_number))
        self.service.setText(view.service_name.get(loc))
        lines = [
            self.tr("clerk.ui.app.status", status=word("status", view.status, loc)),
            self.tr("clerk.ui.app.sync", state=word("sync", view.sync_state, loc)),
        ]
        if view.version > 1:
            lines.append(self.tr("clerk.ui.app.version", n=digits(view.version, loc)))
        if view.assisted_by:
            lines.append(self.tr("clerk.ui.app.assisted", name=self._staff_name(view.assisted_by)))
        if view.problem_key:
            lines.append(self.tr(view.problem_key))
        self.state.setText("\n".join(lines))
        self._show_actions(view)
        self._show_answers(view)
        self._show_checks(view)
        self._show_originals(view)
        self._show_fee(view)
        self._show_history(view)
        self._show_audit(view)
        for thumb in self.thumb_widgets:
            thumb.caption = self._caption(thumb.media_id)

    def _show_actions(self, view: Any) -> None:
        session = self.nav.session
        can = session.can if session is not None else (lambda _a: False)
        names = [n for n in allowed_actions(view, can) if self.nav.has_screen(n)]
        columns = 3
        for i, name in enumerate(names):
            button = BigButton(
                self.tr(f"clerk.ui.action.{name}"), kind="primary" if i == 0 else "secondary"
            )
            button.setObjectName(f"appAction_{name}")
            button.clicked.connect(lambda _c=False, n=name: self._on_action(n))
            self.action_grid.addWidget(button, i // columns, i % columns)
            self.action_buttons[name] = button
        self.actions_box.setVisible(bool(names))

    def _show_answers(self, view: Any) -> None:
        loc = self.lang
        texts = getattr(view, "answer_texts", None)
        rows = (
            [(fid, label, value.get(loc)) for fid, label, value in texts]
            if texts
            else list(view.answers)
        )
        for i, (fid, label, value) in enumerate(rows):
            name = wrap_label(label.get(loc), role="hint")
            name.setObjectName(f"appLabel_{fid}")
            shown = wrap_label(value or self.tr("clerk.ui.app.no_answer"), role="body")
            shown.setObjectName(f"appAnswer_{fid}")
            shown.setTextInteractionFlags(shown.textInteractionFlags())
            self.answers.addWidget(name, i, 0)
            self.answers.addWidget(shown, i, 1)

    def _title(self, key: str, text: str) -> QVBoxLayout:
        box = self.sections[key][1]
        box.addWidget(wrap_label(text, role="subheading"))
        return box

    def _line(self, box: QVBoxLayout, text: str, role: str = "body") -> None:
        box.addWidget(wrap_label(text, role=role))

    def _show_checks(self, view: Any) -> None:
        loc = self.lang
        box = self._title("checks", self.tr("clerk.ui.app.checks"))
        for check, value in sorted(view.capture_checks.items()):
            self._line(
                box,
                self.tr(
                    "clerk.ui.app.check_value",
                    name=capture_check_label(check, loc),
                    value=digits(f"{value:.2f}", loc),
                ),
                "hint",
            )
        for o in view.overrides:
            self._line(box, self.tr("clerk.ui.app.override", reason=_reason(o.reason, loc)))
        if not view.capture_checks and not view.overrides:
            self._line(box, self.tr("clerk.ui.app.none"), "hint")

    def _show_originals(self, view: Any) -> None:
        loc = self.lang
        rule = word("app.originals_rule", view.originals_rule, loc)
        box = self._title("originals", f"{self.tr('clerk.ui.app.originals')} · {rule}")
        records = {r.document_id: r for r in view.originals}
        for doc_id, label in view.documents:
            rec = records.get(doc_id)
            key = "unchecked" if rec is None else ("seen" if rec.seen else "missing")
            line = self.tr(f"clerk.ui.app.original_{key}", label=label.get(loc))
            extra = [
                x for x in (getattr(rec, "number", None), getattr(rec, "issued_on", None)) if x
            ]
            self._line(box, " · ".join([line, *map(str, extra)]))
        if not view.documents:
            self._line(box, self.tr("clerk.ui.app.none"), "hint")

    def _show_fee(self, view: Any) -> None:
        loc = self.lang
        frame, box = self.sections["fee"]
        frame.setVisible(bool(view.fee_due) or view.fee_paid is not None)
        if view.fee_due:
            self._line(box, self.tr("clerk.ui.app.fee", amount=format_khr(view.fee_due, loc)))
        paid = view.fee_paid
        if paid is not None:
            amount = format_khr(paid.amount_riel, loc)
            self._line(
                box, self.tr("clerk.ui.app.fee_paid", amount=amount, book=paid.receipt_book_no)
            )
        elif view.fee_due:
            self._line(box, self.tr("clerk.ui.app.fee_unpaid"), "hint")

    def _show_history(self, view: Any) -> None:
        loc = self.lang
        box = self._title("history", self.tr("clerk.ui.app.history"))
        for status, at, note in view.history:
            line = " · ".join(p for p in (when_text(at, loc), word("status", status, loc)) if p)
            self._line(box, line)
            if note:
                self._line(box, self.tr("clerk.ui.row.note", note=note), "hint")
        if not view.history:
            self._line(box, self.tr("clerk.ui.app.none"), "hint")

    def _show_audit(self, view: Any) -> None:
        loc = self.lang
        box = self._title("audit", self.tr("clerk.ui.app.audit"))
        for at, actor, action in view.audit:
            who = self._staff_name(actor)
            self._line(
                box,
                " · ".join(p for p in (when_text(at, loc), who, word("audit", action, loc)) if p),
                "hint",
            )

    def _staff_name(self, staff_id: str) -> str:
        session = self.nav.session
        if session is not None and session.staff_id == staff_id:
            return str(session.name.get(self.lang))
        name = self.nav.staff_names.get(staff_id)
        return str(name.get(self.lang)) if name is not None else staff_id[:8]

    # -- pictures ------------------------------------------------------------------------------
    def _caption(self, media_id: str) -> str:
        view, loc = self.view, self.lang
        if view is None:
            return ""
        if media_id == view.photo_media_id:
            return self.tr("clerk.ui.app.photo")
        labels = {doc_id: label.get(loc) for doc_id, label in view.documents}
        for fid, mid in view.page_media_ids:
            if mid == media_id:
                return str(labels.get(fid, fid))
        return ""

    def _load_media(self, view: Any, ask: int) -> None:
        clear_layout(self.thumbs)
        self.thumb_widgets = []
        ids = ([view.photo_media_id] if view.photo_media_id else []) + [
            mid for _fid, mid in view.page_media_ids
        ]
        for media_id in ids:
            thumb = Thumb(media_id, self._caption(media_id))
            thumb.clicked.connect(self._on_thumb)
            self.thumbs.addWidget(thumb)
            self.thumb_widgets.append(thumb)
            self._fetch(thumb, ask)
        self.thumbs.addStretch(1)

    def _fetch(self, thumb: Thumb, ask: int) -> None:
        """The picture's bytes from the desk (db worker), then decoded on the io pool."""
        media_id = thumb.media_id

        def got(data: bytes) -> None:
            if ask == self._ask:
                self.ctx.tasks.run_io(lambda: decode(data), shown, failed)

        def shown(pair: tuple[Any, Any]) -> None:
            if ask == self._ask:
                thumb.set_image(*pair)

        def failed(_exc: BaseException) -> None:
            self._missing(thumb, ask)

        self.nav.run(lambda desk: desk.media(media_id), got, failed)

    def _missing(self, thumb: Thumb, ask: int) -> None:
        if ask == self._ask:
            thumb.set_missing(self.tr("clerk.ui.app.picture_missing"))

    def _on_thumb(self, thumb: Thumb) -> None:
        if thumb.image is None:
            return
        if self.viewer is None:
            self.viewer = PictureViewer(self.window())
        self.viewer.open(thumb.image, thumb.caption, self.lang)

    # -- buttons -------------------------------------------------------------------------------
    def _on_reprint(self) -> None:
        """The receipt again on the kiosk's printer: found and audited on the db worker, printed
        on the io pool (the citizen's own print routine); the outcome in the clerk's words."""
        reg_id, printer = self.reg_id, self.ctx.printer
        if reg_id is None:
            return
        if printer is None:
            self._print_said(self.tr("clerk.ui.app.no_printer"))
            return
        self.reprint.setEnabled(False)

        def find(desk: Any) -> Any:
            from ui.receipts.reprint import find_receipt

            found = find_receipt(desk.store, reg_id, desk.catalog)
            desk.reprinting(reg_id)
            return found

        def printed(result: Any) -> None:
            self.reprint.setEnabled(True)
            message = getattr(result, "message", None)
            self._print_said(message.get(self.lang) if message is not None else "")

        def failed(exc: BaseException) -> None:
            self.reprint.setEnabled(True)
            self._print_said(error_text(exc, self.lang, fallback="clerk.ui.error"))

        def found(f: Any) -> None:
            job = lambda: printer(f.receipt, f.service, f.locale)  # noqa: E731
            self.ctx.tasks.run_io(job, printed, failed)

        self.nav.run(find, found, failed)

    def _print_said(self, text: str) -> None:
        self.print_note.setText(text)
        self.print_note.setVisible(bool(text))

    def _on_action(self, name: str) -> None:
        if self.reg_id is not None:
            self.nav.go(name, reg_id=self.reg_id)

    def _on_failed(self, exc: BaseException) -> None:
        if not hasattr(exc, "message_key"):
            log.error("application not opened", exc_info=exc)
        self.heading.setText("")
        self.error.show_error(error_text(exc, self.lang, fallback="clerk.ui.error"))

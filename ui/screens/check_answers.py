"""Check your answers: every answer with "Change", thumbnails of the photo and papers.

"Change" opens that question and Continue there comes straight back here. The whole
application is validated again (cross-field rules too) and problems show next to their answer.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk import forms
from kiosk.catalog import ATTACHMENT_TYPES
from kiosk.i18n import wrap_points
from ui.screens.ahead import later, render_ahead
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

THUMB_PX = 160
SLICE_S = 0.006  # rows made ahead per event-loop turn: about this long


def decode_thumbnail(data: bytes, size: int = THUMB_PX) -> QImage:
    """Decode and shrink an image (runs on the io pool: QImage is thread-safe, QPixmap not)."""
    image = QImage.fromData(data)
    if image.isNull():
        return image
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class AnswerRow(QFrame):
    def __init__(self, field: Any) -> None:
        super().__init__()
        self.field = field
        self.setObjectName(f"answer_{field.id}")
        self.setProperty("role", "answer_row")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 12, 0, 12)
        row.setSpacing(24)
        self.question = wrap_label(role="subheading")
        self.value = wrap_label(role="body")
        self.value.setObjectName(f"value_{field.id}")
        self.error = ErrorLabel()
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(12)
        self.change = BigButton(kind="link")
        self.change.setObjectName(f"change_{field.id}")
        self.change.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        text = QWidget()  # a widget, not a bare nested layout: that one capped its own width
        text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        col = QVBoxLayout(text)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.question)
        col.addWidget(self.error)
        col.addWidget(self.value)
        col.addLayout(self.thumbs)
        row.addWidget(text, 1)
        button_col = QVBoxLayout()
        button_col.addWidget(self.change)
        button_col.addStretch(1)
        row.addLayout(button_col)


class CheckAnswersScreen(Screen):
    name = "check_answers"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.intro = wrap_label(role="body")
        self.problems = ErrorLabel()
        self.problems.setObjectName("checkProblems")
        self.body.addWidget(self.heading)
        self.body.addWidget(self.intro)
        self.body.addWidget(self.problems)
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(4)
        self.body.addWidget(self.rows_box)
        self.body.addStretch(1)
        self.rows: list[AnswerRow] = []  # the visible fields' rows, in order
        self.issues: dict[str, Any] = {}
        # Every field's row (and the rule under it) for one service, built while the citizen
        # answers the questions (`prepare`) and kept for the whole session: building 16 rows
        # on the last question's Continue took ~35 ms, polishing and laying them out more.
        self._service: Any = None
        self._built: dict[str, tuple[AnswerRow, QFrame]] = {}
        self._to_build: list[Any] = []
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(self._on_back)
        self.cont = BigButton(kind="primary")
        self.cont.setObjectName("checkContinue")
        self.cont.clicked.connect(self._on_continue)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.cont)

    _changed: str | None = None  # the row whose "Change" was tapped: shown again on return
    _fill_gen = 0  # a newer `fill_ahead` (or a reset) stops an older one

    def enter(self, **kw: Any) -> None:
        self.ctx.session.returning_to_check = False
        self._build()
        self.retranslate()
        self.scroll_to_top()
        row = next((r for r in self.rows if r.field.id == self._changed), None)
        self._changed = None
        if row is not None:  # back from a Change: at that row, not at the top
            QTimer.singleShot(0, self, lambda: self._scroll_to(row))

    def _scroll_to(self, row: AnswerRow) -> None:
        with contextlib.suppress(RuntimeError):  # rebuilt meanwhile
            y = row.mapTo(self.scroll_area.widget(), row.rect().topLeft()).y()
            self.scroll_area.verticalScrollBar().setValue(max(0, y - 24))

    # -- the rows, made ahead --------------------------------------------------------------
    def prepare(self, service: Any) -> None:
        """Make the rows of every field of `service` a few at a time while the event loop is
        idle (the citizen is reading the first question); `enter` makes any still missing."""
        self._use_service(service)
        self._to_build = [f for f in service.fields if f.id not in self._built]
        QTimer.singleShot(0, self, self._build_some)  # dropped if the screen is gone

    def _build_some(self) -> None:
        deadline = time.perf_counter() + SLICE_S
        while self._to_build and time.perf_counter() < deadline:
            self._row(self._to_build.pop(0))
        if self._to_build:
            QTimer.singleShot(0, self, self._build_some)  # dropped if the screen is gone

    def fill_ahead(self) -> None:
        """Fill the rows with the answers given so far, a few rows per idle turn, then lay
        the screen out and paint it once off screen (text shaping, glyphs): the citizen is
        still on the questions, and entering this screen later changes only what differs.
        Nothing is validated here (no "required" errors for questions not reached yet)."""
        s = self.ctx.session
        if s.service is None or self.isVisible():
            return
        self._fill_gen += 1
        gen = self._fill_gen
        self._use_service(s.service)
        visible = forms.visible_fields(s.service, s.answers)
        shown = {f.id for f in visible}
        todo = [self._row(f) for f in visible]
        for fid, (row, line) in self._built.items():
            row.setVisible(fid in shown)
            line.setVisible(fid in shown)
        self.issues = {}

        def some() -> None:
            if gen != self._fill_gen or self.isVisible() or s is not self.ctx.session:
                return
            deadline = time.perf_counter() + SLICE_S
            while todo and time.perf_counter() < deadline:
                row = todo.pop(0)
                self._fill_row(row)
                if row.field.type in ATTACHMENT_TYPES:
                    self._load_thumbnails(row)
            if todo:
                later(0, some)
            else:
                later(0, lambda: self._paint_ahead(gen))

        later(0, some)

    def _paint_ahead(self, gen: int) -> None:
        if gen != self._fill_gen or self.isVisible():
            return
        self._retranslate_chrome()
        render_ahead(self, lambda: gen == self._fill_gen)  # laid out and painted off screen

    def _use_service(self, service: Any) -> None:
        if service is self._service:
            return
        for row, line in self._built.values():
            for w in (row, row.change, line):
                w.setObjectName("")  # findChild must not find it before it is deleted
            row.hide()
            line.hide()
            row.deleteLater()
            line.deleteLater()
        self._built, self._to_build, self.rows = {}, [], []
        self._service = service

    def _row(self, f: Any) -> AnswerRow:
        """The row of field `f` (made now if it was not made ahead), hidden until shown."""
        made = self._built.get(f.id)
        if made is not None:
            return made[0]
        row = AnswerRow(f)
        row.change.clicked.connect(lambda _=False, fid=f.id: self._on_change(fid))
        line = QFrame()
        line.setProperty("role", "rule")
        line.setFixedHeight(2)
        # keep the catalog's order: after the rows of the fields before this one
        order = [g.id for g in self._service.fields]
        index = order.index(f.id) if f.id in order else len(order)
        at = sum(1 for fid in self._built if fid in order and order.index(fid) < index)
        row.hide()
        line.hide()
        self.rows_layout.insertWidget(2 * at, row)
        self.rows_layout.insertWidget(2 * at + 1, line)
        for w in (row, *row.findChildren(QWidget), line):
            w.ensurePolished()  # the stylesheet, now rather than when shown
        self._built[f.id] = (row, line)
        return row

    def _build(self) -> None:
        s = self.ctx.session
        if s.service is None:
            self._use_service(None)
            return
        self._use_service(s.service)
        visible = forms.visible_fields(s.service, s.answers)
        shown = {f.id for f in visible}
        self.rows = [self._row(f) for f in visible]
        for fid, (row, line) in self._built.items():
            on = fid in shown
            row.setVisible(on)
            line.setVisible(on)
            if on and row.field.type in ATTACHMENT_TYPES:
                self._load_thumbnails(row)
        issues = forms.validate_all(
            s.service,
            s.answers,
            today=self.ctx.today(),
            attachments=s.attachments,
            gazetteer=self.ctx.gazetteer,
        )
        self.issues = {}
        for issue in issues:
            self.issues.setdefault(issue.field_id, issue.message)

    def _load_thumbnails(self, row: AnswerRow) -> None:
        held = self.ctx.session.attachments_for(row.field.id)
        shas = tuple(a.media.sha256 for a in held)
        if row.thumbs.count() and shas == row.property("sala_thumbs"):
            return  # these pictures are showing already (filled ahead)
        _clear_thumbs(row)
        row.setProperty("sala_thumbs", shas)
        for att in held:
            label = QLabel()
            label.setObjectName(f"thumb_{row.field.id}_{att.page}")
            label.setFixedSize(THUMB_PX, THUMB_PX)
            label.setProperty("role", "thumb")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.thumbs.addWidget(label)
            sha = att.media.sha256

            def decoded(image: QImage, label: QLabel = label) -> None:
                if not image.isNull():
                    with contextlib.suppress(RuntimeError):  # the row was rebuilt meanwhile
                        label.setPixmap(QPixmap.fromImage(image))

            def got(data: bytes, decoded: Any = decoded) -> None:
                self.ctx.tasks.run_io(lambda: decode_thumbnail(data), decoded)

            self.ctx.tasks.run_db(
                lambda store, sha=sha: store.read_media(sha), got, lambda exc: None
            )
        row.thumbs.addStretch(1)

    def retranslate(self) -> None:
        self._retranslate_chrome()
        for row in self.rows:
            self._fill_row(row)
        self.problems.show_error(self.tr("ui.check.has_problems") if self.issues else "")

    def _retranslate_chrome(self) -> None:
        self.heading.setText(self.tr("ui.check.title"))
        self.intro.setText(self.tr("ui.check.intro"))
        self.back.setText(self.tr("ui.nav.back"))
        self.cont.setText(self.tr("ui.check.continue"))

    def _fill_row(self, row: AnswerRow) -> None:
        """Set one row's texts (QLabel skips a text it already shows: no new layout)."""
        loc, s, f = self.lang, self.ctx.session, row.field
        row.question.setText(wrap_points(f.label.get(loc)))
        if f.type in ATTACHMENT_TYPES:
            n = len(s.attachments_for(f.id))
            key = "ui.check.pages_one" if n == 1 else "ui.check.pages"
            if str(f.type) == "photo":
                key = "ui.check.photo_taken"  # not "1 page(s)"
            row.value.setText(self.tr(key, n=n) if n else self.tr("ui.check.not_given"))
            row.change.setText(self.tr("ui.check.retake"))
        else:
            value = s.answers.get(f.id)
            text = forms.display_value(f, value, loc, self.ctx.gazetteer)
            row.value.setText(wrap_points(text))
            row.change.setText(self.tr("ui.check.change"))
        msg = self.issues.get(f.id)
        row.error.show_error(msg.get(loc) if msg is not None else "")

    def _on_change(self, field_id: str) -> None:
        s = self.ctx.session
        for step in forms.steps(s.service, s.answers):
            if any(f.id == field_id for f in step.fields):
                s.returning_to_check = True
                self._changed = field_id
                self.nav.go("question", step_id=step.id)
                return

    def _on_back(self) -> None:
        s = self.ctx.session
        steps = forms.steps(s.service, s.answers)
        if steps:
            self.nav.go("question", step_id=steps[-1].id)
        else:
            self.nav.go("service_detail", service_id=s.service.id)

    def _on_continue(self) -> None:
        if self.issues:
            self.problems.show_error(self.tr("ui.check.has_problems"))
            first = next((r for r in self.rows if r.field.id in self.issues), None)
            if first is not None:
                self.scroll_area.ensureWidgetVisible(first)
            return
        self.nav.go("consent")

    def reset(self) -> None:
        """Forget the citizen's answers: the rows stay (for the next session of the same
        service) but hidden, with no value, error or picture left in them."""
        self._fill_gen += 1
        for row, line in self._built.values():
            row.hide()
            line.hide()
            row.value.setText("")
            row.error.show_error("")
            _clear_thumbs(row)
        self.rows = []
        self.issues = {}
        self.problems.show_error("")


def _clear_thumbs(row: AnswerRow) -> None:
    """Take a row's thumbnails out (renamed: findChild must not find one before it is gone)."""
    row.setProperty("sala_thumbs", None)
    while row.thumbs.count():
        w = row.thumbs.takeAt(0).widget()
        if w is not None:
            w.setObjectName("")
            w.hide()
            w.deleteLater()

"""Check your answers: every answer with "Change", thumbnails of the photo and papers.

"Change" opens that question and Continue there comes straight back here. The whole
application is validated again (cross-field rules too) and problems show next to their answer.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
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
from ui.screens.base import Screen, clear_layout
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

THUMB_PX = 160


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
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(4)
        self.body.addLayout(self.rows_layout)
        self.body.addStretch(1)
        self.rows: list[AnswerRow] = []
        self.issues: dict[str, Any] = {}
        self._thumb_images: dict[str, QImage] = {}
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(self._on_back)
        self.cont = BigButton(kind="primary")
        self.cont.setObjectName("checkContinue")
        self.cont.clicked.connect(self._on_continue)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.cont)

    def enter(self, **kw: Any) -> None:
        self.ctx.session.returning_to_check = False
        self._build()
        self.retranslate()
        self.scroll_to_top()

    def _build(self) -> None:
        clear_layout(self.rows_layout)
        self.rows = []
        s = self.ctx.session
        if s.service is None:
            return
        for f in forms.visible_fields(s.service, s.answers):
            row = AnswerRow(f)
            row.change.clicked.connect(lambda _=False, fid=f.id: self._on_change(fid))
            self.rows.append(row)
            self.rows_layout.addWidget(row)
            line = QFrame()
            line.setProperty("role", "rule")
            line.setFixedHeight(2)
            self.rows_layout.addWidget(line)
            if f.type in ATTACHMENT_TYPES:
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
        for att in self.ctx.session.attachments_for(row.field.id):
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
        self.heading.setText(self.tr("ui.check.title"))
        self.intro.setText(self.tr("ui.check.intro"))
        self.back.setText(self.tr("ui.nav.back"))
        self.cont.setText(self.tr("ui.check.continue"))
        loc, s = self.lang, self.ctx.session
        for row in self.rows:
            f = row.field
            row.question.setText(wrap_points(f.label.get(loc)))
            if f.type in ATTACHMENT_TYPES:
                n = len(s.attachments_for(f.id))
                row.value.setText(
                    self.tr("ui.check.pages", n=n) if n else self.tr("ui.check.not_given")
                )
                row.change.setText(self.tr("ui.check.retake"))
            else:
                value = s.answers.get(f.id)
                text = forms.display_value(f, value, loc, self.ctx.gazetteer)
                row.value.setText(wrap_points(text))
                row.change.setText(self.tr("ui.check.change"))
            msg = self.issues.get(f.id)
            row.error.show_error(msg.get(loc) if msg is not None else "")
        self.problems.show_error(self.tr("ui.check.has_problems") if self.issues else "")

    def _on_change(self, field_id: str) -> None:
        s = self.ctx.session
        for step in forms.steps(s.service, s.answers):
            if any(f.id == field_id for f in step.fields):
                s.returning_to_check = True
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
        clear_layout(self.rows_layout)
        self.rows = []
        self.issues = {}

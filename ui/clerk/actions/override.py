"""Accept a face photo that failed a check, for one reason from a fixed list.

No free text: a typed reason would stay in plaintext in the append-only audit forever, and
clerks type names and medical conditions into such boxes (`kiosk/overrides.py`). The clerk's
identity is what the desk records with the code (`ClerkDesk.override_photo`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.i18n import digits
from kiosk.overrides import OverrideReason, label_key
from ui.clerk.actions.base import ActionScreen
from ui.clerk.widgets import capture_check_label
from ui.widgets.basic import ChoiceButton, wrap_label

PHOTO_H = 300


class OverrideScreen(ActionScreen):
    name = "clerk_override"
    title_key = "clerk.act.override.title"
    primary_key = "clerk.act.override.accept"

    def build(self, content: QWidget) -> None:
        # The photo and its check values beside the reasons: all in view at 1366x768.
        top = QHBoxLayout(content)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(32)
        left = QVBoxLayout()
        self.photo = QLabel()
        self.photo.setObjectName("clerkOverridePhoto")
        self.photo.setProperty("role", "thumb")
        self.photo.setFixedSize(round(PHOTO_H * 413 / 531), PHOTO_H)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checks = wrap_label(role="body")
        self.checks.setObjectName("clerkOverrideChecks")
        left.addWidget(self.photo)
        left.addWidget(self.checks)
        left.addStretch(1)
        top.addLayout(left)
        col = QVBoxLayout()
        top.addLayout(col, 1)
        self.ask = wrap_label(role="subheading")
        col.addWidget(self.ask)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.reasons: dict[OverrideReason, ChoiceButton] = {}
        grid = QGridLayout()
        for i, reason in enumerate(OverrideReason):
            b = ChoiceButton(value=reason)
            b.setObjectName(f"clerkOverride_{reason.value}")
            self.group.addButton(b)
            self.reasons[reason] = b
            grid.addWidget(b, i // 2, i % 2)
        col.addLayout(grid)
        self.current = wrap_label(role="notice")
        self.current.setObjectName("clerkOverrideCurrent")
        self.current.hide()
        col.addWidget(self.current)

    def clear(self) -> None:
        self.photo.clear()
        self.checks.clear()
        self.group.setExclusive(False)
        for b in self.reasons.values():
            b.setChecked(False)
        self.group.setExclusive(True)
        self.current.hide()

    def chosen(self) -> OverrideReason | None:
        for reason, b in self.reasons.items():
            if b.isChecked():
                return reason
        return None

    def show_view(self) -> None:
        self.ask.setText(self.tr("clerk.act.override.ask"))
        for reason, b in self.reasons.items():
            b.setText(self.tr(label_key(reason)))
        view = self.view
        if view is None:
            return
        checks = dict(getattr(view, "capture_checks", {}) or {})
        lines = [self.tr("clerk.act.override.checks")]
        for name, value in sorted(checks.items()):
            shown = digits(f"{value:.2f}" if isinstance(value, float) else value, self.lang)
            lines.append(f"• {capture_check_label(name, self.lang)}: {shown}")
        if len(lines) == 1:
            lines.append(self.tr("clerk.act.override.no_checks"))
        self.checks.setText("\n".join(lines))
        overrides = getattr(view, "overrides", None) or []
        if overrides:
            self.current.setText(self.tr("clerk.act.override.already"))
        self.current.setVisible(bool(overrides))
        if getattr(view, "photo_media_id", None) and self.photo.pixmap().isNull():
            media_id = view.photo_media_id
            self.nav.run(lambda desk: desk.media(media_id), self._on_photo, lambda _e: None)
        self.primary.setEnabled(bool(getattr(view, "photo_media_id", None)) and not self._busy)

    def _on_photo(self, data: bytes) -> None:
        image = QImage.fromData(data)
        if not image.isNull():
            self.photo.setPixmap(
                QPixmap.fromImage(image).scaledToHeight(
                    PHOTO_H, Qt.TransformationMode.SmoothTransformation
                )
            )

    def act(self) -> None:
        reason, reg_id = self.chosen(), self.reg_id
        if reason is None:
            self.show_error(self.tr("clerk.act.override.need_reason"))
            return
        self.call(lambda desk: desk.override_photo(reg_id, reason), self._on_done)

    def _on_done(self, _result: Any) -> None:
        self.show_done(self.tr("clerk.act.override.done"))
        self.load()

"""The face camera's two pages, one layout for every screen that takes a portrait: the
citizen's photo step (`ui.capture.photo_step.PhotoStep`) and a supervisor's staff photo
(`ui.clerk.staff_photo.StaffPhotoPanel`).

Page 0 (live): the preview with its face guide (`CameraView`), then one large shutter.
Page 1 (review): a question ("Is this photo clear?"), the portrait, then "Take again" and the
one primary action (accept, save) at twice its width. The owner fills the texts, connects the
buttons and decides what each does; this only builds, so both screens look and size alike.
Heights are the stylesheet's (assets/styles/kiosk.qss): `size` names its
`QPushButton[button_size=…]` rule for the shutter and the primary ("" the plain button's),
never a pixel count in code.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ui.capture.camera_view import CameraView
from ui.widgets.basic import BigButton, wrap_label

LIVE, REVIEW = 0, 1
SPACING = 12


class CameraPages(QStackedWidget):
    """Live preview + shutter, then review (question, image, "Take again", primary).

    Object names start with `prefix` (tests and the real-window taps find them by name):
    `<prefix>View`, `<prefix>Shutter`, `<prefix>ReviewImage`, `<prefix>Retake` and
    `<prefix><primary>` (e.g. "photoAccept", "staffPhotoSave")."""

    def __init__(
        self, prefix: str, *, primary: str, size: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        live = QWidget()
        lv = QVBoxLayout(live)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(SPACING)
        self.view = CameraView("face")
        self.view.setObjectName(f"{prefix}View")
        lv.addWidget(self.view, 1)
        self.shutter = self._button(f"{prefix}Shutter", "primary", size)
        lv.addWidget(self.shutter)
        self.addWidget(live)

        review = QWidget()
        rv = QVBoxLayout(review)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(SPACING)
        self.review_text = wrap_label(role="lead")
        self.review_image = QLabel()
        self.review_image.setObjectName(f"{prefix}ReviewImage")
        self.review_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.retake = self._button(f"{prefix}Retake", "secondary", "")
        self.primary = self._button(f"{prefix}{primary}", "primary", size)
        row.addWidget(self.retake, 1)
        row.addWidget(self.primary, 2)
        rv.addWidget(self.review_text)
        rv.addWidget(self.review_image, 1)
        rv.addLayout(row)
        self.addWidget(review)

    @staticmethod
    def _button(name: str, kind: str, size: str) -> BigButton:
        button = BigButton(kind=kind)
        button.setObjectName(name)
        if size:
            button.setProperty("button_size", size)
        return button

    @property
    def live(self) -> bool:
        """The live preview shows (not the review)."""
        return self.currentIndex() == LIVE

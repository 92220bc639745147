"""Pictures in the application view: thumbnails to tap, and a full-window viewer with zoom
(a tap on the picture toggles 1× / 2×, + and − step it, a drag pans; Close returns).

Bytes come from `ClerkDesk.media` on the db worker; decoding and scaling run on the io pool
(QImage is thread-safe; only the QPixmap is made on the GUI thread)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.screens.base import touch_scroll
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import tr

THUMB = QSize(200, 260)
ZOOMS = (1.0, 1.5, 2.0, 3.0)


def decode(data: bytes) -> tuple[QImage, QImage]:
    """(full image, thumbnail) from JPEG/PNG bytes; off the GUI thread."""
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("not an image")
    thumb = image.scaled(
        THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return image, thumb


class Thumb(QLabel):
    """A picture to tap (on release inside it: a drag that scrolls opens nothing)."""

    clicked = Signal(object)  # self

    def __init__(self, media_id: str, caption: str) -> None:
        super().__init__()
        self.media_id = media_id
        self.caption = caption
        self.image: QImage | None = None
        self.setObjectName(f"thumb_{media_id[:12]}")
        self.setProperty("role", "thumb")
        self.setFixedSize(THUMB.width() + 8, THUMB.height() + 8)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_image(self, image: QImage, thumb: QImage) -> None:
        self.image = image
        self.setPixmap(QPixmap.fromImage(thumb))

    def set_missing(self, text: str) -> None:
        self.setWordWrap(True)
        self.setText(text)

    def mousePressEvent(self, event: Any) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self.rect().contains(event.position().toPoint()) and self.image is not None:
            self.clicked.emit(self)
        event.accept()


class _Picture(QLabel):
    tapped = Signal()

    def mousePressEvent(self, event: Any) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.tapped.emit()
        event.accept()


class PictureViewer(QFrame):
    """Covers the whole kiosk window; one picture, zoomable and pannable."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("clerkViewer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QFrame#clerkViewer { background: #0B0C0C; }")
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        bar = QHBoxLayout()
        self.caption = wrap_label(role="subheading")
        self.caption.setStyleSheet("color: #FFFFFF; background: #0B0C0C;")
        self.zoom_out = BigButton(kind="secondary")
        self.zoom_out.setObjectName("viewerZoomOut")
        self.zoom_out.clicked.connect(lambda: self._step(-1))
        self.zoom_in = BigButton(kind="secondary")
        self.zoom_in.setObjectName("viewerZoomIn")
        self.zoom_in.clicked.connect(lambda: self._step(1))
        self.close_button = BigButton(kind="primary")
        self.close_button.setObjectName("viewerClose")
        self.close_button.clicked.connect(self.close_viewer)
        bar.addWidget(self.caption, 1)
        for b in (self.zoom_out, self.zoom_in, self.close_button):
            bar.addWidget(b)
        box.addLayout(bar)
        self.area = QScrollArea()
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setStyleSheet("background: #0B0C0C;")
        self.picture = _Picture()
        self.picture.setObjectName("viewerPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.tapped.connect(self._toggle)
        self.area.setWidget(self.picture)
        touch_scroll(self.area)
        box.addWidget(self.area, 1)
        self.image: QImage | None = None
        self.zoom = 0  # index into ZOOMS; 0 = the whole picture fits
        self.hide()

    def open(self, image: QImage, caption: str, locale: str) -> None:
        self.image = image
        self.caption.setText(caption)
        self.retranslate(locale)
        self.zoom = 0
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self._render()

    def retranslate(self, locale: str) -> None:
        self.zoom_in.setText(tr("clerk.ui.app.zoom_in", locale))
        self.zoom_out.setText(tr("clerk.ui.app.zoom_out", locale))
        self.close_button.setText(tr("clerk.ui.app.close", locale))

    def close_viewer(self) -> None:
        self.hide()
        self.image = None
        self.picture.clear()

    def _toggle(self) -> None:
        self.zoom = 0 if self.zoom else 2
        self._render()

    def _step(self, by: int) -> None:
        self.zoom = max(0, min(len(ZOOMS) - 1, self.zoom + by))
        self._render()

    def _render(self) -> None:
        if self.image is None:
            return
        view = self.area.viewport().size()
        fit = min(view.width() / self.image.width(), view.height() / self.image.height())
        scale = fit * ZOOMS[self.zoom]
        size = QSize(int(self.image.width() * scale), int(self.image.height() * scale))
        self.picture.setPixmap(
            QPixmap.fromImage(self.image).scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.picture.resize(size)
        self.zoom_out.setEnabled(self.zoom > 0)
        self.zoom_in.setEnabled(self.zoom < len(ZOOMS) - 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._render()

"""The papers step: pages from the camera or the scanner's folder, with thumbnails.

Citizens never get a file browser (issue 11, S1.4): pages from a file (`import_path`) are
the clerk's route, and the scanner source shows only where a scan folder is set up.

Every page is stored as soon as it is taken (so nothing captured is lost if the session is
interrupted) and `captured(list[Attachment])` is emitted with the whole, renumbered list after
every change: a new page, a removal or a retake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.capture import thresholds as T
from kiosk.capture.errors import CaptureError
from kiosk.capture.imports import read_images
from kiosk.capture.page import encode_page, find_page, page_outline, straighten
from kiosk.capture.scanfolder import ScanFolder, ScannedFile
from kiosk.capture.sources import FrameSource
from kiosk.model import Attachment, MediaRef
from ui.capture.camera_view import CameraView
from ui.capture.frame_worker import FrameWorker, Latest, source_opener, start_frame_worker
from ui.capture.photo_step import _error_text
from ui.capture.work import CaptureWork, SaveMedia
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import tr

log = logging.getLogger(__name__)
THUMB_H = 110
MODES = ("camera", "scanner")  # page sources a citizen can choose between


@dataclass
class Page:
    data: bytes
    media: MediaRef
    checks: dict[str, Any]


def camera_page(frame: Any) -> tuple[bytes, dict[str, Any]]:
    """Find, straighten and encode the page in a camera frame (runs on the io pool)."""
    report = find_page(frame)
    if report.found and report.corners is not None and report.aspect is not None:
        page = straighten(frame, report.corners, report.aspect, report.paper)
    else:
        page = frame
    data, info = encode_page(page)
    return data, dict(report.as_dict(), **info, source="camera", instruction=report.instruction)


def file_pages(path: Path) -> list[tuple[bytes, dict[str, Any]]]:
    out = []
    for image in read_images(path):
        data, info = encode_page(image)
        out.append((data, dict(info, source="file", file=path.name)))
    return out


class DocumentStep(QWidget):
    captured = Signal(list)  # [Attachment], every page in order, after each change
    approved = Signal(list)  # the same, when the citizen taps "Use these pages"
    failed = Signal(str)

    def __init__(
        self,
        field: Any = None,
        ctx: Any = None,
        *,
        locale: str | None = None,
        source: str | Callable[[], FrameSource] | None = None,
        save_media: SaveMedia | None = None,
        scan_folder: Path | None = None,
        field_id: str | None = None,
        max_pages: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentStep")
        self.ctx = ctx
        self.field_id = field_id or (field.id if field is not None else "document")
        self.max_pages = max_pages or max(1, getattr(field, "max_pages", 0) or T.MAX_PDF_PAGES)
        self.language = locale or (ctx.session.locale if ctx is not None else "km")
        self._open = source_opener(source, ctx, "page", 10.0)
        folder = scan_folder or getattr(getattr(ctx, "config", None), "scan_folder", None)
        self.scan_folder = ScanFolder(Path(folder)) if folder else None
        self.work = CaptureWork(
            tasks=getattr(ctx, "tasks", None), save_media=save_media, parent=self
        )
        self.pages: list[Page] = []
        self.worker: FrameWorker | None = None
        self.latest: Latest | None = None
        self.is_demo = False
        self._replace: int | None = None  # index being retaken
        self._busy = 0
        self._scanning = False
        self._camera_message = ""
        self.scan_timer = QTimer(self)
        self.scan_timer.setInterval(T.SCAN_POLL_MS)
        self.scan_timer.timeout.connect(self._on_scan_tick)
        self._build()
        self._restore()
        self.retranslate(self.language)

    def _restore(self) -> None:
        """Pages this field already holds in the session (coming Back to the step) stay."""
        session = getattr(self.ctx, "session", None)
        held = session.attachments_for(self.field_id) if session is not None else []
        if not held:
            return
        self.pages = [Page(b"", a.media, dict(a.checks)) for a in held]

        def loaded(blobs: list[bytes]) -> None:
            for page, data in zip(self.pages, blobs, strict=False):
                if not page.data:
                    page.data = data
            self._rebuild_thumbs()

        shas = [a.media.sha256 for a in held]
        self.work.read(shas, loaded, lambda exc: log.warning("thumbnails not loaded: %s", exc))

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        modes = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, BigButton] = {}
        for i, mode in enumerate(MODES):
            b = BigButton(kind="toggle")
            b.setObjectName(f"docMode_{mode}")
            b.setCheckable(True)
            self.mode_group.addButton(b, i)
            self.mode_buttons[mode] = b
            modes.addWidget(b)
        self.mode_group.idClicked.connect(self._on_mode)
        # In the layout first: a parentless button made visible is a window of its own for a
        # moment, which takes the kiosk window's focus (typing then goes nowhere).
        root.addLayout(modes)
        # One source only (no scan folder): no choice to show.
        self.mode_buttons["scanner"].setVisible(self.scan_folder is not None)
        self.mode_buttons["camera"].setVisible(self.scan_folder is not None)

        self.stack = QStackedWidget()
        cam = QWidget()
        cv = QVBoxLayout(cam)
        cv.setContentsMargins(0, 0, 0, 0)
        self.view = CameraView("page")
        self.view.setObjectName("docView")
        self.shutter = BigButton(kind="primary")
        self.shutter.setObjectName("docShutter")
        self.shutter.setProperty("button_size", "shutter")  # kiosk.qss owns its height
        self.shutter.clicked.connect(self._on_shutter)
        cv.addWidget(self.view, 1)
        cv.addWidget(self.shutter)
        self.stack.addWidget(cam)
        scan = QWidget()
        sv = QVBoxLayout(scan)
        self.scan_text = wrap_label(role="lead")
        self.scan_text.setObjectName("docScanText")
        sv.addWidget(self.scan_text)
        sv.addStretch(1)
        self.stack.addWidget(scan)
        root.addWidget(self.stack, 1)

        self.thumbs_area = QScrollArea()
        self.thumbs_area.setWidgetResizable(True)
        self.thumbs_area.setMinimumHeight(THUMB_H + 170)
        self.thumbs_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thumbs_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.thumbs = QWidget()
        self.thumbs_row = QHBoxLayout(self.thumbs)
        self.thumbs_row.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.thumbs_area.setWidget(self.thumbs)
        root.addWidget(self.thumbs_area)
        self.empty = wrap_label(role="hint")
        self.empty.setObjectName("docEmpty")
        root.addWidget(self.empty)

        bottom = QHBoxLayout()
        self.status = wrap_label(role="error")
        self.status.setObjectName("docStatus")
        self.status.hide()
        self.approve = BigButton(kind="primary")
        self.approve.setObjectName("docApprove")
        self.approve.clicked.connect(lambda: self.approved.emit(self.attachments()))
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.approve)
        root.addLayout(bottom)
        self.mode_buttons["camera"].setChecked(True)

    def tr(self, key: str, **kw: object) -> str:  # type: ignore[override]
        return tr(key, self.language, **kw)

    def set_locale(self, locale: str) -> None:
        self.retranslate(locale)

    def retranslate(self, locale: str | None = None) -> None:
        if locale:
            self.language = locale
        for mode, key in (
            ("camera", "capture.doc.camera"),
            ("scanner", "capture.doc.scanner"),
        ):
            self.mode_buttons[mode].setText(self.tr(key))
        self.shutter.setText(self.tr("capture.doc.shutter"))
        self.approve.setText(self.tr("capture.doc.approve"))
        self.scan_text.setText(
            self.tr("capture.doc.scanner_wait")
            if self.scan_folder
            else self.tr("capture.doc.scanner_not_set")
        )
        self.empty.setText(self.tr("capture.doc.no_pages"))
        self.view.set_text(badge=self.tr("capture.camera.demo") if self.is_demo else "")
        self._show_instruction()
        self._rebuild_thumbs()

    # -- modes -----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return MODES[self.stack.currentIndex()]

    def set_mode(self, mode: str) -> None:
        index = MODES.index(mode)
        self.mode_group.button(index).setChecked(True)
        self._on_mode(index)

    def _on_mode(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        if index == 0 and self.isVisible():
            self.start_camera()
        else:
            self.stop_camera()
        if index == 1 and self.scan_folder is not None:
            self.scan_timer.start()
        else:
            self.scan_timer.stop()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._on_mode(self.stack.currentIndex())

    def hideEvent(self, event: Any) -> None:
        self.stop_camera()
        self.scan_timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.scan_timer.stop()
        self.stop_camera()
        self.work.shutdown()

    # -- camera ----------------------------------------------------------------------------
    def start_camera(self) -> None:
        if self.worker is not None:
            return
        self.worker = start_frame_worker(
            self._open,
            page_outline,
            mirror=False,
            parent=self,
            on_frame=self._on_frame,
            on_problem=self._on_problem,
            on_opened=self._on_source_opened,
            on_failed=self._on_source_failed,
        )

    def stop_camera(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.request_stop()  # never waits: the thread ends and closes the camera itself

    def _on_source_opened(self, info: dict[str, Any]) -> None:
        self.is_demo = bool(info.get("is_demo"))
        self.view.set_text(badge=self.tr("capture.camera.demo") if self.is_demo else "")

    def _on_source_failed(self, exc: CaptureError) -> None:
        self._camera_message = exc.message_key
        self._show_instruction()

    def _on_problem(self, key: str | None) -> None:
        self._camera_message = key or ""
        self._show_instruction()

    def _on_frame(self) -> None:
        latest = self.worker.take() if self.worker is not None else None
        if latest is None:
            return
        self.latest = latest
        self.view.good = latest.analysis is not None
        self.view.show_frame(latest.image, latest.frame_size, latest.analysis)
        self._show_instruction()

    def _show_instruction(self) -> None:
        if self.latest is None:
            instruction = self.tr("capture.camera.starting")
        else:
            found = self.latest.analysis is not None
            instruction = self.tr("capture.page.ok" if found else "capture.page.not_found")
        message = self.tr(self._camera_message) if self._camera_message else ""
        self.view.set_text(instruction=instruction, message=message)
        self.shutter.setEnabled(self.latest is not None and not self._busy and self._room() > 0)

    def _room(self) -> int:
        return self.max_pages - len(self.pages) + (1 if self._replace is not None else 0)

    def _on_shutter(self) -> None:
        if self.latest is None or self._busy:
            return
        frame = self.latest.frame
        self._start_busy()
        self.work.image(lambda: camera_page(frame), lambda r: self._add([r]), self._on_error)

    # -- scanner ---------------------------------------------------------------------------
    def _on_scan_tick(self) -> None:
        folder = self.scan_folder
        if folder is None or self._scanning:
            return
        self._scanning = True

        def done(files: list[ScannedFile]) -> None:
            self._scanning = False
            new: list[tuple[bytes, dict[str, Any]]] = []
            for f in files:
                if f.error is not None:
                    self._show_status(_error_text(f.error, self.language))
                new += [(p, {"source": "scanner", "file": f.name}) for p in f.pages]
            if new:
                self._start_busy()
                self._add(new)

        def failed(exc: BaseException) -> None:
            self._scanning = False
            self._on_error(exc)

        self.work.image(folder.collect, done, failed)

    # -- file ------------------------------------------------------------------------------
    def import_path(self, path: Path) -> None:
        """Pages from a JPEG/PNG/PDF, read and encoded off the GUI thread (the clerk's route:
        no citizen-facing button leads here)."""
        self._start_busy()
        self.work.image(lambda: file_pages(Path(path)), self._add, self._on_error)

    # -- the page list ---------------------------------------------------------------------
    def _start_busy(self) -> None:
        self._busy += 1
        self._show_status("")
        self.shutter.setEnabled(False)

    def _add(self, items: list[tuple[bytes, dict[str, Any]]]) -> None:
        """Store new pages (never more than there is room for), then show and announce them."""
        room = self._room()
        if len(items) > room:
            self._show_status(self.tr("capture.doc.too_many", n=self.max_pages))
            items = items[: max(0, room)]
        if not items:
            self._busy = max(0, self._busy - 1)
            return

        def stored(refs: list[MediaRef]) -> None:
            self._busy = max(0, self._busy - 1)
            new = [Page(data, ref, checks) for (data, checks), ref in zip(items, refs, strict=True)]
            if self._replace is not None and self._replace < len(self.pages):
                self.pages[self._replace] = new[0]
                new = new[1:]
                self._replace = None
            self.pages.extend(new)
            self._changed()

        self.work.save([(data, "image/jpeg") for data, _ in items], stored, self._on_error)

    def remove_page(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            del self.pages[index]
            self._replace = None
            self._changed()

    def retake_page(self, index: int) -> None:
        """The next page taken (camera, scanner or file) replaces this one."""
        if 0 <= index < len(self.pages):
            self._replace = index
            self._rebuild_thumbs()
            self._show_instruction()

    def attachments(self) -> list[Attachment]:
        return [
            Attachment(self.field_id, "document", p.media, i, p.checks)
            for i, p in enumerate(self.pages)
        ]

    def _changed(self) -> None:
        self._rebuild_thumbs()
        self._show_instruction()
        self.captured.emit(self.attachments())

    def _rebuild_thumbs(self) -> None:
        while self.thumbs_row.count():
            item = self.thumbs_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, page in enumerate(self.pages):
            self.thumbs_row.addWidget(self._thumb(i, page))
        self.thumbs_row.addStretch(1)
        self.empty.setVisible(not self.pages)
        self.approve.setEnabled(bool(self.pages))

    def _thumb(self, index: int, page: Page) -> QWidget:
        box = QWidget()
        box.setObjectName(f"docPage_{index}")
        v = QVBoxLayout(box)
        v.setContentsMargins(4, 4, 4, 4)
        pic = QLabel()
        pic.setProperty("role", "thumb")
        pic.setMinimumSize(round(THUMB_H * 0.7), THUMB_H)
        if page.data:  # restored pages get their picture once the store has read it
            pic.setPixmap(
                QPixmap.fromImage(QImage.fromData(page.data)).scaledToHeight(
                    THUMB_H, Qt.TransformationMode.SmoothTransformation
                )
            )
        label = wrap_label(self.tr("capture.doc.page_n", n=index + 1), role="body")
        if self._replace == index:
            label.setText(label.text() + " ⟳")
        remove = BigButton(self.tr("capture.doc.remove"), kind="secondary")
        remove.setObjectName(f"docRemove_{index}")
        remove.clicked.connect(lambda _=False, i=index: self.remove_page(i))
        retake = BigButton(self.tr("capture.doc.retake"), kind="secondary")
        retake.setObjectName(f"docRetake_{index}")
        retake.clicked.connect(lambda _=False, i=index: self.retake_page(i))
        v.addWidget(pic, 0, Qt.AlignmentFlag.AlignHCenter)
        v.addWidget(label)
        row = QHBoxLayout()
        row.addWidget(remove)
        row.addWidget(retake)
        v.addLayout(row)
        return box

    def _on_error(self, exc: BaseException) -> None:
        self._busy = max(0, self._busy - 1)
        text = _error_text(exc, self.language)
        log.warning("document step: %s", exc)
        self._show_status(text)
        self._show_instruction()
        self.failed.emit(text)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

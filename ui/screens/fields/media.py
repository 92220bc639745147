"""Photo and document questions.

The capture helper's camera widgets (`ui/capture/photo_step.PhotoStep`,
`ui/capture/document_step.DocumentStep`) are used when they exist. Until then — and on kiosks
without a camera — a file-import step stands in, clearly labelled as such: the clerk picks a
scanned image or PDF (or one from the scanner's "scan to folder"); `kiosk.capture.import_file`
turns it into page images on the io pool and the store keeps them through the db worker.

One primary action per screen: the question's Continue. A photo is kept as soon as it is
taken and pages as soon as they are captured, so Continue accepts what is on screen (no
separate "Use this photo" / "Use these pages" to miss), and a line under the camera says
what is kept. Continue waits for a capture still being stored (`pending`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout

from kiosk.i18n import error_text
from kiosk.model import Attachment
from ui.screens.fields.base import FieldWidget
from ui.widgets.basic import BigButton, wrap_label

log = logging.getLogger(__name__)


def _mime(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return "application/octet-stream"


def capture_widget_class(kind: str) -> Any:
    """The capture helper's widget class for "photo" | "document", or None if not there."""
    module, name = {
        "photo": ("ui.capture.photo_step", "PhotoStep"),
        "document": ("ui.capture.document_step", "DocumentStep"),
    }[kind]
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


class MediaField(FieldWidget):
    """Common part: the attachments of this field live in the session, not in `answers`."""

    attachments_changed = Signal()

    @property
    def kind(self) -> str:
        return "photo" if str(self.field.type) == "photo" else "document"

    def attachments(self) -> list[Attachment]:
        return self.ctx.session.attachments_for(self.field.id)

    def raw_value(self) -> Any:
        return None  # not an answer: see attachments()

    def set_value(self, value: Any) -> None:
        self._show_count()

    def _show_count(self) -> None:
        """Subclasses show how many pages are held."""

    def pending(self) -> bool:
        """A capture is still being stored: Continue must wait for it, not refuse it."""
        return False

    def when_settled(self, then: Callable[[], None], *, limit_ms: int = 20_000) -> None:
        """Call `then` once nothing is pending (checked every 50 ms, given up after
        `limit_ms`: a stuck store then lets Continue say what is missing)."""
        waited = {"ms": 0}
        timer = QTimer(self)
        timer.setInterval(50)

        def check() -> None:
            waited["ms"] += 50
            if not self.pending() or waited["ms"] >= limit_ms:
                timer.stop()
                timer.deleteLater()
                then()

        timer.timeout.connect(check)
        timer.start()

    def kept_text(self) -> str:
        """ "✓ Photo kept" / "✓ 2 pages kept", or "" when nothing is held."""
        n = len(self.attachments())
        if not n:
            return ""
        if self.kind == "photo":
            return self.tr("ui.capture.kept_photo")
        return self.tr("ui.capture.kept_pages_one" if n == 1 else "ui.capture.kept_pages", n=n)

    def _store_attachments(self, items: list[Attachment]) -> None:
        self.ctx.session.set_attachments(self.field.id, items)
        autosave = self.ctx.extras.get("autosave")
        if autosave is not None:  # bind the new media to the draft now: a wipe then removes it
            autosave()
        self._show_count()
        self.attachments_changed.emit()
        self.edited.emit()


class CaptureField(MediaField):
    """Wraps the capture helper's PhotoStep / DocumentStep."""

    def __init__(self, field: Any, ctx: Any, cls: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.step = cls(field=field, ctx=ctx)
        self.step.captured.connect(self._store_attachments)
        # The screen's Continue is the one primary (green) action: the step's own "use"
        # buttons go, and its shutter is styled as a camera button, not a second Continue.
        for name in ("accept", "approve"):
            button = getattr(self.step, name, None)
            if button is not None:
                button.hide()
                button.setEnabled(False)
        shutter = getattr(self.step, "shutter", None)
        if shutter is not None:
            shutter.setProperty("kind", "shutter")
        self.input.addWidget(self.step)
        self.kept = wrap_label(role="confirm")
        self.kept.setObjectName(f"kept_{field.id}")
        self.kept.hide()
        self.input.addWidget(self.kept)

    def retranslate(self) -> None:
        super().retranslate()
        if hasattr(self.step, "retranslate"):
            self.step.retranslate(self.lang)
        self._show_count()

    def _show_count(self) -> None:
        text = self.kept_text()
        self.kept.setText(text)
        self.kept.setVisible(bool(text))
        if text:
            self.clear_error()  # "Take your face photo" must not stay under a kept photo

    def pending(self) -> bool:
        return bool(getattr(self.step, "_busy", False))

    def show_error(self, text: str) -> None:
        if text and self.kind == "photo" and self.attachments():
            text = ""  # a kept photo is on screen: "Take your face photo" would be wrong
        super().show_error(text)


class FileImportField(MediaField):
    """The stand-in: import a scanned image or PDF (no camera widget on this kiosk yet)."""

    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.note = wrap_label(role="notice")
        self.note.setObjectName(f"importNote_{field.id}")
        self.input.addWidget(self.note)
        row = QHBoxLayout()
        self.choose = BigButton(kind="secondary")
        self.choose.setObjectName(f"import_{field.id}")
        self.choose.clicked.connect(self._on_choose)
        self.remove = BigButton(kind="secondary")
        self.remove.clicked.connect(lambda: self._store_attachments([]))
        row.addWidget(self.choose)
        row.addWidget(self.remove)
        row.addStretch(1)
        self.input.addLayout(row)
        self.state = wrap_label(role="body")
        self.input.addWidget(self.state)
        self._busy = False
        self._failure: BaseException | None = None  # the last import's error, until the next
        self._show_count()

    def pending(self) -> bool:
        return self._busy

    def retranslate(self) -> None:
        super().retranslate()
        self.note.setText(
            self.tr("ui.capture.import_title") + " — " + self.tr("ui.capture.import_note")
        )
        self.choose.setText(self.tr("ui.capture.choose_file"))
        self.remove.setText(self.tr("ui.capture.clear"))
        self._show_count()
        if self._failure is not None:
            self._show_failure()

    def _show_failure(self) -> None:
        """Why the import failed, in the citizen's language (again after a language switch).
        Capture and store errors alike go through `error_text`; never `str(exc)`."""
        if self._failure is not None:
            why = error_text(self._failure, self.lang, fallback="capture.error.save_failed")
            self.show_error(self.tr("ui.capture.failed", why=why))

    def _show_count(self) -> None:
        n = len(self.attachments())
        self.remove.setVisible(n > 0)
        if not self._busy:
            key = "ui.capture.added_one" if n == 1 else "ui.capture.added"
            self.state.setText(self.tr(key, n=n) if n else "")

    def _on_choose(self) -> None:
        folder = getattr(self.ctx.config, "scan_folder", None)
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("ui.capture.choose_file"),
            str(folder or Path.home()),
            "Images / PDF (*.jpg *.jpeg *.png *.pdf)",
            options=QFileDialog.Option.DontUseNativeDialog,
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        """Import `path` off the GUI thread; the pages become this field's attachments."""
        self._busy = True
        if self._failure is not None:
            self._failure = None
            self.clear_error()
        self.state.setText(self.tr("ui.capture.adding"))
        photo = self.kind == "photo"
        kept = [] if photo else self.attachments()  # documents gather pages, a photo replaces
        room = 1 if photo else max(1, self.field.max_pages) - len(kept)
        if room <= 0:
            kept, room = [], max(1, self.field.max_pages)  # full: start the document again

        session = self.ctx.session

        def read() -> list[bytes]:
            import shutil

            from kiosk.capture import CaptureError, import_file

            tmp = session.temp_dir()
            # A private copy first: pulling the USB stick mid-import cannot half-read it, and
            # the copy goes with the session's temp folder when the session ends.
            local = tmp / f"import-{len(list(tmp.iterdir()))}{path.suffix.lower()}"
            try:
                shutil.copyfile(path, local)
            except OSError as exc:  # the stick was pulled, or the file is gone
                raise CaptureError("capture.error.file_missing", name=path.name) from exc
            return list(import_file(local))[:room]

        def stored(items: list[Attachment]) -> None:
            self._busy = False
            self._store_attachments(kept + items)

        def save(pages: list[bytes]) -> None:
            fid, kind, first = self.field.id, self.kind, len(kept)

            def job(store: Any) -> list[Attachment]:
                return [
                    Attachment(
                        field_id=fid,
                        kind=kind,  # type: ignore[arg-type]
                        media=store.add_media(data, _mime(data)),
                        page=first + i,
                        checks={"source": "file_import"},
                    )
                    for i, data in enumerate(pages)
                ]

            self.ctx.tasks.run_db(job, stored, failed)

        def failed(exc: BaseException) -> None:
            self._busy = False
            log.warning("import of %s failed: %s", path, exc)
            self._failure = exc
            self._show_failure()
            self._show_count()

        self.ctx.tasks.run_io(read, save, failed)


def make_media_field(field: Any, ctx: Any, *, heading: bool = True) -> MediaField:
    kind = "photo" if str(field.type) == "photo" else "document"
    cls = capture_widget_class(kind)
    if cls is not None:  # a TypeError here is a bug to see, not a reason to fall back
        return CaptureField(field, ctx, cls, heading=heading)
    return FileImportField(field, ctx, heading=heading)


__all__ = ["CaptureField", "FileImportField", "MediaField", "make_media_field"]

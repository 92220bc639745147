"""The clerk's touch picker for a USB stick: big rows, Khmer labels, kinetic scrolling, and
only what `kiosk.clerk.usb_files.UsbFiles` allows (image and PDF files on removable media).

Never Qt's desktop file dialog: that one is English, tiny, and browses the kiosk's own disk.
Listings run on the io pool (a slow stick must not stall the screen).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.clerk.usb_files import Listing, UsbFiles, UsbRefused
from kiosk.i18n import digits, error_text
from ui.screens.base import clear_layout, touch_scroll
from ui.widgets.basic import BigButton, WrapButton, wrap_label

log = logging.getLogger(__name__)
LIST_MIN_H = 300


class UsbPicker(QWidget):
    """Volumes, then folders and files; emits `chosen(Path)` with a checked, resolved file."""

    chosen = Signal(object)  # Path

    def __init__(self, ctx: Any, files: UsbFiles | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("clerkUsbPicker")
        self.ctx = ctx
        self.files = files or UsbFiles()
        self.listing: Listing | None = None
        self.volumes: list[Path] = []
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.up = BigButton(kind="secondary")
        self.up.setObjectName("clerkUsbUp")
        self.up.clicked.connect(self._on_up)
        self.refresh = BigButton(kind="secondary")
        self.refresh.setObjectName("clerkUsbRefresh")
        self.refresh.clicked.connect(self.show_volumes)
        self.where = wrap_label(role="body")
        self.where.setObjectName("clerkUsbWhere")
        top.addWidget(self.up)
        top.addWidget(self.where, 1)
        top.addWidget(self.refresh)
        col.addLayout(top)
        self.area = QScrollArea()
        self.area.setObjectName("clerkUsbList")
        self.area.setWidgetResizable(True)
        self.area.setMinimumHeight(LIST_MIN_H)
        inner = QWidget()
        self.rows = QVBoxLayout(inner)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.area.setWidget(inner)
        touch_scroll(self.area)
        col.addWidget(self.area, 1)
        self.status = wrap_label(role="hint")
        self.status.setObjectName("clerkUsbStatus")
        col.addWidget(self.status)
        self.retranslate()

    @property
    def lang(self) -> str:
        return str(self.ctx.session.locale)

    def tr(self, key: str, **kw: object) -> str:  # type: ignore[override]
        from ui.widgets.text import tr

        return tr(key, self.lang, **kw)

    def retranslate(self) -> None:
        self.up.setText(self.tr("clerk.act.usb.up"))
        self.refresh.setText(self.tr("clerk.act.usb.refresh"))
        if self.listing is not None:
            self._show_listing(self.listing)
        else:
            self._show_volume_rows()

    # -- volumes -----------------------------------------------------------------------------
    def show_volumes(self) -> None:
        self.listing = None
        self.status.setText(self.tr("clerk.act.usb.looking"))
        self.ctx.tasks.run_io(self.files.volumes, self._on_volumes, self._on_error)

    def _on_volumes(self, volumes: list[Path]) -> None:
        self.volumes = volumes
        self._show_volume_rows()

    def _show_volume_rows(self) -> None:
        clear_layout(self.rows)
        self.up.setEnabled(False)
        self.where.setText(self.tr("clerk.act.usb.volumes"))
        for volume in self.volumes:
            b = WrapButton("▣  " + volume.name, kind="choice")
            b.setObjectName(f"clerkUsbVolume_{volume.name}")
            b.clicked.connect(lambda _=False, v=volume: self.open_folder(v))
            self.rows.addWidget(b)
        self.rows.addStretch(1)
        self.status.setText("" if self.volumes else self.tr("clerk.act.usb.none"))

    # -- folders -----------------------------------------------------------------------------
    def open_folder(self, folder: Path) -> None:
        files = self.files
        self.status.setText(self.tr("clerk.act.usb.looking"))
        self.ctx.tasks.run_io(lambda: files.list(folder), self._show_listing, self._on_error)

    def _show_listing(self, listing: Listing) -> None:
        self.listing = listing
        clear_layout(self.rows)
        self.up.setEnabled(True)
        rel = listing.folder.relative_to(listing.volume)
        where = listing.volume.name + ("" if str(rel) == "." else f" / {rel}")
        self.where.setText(where)
        for entry in listing.entries:
            if entry.is_dir:
                b = WrapButton("▸  " + entry.name, kind="choice")
                b.clicked.connect(lambda _=False, p=entry.path: self.open_folder(p))
            else:
                kb = digits(max(1, entry.size // 1024), self.lang)
                b = WrapButton(f"{entry.name}  ({kb} KB)", kind="choice")
                b.clicked.connect(lambda _=False, p=entry.path: self.pick(p))
            b.setObjectName(f"clerkUsbEntry_{entry.name}")
            self.rows.addWidget(b)
        self.rows.addStretch(1)
        if not listing.entries:
            self.status.setText(self.tr("clerk.act.usb.empty"))
        elif listing.truncated:
            self.status.setText(self.tr("clerk.act.usb.truncated", n=len(listing.entries)))
        else:
            self.status.setText(self.tr("clerk.act.usb.hint"))

    def _on_up(self) -> None:
        listing = self.listing
        if listing is None:
            return
        parent = self.files.parent(listing)
        if parent is None:
            self.listing = None
            self._show_volume_rows()
        else:
            self.open_folder(parent)

    def pick(self, path: Path) -> None:
        """Check the file again (off the GUI thread), then hand it on."""
        files = self.files
        self.ctx.tasks.run_io(lambda: files.open(path), self.chosen.emit, self._on_error)

    def _on_error(self, exc: BaseException) -> None:
        if not isinstance(exc, UsbRefused):
            log.warning("USB picker: %s", exc)
        else:
            log.warning("USB picker refused: %s", exc)
        self.status.setText(error_text(exc, self.lang, fallback="clerk.act.usb.refused"))

    def reset(self) -> None:
        self.listing = None
        self.volumes = []
        clear_layout(self.rows)
        self.status.clear()

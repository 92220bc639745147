"""The setup QR reader: the capture helper's `QrScanner`, announcing setup QRs instead of
receipt QRs (its receipt check is the only thing changed)."""

from __future__ import annotations

from typing import Any

from sync import protocol
from ui.capture.qr_scan import QrScanner


class SetupQrScanner(QrScanner):
    """Emits `scanned(text)` for a `sala-enrol:1?…` QR; any other QR says "not ours"."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._state = "setup.connection.qr_hint"  # not the receipt's "show your receipt"
        self.retranslate()

    def _on_frame(self) -> None:
        latest = self.worker.take() if self.worker is not None else None
        if latest is None:
            return
        self.view.show_frame(latest.image, latest.frame_size)
        text: str | None = latest.analysis
        if not text or text == self.last_text:
            return
        self.last_text = text
        ours = text.strip().startswith(protocol.ENROL_QR_PREFIX)
        self._state = "capture.qr.found" if ours else "setup.connection.qr_bad"
        self.view.good = ours
        self.retranslate()
        if ours:
            self.scanned.emit(text)

"""The setup QR reader: the capture helper's `QrScanner`, announcing setup QRs instead of
receipt QRs (`accepts` and the "not ours" words are the only things changed)."""

from __future__ import annotations

from typing import Any

from sync.protocol import setup_qr
from ui.capture.qr_scan import QrScanner


class SetupQrScanner(QrScanner):
    """Emits `scanned(text)` for a `sala-enrol:1?…` QR; any other QR says "not ours"."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._state = "setup.connection.qr_hint"  # not the receipt's "show your receipt"
        self.retranslate()

    NOT_OURS = "setup.connection.qr_bad"

    def accepts(self, text: str) -> bool:
        return text.strip().startswith(setup_qr.ENROL_QR_PREFIX)

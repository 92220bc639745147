"""Check my application: type the application number (or show the receipt's QR code) and see
the last known status in plain words, with when it was last updated."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from kiosk.i18n import format_datetime, to_ascii_digits
from kiosk.model import parse_qr_payload
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
APP_NUMBER_RE = re.compile(r"(\d{6})-?(\d{5})-?(\d)")


def clean_app_number(text: str) -> str | None:
    """ "120101-00001-7", "120101 00001 7", Khmer digits or a receipt QR text → canonical."""
    parsed = parse_qr_payload(text)
    if parsed is not None:
        text = parsed[0]
    compact = re.sub(r"[\s\u200b]", "", to_ascii_digits(text)).replace("—", "-")
    m = APP_NUMBER_RE.fullmatch(compact)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def scanner_class() -> Any:
    try:
        from ui.capture.qr_scan import QrScanner
    except ImportError:
        return None
    return QrScanner


class StatusCheckScreen(Screen):
    name = "status_check"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.prompt = wrap_label(role="body")
        self.edit = QLineEdit()
        self.edit.setObjectName("appNumberInput")
        self.edit.setProperty("sala_keyboard", "num")
        self.edit.returnPressed.connect(self._on_check)
        self.check = BigButton(kind="primary")
        self.check.setObjectName("statusCheck")
        self.check.clicked.connect(self._on_check)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.check)
        self.error = ErrorLabel()
        self.error.setObjectName("statusError")
        self.result = wrap_label(role="lead")
        self.result.setObjectName("statusResult")
        self.updated = wrap_label(role="hint")
        self.updated.setObjectName("statusUpdated")
        self.scan_hint = wrap_label(role="hint")
        for w in (self.heading, self.prompt, self.error):
            self.body.addWidget(w)
        self.body.addLayout(row)
        self.body.addWidget(self.result)
        self.body.addWidget(self.updated)
        self.body.addWidget(self.scan_hint)
        self.scanner: QWidget | None = None
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(lambda: self.nav.go("services"))
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self._state: tuple[str, ...] = ()  # what is shown, re-rendered on language switch
        self._last_scan: str | None = None
        self._reg: Any = None

    def enter(self, **kw: Any) -> None:
        self._last_scan = None
        self._ensure_scanner()
        self.retranslate()
        self.edit.setFocus()

    def _ensure_scanner(self) -> None:
        cls = scanner_class()
        if cls is None or self.scanner is not None:
            return
        try:
            self.scanner = cls(ctx=self.ctx)
        except TypeError as exc:
            log.error("QrScanner not usable: %s", exc)
            return
        self.scanner.scanned.connect(self._on_scanned)  # type: ignore[union-attr]
        self.body.insertWidget(self.body.count() - 1, self.scanner)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("ui.status.title"))
        self.prompt.setText(self.tr("ui.status.prompt"))
        self.check.setText(self.tr("ui.status.check"))
        self.back.setText(self.tr("ui.nav.back"))
        self.scan_hint.setText(self.tr("ui.status.scan"))
        self.scan_hint.setVisible(self.scanner is not None)
        if self.scanner is not None and hasattr(self.scanner, "retranslate"):
            self.scanner.retranslate(self.lang)
        self._render()

    def _render(self) -> None:
        kind = self._state[0] if self._state else ""
        self.error.clear_error()
        self.result.setText("")
        self.updated.setText("")
        if kind == "error":
            self.error.show_error(self.tr(self._state[1]))
        elif kind == "looking":
            self.result.setText(self.tr("ui.status.looking"))
        elif kind == "found" and self._reg is not None:
            reg = self._reg
            if reg.server_status is not None:
                text = self.tr(f"ui.status.server.{reg.server_status.value}")
            else:
                text = self.tr(f"ui.status.state.{reg.state.value}")
            if reg.status_note:
                text += "\n" + reg.status_note
            self.result.setText(text)
            when = reg.status_at or reg.updated_at
            if when is not None:
                stamp = format_datetime(when, self.lang)
                self.updated.setText(self.tr("ui.status.updated", when=stamp))

    def _on_scanned(self, text: str) -> None:
        """A receipt's QR in front of the camera. Ignored while the citizen is typing a
        number (their typing wins), and the same code seen again is looked up only once."""
        if text == self._last_scan or (self.edit.isModified() and self.edit.text().strip()):
            return
        self._last_scan = text
        self._lookup(text)

    def _on_check(self) -> None:
        self._lookup(self.edit.text())

    def _lookup(self, text: str) -> None:
        number = clean_app_number(text)
        if number is None:
            self._state = ("error", "ui.status.bad_number")
            self._render()
            return
        self._state = ("looking",)
        self._render()
        self.ctx.tasks.run_db(
            lambda store: store.by_app_number(number), self._on_found, self._on_failed
        )

    def _on_found(self, reg: Any) -> None:
        self._reg = reg
        self._state = ("found",) if reg is not None else ("error", "ui.status.not_found")
        self._render()

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("status lookup failed: %s", exc)
        self._state = ("error", "ui.error.generic")
        self._render()

    def reset(self) -> None:
        self._last_scan = None
        self.edit.clear()
        self._state = ()
        self._reg = None
        self._render()

"""Setup step 2: connect to the ministry server, or continue offline and enrol later.

The technician scans the setup QR with the kiosk's camera (enrolment starts at once) or types
the server address and the code. Enrolment pins the server (its key, and its CA from the QR's
fingerprint) and then shows the server's clock against the kiosk's. A refusal is shown in the
technician's language and the typed text stays.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.i18n import format_datetime
from kiosk.setup import SetupError, read_ticket
from ui.setup.base import SetupStep, text_box
from ui.setup.qr import SetupQrScanner
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.flow import ButtonGrid
from ui.widgets.text import digits

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class ConnectionStep(SetupStep):
    step = "connection"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.scanner = SetupQrScanner(ctx, autostart=True)
        self.scanner.setFixedSize(320, 240)
        self.scanner.scanned.connect(self._on_scanned)
        row.addWidget(self.scanner)
        typed = QVBoxLayout()
        typed.setSpacing(8)
        self.url_label = wrap_label(role="subheading")
        self.url = text_box("en", name="setupServerUrl")
        self.code_label = wrap_label(role="subheading")
        self.code = text_box("en", name="setupCode")
        for w in (self.url_label, self.url, self.code_label, self.code):
            typed.addWidget(w)
        buttons = ButtonGrid(columns=2)  # side by side, or one under the other if narrow
        self.connect_button = BigButton(kind="primary")
        self.connect_button.setObjectName("setupConnect")
        self.connect_button.clicked.connect(self._on_connect)
        self.offline = BigButton(kind="secondary")
        self.offline.setObjectName("setupOffline")
        self.offline.clicked.connect(self._on_offline)
        buttons.add(self.connect_button)
        buttons.add(self.offline)
        typed.addWidget(buttons)
        row.addLayout(typed, 1)
        self.content.addLayout(row)
        self.status = wrap_label(role="notice")
        self.status.setObjectName("setupConnectionStatus")
        self.status.hide()
        self.content.addWidget(self.status)
        self.content.addStretch(1)
        self.busy = False
        config_url = getattr(ctx.config, "server_url", None)
        if config_url:
            self.url.setText(config_url)

    def retranslate_step(self) -> None:
        self.hint.hide()  # the camera view says it; the buttons stay above the fold at 768 px
        self.url_label.setText(self.t("connection.url"))
        self.code_label.setText(self.t("connection.code"))
        self.connect_button.setText(
            self.t("connection.connecting") if self.busy else self.t("connection.connect")
        )
        self.offline.setText(self.t("connection.offline"))
        self._show_status()

    # -- scanning and typing ---------------------------------------------------------------
    def _on_scanned(self, text: str) -> None:
        if self.busy:
            return
        self._start(text, scanned=True)

    def _on_connect(self) -> None:
        if not self.busy:
            self._start(self.code.text(), scanned=False)

    def _start(self, text: str, *, scanned: bool) -> None:
        self.clear_error()
        try:
            ticket = read_ticket(text, server_url=self.url.text(), now=time.time())
        except SetupError as exc:
            self.show_error(exc)  # the same QR is not read again; a new one is
            return
        if scanned:  # the technician sees what the QR said
            self.url.setText(ticket.server_url)
            self.code.setText(ticket.code)
        self._set_busy(True)
        self.nav.enrol(ticket, self._on_enrolled, self._on_failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.connect_button.setEnabled(not busy)
        self.retranslate_step()

    def _on_enrolled(self, _identity: Any) -> None:
        self._set_busy(False)
        self._show_status()

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.scanner.last_text = None
        self.show_error(exc)

    def _on_offline(self) -> None:
        self.clear_error()
        self.nav.go_offline()
        self._show_status()
        self.nav.advance(self.step)

    def _show_status(self) -> None:
        d = self.nav.draft
        if d.connection == "enrolled" and d.ticket is not None:
            text = self.t(
                "connection.enrolled",
                url=d.ticket.server_url,
                kiosk=digits(d.kiosk_number or 0, self.lang),
            )
            text += "\n" + self._clock_text(d.clock_offset_s)
        elif d.connection == "offline":
            text = self.t("connection.offline_chosen")
        else:
            self.status.hide()
            return
        self.status.setText(text)
        self.status.show()

    def _clock_text(self, offset: float | None) -> str:
        if offset is None:
            return self.t("connection.clock_unknown")
        kiosk_now = self.nav.now()
        server_now = kiosk_now + timedelta(seconds=offset)
        key = "connection.clock_ok" if abs(offset) <= 60 else "connection.clock_off"
        return self.t(
            key,
            server=format_datetime(server_now, self.lang),
            kiosk=format_datetime(kiosk_now, self.lang),
            seconds=digits(round(abs(offset)), self.lang),
        )

    def accept(self) -> None:
        if self.nav.draft.connection not in ("enrolled", "offline"):
            self.show_error("connection.choose")
            return
        self.nav.advance(self.step)

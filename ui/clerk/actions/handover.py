"""Hand-over of what is ready for pick-up: who is at the counter, then "collected".

The citizen shows the receipt (its QR read by the camera) or tells the application number,
and the clerk types the number of the ID card shown; a citizen without one is handed over only
when the clerk chooses "I take responsibility", after a warning. The desk records "collected"
and sends it to the server (`ClerkDesk.hand_over`, which refuses any other status).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import to_ascii_digits
from ui.clerk.actions.base import ActionScreen, line_edit
from ui.screens.ahead import later
from ui.screens.status_check import clean_app_number, scanner_class
from ui.widgets.basic import BigButton, ChoiceButton, wrap_label

log = logging.getLogger(__name__)


class HandoverScreen(ActionScreen):
    name = "clerk_handover"
    title_key = "clerk.act.handover.title"
    primary_key = "clerk.act.handover.collected"

    def build(self, content: QWidget) -> None:
        self.scanner: Any = None
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.state = wrap_label(role="notice")
        self.state.setObjectName("clerkHandoverState")
        col.addWidget(self.state)
        self.receipt_label = wrap_label(role="subheading")
        col.addWidget(self.receipt_label)
        row = QHBoxLayout()
        self.number = line_edit("clerkHandoverNumber", "num")
        self.number.textEdited.connect(lambda _t: self._check_number())
        self.scan = BigButton(kind="secondary")
        self.scan.setObjectName("clerkHandoverScan")
        self.scan.clicked.connect(self._on_scan)
        row.addWidget(self.number, 1)
        row.addWidget(self.scan)
        col.addLayout(row)
        self.match = wrap_label(role="hint")
        self.match.setObjectName("clerkHandoverMatch")
        col.addWidget(self.match)
        self.scan_slot = QVBoxLayout()
        col.addLayout(self.scan_slot)
        self.id_label = wrap_label(role="subheading")
        col.addWidget(self.id_label)
        self.id_number = line_edit("clerkHandoverId", "num")
        self.id_number.setMaxLength(30)
        self.id_number.textEdited.connect(lambda _t: self._on_id_typed())
        self.responsible = ChoiceButton()
        self.responsible.setObjectName("clerkHandoverResponsible")
        self.responsible.toggled.connect(self._on_responsible)
        who = QHBoxLayout()  # the card's number, or no card: side by side, both in view
        who.addWidget(self.id_number, 1)
        who.addWidget(self.responsible, 1)
        col.addLayout(who)
        self.warning = wrap_label(role="error")
        self.warning.setObjectName("clerkHandoverWarning")
        self.warning.hide()
        col.addWidget(self.warning)

    def clear(self) -> None:
        self.number.clear()
        self.id_number.clear()
        self.responsible.blockSignals(True)
        self.responsible.setChecked(False)
        self.responsible.blockSignals(False)
        self.responsible.sync()
        self.warning.hide()
        self.match.clear()
        self._stop_scanner()

    def show_view(self) -> None:
        self.receipt_label.setText(self.tr("clerk.act.handover.receipt"))
        self.number.setPlaceholderText(self.tr("clerk.act.handover.number_hint"))
        self.scan.setText(self.tr("clerk.act.handover.scan"))
        self.scan.setVisible(self._can_scan())
        self.id_label.setText(self.tr("clerk.act.handover.id"))
        self.id_number.setPlaceholderText(self.tr("clerk.act.handover.id_hint"))
        self.responsible.setText(self.tr("clerk.act.handover.responsible"))
        self.warning.setText(self.tr("clerk.act.handover.warning"))
        self._check_number()
        view = self.view
        if view is None:
            self.state.hide()
            return
        if getattr(view, "collected", False):
            self.state.setText(self.tr("clerk.act.handover.already"))
        elif str(view.status) != "ready_for_pickup":
            self.state.setText(self.tr("clerk.act.handover.not_ready"))
        else:
            self.state.setText(self.tr("clerk.act.handover.ready"))
        self.state.show()
        if self.scanner is not None:
            self.scanner.retranslate(self.lang)

    def _can_scan(self) -> bool:
        camera = str(getattr(self.ctx, "camera", "") or "")
        return scanner_class() is not None and camera.lower() not in ("", "none", "off")

    # -- who is at the counter ---------------------------------------------------------------
    def number_matches(self) -> bool:
        view = self.view
        typed = clean_app_number(self.number.text())
        return view is not None and typed is not None and typed == view.app_number

    def _check_number(self) -> None:
        text = self.number.text().strip()
        if not text or self.view is None:
            self.match.clear()
            return
        ok = self.number_matches()
        self.match.setText(
            self.tr("clerk.act.handover.match" if ok else "clerk.act.handover.no_match")
        )

    def _on_scan(self) -> None:
        if self.scanner is None:
            cls = scanner_class()
            if cls is None:
                return
            try:
                self.scanner = cls(ctx=self.ctx, autostart=False)
            except Exception as exc:  # no camera support: typing the number still works
                log.error("QrScanner not usable: %s", exc)
                return
            self.scanner.scanned.connect(self._on_scanned)
            self.scan_slot.addWidget(self.scanner)
        self.scanner.setMinimumHeight(320)
        self.scanner.show()
        self.scanner.start()

    def _on_scanned(self, text: str) -> None:
        self.number.setText(clean_app_number(text) or "")
        self._stop_scanner()
        self._check_number()

    def _stop_scanner(self) -> None:
        if self.scanner is not None:
            self.scanner.stop()
            self.scanner.hide()

    # -- identity ----------------------------------------------------------------------------
    def _on_id_typed(self) -> None:
        if self.id_number.text().strip() and self.responsible.isChecked():
            self.responsible.setChecked(False)

    def _on_responsible(self, on: bool) -> None:
        self.warning.setVisible(on)
        if on:
            self.id_number.clear()
            # The warning is what this choice means: scroll it into view once laid out.
            later(0, lambda: self.scroll_area.ensureWidgetVisible(self.warning, 0, 8))

    def act(self) -> None:
        reg_id = self.reg_id
        if not self.number_matches():
            self.show_error(self.tr("clerk.act.handover.need_receipt"))
            return
        id_number = to_ascii_digits(self.id_number.text()).strip() or None
        responsible = self.responsible.isChecked()
        if id_number is None and not responsible:
            self.show_error(self.tr("clerk.act.handover.need_id"))
            return
        self.call(
            lambda desk: desk.hand_over(
                reg_id, id_number=id_number, clerk_takes_responsibility=responsible
            ),
            self._on_done,
        )

    def _on_done(self, _result: Any) -> None:
        self.show_done(self.tr("clerk.act.handover.done"))
        self.load()

    def reset(self) -> None:
        super().reset()
        self._stop_scanner()

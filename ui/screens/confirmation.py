"""The confirmation: application number in large digits, a QR code, what happens next and
when, the fee and where to ask; print (and reprint) the receipt, or finish.

It says what the receipt says, in the same words from the same owners: the service's next
steps from the catalog, "about N working days" and the time sent in Cambodian time
(`kiosk.i18n`), whatever the machine's clock zone.

The application is already saved when this shows. When there is no printer or printing fails
the screen says so and the QR code is shown large enough to photograph. The QR is encoded on
the io pool and drawn by ui/receipts/qr.py, the same drawing the printed receipt uses.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout

from kiosk.catalog.schema import next_steps_of
from kiosk.i18n import format_datetime, format_khr, format_working_days, wrap_points
from ui.receipts.qr import module_px_for, qr_image, qr_matrix, warm_up
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, repolish, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
QR_SMALL, QR_LARGE = 260, 420


class ConfirmationScreen(Screen):
    name = "confirmation"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.number_caption = wrap_label(role="subheading")
        self.number = QLabel()
        self.number.setObjectName("appNumber")
        self.number.setProperty("role", "app_number")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        # The QR beside the text where both fit, else under it (portrait screens: the number
        # alone is ~680 px wide, and the large QR 420).
        row = self._row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        col = QVBoxLayout()
        col.addWidget(self.number_caption)
        col.addWidget(self.number)
        self.next = wrap_label(role="body")
        self.steps = wrap_label(role="body")
        self.steps.setObjectName("confirmNextSteps")
        self.sent = wrap_label(role="body")
        self.sent.setObjectName("confirmSent")
        self.fee = wrap_label(role="body")
        self.ask = wrap_label(role="body")
        self.print_state = ErrorLabel()
        self.print_state.setObjectName("printState")
        for w in (self.sent, self.next, self.steps, self.fee, self.ask, self.print_state):
            col.addWidget(w)
        col.addStretch(1)
        row.addLayout(col, 1)
        qr_col = QVBoxLayout()
        self.qr = QLabel()
        self.qr.setObjectName("qrCode")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_hint = wrap_label(role="hint")
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        qr_col.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_col.addWidget(self.qr_hint)
        qr_col.addStretch(1)
        row.addLayout(qr_col)
        self.body.addWidget(self.heading)
        self.body.addLayout(row)
        self.body.addStretch(1)
        self.print_button = BigButton(kind="secondary")
        self.print_button.setObjectName("printReceipt")
        self.print_button.clicked.connect(self._on_print)
        self.finish = BigButton(kind="primary")
        self.finish.setObjectName("finish")
        self.finish.clicked.connect(self.nav.end_session)
        self.footer.addWidget(self.print_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.finish)
        self._qr: tuple[str, list[list[bool]]] | None = None  # (payload, modules)
        self._print_key: str | None = None
        self._printed_once = False
        self._qr_size = QR_SMALL
        tasks = getattr(ctx, "tasks", None)
        if tasks is not None:  # built after the first paint: `qrcode` is ready by submit
            tasks.run_io(warm_up)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_qr()

    def _place_qr(self) -> None:
        needed = self.number.sizeHint().width() + self._qr_size + 160  # margins and spacing
        side = self.width() >= needed
        self._row.setDirection(
            QBoxLayout.Direction.LeftToRight if side else QBoxLayout.Direction.TopToBottom
        )

    @property
    def receipt(self) -> Any:
        return self.ctx.session.receipt

    def enter(self, **kw: Any) -> None:
        self._print_key = None
        self._printed_once = False
        self._qr_size = QR_SMALL if self.ctx.printer is not None else QR_LARGE
        if self.ctx.printer is None:
            self._print_key = "ui.confirm.no_printer"
        self._qr = None
        self.qr.clear()
        receipt = self.receipt
        if receipt is not None:
            payload = receipt.qr_payload
            self.ctx.tasks.run_io(lambda: (payload, qr_matrix(payload)), self._on_qr_ready)
        self.retranslate()
        self.scroll_to_top()

    def _on_qr_ready(self, qr: tuple[str, list[list[bool]]]) -> None:
        receipt = self.receipt
        if receipt is None or receipt.qr_payload != qr[0]:
            return  # a previous citizen's code, late: never show it
        self._qr = qr
        self._show_qr()

    def _show_qr(self) -> None:
        """Draw the modules at whole pixels for the current size (well under 1 ms)."""
        if self._qr is None:
            return
        matrix = self._qr[1]
        image = qr_image(matrix, module_px_for(matrix, self._qr_size))
        self.qr.setPixmap(QPixmap.fromImage(image))
        self.qr.setFixedSize(self._qr_size, self._qr_size)

    def retranslate(self) -> None:
        r, loc = self.receipt, self.lang
        self.heading.setText(self.tr("ui.confirm.title"))
        self.number_caption.setText(self.tr("ui.confirm.number"))
        self.number.setText(r.app_number if r is not None else "")
        days = r.processing_days if r is not None else None
        self.next.setText(
            self.tr("ui.confirm.next", duration=format_working_days(days, loc))
            if days
            else self.tr("ui.confirm.next_nodays")
        )
        service = self._service()
        self.steps.setText(wrap_points(next_steps_of(service).get(loc)))
        self.sent.setText(
            self.tr("ui.confirm.submitted", when=format_datetime(r.submitted_at, loc))
            if r is not None
            else ""
        )
        fee = r.fee_khr if r is not None else 0
        self.fee.setText(
            self.tr("ui.confirm.fee", fee=format_khr(fee, loc))
            if fee
            else self.tr("ui.confirm.fee_free")
        )
        self.ask.setText(self.tr("ui.confirm.ask"))
        self.qr_hint.setText(self.tr("ui.confirm.qr_hint"))
        self.finish.setText(self.tr("ui.confirm.finish"))
        self.print_button.setText(
            self.tr("ui.confirm.reprint" if self._printed_once else "ui.confirm.print")
        )
        self.print_button.setVisible(self.ctx.printer is not None)
        self.print_state.show_error(self.tr(self._print_key) if self._print_key else "")
        self.print_state.setProperty(
            "tone", "error" if self._print_key == ("ui.confirm.print_failed") else "info"
        )
        repolish(self.print_state)
        self._place_qr()

    def _service(self) -> Any:
        """The receipt's service in the catalog (None: the general next steps are shown)."""
        r, catalog = self.receipt, getattr(self.ctx, "catalog", None)
        if r is None or catalog is None:
            return None
        return catalog.services.get(r.service_id)

    def _on_print(self) -> None:
        if self.receipt is None or self.ctx.printer is None:
            return
        self.print_button.setEnabled(False)
        self._print_key = "ui.confirm.printing"
        self.retranslate()
        self.nav.print_receipt(on_done=self._on_printed, on_error=self._on_print_failed)

    def _on_printed(self, _result: Any = None) -> None:
        self._printed_once = True
        self.print_button.setEnabled(True)
        self._print_key = "ui.confirm.printed"
        self.retranslate()

    def _on_print_failed(self, exc: BaseException) -> None:
        log.warning("receipt printing failed: %s", exc)
        self._printed_once = True
        self.print_button.setEnabled(True)
        self._print_key = "ui.confirm.print_failed"
        self._qr_size = QR_LARGE
        self._place_qr()
        self._show_qr()
        self.retranslate()

    def reset(self) -> None:
        self._qr = None
        self.qr.clear()
        self.number.setText("")
        self._print_key = None

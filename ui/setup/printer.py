"""Setup step 5: the receipt printer. Choose the system printer, a thermal ESC/POS printer or
none; print a test receipt, or show it on screen when there is no paper to spare."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel

from kiosk.setup import PRINTERS
from kiosk.setup.checks import escpos_spec, printer_kind, sample_receipt
from kiosk.text import Text
from ui.setup.base import SetupStep
from ui.widgets.basic import BigButton, ChoiceButton, wrap_label

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class _TestService:
    """What a receipt needs of a service, for the test receipt before any catalog is loaded."""

    id = "test"
    version = "0"
    name = Text(km="បង្កាន់ដៃ​សាកល្បង", en="Test receipt")
    fee_khr = 0
    processing_days = 0
    next_steps = None


class PrinterStep(SetupStep):
    step = "printer"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        kinds = QHBoxLayout()
        self.kinds: dict[str, ChoiceButton] = {}
        for kind in PRINTERS:
            button = ChoiceButton(value=kind)
            button.setObjectName(f"setupPrinter_{kind}")
            button.clicked.connect(lambda _=False, k=kind: self._on_kind(k))
            kinds.addWidget(button)
            self.kinds[kind] = button
        self.content.addLayout(kinds)
        actions = QHBoxLayout()
        self.print_button = BigButton(kind="secondary")
        self.print_button.setObjectName("setupPrintTest")
        self.print_button.clicked.connect(self._on_print)
        self.show_button = BigButton(kind="secondary")
        self.show_button.setObjectName("setupShowTest")
        self.show_button.clicked.connect(self._on_show)
        actions.addWidget(self.print_button)
        actions.addWidget(self.show_button)
        self.content.addLayout(actions)
        self.outcome = wrap_label(role="notice")
        self.outcome.setObjectName("setupPrintOutcome")
        self.outcome.hide()
        self.content.addWidget(self.outcome)
        self.preview = QLabel()
        self.preview.setObjectName("setupReceiptPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.preview.hide()
        self.content.addWidget(self.preview)
        self.content.addStretch(1)
        self._result: Any = None

    def retranslate_step(self) -> None:
        chosen = printer_kind(self.nav.draft.printer)
        for kind, button in self.kinds.items():
            button.setText(self.t(f"printer.{kind}"))
            button.setChecked(kind == chosen)
            button.sync()
        self.print_button.setText(self.t("printer.print_test"))
        self.print_button.setEnabled(chosen != "none")
        self.show_button.setText(self.t("printer.show_test"))
        if self._result is not None:
            self.outcome.setText(self._result.message.get(self.lang))

    def _on_kind(self, kind: str) -> None:
        d = self.nav.draft
        d.printer = {"system": "system", "escpos": escpos_spec(d.printer), "none": "none"}[kind]
        self._result = None
        self.outcome.hide()
        self.retranslate_step()

    def _receipt(self) -> tuple[Any, Any]:
        catalog = self.ctx.catalog
        services = list(getattr(catalog, "services", {}).values()) if catalog else []
        service = services[0] if services else _TestService()
        d = self.nav.draft
        return sample_receipt(d.chosen_commune(), service, datetime.now(UTC)), service

    def _on_print(self) -> None:
        receipt, service = self._receipt()
        spec, lang = self.nav.draft.printer, self.lang

        def job() -> Any:
            from ui.receipts.printers import print_receipt

            return print_receipt(receipt, service, lang, spec, commune_name="")

        self.print_button.setEnabled(False)
        self.ctx.tasks.run_io(job, self._on_printed, self._on_print_failed)

    def _on_printed(self, result: Any) -> None:
        self._result = result
        self.outcome.setProperty("state", "good" if result.ok else "bad")
        self.outcome.show()
        self.retranslate_step()

    def _on_print_failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(True)
        self.show_error(exc)

    def _on_show(self) -> None:
        receipt, service = self._receipt()
        lang = self.lang

        def job() -> Any:  # painting a QImage is allowed off the GUI thread
            from ui.receipts.raster import render_receipt_raster

            return render_receipt_raster(receipt, service, lang, commune_name="")

        self.ctx.tasks.run_io(job, self._on_rendered, self.show_error)

    def _on_rendered(self, image: Any) -> None:
        pixmap = QPixmap.fromImage(image)
        self.preview.setPixmap(pixmap.scaledToWidth(min(384, pixmap.width())))
        self.preview.show()

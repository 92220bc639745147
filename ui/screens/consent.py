"""Before sending: the fee and where to pay it, then consent in plain words (what is collected,
who sees it, how long the kiosk keeps it), and one "I agree, send".

This is the only place a citizen agrees: the catalog's services carry no consent question of
their own (issue 11: consent was asked twice), and the fee shows here, before sending, not
first on the confirmation. "I agree, send" submits: the store writes registration, receipt and
outbox in one transaction on the db worker; the citizen is told "saved" only after that commit
(the confirmation screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFrame, QVBoxLayout

from kiosk.i18n import format_khr
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext


class ConsentScreen(Screen):
    name = "consent"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        # The fee, in a panel of its own so it is not read past on the way to "send".
        self.fee_panel = QFrame()
        self.fee_panel.setObjectName("consentFee")
        self.fee_panel.setProperty("role", "panel")
        fee_box = QVBoxLayout(self.fee_panel)
        fee_box.setContentsMargins(24, 18, 24, 18)
        fee_box.setSpacing(8)
        self.fee = wrap_label(role="subheading")
        self.fee.setObjectName("consentFeeAmount")
        self.fee_where = wrap_label(role="body")
        self.fee_where.setObjectName("consentFeeWhere")
        self.fee_example = wrap_label(role="hint")
        for w in (self.fee, self.fee_where, self.fee_example):
            w.setProperty("panel", True)
            fee_box.addWidget(w)
        self.what = wrap_label(role="lead")
        self.who = wrap_label(role="lead")
        self.how_long = wrap_label(role="lead")
        self.true = wrap_label(role="lead")
        self.true.setObjectName("consentTrue")
        self.error = ErrorLabel()
        self.error.setObjectName("submitError")
        self.saving = wrap_label(role="body")
        self.body.addWidget(self.heading)
        self.body.addWidget(self.fee_panel)
        for w in (self.what, self.who, self.how_long, self.true, self.error, self.saving):
            self.body.addWidget(w)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(lambda: self.nav.go("check_answers"))
        self.agree = BigButton(kind="primary")
        self.agree.setObjectName("agreeSubmit")
        self.agree.clicked.connect(self._on_agree)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.agree)
        self._error_key: str | None = None

    def enter(self, **kw: Any) -> None:
        self._set_busy(False)
        self._error_key = None
        self.retranslate()
        self.scroll_to_top()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("ui.consent.title"))
        self._show_fee()
        self.what.setText(self.tr("ui.consent.what"))
        self.who.setText(self.tr("ui.consent.who"))
        self.how_long.setText(self.tr("ui.consent.how_long", days=self.ctx.retention_days))
        self.true.setText(self.tr("ui.consent.true"))
        self.back.setText(self.tr("ui.nav.back"))
        self.agree.setText(self.tr("ui.consent.agree"))
        self.saving.setText(self.tr("ui.submit.saving"))
        self.error.show_error(self.tr(self._error_key) if self._error_key else "")

    def _show_fee(self) -> None:
        """The service's fee and where it is paid (the same words as the confirmation)."""
        service = self.ctx.session.service
        fee = int(getattr(service, "fee_khr", 0) or 0)
        if fee > 0:
            self.fee.setText(self.tr("ui.consent.fee", fee=format_khr(fee, self.lang)))
            self.fee_where.setText(self.tr("ui.consent.fee_when"))
        else:
            self.fee.setText(self.tr("ui.consent.fee_free"))
            self.fee_where.setText("")
        self.fee_where.setVisible(fee > 0)
        example = fee > 0 and bool(getattr(service, "example_only", False))
        self.fee_example.setText(self.tr("ui.consent.fee_example") if example else "")
        self.fee_example.setVisible(example)

    def _set_busy(self, busy: bool) -> None:
        self.agree.setEnabled(not busy)
        self.back.setEnabled(not busy)
        self.saving.setVisible(busy)

    def _on_agree(self) -> None:
        self._error_key = None
        self.error.clear_error()
        self._set_busy(True)
        self.nav.submit(on_error=self._on_submit_failed)

    def _on_submit_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._error_key = "ui.submit.failed"
        key = getattr(exc, "message_key", None)
        self.error.show_error(
            self.tr("ui.submit.failed")
            + ("\n" + self.tr(key) if isinstance(key, str) and key else "")
        )

    def reset(self) -> None:
        self._error_key = None
        self.error.clear_error()
        self._set_busy(False)
        self.fee.setText("")

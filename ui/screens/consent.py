"""Consent in plain words: what is collected, who sees it, how long the kiosk keeps it.

"I agree, send" submits: the store writes registration, receipt and outbox in one transaction
on the db worker; the citizen is told "saved" only after that commit (the confirmation screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
        self.what = wrap_label(role="lead")
        self.who = wrap_label(role="lead")
        self.how_long = wrap_label(role="lead")
        self.error = ErrorLabel()
        self.error.setObjectName("submitError")
        self.saving = wrap_label(role="body")
        for w in (self.heading, self.what, self.who, self.how_long, self.error, self.saving):
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

    def retranslate(self) -> None:
        self.heading.setText(self.tr("ui.consent.title"))
        self.what.setText(self.tr("ui.consent.what"))
        self.who.setText(self.tr("ui.consent.who"))
        self.how_long.setText(self.tr("ui.consent.how_long", days=self.ctx.retention_days))
        self.back.setText(self.tr("ui.nav.back"))
        self.agree.setText(self.tr("ui.consent.agree"))
        self.saving.setText(self.tr("ui.submit.saving"))
        self.error.show_error(self.tr(self._error_key) if self._error_key else "")

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

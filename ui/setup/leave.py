"""The technician screen's "Leave the kiosk" (issue 14, lock-down): shown only to a technician
signed in at the staff sign-in (not with a setup code, never to a clerk or a supervisor), with
a confirmation in large buttons. The leave itself is `kiosk.staff.leave.leave_kiosk` on the db
worker (audited as that technician); then the app ends with `LEAVE_EXIT_STATUS` through its
normal shutdown (`ui.app.run`: the sync worker stops cleanly, the store closes). The packaged
unit then gives tty1 a login prompt; from a checkout the app just ends."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import error_text
from kiosk.staff.leave import leave_kiosk, may_leave, runtime_dir
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupJourney

log = logging.getLogger(__name__)


class LeavePanel(QWidget):
    """The "Leave the kiosk" button and its confirmation, on the technician screen."""

    asked = Signal()  # the confirmation shows: the screen scrolls it into view

    def __init__(self, ctx: AppContext, nav: SetupJourney) -> None:
        super().__init__()
        self.ctx, self.nav = ctx, nav
        self.lang = "km"
        self.leaving = False
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        self.open_button = BigButton(kind="secondary")
        self.open_button.setObjectName("setupLeave")
        self.open_button.clicked.connect(lambda: self._ask(True))
        box.addWidget(self.open_button)
        self.confirm_box = QWidget()
        inner = QVBoxLayout(self.confirm_box)
        inner.setContentsMargins(0, 0, 0, 0)
        self.title = wrap_label(role="heading")
        self.text = wrap_label()
        self.error = ErrorLabel()
        self.error.setObjectName("setupLeaveError")
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        inner.addWidget(self.error)
        row = QHBoxLayout()
        self.cancel = BigButton(kind="secondary")
        self.cancel.setObjectName("setupLeaveCancel")
        self.cancel.clicked.connect(lambda: self._ask(False))
        self.confirm = BigButton(kind="danger")
        self.confirm.setObjectName("setupLeaveConfirm")
        self.confirm.clicked.connect(self.leave)
        row.addWidget(self.cancel)
        row.addStretch(1)
        row.addWidget(self.confirm)
        inner.addLayout(row)
        box.addWidget(self.confirm_box)
        self.confirm_box.hide()

    def refresh(self, lang: str) -> None:
        """On each entry to the technician screen: the action only for a signed-in
        technician, and never left asking."""
        self.lang = lang
        self.setVisible(may_leave(self.nav.session))
        if not self.leaving:
            self._ask(False)
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.open_button.setText(tr("setup.leave.open", lang))
        self.title.setText(tr("setup.leave.title", lang))
        self.text.setText(tr("setup.leave.leaving" if self.leaving else "setup.leave.text", lang))
        self.cancel.setText(tr("setup.leave.cancel", lang))
        self.confirm.setText(tr("setup.leave.confirm", lang))

    def _ask(self, asking: bool) -> None:
        self.error.clear_error()
        self.confirm_box.setVisible(asking)
        self.open_button.setVisible(not asking)
        if asking:
            self.asked.emit()

    def leave(self) -> None:
        """Audit and end the session on the db worker; the app ends once that is written."""
        session = self.nav.session
        if self.leaving or not may_leave(session):
            return
        self._set_leaving(True)
        now, run_dir = self.nav.now(), runtime_dir()
        self.ctx.tasks.run_db(
            lambda store: leave_kiosk(store, session, now, run_dir), self._left, self._refused
        )

    def _left(self, status: int) -> None:
        log.warning("a technician left the kiosk (exit status %d)", status)
        self.nav.session = None  # ended and audited: nothing for the idle end to sign out
        QCoreApplication.exit(status)  # `app.exec()` returns it; `ui.app.run` shuts down

    def _refused(self, exc: BaseException) -> None:
        log.warning("leave refused: %s", exc)
        self._set_leaving(False)
        self.error.show_error(error_text(exc, self.lang))

    def _set_leaving(self, leaving: bool) -> None:
        self.leaving = leaving
        self.confirm.setEnabled(not leaving)
        self.cancel.setEnabled(not leaving)
        self.retranslate(self.lang)

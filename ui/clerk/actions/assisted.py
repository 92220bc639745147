"""An assisted application: the clerk starts the citizen's own journey for someone who cannot
use the screen alone. Same screens, same validation; the registration is recorded as
assisted by the clerk (`ClerkDesk.start_assisted`, `Store.set_assisted_by`) and the receipt
says "assisted by <clerk>" (`ui.receipts.content.AssistedReceipt`).

When it ends, the staff session ends too: the citizen had the screen and the clerk may have
left the desk, so the queue (other citizens' data) never opens by itself. A finished one shows
that clerk's PIN pad (`ClerkJourney.ask_pin_again`: their PIN opens the queue again, the staff
idle rule brings the welcome back); one ended by the idle countdown (nobody at the screen)
shows the welcome. A citizen never finds a staff screen open.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.clerk.actions.base import HOME, ActionScreen
from ui.widgets.basic import wrap_label

log = logging.getLogger(__name__)


class AssistedScreen(ActionScreen):
    name = "clerk_assisted"
    title_key = "clerk.act.assisted.title"
    primary_key = "clerk.act.assisted.start"
    needs_application = False
    back_key = "clerk.act.back_queue"

    def build(self, content: QWidget) -> None:
        self._wired = False
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.explain = wrap_label(role="body")
        self.explain.setObjectName("clerkAssistedExplain")
        col.addWidget(self.explain)

    def show_view(self) -> None:
        session = getattr(self.nav, "session", None)
        name = session.name.get(self.lang) if session is not None else ""
        self.explain.setText(self.tr("clerk.act.assisted.explain", name=name))

    def go_back(self) -> None:
        self.nav.go(HOME)

    def citizen(self) -> Any:
        return self.ctx.extras.get("citizen")

    def act(self) -> None:
        if self.citizen() is None:
            self.show_error(self.tr("clerk.act.error"))
            return
        self.call(lambda desk: desk.start_assisted(), self._on_started)

    def _on_started(self, staff_id: str) -> None:
        citizen, session = self.citizen(), self.nav.session
        if citizen is None or session is None:
            return
        if not self._wired:  # the clerk is at the screen while the citizen answers
            citizen.draft_saved.connect(self._keep_alive)
            citizen.registration_saved.connect(lambda _r: self._keep_alive())
            self._wired = True
        citizen.start_assisted(staff_id, session.name, self._on_assisted_end)

    def _keep_alive(self) -> None:
        citizen, session = self.citizen(), getattr(self.nav, "session", None)
        if citizen is None or citizen.assisted is None or session is None:
            return
        if not session.expired(self._now()):  # an ended one stays ended (checked at the end)
            session.touch(self._now())

    def _now(self) -> Any:
        now = getattr(self.nav, "now", None)
        if callable(now):
            return now()
        from kiosk.model import utc_now

        return utc_now()

    def _on_assisted_end(self, finished: bool) -> None:
        if getattr(self.nav, "session", None) is None:
            return
        alive = getattr(self.nav, "signed_in_now", None)
        if finished and callable(alive) and alive():  # an expired staff session: the welcome
            self.nav.ask_pin_again()
        else:
            self.nav.end_session()

"""Shared pieces of the clerk action screens' tests (no tests of its own): a kiosk with the
real staff roster and a signed-in clerk (UI-A's `Desk` driver), submitted applications on the
real store (the core tests' helpers), and a way to open an action screen on one of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kiosk.model import Receipt
from tests.core.test_clerk_support import BUSINESS, LICENCE, RESIDENCE, accept, set_status, submit
from tests.ui.conftest import LONG_WAIT_MS, TODAY
from tests.ui.test_clerk_signin_support import CLERK, CLERK_PIN, SUP_PIN, SUPERVISOR, Desk

__all__ = [
    "BUSINESS",
    "CLERK",
    "CLERK_PIN",
    "LICENCE",
    "RESIDENCE",
    "SUPERVISOR",
    "SUP_PIN",
    "Station",
]


class Station(Desk):
    """A clerk signed in at a kiosk whose clock says the kiosk's test day (TODAY)."""

    def __init__(self, kiosk: Any, qtbot: Any) -> None:
        super().__init__(kiosk, qtbot)
        self.clock.now = datetime(TODAY.year, TODAY.month, TODAY.day, 3, 0, tzinfo=UTC)

    def submitted(self, service_id: str, n: int = 0, **extra: Any) -> Receipt:
        receipt: Receipt = self.db(lambda store: submit(store, service_id, n, **extra))
        return receipt

    def sent(self, reg_id: str, status: str | None = None, note: str | None = None) -> None:
        """As the sync worker and the change feed would: accepted, then the ministry's status."""

        def job(store: Any) -> None:
            accept(store, reg_id)
            if status is not None:
                set_status(store, reg_id, status, note)

        self.db(job)

    def view(self, reg_id: str) -> Any:
        """The application as the desk sees it now (read on the db worker)."""
        holder = self.clerk._holder
        return self.db(lambda _store: holder.clerk.open(reg_id))

    def act(self, name: str, **kw: Any) -> Any:
        """Open an action screen and wait until it shows its application."""
        self.clerk.go(name, **kw)
        self.wait_screen(name)
        page = self.page(name)
        if "reg_id" in kw:
            self.qtbot.waitUntil(lambda: page.view is not None, timeout=LONG_WAIT_MS)
        self.settle()
        return page

    def shown_error(self, page: Any) -> str:
        return str(page.error.text()) if page.error.isVisible() else ""

    def wait_done(self, page: Any) -> None:
        """The desk answered (done or refused) and the screen reloaded."""
        self.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)
        self.settle()
        self.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)

"""Shared pieces of the clerk station's UI tests (no tests of its own): a kiosk with real
staff accounts (the roster as the change feed brings it, through kiosk/staff), and a driver
that taps the staff screens' real widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    TECH,
    entry,
    standard_roster,
)
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS

__all__ = [
    "CLERK",
    "CLERK_PIN",
    "SUPERVISOR",
    "SUP_PIN",
    "TECH",
    "Desk",
    "ManualClock",
    "entry",
    "standard_roster",
]


class Desk:
    """Taps through the staff screens of a started kiosk with pytest-qt clicks."""

    def __init__(
        self,
        kiosk: Any,
        qtbot: Any,
        roster: list[dict[str, Any]] | None = None,
        *,
        manual_clock: bool = True,
    ) -> None:
        self.k = kiosk
        self.qtbot = qtbot
        self.nav = kiosk.nav
        kiosk.nav.build_rest()
        qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)  # the Staff button
        self.clerk = kiosk.clerk_journey()
        kiosk.nav.build_rest()
        self.clock = ManualClock()
        if manual_clock:  # lockout tests move time by hand; queue tests need today's date
            self.clerk.set_clock(self.clock)
        self.db(lambda store: store.apply_changes(roster or standard_roster(), "10"))

    def db(self, fn: Any) -> Any:
        box: dict[str, Any] = {}
        self.k.tasks.run_db(fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
        self.qtbot.waitUntil(lambda: box != {}, timeout=LONG_WAIT_MS)
        if "e" in box:
            raise box["e"]
        return box.get("r")

    @property
    def screen(self) -> str:
        return str(self.nav.current)

    def page(self, name: str) -> Any:
        return self.nav.screens[name]

    def wait_screen(self, name: str) -> None:
        self.qtbot.waitUntil(lambda: self.nav.current == name, timeout=WAIT_MS)

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.k.tasks.pending == 0, timeout=LONG_WAIT_MS)
        QApplication.processEvents()

    def tap(self, widget: QWidget) -> None:
        self.qtbot.waitUntil(widget.isVisible, timeout=WAIT_MS)
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        QApplication.processEvents()

    def open_signin(self) -> None:
        attract = self.page("attract")
        self.tap(attract.staff)
        self.wait_screen("staff_signin")
        signin = self.page("staff_signin")
        self.qtbot.waitUntil(lambda: bool(signin.cards), timeout=LONG_WAIT_MS)

    def choose(self, staff_id: str) -> None:
        signin = self.page("staff_signin")
        self.qtbot.waitUntil(lambda: bool(signin.cards), timeout=LONG_WAIT_MS)
        card = next(c for c in signin.cards if c.member.id == staff_id)
        self.tap(card)

    def type_pin(self, pin: str, *, submit: bool = True) -> None:
        page = self.page("staff_pin")
        self.qtbot.waitUntil(lambda: page.pad.isEnabled(), timeout=LONG_WAIT_MS)
        for d in pin:
            self.tap(page.pad.keys[d])
        if submit:
            self.tap(page.submit)
            self.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)
            self.settle()

    def sign_in(self, staff_id: str = CLERK, pin: str = CLERK_PIN) -> None:
        self.open_signin()
        self.choose(staff_id)
        self.wait_screen("staff_pin")
        self.type_pin(pin)
        self.wait_screen("clerk_home")
        self.settle()

    def error_text(self) -> str:
        page = self.nav.screens[self.screen]
        return str(page.error.text()) if page.error.isVisible() else ""


def submit_application(desk: Desk, service_id: str = "national_id_card", **answers: Any) -> Any:
    """A citizen's application, submitted through the real store (answers a careful citizen
    gives, a real JPEG for each photo and page); returns its Receipt."""
    from kiosk import forms
    from kiosk.model import Attachment
    from tests.ui.conftest import jpeg_bytes, valid_answers

    ctx = desk.k.ctx
    service = ctx.catalog.services[service_id]
    given = valid_answers(service, ctx.gazetteer, "120101")
    given.update(answers)

    def job(store: Any) -> Any:
        draft = store.create_draft(service.id, service.version, "km")
        atts = []
        for f in forms.visible_fields(service, given):
            if str(f.type) in ("photo", "document"):
                kind = "photo" if str(f.type) == "photo" else "document"
                for page in range(max(1, f.min_pages)):
                    ref = store.add_media(
                        jpeg_bytes("#336699" if page else "#996633"), "image/jpeg"
                    )
                    atts.append(Attachment(f.id, kind, ref, page))  # type: ignore[arg-type]
        return store.submit(
            draft.id,
            given,
            atts,
            fee_khr=service.fee_khr,
            processing_days=service.processing_days,
            service=service,
        )

    return desk.db(job)

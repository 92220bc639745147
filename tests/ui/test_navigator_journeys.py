"""A second journey (the clerk's, later) plugs into the same shell and navigator without the
citizen code knowing: it registers its screens, takes over the stack with `go`, and idle
expiry ends *its* session. The citizen's draft id reaches the session as a db job's result."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QObject

from ui.screens.base import AppContext, Screen

pytestmark = pytest.mark.qt


class DeskScreen(Screen):
    name = "desk"

    def __init__(self, ctx: AppContext, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.entered: list[dict[str, Any]] = []

    def enter(self, **kw: Any) -> None:
        self.entered.append(kw)


class DeskJourney(QObject):
    """The smallest journey: navigation passed on, and an end of session."""

    def __init__(self, nav: Any) -> None:
        super().__init__()
        self._nav = nav
        self.ended = 0
        nav.register(self, [("desk", __name__, "DeskScreen")])

    @property
    def current(self) -> str:
        return str(self._nav.current)

    def go(self, name: str, **kw: Any) -> None:
        self._nav.go(name, **kw)

    def set_locale(self, locale: str) -> None:
        self._nav.set_locale(locale)

    def end_session(self) -> None:
        self.ended += 1
        self._nav.go(self._nav.home)


def test_a_second_journey_registers_its_screens_and_takes_the_stack(
    make_kiosk: Any, qtbot: Any
) -> None:
    kiosk = make_kiosk(idle_seconds=0.5, grace_seconds=0.5)
    nav = kiosk.nav
    desk = DeskJourney(nav)
    assert "desk" not in nav.screens  # lazy, like the citizen's
    desk.go("desk", who="clerk")
    screen = nav.screens["desk"]
    assert isinstance(screen, DeskScreen) and screen.nav is desk
    assert screen.entered == [{"who": "clerk"}]
    assert kiosk.window.stack.currentWidget() is screen and nav.active is desk
    assert kiosk.policy.idle.armed  # someone is at the kiosk: timed like a citizen
    qtbot.waitUntil(lambda: desk.ended == 1, timeout=10_000)  # idle ends the desk's session
    assert nav.current == "attract" and nav.active is kiosk.citizen
    assert screen not in nav.screens_of(kiosk.citizen)


def test_the_draft_id_comes_back_as_a_result(make_kiosk: Any, qtbot: Any) -> None:
    kiosk = make_kiosk()
    service = kiosk.ctx.catalog.services["residence_certificate"]
    kiosk.citizen.start_service(service)
    draft = kiosk.ctx.session.draft
    assert draft is not None and draft.id is None  # nothing written from the db worker
    qtbot.waitUntil(lambda: draft.id is not None, timeout=10_000)
    saved: list[bool] = []
    kiosk.citizen.draft_saved.connect(lambda: saved.append(True))
    kiosk.citizen.autosave()
    qtbot.waitUntil(lambda: saved == [True], timeout=10_000)
    kiosk.citizen.end_session()
    assert kiosk.ctx.session.draft is None and kiosk.nav.current == "attract"

"""The clerk station as a journey: its screens (and the action screens) registered on the
navigator, the 3-minute staff clock kept by touches, and a session the core's clock ended
brings the welcome back (the sign-in says why, later)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.ui.test_clerk_signin_support import Desk

pytestmark = pytest.mark.qt


def test_the_station_registers_its_screens_and_the_action_screens(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    names = desk.clerk.screen_names
    for name in ("staff_signin", "staff_pin", "clerk_home", "clerk_application"):
        assert name in names and kiosk.nav.screens[name].nav is desk.clerk
    if importlib.util.find_spec("ui.clerk.actions") is not None:
        from ui.clerk.actions import SCREENS

        assert {spec[0] for spec in SCREENS} <= set(names)
    assert kiosk.nav.screens_of(desk.clerk)  # wiped together at sign-out


def test_touches_keep_the_session_and_three_idle_minutes_end_it(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    desk.sign_in()
    clerk = desk.clerk
    desk.clock.advance(minutes=2)
    kiosk.policy.idle.poke()  # what the idle filter does for each tap on the window
    desk.clock.advance(minutes=2)
    clerk.go("clerk_home")
    assert desk.screen == "clerk_home" and clerk.signed_in_now()
    desk.clock.advance(minutes=3)  # no touch for three minutes
    clerk.go("clerk_home")
    assert desk.screen == "attract" and clerk.session is None
    kiosk.nav.set_locale("en")
    clerk.go("staff_signin")
    assert "signed out after 3 minutes" in desk.error_text()

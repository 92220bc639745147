"""A clerk assisting a citizen stays signed in while the citizen takes their time: the
citizen's taps count as activity for the staff session (its 3-minute clock), and the citizen's
own idle rules still end the citizen journey, and with it the staff session, when nobody is
there. Time moves on the station's clock seam (`set_clock`), never by sleeping."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.test_clerk_actions_assisted import fill_and_submit
from tests.ui.test_clerk_actions_support import CLERK_PIN, Station

pytestmark = pytest.mark.qt


def _citizen_tap(station: Station, kiosk: Any) -> None:
    """A tap as the window system delivers it (through the kiosk window, where the idle filter
    watches), on an empty corner of the citizen screen showing now: it changes nothing."""
    handle = kiosk.window.windowHandle()
    assert handle is not None and kiosk.window.isVisible()
    corner = QPoint(3, kiosk.window.height() - 3)
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)
    QApplication.processEvents()


def _assisting(kiosk: Any, qtbot: Any) -> Station:
    station = Station(kiosk, qtbot)
    station.sign_in()
    station.tap(station.act("clerk_assisted").primary)
    station.wait_screen("language")
    return station


def test_the_citizens_taps_keep_the_assisting_clerk_signed_in(kiosk: Any, qtbot: Any) -> None:
    station = _assisting(kiosk, qtbot)
    clerk = kiosk.clerk
    # the citizen journey keeps its own idle rule (not the clerk's 3 minutes)
    assert kiosk.policy.idle.armed
    assert kiosk.policy.idle.timing == (kiosk.opts.idle_seconds, kiosk.opts.grace_seconds)
    for _ in range(3):  # over 3 minutes on one question, tapping now and then
        station.clock.advance(minutes=2)
        _citizen_tap(station, kiosk)
    assert clerk.signed_in_now()
    fill_and_submit(station, kiosk, qtbot)
    station.clock.advance(minutes=2)
    station.tap(kiosk.nav.screens["confirmation"].finish)
    station.wait_screen("staff_pin")  # the clerk's PIN, then the queue (never the queue itself)
    station.type_pin(CLERK_PIN)
    station.wait_screen("clerk_home")
    assert clerk.signed_in_now() and clerk.session is not None


def test_without_taps_the_staff_clock_still_runs_out(kiosk: Any, qtbot: Any) -> None:
    """Only taps count: a citizen screen left untouched for 3 minutes (the clerk gone, the
    idle prompt not yet fired on this test's long idle setting) does not keep it alive."""
    station = _assisting(kiosk, qtbot)
    station.clock.advance(minutes=3, seconds=1)
    _citizen_tap(station, kiosk)  # too late: the staff session is over
    assert not kiosk.clerk.signed_in_now()
    fill_and_submit(station, kiosk, qtbot)
    station.tap(kiosk.nav.screens["confirmation"].finish)
    station.wait_screen("attract")
    assert kiosk.clerk.session is None


def test_a_citizen_alone_does_not_touch_a_staff_session(kiosk: Any, qtbot: Any) -> None:
    """After the assisted application ends, the next citizen's taps are theirs only."""
    station = _assisting(kiosk, qtbot)
    kiosk.citizen.end_session()
    station.wait_screen("staff_pin")
    station.type_pin(CLERK_PIN)
    station.wait_screen("clerk_home")
    session = kiosk.clerk.session
    before = session.last_activity
    kiosk.citizen.start_service(next(iter(kiosk.ctx.catalog.services.values())))
    station.clock.advance(minutes=1)
    _citizen_tap(station, kiosk)
    assert kiosk.citizen.assisted is None and session.last_activity == before

"""The supervisor's staff screen by real taps (issue 12): the supervisor signs in, taps
"Staff accounts", adds a clerk by tapping the name on the on-screen keyboard (Khmer, then
Latin letters) and sees the one-time code. At a commune PC's 1366×768, in Khmer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import named, on_screen, tap_to_focus
from tests.window.test_clerk_signin import _roster

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


@SMALL
def test_supervisor_adds_a_clerk_by_taps_and_sees_the_code(running: Any) -> None:
    from ui.clerk.screenshots import DEMO_PINS, DEMO_SUPERVISOR

    k = running
    _roster(k)
    finger = k.finger
    finger.tap(named(k, "attractStaff"))
    on_screen(k, "staff_signin")
    wait_for(lambda: bool(k.page().cards), what="the staff cards")
    finger.tap(named(k, f"staff_{DEMO_SUPERVISOR}"))
    on_screen(k, "staff_pin")
    for digit in DEMO_PINS[DEMO_SUPERVISOR]:
        finger.tap(named(k, f"pinKey_{digit}"))
    finger.tap(named(k, "pinSubmit"))
    on_screen(k, "clerk_home")
    finger.tap(named(k, "clerkStaff"))
    on_screen(k, "clerk_staff")
    page = k.page()
    wait_for(lambda: bool(page.rows) and not page._busy, what="the staff list")
    before = len(page.members)
    finger.tap(named(k, "staffAdd"))
    wait_for(lambda: page.mode == "add", what="the name boxes")
    tap_to_focus(k, page.name_km)
    assert k.kiosk.window.keyboard.layer() == "km"
    finger.type("ចាន់ ដារា")
    tap_to_focus(k, page.name_en)
    assert k.kiosk.window.keyboard.layer() == "en"
    finger.type("CHAN DARA")
    assert (page.name_km.text(), page.name_en.text()) == ("ចាន់ ដារា", "CHAN DARA")
    finger.tap(named(k, "staffSave"))
    wait_for(lambda: page.mode == "code" and not page._busy, what="the one-time code")
    code = named(k, "staffCode")
    assert code.text() and code.visibleRegion().boundingRect().height() >= code.height() - 1
    latin = page.code_latin.text().replace(" ", "")
    assert latin.isdigit() and len(latin) >= 6
    assert not k.kiosk.window.keyboard.isVisible()  # the code is not hidden under it
    finger.tap(named(k, "staffCodeDone"))
    wait_for(lambda: page.mode == "list" and len(page.members) == before + 1, what="the list")
    assert not page.code.text()  # the code is gone from the screen
    finger.tap(named(k, "staffBack"))
    on_screen(k, "clerk_home")
    finger.tap(named(k, "clerkSignOut"))
    on_screen(k, "attract")

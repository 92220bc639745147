"""A staff photo by real taps (issue 12), at a commune PC's 1366×768 in Khmer: the supervisor
taps "Take photo" on the clerk's row, the demo camera shows the face guide with the large
shutter in view, the shutter and "Save photo" are tapped, and the sign-in card then shows the
photo (the others keep their initials)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import named, on_screen
from tests.window.test_clerk_signin import _roster

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


def _fully_visible(widget: Any) -> bool:
    return widget.visibleRegion().boundingRect().height() >= widget.height() - 1


@SMALL
def test_supervisor_takes_a_clerks_photo_by_taps(running: Any) -> None:
    from ui.clerk.screenshots import DEMO_CLERK, DEMO_PINS, DEMO_SUPERVISOR
    from ui.clerk.staff_photo import PhotoFace

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
    finger.tap(named(k, f"staffPhoto_{DEMO_CLERK}"))
    panel = page.photo_panel
    wait_for(lambda: panel.shutter.isEnabled(), what="the demo camera")
    shutter = named(k, "staffPhotoShutter")
    assert _fully_visible(shutter) and _fully_visible(panel.view)  # no scrolling to find it
    finger.tap(shutter)
    wait_for(lambda: panel.pages.currentIndex() == 1 or panel.error.isVisible(), what="review")
    assert panel.pages.currentIndex() == 1, panel.error.text()
    save = named(k, "staffPhotoSave")
    assert _fully_visible(save)
    finger.tap(save)
    wait_for(lambda: page.mode == "list" and DEMO_CLERK in page.photos, what="the saved photo")
    finger.tap(named(k, "staffBack"))
    on_screen(k, "clerk_home")
    finger.tap(named(k, "clerkSignOut"))
    on_screen(k, "attract")
    finger.tap(named(k, "attractStaff"))
    on_screen(k, "staff_signin")
    signin = k.page()
    wait_for(lambda: DEMO_CLERK in signin.photos and bool(signin.cards), what="the photo")
    faces = {
        c.member.id: c.findChild(PhotoFace)
        for c in signin.cards
        if c.findChild(PhotoFace) is not None and c.findChild(PhotoFace).isVisible()
    }
    assert set(faces) == {DEMO_CLERK}

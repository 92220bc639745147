"""The clerk station by real taps (issue 12): Staff on the welcome screen, a name, the PIN
digits on the pad, the queue; Sign out brings the citizen welcome back. One size (a commune
PC's 1366×768, the tightest) and Khmer: the window job is long already."""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import named, on_screen

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


def _roster(k: Any) -> None:
    """Set-up: the demo supervisor and clerk arrive as the change feed brings a roster."""
    from ui.clerk.screenshots import _prepare

    box: dict[str, Any] = {}
    kiosk = k.kiosk
    wait_for(lambda: kiosk.clerk_ready, what="the clerk station")
    kiosk.tasks.run_db(
        lambda store: _prepare(store, kiosk.ctx, kiosk.ctx.config.commune_code),
        lambda r: box.setdefault("ok", r),
        lambda e: box.setdefault("error", e),
    )
    wait_for(lambda: bool(box), what="the roster")
    assert "error" not in box, box


@SMALL
def test_staff_signs_in_by_taps_and_signs_out(running: Any) -> None:
    from ui.clerk.screenshots import DEMO_CLERK, DEMO_PINS

    k = running
    _roster(k)
    finger = k.finger
    taps = finger.taps
    finger.tap(named(k, "attractStaff"))
    on_screen(k, "staff_signin")
    wait_for(lambda: bool(k.page().cards), what="the staff cards")
    finger.tap(named(k, f"staff_{DEMO_CLERK}"))
    on_screen(k, "staff_pin")
    for digit in DEMO_PINS[DEMO_CLERK]:
        finger.tap(named(k, f"pinKey_{digit}"))
    finger.tap(named(k, "pinSubmit"))
    on_screen(k, "clerk_home")
    home = k.page()
    wait_for(lambda: bool(home.cards), what="the queue's rows")
    assert k.kiosk.clerk.session is not None
    assert finger.taps - taps == 9  # one tap per action, none repeated
    finger.tap(named(k, "clerkSignOut"))
    on_screen(k, "attract")
    assert k.kiosk.clerk.session is None and k.kiosk.nav.active is k.kiosk.citizen

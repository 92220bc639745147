"""The clerk's fee screen by real taps (issue 12): the amount on the keypad, a broker's price
refused with the message in view, the right fee and the receipt-book number typed on the
on-screen keyboard, then one tap on "Record" while the keyboard is open records it.
At a commune PC's 1366×768 (the tightest), in Khmer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import in_view, named, on_screen

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


def _signed_in(k: Any) -> dict[str, str]:
    """Set-up (the sign-in has its own window test): the demo roster, applications in the
    states the actions need, the demo clerk signed in on the queue."""
    from ui.clerk.actions.screenshots import _db, _journey, _prepare, _staff
    from ui.clerk.screenshots import DEMO_CLERK, DEMO_PINS
    from ui.clerk.screenshots import _prepare as roster

    kiosk = k.kiosk
    wait_for(lambda: kiosk.clerk_ready, what="the clerk station")
    code = kiosk.ctx.config.commune_code
    _db(kiosk, lambda store: roster(store, kiosk.ctx, code), "the roster")
    ids: dict[str, str] = _db(kiosk, lambda store: _prepare(store, kiosk.ctx), "applications")
    clerk = _journey(kiosk)
    clerk.begin(_staff(kiosk, lambda sd: sd.sign_in(DEMO_CLERK, DEMO_PINS[DEMO_CLERK])))
    on_screen(k, "clerk_home")
    return ids


def _open(k: Any, name: str, reg_id: str) -> Any:
    from ui.clerk.actions.screenshots import _journey

    _journey(k.kiosk).go(name, reg_id=reg_id)
    on_screen(k, name)
    page = k.page()
    wait_for(lambda: page.view is not None, what=f"the application on {name}")
    return page


@SMALL
def test_fee_by_taps_refuses_another_amount_then_records_the_catalogs(running: Any) -> None:
    k = running
    reg_id = _signed_in(k)["ready"]
    page = _open(k, "clerk_fee", reg_id)
    wait_for(page.primary.isEnabled, what="the fee not recorded yet")
    finger = k.finger
    taps = finger.taps
    for digit in "40000":  # a broker's price
        finger.tap(named(k, f"keypad_{digit}"))
    assert page.amount.text() == "40000"
    finger.tap(named(k, "clerkActPrimary"))
    error, footer = page.error, page.footer_error
    wait_for(lambda: in_view(k, error) or in_view(k, footer), what="the refusal in view, once")
    assert not (in_view(k, error) and footer.isVisible())
    assert "១០០.០០០" in error.text()  # the catalog's fee, in the clerk's language

    finger.tap(named(k, "keypad_clear"))
    for digit in "100000":
        finger.tap(named(k, f"keypad_{digit}"))
    finger.tap(named(k, "clerkFeeBook"))
    wait_for(k.window.keyboard.isVisible, what="the keyboard for the receipt-book number")
    finger.type("0042")
    finger.tap(named(k, "clerkActPrimary"))  # one tap, with the keyboard open
    done = page.done_label
    wait_for(lambda: done.isVisible(), what="the fee recorded")
    assert not page.error.isVisible()
    assert finger.taps - taps == 5 + 1 + 1 + 6 + 1 + 4 + 1  # no tap lost, none repeated

    box: dict[str, Any] = {}
    k.kiosk.clerk.run(lambda desk: desk.open(reg_id), lambda v: box.setdefault("view", v))
    wait_for(lambda: "view" in box, what="the application")
    paid = box["view"].fee_paid
    assert paid is not None and paid.amount_riel == 100_000 and paid.receipt_book_no == "0042"
    k.kiosk.clerk.end_session("user")
    on_screen(k, "attract")


@SMALL
def test_hand_over_by_taps_needs_the_id_or_the_clerks_responsibility(running: Any) -> None:
    from ui.clerk.actions.screenshots import _journey

    k = running
    page = _open(k, "clerk_handover", _signed_in(k)["ready"])
    wait_for(lambda: not page.view.collected, what="an application not collected yet")
    clerk = _journey(k.kiosk)
    finger = k.finger
    finger.tap(named(k, "clerkHandoverNumber"))
    wait_for(k.window.keyboard.isVisible, what="the keyboard for the number")
    finger.type(page.view.app_number.replace("-", ""))
    wait_for(page.number_matches, what="the number to match")
    finger.tap(named(k, "clerkActPrimary"))  # no ID number, no responsibility: refused
    wait_for(lambda: in_view(k, page.error) or in_view(k, page.footer_error), what="refusal")
    assert not page.view.collected
    finger.tap(named(k, "clerkHandoverResponsible"))
    wait_for(lambda: in_view(k, page.warning), what="the warning in view")
    finger.tap(named(k, "clerkActPrimary"))
    wait_for(page.done_label.isVisible, what="collected")
    wait_for(lambda: page.view is not None and page.view.collected, what="the reloaded view")
    clerk.end_session("user")
    on_screen(k, "attract")

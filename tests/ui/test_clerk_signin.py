"""Staff sign-in on the real kiosk: the visible Staff button, the name cards, the PIN pad;
wrong PINs, the lock after three (clock passed in), a turned-off account, a first sign-in
with a one-time code, a supervisor's unlock; sign-out wipes every staff screen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.test_clerk_signin_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    Desk,
    entry,
    standard_roster,
)

pytestmark = pytest.mark.qt


def test_staff_button_then_name_then_pin_reaches_the_queue(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    attract = desk.page("attract")
    assert attract.staff.isVisible() and "Staff" in attract.staff.text()
    assert attract.staff.height() >= 48
    desk.open_signin()
    signin = desk.page("staff_signin")
    names = [c.title.text() for c in signin.cards]
    assert len(names) == 3 and "ស្រី មាលា" in names  # Khmer first: the kiosk starts in km
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    desk.type_pin(CLERK_PIN)
    desk.wait_screen("clerk_home")
    assert desk.clerk.session is not None and desk.clerk.session.staff_id == CLERK
    assert kiosk.nav.active is desk.clerk
    assert kiosk.policy.idle.timing == (150.0, 30.0)  # 3 minutes in all for staff


def test_wrong_pins_lock_after_three_and_say_so(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    desk.type_pin("111222")
    assert "Wrong PIN. 2 more tries" in desk.error_text()
    desk.type_pin("111222")
    assert "1 more tries" in desk.error_text() or "1 more" in desk.error_text()
    desk.type_pin("111222")
    assert "locked" in desk.error_text() and "1 min" in desk.error_text()
    pin = desk.page("staff_pin")
    assert pin.by_code.isVisible() and pin.by_supervisor.isVisible()
    desk.type_pin(CLERK_PIN)  # the right PIN while locked: still locked
    assert "locked" in desk.error_text() and desk.screen == "staff_pin"
    kiosk.nav.set_locale("km")
    assert "ជាប់" in desk.error_text() or "សោ" in desk.error_text()
    desk.clock.advance(minutes=1, seconds=1)
    desk.type_pin(CLERK_PIN)
    desk.wait_screen("clerk_home")
    actions = desk.db(lambda s: [a.action for a in s.audit.after(0)])
    assert actions.count("staff.sign_in_failed") == 3 and "staff.locked" in actions


def test_a_supervisor_unlocks_a_locked_clerk(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    desk.open_signin()
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    for _ in range(3):
        desk.type_pin("111222")
    pin = desk.page("staff_pin")
    desk.tap(pin.by_supervisor)
    desk.wait_screen("staff_signin")
    signin = desk.page("staff_signin")
    qtbot.waitUntil(lambda: bool(signin.cards), timeout=30_000)
    assert [c.member.id for c in signin.cards] == [SUPERVISOR]
    desk.choose(SUPERVISOR)
    desk.wait_screen("staff_pin")
    desk.type_pin(SUP_PIN)
    qtbot.waitUntil(lambda: pin.member is not None and pin.member.id == CLERK, timeout=30_000)
    assert pin.info.isVisible() and pin.info.text()
    assert desk.clerk.session is None  # the supervisor did not stay signed in
    desk.type_pin(CLERK_PIN)
    desk.wait_screen("clerk_home")


def test_a_turned_off_account_is_told_and_cannot_sign_in(kiosk: Any, qtbot: Any) -> None:
    roster = [
        *standard_roster()[:2],
        entry("0190f0c2-0000-7000-8000-000000000005", seq=4, status="disabled", pin="135790"),
    ]
    desk = Desk(kiosk, qtbot, roster)
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose("0190f0c2-0000-7000-8000-000000000005")
    assert desk.screen == "staff_signin"
    assert "turned off" in desk.error_text()


def test_first_sign_in_with_a_code_then_a_new_pin_twice(kiosk: Any, qtbot: Any) -> None:
    roster = [entry(CLERK, seq=1, first_code="80412375")]
    desk = Desk(kiosk, qtbot, roster)
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    pin = desk.page("staff_pin")
    assert pin.hint.isVisible()  # "First sign-in: type the one-time code…"
    desk.type_pin("80412375")
    assert pin.mode == "new"
    desk.type_pin("123456")  # too easy: refused at once, nothing sent
    assert pin.mode == "new" and "too easy" in desk.error_text()
    desk.type_pin("604817")
    assert pin.mode == "repeat"
    desk.type_pin("604818")  # not the same
    assert pin.mode == "new" and "not the same" in desk.error_text()
    desk.type_pin("604817")
    desk.type_pin("604817")
    desk.wait_screen("clerk_home")


def test_sign_out_and_idle_wipe_every_staff_screen(make_kiosk: Any, qtbot: Any) -> None:
    kiosk = make_kiosk()
    desk = Desk(kiosk, qtbot)
    desk.sign_in()
    home = desk.page("clerk_home")
    desk.tap(home.sign_out)
    assert desk.screen == "attract" and desk.clerk.session is None
    assert kiosk.nav.active is kiosk.citizen and kiosk.ctx.session.locale == "km"
    _assert_no_staff_text(kiosk, desk)
    # idle: the policy ends the staff session (3 minutes; shortened here once signed in, so a
    # busy machine's slow sign-in is not itself taken for idleness; the next screen takes it)
    desk.sign_in()
    desk.clerk.idle_timing = (0.3, 0.3)
    home = desk.page("clerk_home")
    assert home.end_of_day.isVisible()
    desk.tap(home.end_of_day)
    qtbot.waitUntil(lambda: desk.screen == "attract", timeout=30_000)
    assert desk.clerk.session is None
    _assert_no_staff_text(kiosk, desk)
    desk.settle()
    actions = desk.db(lambda s: [(a.action, a.details) for a in s.audit.after(0)])
    outs = [d for a, d in actions if a == "staff.signed_out"]
    assert len(outs) == 2 and "user" in outs[0] and "idle" in outs[1]


def _assert_no_staff_text(kiosk: Any, desk: Desk) -> None:
    """No staff screen holds anyone's name or data any more (the cards are deleted)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for name in desk.clerk.screen_names:
        screen = kiosk.nav.screens.get(name)
        if screen is None:
            continue
        texts = " ".join(lbl.text() for lbl in screen.findChildren(QLabel))
        for word in ("Sok Vichet", "សុខ វិចិត្រ", "Srey Mealea"):
            assert word not in texts, f"{word} still on {name}"


def test_the_back_office_unlock_code_opens_a_locked_account(kiosk: Any, qtbot: Any) -> None:
    roster = [entry(CLERK, seq=1, pin=CLERK_PIN, unlock="55501234")]
    desk = Desk(kiosk, qtbot, roster)
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    for _ in range(3):
        desk.type_pin("111222")
    pin = desk.page("staff_pin")
    desk.tap(pin.by_code)
    assert pin.mode == "code" and "unlock code" in pin.heading.text()
    desk.type_pin("55501299")  # wrong: counted like a wrong PIN, nothing opens
    assert pin.mode == "code" and "not right" in desk.error_text()
    desk.type_pin("55501234")
    assert pin.mode == "pin" and "unlocked" in pin.info.text()
    desk.type_pin(CLERK_PIN)
    desk.wait_screen("clerk_home")

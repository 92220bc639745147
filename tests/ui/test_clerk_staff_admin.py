"""The supervisor's staff screen (`clerk_staff`) on the real kiosk and a real store: add a
clerk (the name typed on the on-screen keyboard) who then signs in with the one-time code;
turn a clerk off after a confirmation; reset a PIN; unlock a locked clerk; a plain clerk is
refused; an empty name is refused in Khmer and English and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from tests.ui.test_clerk_signin_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    TECH,
    Desk,
)

pytestmark = pytest.mark.qt


def open_staff(desk: Desk) -> Any:
    """Sign the supervisor in and tap "Staff accounts" on the queue's home."""
    desk.sign_in(SUPERVISOR, SUP_PIN)
    home = desk.page("clerk_home")
    assert home.staff.isVisible() and home.staff.height() >= 48
    desk.tap(home.staff)
    desk.wait_screen("clerk_staff")
    page = desk.page("clerk_staff")
    desk.qtbot.waitUntil(lambda: bool(page.rows), timeout=LONG_WAIT_MS)
    return page


def keyboard_type(desk: Desk, box: Any, text: str) -> None:
    """Tap `box`, then tap `text` key by key on the kiosk's own on-screen keyboard."""
    desk.tap(box)
    box.setFocus()
    desk.qtbot.waitUntil(box.hasFocus, timeout=WAIT_MS)
    kb = desk.k.window.keyboard
    desk.qtbot.waitUntil(kb.isVisible, timeout=WAIT_MS)
    assert kb.layer() == box.property("sala_keyboard")
    for ch in text:
        if ch == " ":
            desk.tap(kb.function_button("space"))
            continue
        try:
            key = kb.key_button(ch)
        except LookupError:
            desk.tap(kb.function_button("shift"))
            key = kb.key_button(ch)
        desk.tap(key)


def wait_idle(desk: Desk, page: Any) -> None:
    desk.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)
    desk.settle()


def shown_code(page: Any) -> str:
    """The one-time code as the screen shows it, in Latin digits."""
    text = page.code_latin.text() if page.lang == "km" else page.code.text()
    return text.replace(" ", "")


def sign_out(desk: Desk) -> None:
    desk.clerk.end_session("user")
    desk.wait_screen("attract")


def lock_clerk(store: Any, desk: Desk) -> None:
    """On the db worker: three wrong PINs for the clerk, through the core (it locks)."""
    from kiosk.staff import AccountLocked, StaffDesk, WrongPin

    core = StaffDesk(store, clock=desk.clock)
    for _ in range(3):
        with pytest.raises((WrongPin, AccountLocked)):
            core.sign_in(CLERK, "111222")


def test_supervisor_adds_a_clerk_who_signs_in_with_the_code(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    assert set(page.rows) == {SUPERVISOR, CLERK, TECH}
    assert page.rows[SUPERVISOR].buttons == {}  # not on one's own account
    assert page.rows[TECH].buttons == {}  # the ministry manages a technician
    assert "ក្រសួង" in page.rows[TECH].origin.text()  # the ministry, in Khmer first
    assert set(page.rows[CLERK].buttons) == {"reset", "disable"}
    assert page.usb is not None and page.usb.buttons["export"].isVisible()
    kiosk.nav.set_locale("en")
    assert page.rows[TECH].origin.text() == "Managed by the ministry"
    assert "Active" in page.rows[CLERK].state.text()
    desk.tap(page.add)
    assert page.mode == "add" and page.name_km.isVisible()
    keyboard_type(desk, page.name_km, "ចាន់ ដារា")
    keyboard_type(desk, page.name_en, "Chan Dara")
    assert (page.name_km.text(), page.name_en.text()) == ("ចាន់ ដារា", "Chan Dara")
    desk.tap(page.save)
    qtbot.waitUntil(lambda: page.mode == "code", timeout=LONG_WAIT_MS)
    code = shown_code(page)
    assert code.isdigit() and len(code) >= 6
    assert "Chan Dara" in page.heading.text()
    assert "6-digit PIN" in page.code_text.text()
    kiosk.nav.set_locale("km")  # the code is said again in Khmer digits, the Latin ones below
    assert shown_code(page) == code and page.code.text() != page.code_latin.text()
    desk.tap(page.code_done)
    assert page.mode == "list" and page._code is None and not page.code.text()
    wait_idle(desk, page)
    new = next(m for m in page.members if m.name.en == "Chan Dara")
    assert new.needs_code and new.origin == "local"
    assert "រង់ចាំ" in page.rows[new.id].state.text()
    sign_out(desk)
    desk.open_signin()
    desk.choose(new.id)
    desk.wait_screen("staff_pin")
    desk.type_pin(code)
    desk.type_pin("604817")
    desk.type_pin("604817")
    desk.wait_screen("clerk_home")
    assert desk.clerk.session.staff_id == new.id
    assert not desk.page("clerk_home").staff.isVisible()  # a clerk: no staff accounts
    actions = desk.db(lambda s: [a.action for a in s.audit.after(0)])
    assert "staff.added" in actions and "staff.pin_set" in actions


def test_turn_off_asks_first_then_the_clerk_cannot_sign_in(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    kiosk.nav.set_locale("en")
    page = open_staff(desk)
    desk.tap(page.rows[CLERK].buttons["disable"])
    assert page.mode == "confirm" and "Sok Vichet" in page.heading.text()
    desk.tap(page.cancel)  # changed one's mind: nothing happens
    assert page.mode == "list"
    assert desk.db(lambda s: s.staff_row(CLERK).status) == "active"
    desk.tap(page.rows[CLERK].buttons["disable"])
    desk.tap(page.confirm)
    wait_idle(desk, page)
    assert page.mode == "list" and "turned off" in page.done.text()
    assert "Turned off" in page.rows[CLERK].state.text() and page.rows[CLERK].buttons == {}
    assert desk.db(lambda s: s.staff_row(CLERK).status) == "disabled"
    sign_out(desk)
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(CLERK)
    assert desk.screen == "staff_signin" and "turned off" in desk.error_text()


def test_reset_refuses_the_old_pin_and_the_new_code_works(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    desk.tap(page.rows[CLERK].buttons["reset"])
    qtbot.waitUntil(lambda: page.mode == "code", timeout=LONG_WAIT_MS)
    code = shown_code(page)
    assert "សុខ វិចិត្រ" in page.heading.text()
    sign_out(desk)  # with the code still showing: the sign-out wipes it, and every name
    assert not page.code.text() and not page.code_latin.text() and page._code is None
    assert page.rows == {} and page.members == [] and page.target is None
    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(CLERK)
    desk.wait_screen("staff_pin")
    desk.type_pin(CLERK_PIN)
    assert "Wrong PIN" in desk.error_text() and desk.screen == "staff_pin"
    desk.type_pin(code)
    assert desk.page("staff_pin").mode == "new"


def test_a_supervisor_unlocks_a_locked_clerk_here(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)

    desk.db(lambda store: lock_clerk(store, desk))
    kiosk.nav.set_locale("en")
    page = open_staff(desk)
    row = page.rows[CLERK]
    assert "Locked (1 min left)" in row.state.text()
    assert list(row.buttons) == ["unlock", "reset", "disable"]
    desk.clock.advance(seconds=30)
    page.tick()  # the countdown, as its timer does
    assert "Locked (1 min left)" in row.state.text() and not row.buttons["unlock"].isHidden()
    desk.tap(row.buttons["unlock"])
    wait_idle(desk, page)
    assert "Sok Vichet's account is unlocked" in page.done.text()
    assert "Active" in page.rows[CLERK].state.text()
    sign_out(desk)
    desk.sign_in(CLERK, CLERK_PIN)  # at once, without waiting for the minute
    actions = desk.db(lambda s: [(a.action, a.details) for a in s.audit.after(0)])
    assert ("staff.unlocked", '{"by":"supervisor"}') in actions


def test_a_lock_that_runs_out_is_shown_as_over(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    desk.db(lambda store: lock_clerk(store, desk))
    kiosk.nav.set_locale("en")
    page = open_staff(desk)
    assert page._ticker.isActive()
    desk.clock.advance(minutes=1, seconds=1)
    page.tick()
    row = page.rows[CLERK]
    assert "Active" in row.state.text() and row.buttons["unlock"].isHidden()
    assert not page._ticker.isActive()


def test_a_plain_clerk_is_refused_and_sees_no_one(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    desk.sign_in(CLERK, CLERK_PIN)
    assert not desk.page("clerk_home").staff.isVisible()
    desk.clerk.go("clerk_staff")  # even if a clerk got here
    page = desk.page("clerk_staff")
    qtbot.waitUntil(lambda: page.mode == "refused", timeout=LONG_WAIT_MS)
    assert "តួនាទី" in page.error.text()
    kiosk.nav.set_locale("en")
    assert page.error.text() == "Your role cannot do this."
    assert page.rows == {} and not page.add.isVisible() and page.usb is None
    desk.tap(page.back)
    desk.wait_screen("clerk_home")


def test_an_empty_name_is_refused_in_both_languages_and_nothing_is_saved(
    kiosk: Any, qtbot: Any
) -> None:
    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    before = desk.db(lambda s: (len(s.staff_rows()), len(s.audit.after(0))))
    desk.tap(page.add)
    page.name_en.setText("Chan Dara")  # the Khmer name left empty
    page.name_km.setText("   ")
    desk.tap(page.save)
    wait_idle(desk, page)
    assert page.mode == "add" and "ខ្មែរ" in page.add_error.text()
    kiosk.nav.set_locale("en")
    assert "Type the name in Khmer and in Latin letters" in page.add_error.text()
    assert page.name_en.text() == "Chan Dara"  # what was typed stays
    after = desk.db(lambda s: (len(s.staff_rows()), len(s.audit.after(0))))
    assert after == before
    desk.tap(page.cancel)
    assert page.mode == "list" and not page.add_error.isVisible()


def test_the_screen_texts_exist_in_both_languages_with_word_breaks() -> None:
    import json
    import re
    import string
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    tables = {
        loc: json.loads((root / f"assets/translations/{loc}/clerk_staff.json").read_text("utf-8"))
        for loc in ("km", "en")
    }
    km, en = tables["km"], tables["en"]
    assert km.keys() == en.keys()
    fields = string.Formatter()
    for key in km:
        assert {f for _, f, _, _ in fields.parse(km[key]) if f} == {
            f for _, f, _, _ in fields.parse(en[key]) if f
        }, key
        run = max(re.findall("[\u1780-\u17ff]+", km[key]) or [""], key=len)
        assert len(run) <= 14, f"{key}: add U+200B between the words of {run!r}"
    source = "".join(p.read_text("utf-8") for p in (root / "ui" / "clerk").glob("staff_admin*.py"))
    used = set(re.findall(r'"(clerk\.ui\.staff\.[a-z_.]+)"', source))
    assert used and used <= en.keys(), used - en.keys()
    others = [
        p for p in (root / "assets/translations/en").glob("*.json") if p.name != "clerk_staff.json"
    ]
    for path in others:  # one owner per text
        assert not en.keys() & json.loads(path.read_text("utf-8")).keys(), path.name


def test_the_staff_button_takes_no_room_from_the_queue_at_1366x768(kiosk: Any, qtbot: Any) -> None:
    desk = Desk(kiosk, qtbot)
    home = desk.page("clerk_home")
    heights = {}
    for who, pin in ((CLERK, CLERK_PIN), (SUPERVISOR, SUP_PIN)):
        desk.sign_in(who, pin)
        kiosk.nav.set_locale("en")
        desk.settle()
        heights[who] = home.list_area.height()
        shown = home.staff.isVisible()
        assert shown == (who == SUPERVISOR)
        if shown:  # beside the search at this width: the footer keeps every label whole
            assert home.staff.height() >= 48
            assert home.staff.width() >= home.staff.sizeHint().width()
            assert home.sign_out.width() >= home.sign_out.sizeHint().width()
        sign_out(desk)
    assert heights[SUPERVISOR] >= heights[CLERK] > 150

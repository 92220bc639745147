"""Signing in on a real store: PINs, the wrong-PIN lock with a passed clock, unlocking by a
supervisor or a back-office code, first sign-in codes, disabled accounts, and the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.i18n import error_text
from kiosk.staff import (
    AccountDisabled,
    AccountLocked,
    FirstSignIn,
    NoSecret,
    NotAllowed,
    NotLocked,
    PinFormat,
    PinMismatch,
    Role,
    SessionExpired,
    StaffSession,
    WeakPin,
    WrongCode,
    WrongPin,
)
from kiosk.store import Store
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    assert_audit_clean,
    desk_with_roster,
    entry,
)

WRONG = "111112"


def actions(store: Store, subject: str) -> list[str]:
    """What happened to one account at the kiosk, oldest first (roster arrivals left out)."""
    entries = reversed(store.audit.entries(subject=subject, limit=1000))
    return [e.action for e in entries if e.action != "staff.roster_changed"]


def fail(desk: object, pin: str = WRONG, who: str = CLERK) -> Exception:
    with pytest.raises((WrongPin, AccountLocked)) as err:
        desk.sign_in(who, pin)  # type: ignore[attr-defined]
    return err.value


def test_right_pin_gives_a_session(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    session = desk.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    assert (session.staff_id, session.role, session.name.en) == (CLERK, Role.CLERK, "Sok Vichet")
    assert session.started_at == session.last_activity == clock()
    assert actions(store, CLERK) == ["staff.signed_in"]
    assert_audit_clean(store, CLERK_PIN)


def test_malformed_input_is_refused_before_counting(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    with pytest.raises(PinFormat):
        desk.sign_in(CLERK, "12ab56")
    assert actions(store, CLERK) == []


def test_three_wrong_pins_lock_for_a_minute(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    first = fail(desk)
    assert isinstance(first, WrongPin) and first.params == {"left": 2}
    assert error_text(first, "en") == "Wrong PIN. 2 more tries before the account locks."
    assert "២" in error_text(first, "km")
    assert fail(desk).params == {"left": 1}
    locked = fail(desk)
    assert isinstance(locked, AccountLocked) and locked.params == {"minutes": 1}
    assert locked.until == clock() + timedelta(minutes=1)
    assert "locked" in error_text(locked, "en") and "១" in error_text(locked, "km")
    # while locked even the right PIN is refused, and not checked
    with pytest.raises(AccountLocked):
        desk.sign_in(CLERK, CLERK_PIN)
    assert desk.member(CLERK).locked(clock())
    clock.advance(seconds=59)
    with pytest.raises(AccountLocked):
        desk.sign_in(CLERK, CLERK_PIN)
    clock.advance(seconds=1)
    assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)
    assert actions(store, CLERK) == [
        "staff.sign_in_failed",
        "staff.sign_in_failed",
        "staff.sign_in_failed",
        "staff.locked",
        "staff.sign_in_refused",
        "staff.sign_in_refused",
        "staff.signed_in",
    ]
    locks = [e for e in store.audit.entries(subject=CLERK) if e.action == "staff.locked"]
    assert locks[0].details == {"lock": 1, "minutes": 1}
    assert_audit_clean(store, CLERK_PIN, WRONG)


def test_each_further_lock_doubles_up_to_an_hour(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    seen = []
    for _ in range(8):
        fail(desk)
        fail(desk)
        locked = fail(desk)
        assert isinstance(locked, AccountLocked)
        seen.append((locked.until - clock()) // timedelta(minutes=1))
        clock.now = locked.until  # the lock opens by itself
    assert seen == [1, 2, 4, 8, 16, 32, 60, 60]
    # a right PIN starts the doubling afresh
    assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)
    fail(desk)
    fail(desk)
    assert fail(desk).params == {"minutes": 1}


def test_a_supervisor_unlocks(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    for _ in range(3):
        fail(desk)
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    assert isinstance(sup, StaffSession)
    desk.unlock(sup, CLERK)
    assert not desk.member(CLERK).locked(clock())
    assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)
    unlocked = [e for e in store.audit.entries(subject=CLERK) if e.action == "staff.unlocked"]
    assert unlocked[0].actor == SUPERVISOR and unlocked[0].details == {"by": "supervisor"}
    with pytest.raises(NotLocked):
        desk.unlock(sup, CLERK)
    # a clerk cannot unlock anyone
    for _ in range(3):
        fail(desk, who=SUPERVISOR)
    clerk = desk.sign_in(CLERK, CLERK_PIN)
    assert isinstance(clerk, StaffSession)
    with pytest.raises(NotAllowed) as err:
        desk.unlock(clerk, SUPERVISOR)
    assert error_text(err.value, "en") == "Your role cannot do this."
    assert [(c.action, c.by, c.detail) for c in store.staff_changes_pending()] == [
        ("unlock", SUPERVISOR, {"how": "supervisor"})
    ]
    assert_audit_clean(store, CLERK_PIN, SUP_PIN, WRONG)


def test_back_office_unlock_code_works_once(store: Store, clock: ManualClock) -> None:
    store.apply_changes([entry(CLERK, pin=CLERK_PIN, unlock="73194062")], "1")
    desk = desk_with_roster(store, clock)  # the same clerk at version 1: ignored
    with pytest.raises(NotLocked):
        desk.unlock_with_code(CLERK, "73194062")
    for _ in range(3):
        fail(desk)
    with pytest.raises(WrongCode):
        desk.unlock_with_code(CLERK, "73194063")
    desk.unlock_with_code(CLERK, "73194062")
    assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)
    for _ in range(3):
        fail(desk)
    with pytest.raises(WrongCode):  # one-time: used up
        desk.unlock_with_code(CLERK, "73194062")
    # a later roster version repeating the used code does not bring it back
    store.apply_changes([entry(CLERK, seq=9, version=2, pin=CLERK_PIN)], "2")
    row = store.staff_row(CLERK)
    assert row is not None and row.unlock is None
    assert "staff.unlocked" in actions(store, CLERK)
    assert "staff.unlock_code_failed" in actions(store, CLERK)
    assert_audit_clean(store, CLERK_PIN, WRONG, "73194062", "73194063")


def test_wrong_unlock_codes_lock_longer(store: Store, clock: ManualClock) -> None:
    store.apply_changes([entry(CLERK, pin=CLERK_PIN, unlock="73194062")], "1")
    desk = desk_with_roster(store, clock)
    for _ in range(3):
        fail(desk)
    for _ in range(3):
        with pytest.raises(WrongCode):
            desk.unlock_with_code(CLERK, "55555551")
    member = desk.member(CLERK)
    assert member.locked_until == clock() + timedelta(minutes=2)


def test_disabled_account_is_refused(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    store.apply_changes([entry(CLERK, seq=5, status="disabled", version=2, pin=CLERK_PIN)], "2")
    with pytest.raises(AccountDisabled) as err:
        desk.sign_in(CLERK, CLERK_PIN)
    assert "turned off" in error_text(err.value, "en")
    assert "បិទ" in error_text(err.value, "km")
    assert actions(store, CLERK) == ["staff.sign_in_refused"]
    assert store.audit.entries(subject=CLERK)[0].details == {"reason": "disabled"}
    assert [m.id for m in desk.members()] == [
        m.id for m in desk.members(include_disabled=True) if m.id != CLERK
    ]


def test_first_sign_in_code_forces_a_new_pin(store: Store, clock: ManualClock) -> None:
    store.apply_changes([entry(CLERK, first_code="20481632")], "1")
    desk = desk_with_roster(store, clock)
    assert desk.member(CLERK).needs_code
    ticket = desk.sign_in(CLERK, "20481632")
    assert isinstance(ticket, FirstSignIn) and ticket.staff_id == CLERK
    with pytest.raises(WeakPin):
        desk.finish_first_sign_in(ticket, "123456", "123456")
    with pytest.raises(PinMismatch):
        desk.finish_first_sign_in(ticket, "402817", "402818")
    session = desk.finish_first_sign_in(ticket, "402817", "402817")
    assert session.staff_id == CLERK and not desk.member(CLERK).needs_code
    assert isinstance(desk.sign_in(CLERK, "402817"), StaffSession)
    assert isinstance(fail(desk, "20481632"), WrongPin)  # the code is used up
    change = store.staff_changes_pending()[-1]
    assert (change.action, change.by, change.staff_id) == ("reset_pin", CLERK, CLERK)
    assert change.detail["pin_verifier"].startswith("$argon2id$v=19$")
    assert change.detail["first_code_verifier"] is None
    assert "staff.pin_set" in actions(store, CLERK)
    assert_audit_clean(store, "20481632", "402817", "402818")


def test_first_sign_in_ticket_expires(store: Store, clock: ManualClock) -> None:
    store.apply_changes([entry(CLERK, first_code="20481632")], "1")
    desk = desk_with_roster(store, clock)
    ticket = desk.sign_in(CLERK, "20481632")
    assert isinstance(ticket, FirstSignIn)
    clock.advance(minutes=3)
    with pytest.raises(SessionExpired):
        desk.finish_first_sign_in(ticket, "402817", "402817")
    assert desk.member(CLERK).needs_code


def test_account_without_pin_or_code(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    store.apply_changes([entry(CLERK, seq=4, version=2)], "2")
    with pytest.raises(NoSecret) as err:
        desk.sign_in(CLERK, CLERK_PIN)
    assert "first sign-in code" in error_text(err.value, "en")


def test_change_pin_checks_the_current_one(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    session = desk.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    with pytest.raises(WrongPin):
        desk.change_pin(session, WRONG, "402817", "402817")
    desk.change_pin(session, CLERK_PIN, "402817", "402817")
    assert isinstance(desk.sign_in(CLERK, "402817"), StaffSession)
    assert isinstance(fail(desk, CLERK_PIN), WrongPin)
    assert_audit_clean(store, CLERK_PIN, "402817", WRONG)
    assert store.audit.verify() is None

"""Staff sessions: idle expiry after three minutes (clock passed in), permissions per role, and
a session that ends when the roster disables the account or changes its role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.i18n import error_text
from kiosk.staff import (
    IDLE_TIMEOUT,
    PERMISSIONS,
    AccountDisabled,
    Action,
    NotAllowed,
    Role,
    SessionExpired,
    StaffSession,
)
from kiosk.store import Store
from kiosk.text import Text
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CLERK,
    CLERK_PIN,
    TECH,
    TECH_PIN,
    desk_with_roster,
    entry,
)

CLERK_WORK = {
    "view_application",
    "check_originals",
    "correct_answer",
    "override_photo",
    "hand_over",
    "record_fee",
    "reprint",
    "assist",
}


def test_idle_expiry_after_three_minutes(clock: ManualClock) -> None:
    assert timedelta(minutes=3) == IDLE_TIMEOUT
    s = StaffSession.start(CLERK, Text("ក", "K"), Role.CLERK, clock())
    clock.advance(minutes=2, seconds=59)
    assert not s.expired(clock())
    s.touch(clock())  # activity restarts the three minutes
    clock.advance(minutes=2, seconds=59)
    assert not s.expired(clock())
    clock.advance(seconds=1)
    assert s.expired(clock())
    with pytest.raises(SessionExpired) as err:
        s.touch(clock())
    assert error_text(err.value, "en").startswith("You were signed out after 3 minutes")
    assert "៣" in error_text(err.value, "km")
    assert s.ended and s.expired(clock() - timedelta(hours=1))  # ended stays ended


def test_permissions_per_role() -> None:
    assert {a.value for a in PERMISSIONS[Role.CLERK]} == CLERK_WORK
    assert {a.value for a in PERMISSIONS[Role.SUPERVISOR]} == CLERK_WORK | {
        "unlock",
        "manage_local_clerks",
        "sign_end_of_day",
        "usb_export",
    }
    assert {a.value for a in PERMISSIONS[Role.TECHNICIAN]} == {"setup", "diagnostics", "usb_export"}
    now = ManualClock()()
    clerk = StaffSession.start(CLERK, Text("ក", "K"), Role.CLERK, now)
    tech = StaffSession.start(TECH, Text("ហ", "H"), Role.TECHNICIAN, now)
    assert clerk.can("hand_over") and clerk.can(Action.REPRINT) and not clerk.can("unlock")
    assert tech.can("diagnostics") and not tech.can("view_application")
    with pytest.raises(ValueError):
        clerk.can("hand_out")  # a typo is a bug, never a quiet no
    with pytest.raises(NotAllowed):
        clerk.require("sign_end_of_day", now)


def test_desk_check_ends_sessions_the_roster_changed(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    clerk = desk.sign_in(CLERK, CLERK_PIN)
    tech = desk.sign_in(TECH, TECH_PIN)
    assert isinstance(clerk, StaffSession) and isinstance(tech, StaffSession)
    desk.authorise(clerk, Action.HAND_OVER)
    with pytest.raises(NotAllowed):
        desk.authorise(tech, Action.VIEW_APPLICATION)
    desk.authorise(tech, Action.DIAGNOSTICS)
    store.apply_changes(
        [
            entry(CLERK, seq=7, version=2, status="disabled", pin=CLERK_PIN),
            entry(TECH, seq=8, version=2, role="clerk", pin=TECH_PIN),
        ],
        "2",
    )
    with pytest.raises(AccountDisabled):
        desk.check(clerk)
    assert clerk.ended
    with pytest.raises(SessionExpired) as err:
        desk.check(tech)
    assert err.value.message_key == "staff.session_changed" and tech.ended


def test_idle_sessions_are_refused_and_sign_out_is_audited(
    store: Store, clock: ManualClock
) -> None:
    desk = desk_with_roster(store, clock)
    session = desk.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    clock.advance(minutes=3)
    with pytest.raises(SessionExpired):
        desk.authorise(session, Action.REPRINT)
    desk.sign_out(session, reason="idle")
    desk.sign_out(session, reason="user")  # recorded once only
    other = desk.sign_in(CLERK, CLERK_PIN)
    assert isinstance(other, StaffSession)
    desk.sign_out(other)
    assert other.expired(clock())
    outs = [e for e in store.audit.entries(subject=CLERK) if e.action == "staff.signed_out"]
    assert [e.details for e in outs] == [{"reason": "user"}, {"reason": "idle"}]

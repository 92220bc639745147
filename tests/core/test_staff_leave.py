"""A technician leaving the kiosk, on a real store (kiosk/staff/leave.py): only a signed-in
technician may; the leave and the session's end are in the audit chain under them, with the
exit status; the marker for the unit's login prompt is written only inside the unit (a run
dir given) and taken back when the leave fails; a clerk, a supervisor or an ended session is
refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.i18n import error_text
from kiosk.staff import NotAllowed, SessionExpired, StaffDesk, StaffSession
from kiosk.staff.leave import AUDIT_ACTION, LEAVE_EXIT_STATUS, LEFT_MARKER, leave_kiosk, may_leave
from kiosk.store import Store
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    TECH,
    TECH_PIN,
    assert_audit_clean,
    desk_with_roster,
)


def _sign_in(
    store: Store, clock: ManualClock, who: str = TECH, pin: str = TECH_PIN
) -> StaffSession:
    session = desk_with_roster(store, clock).sign_in(who, pin)
    assert isinstance(session, StaffSession)  # not a first sign-in: the PIN is set
    return session


def _actions(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    entries = reversed(store.audit.entries(limit=1000))
    return [(e.actor, e.action, dict(e.details)) for e in entries]


def test_a_technician_leaves_audited_with_the_marker(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    session = _sign_in(store, clock)
    assert may_leave(session)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert leave_kiosk(store, session, clock(), run_dir) == LEAVE_EXIT_STATUS == 64
    got = _actions(store)
    assert (TECH, AUDIT_ACTION, {"role": "technician", "exit_status": 64}) in got
    assert got[-1] == (TECH, "staff.signed_out", {"reason": "user"})  # one transaction
    assert session.ended and session.signed_out and not may_leave(session)
    marker = run_dir / LEFT_MARKER
    assert json.loads(marker.read_text()) == {"staff_id": TECH, "at": clock().isoformat()}
    assert marker.stat().st_mode & 0o777 == 0o600
    assert store.audit.verify() is None
    assert_audit_clean(store, TECH_PIN)


def test_from_a_checkout_no_marker_is_left(store: Store, clock: ManualClock) -> None:
    session = _sign_in(store, clock)
    assert leave_kiosk(store, session, clock()) == LEAVE_EXIT_STATUS
    assert [a for _w, a, _d in _actions(store)].count(AUDIT_ACTION) == 1


@pytest.mark.parametrize(("who", "pin"), [(CLERK, CLERK_PIN), (SUPERVISOR, SUP_PIN)])
def test_a_clerk_or_supervisor_may_not_leave(
    store: Store, clock: ManualClock, tmp_path: Path, who: str, pin: str
) -> None:
    session = _sign_in(store, clock, who, pin)
    assert not may_leave(session) and not may_leave(None)
    before = len(_actions(store))
    with pytest.raises(NotAllowed) as err:
        leave_kiosk(store, session, clock(), tmp_path)
    assert len(_actions(store)) == before and not (tmp_path / LEFT_MARKER).exists()
    assert not session.ended  # refused: their session goes on
    assert error_text(err.value, "en") == "Your role cannot do this."


def test_an_ended_session_is_refused(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    session = _sign_in(store, clock)
    StaffDesk(store).sign_out(session, reason="idle")  # the technician screen's idle end
    before = len(_actions(store))
    with pytest.raises(SessionExpired) as err:
        leave_kiosk(store, session, clock(), tmp_path)
    assert len(_actions(store)) == before and not (tmp_path / LEFT_MARKER).exists()
    assert "3" in error_text(err.value, "en")


def test_a_failed_audit_takes_the_marker_back(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """The store closed under it (a real failure of the real store): no marker stays, so a
    later restart of the unit gives no login prompt."""
    session = _sign_in(store, clock)
    store.close()
    with pytest.raises(Exception):  # noqa: B017  (sqlite3.ProgrammingError on a closed store)
        leave_kiosk(store, session, clock(), tmp_path)
    assert not (tmp_path / LEFT_MARKER).exists()

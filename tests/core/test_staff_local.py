"""A supervisor's local changes (add, disable, reset a clerk's PIN, unlock): applied at once,
audited, and queued for the server (`staff_changes`, sent_at) in the wire's shape."""

from __future__ import annotations

import pytest

from kiosk.i18n import error_text
from kiosk.staff import (
    AccountDisabled,
    BadName,
    FirstSignIn,
    NotAllowed,
    StaffSession,
    WrongPin,
    changes_body,
)
from kiosk.store import Store
from kiosk.text import Text
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


def _sup(desk: object) -> StaffSession:
    s = desk.sign_in(SUPERVISOR, SUP_PIN)  # type: ignore[attr-defined]
    assert isinstance(s, StaffSession)
    return s


def test_supervisor_adds_a_local_clerk_who_signs_in_with_the_code(
    store: Store, clock: ManualClock
) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    member, code = desk.add_local_clerk(sup, Text("កែវ\u200b សុផល", " Keo Sophal "))
    assert member.origin == "local" and member.version == 0 and member.needs_code
    assert member.name == Text("កែវ សុផល", "Keo Sophal") and len(code) == 6
    ticket = desk.sign_in(member.id, code)
    assert isinstance(ticket, FirstSignIn)
    session = desk.finish_first_sign_in(ticket, "582046", "582046")
    assert session.staff_id == member.id
    add, pin = store.staff_changes_pending()
    assert (add.action, add.by, add.staff_id, add.sent_at) == ("add", SUPERVISOR, member.id, None)
    assert add.detail["name"] == {"km": "កែវ សុផល", "en": "Keo Sophal"}
    assert add.detail["role"] == "clerk"
    assert add.detail["first_code_verifier"].startswith("$argon2id$v=19$")
    assert (pin.action, pin.by) == ("reset_pin", member.id)
    assert pin.detail["first_code_verifier"] is None
    assert pin.detail["pin_verifier"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    added = [e for e in store.audit.entries(subject=member.id) if e.action == "staff.added"]
    assert added[0].actor == SUPERVISOR and added[0].details == {"role": "clerk"}
    assert_audit_clean(store, code, "582046", "Keo Sophal", "កែវ សុផល")


def test_bad_names_are_refused(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    for name in (Text("", "Keo"), Text("កែវ", "x" * 81), Text("កែវ", "\u200b")):
        with pytest.raises(BadName) as err:
            desk.add_local_clerk(sup, name)
    assert "80" in error_text(err.value, "en")
    assert store.staff_changes_pending() == []


def test_disable_and_reset_pin(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    code = desk.reset_pin(sup, CLERK)
    with pytest.raises(WrongPin):
        desk.sign_in(CLERK, CLERK_PIN)  # the old PIN is gone
    ticket = desk.sign_in(CLERK, code)
    assert isinstance(ticket, FirstSignIn)
    desk.disable(sup, CLERK)
    desk.disable(sup, CLERK)  # already off: nothing more
    with pytest.raises(AccountDisabled):
        desk.sign_in(CLERK, code)
    assert not desk.member(CLERK).active
    reset, disable = store.staff_changes_pending()
    assert (reset.action, disable.action, disable.detail) == ("reset_pin", "disable", {})
    assert reset.detail["pin_verifier"] is None and reset.detail["first_code_verifier"]
    assert [e.action for e in store.audit.entries(subject=CLERK, limit=3)][::-1] == [
        "staff.signed_in",
        "staff.disabled",
        "staff.sign_in_refused",
    ]
    assert_audit_clean(store, code, CLERK_PIN)


def test_who_may_manage_whom(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    clerk = desk.sign_in(CLERK, CLERK_PIN)
    tech = desk.sign_in(TECH, TECH_PIN)
    assert isinstance(clerk, StaffSession) and isinstance(tech, StaffSession)
    for session in (clerk, tech):
        with pytest.raises(NotAllowed):
            desk.add_local_clerk(session, Text("ក", "K"))
        with pytest.raises(NotAllowed):
            desk.reset_pin(session, CLERK)
    with pytest.raises(NotAllowed) as err:
        desk.disable(sup, SUPERVISOR)
    assert err.value.message_key == "staff.self_action"
    assert "own account" in error_text(err.value, "en")
    with pytest.raises(NotAllowed):
        desk.disable(sup, TECH)  # supervisors manage clerks only
    assert store.staff_changes_pending() == []


def test_queue_for_the_server_in_the_wire_shape(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    desk.disable(sup, CLERK)
    clock.advance(seconds=5)
    member, _code = desk.add_local_clerk(sup, Text("កែវ", "Keo"))
    pending = store.staff_changes_pending()
    body = changes_body(pending)
    assert [c["action"] for c in body["changes"]] == ["disable", "add"]
    first = body["changes"][0]
    assert set(first) == {"id", "staff_id", "action", "by", "at", "detail"}
    assert first["staff_id"] == CLERK and first["by"] == SUPERVISOR and first["detail"] == {}
    assert first["at"] == "2026-03-01T08:30:00+00:00"
    store.mark_staff_changes_sent([first["id"]])
    assert [c.staff_id for c in store.staff_changes_pending()] == [member.id]
    store.mark_staff_changes_sent([c.id for c in pending])  # again: harmless
    assert store.staff_changes_pending() == []
    sent = store._conn.execute("SELECT sent_at FROM staff_changes ORDER BY seq").fetchall()
    assert [r[0] for r in sent] == ["2026-03-01T08:30:05+00:00"] * 2


def test_a_change_the_server_refused_is_set_aside(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    sup = _sup(desk)
    desk.disable(sup, CLERK)
    desk.reset_pin(sup, CLERK)
    first, second = store.staff_changes_pending()
    store.set_aside_staff_change(first.id, "staff_disabled")
    assert [c.id for c in store.staff_changes_pending()] == [second.id]
    refused = store.audit.entries(subject=CLERK)[0]
    assert refused.action == "staff.change_refused"
    assert refused.details == {"action": "disable", "code": "staff_disabled"}
    store.set_aside_staff_change("no-such-change", "x")  # nothing to do

"""The roster from the change feed: checked whole, applied all-or-nothing per page through the
store's `apply_changes`, newer versions only, the last good roster kept on a bad page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kiosk.i18n import error_text
from kiosk.staff import (
    Argon2Params,
    RosterRefused,
    StaffDesk,
    StaffError,
    StaffSession,
    Status,
    apply_roster,
    make_verifier,
    parse_page,
)
from kiosk.store import Store
from kiosk.store.staff import ROSTER_ERROR
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import (
    CHEAP,
    CLERK,
    CLERK_PIN,
    COMMUNE,
    SUP_PIN,
    SUPERVISOR,
    TECH,
    assert_audit_clean,
    desk_with_roster,
    entry,
    standard_roster,
)

OTHER = "0190f0c2-0000-7000-8000-000000000009"
CHEAP_T1 = make_verifier("402817", Argon2Params(1, 19456, 1))  # below the protocol's floor


def test_good_roster_arrives_through_the_feed(store: Store, clock: ManualClock) -> None:
    store.apply_changes(standard_roster(), "c3")
    assert store.feed_cursor() == "c3"
    desk = StaffDesk(store, clock=clock, params=CHEAP)
    members = desk.members()
    assert [m.id for m in members] == [SUPERVISOR, CLERK, TECH]  # supervisors first
    assert members[1].name.km == "សុខ វិចិត្រ" and members[1].status is Status.ACTIVE
    assert all(m.version == 1 and m.origin == "roster" for m in members)
    applied = [e for e in store.audit.entries() if e.action == "staff.roster_applied"]
    assert applied[0].actor == "server"
    assert applied[0].details == {"applied": 3, "ignored": 0, "seqs": [1, 3]}
    changed = store.audit.entries(subject=SUPERVISOR)[0]
    assert (changed.action, changed.actor) == ("staff.roster_changed", "server")
    assert changed.details == {"version": 1, "role": "supervisor", "status": "active"}
    assert_audit_clean(store, SUP_PIN, CLERK_PIN)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("role", {"role": "admin"}, "staff.role"),
    ("status", {"status": "gone"}, "staff.status"),
    ("id", {"id": "not-a-uuid"}, "staff.id"),
    ("id upper", {"id": OTHER.upper()}, "staff.id"),
    ("name missing", {"name": {"km": "ស"}}, "staff.name.en"),
    ("name empty", {"name": {"km": "\u200b ", "en": "X"}}, "staff.name.km"),
    ("name long", {"name": {"km": "ក" * 81, "en": "X"}}, "staff.name.km"),
    ("name type", {"name": "Sok"}, "staff.name"),
    ("verifier", {"pin_verifier": "$2b$12$abcdefghijklmnopqrstuv"}, "staff.pin_verifier"),
    ("cheap verifier", {"first_code_verifier": CHEAP_T1}, "staff.first_code_verifier"),
    ("verifier type", {"unlock_verifier": 5}, "staff.unlock_verifier"),
    ("version bool", {"version": True}, "staff.version"),
    ("version zero", {"version": 0}, "staff.version"),
    ("version text", {"version": "2"}, "staff.version"),
]


@pytest.mark.parametrize(("label", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_entry_refuses_the_page_and_keeps_the_last_good_roster(
    store: Store, clock: ManualClock, label: str, change: dict[str, Any], field: str
) -> None:
    desk = desk_with_roster(store, clock)
    before = desk.members(include_disabled=True)
    page = [
        entry(CLERK, seq=11, version=2, status="disabled"),  # good, but refused with the page
        entry(OTHER, seq=12, **change),
        {"kind": "status", "seq": 13, "registration_id": "nope", "status": "in_review"},
    ]
    store.apply_changes(page, "c13")
    assert desk.members(include_disabled=True) == before
    assert store.feed_cursor() == "c13"  # the feed moves on; statuses are not held up
    error = store.get_setting(ROSTER_ERROR)
    assert error["seq"] == 12 and error["field"] == field and error["at"]
    refused = [e for e in store.audit.entries() if e.action == "staff.roster_refused"]
    assert refused[0].details["field"] == field
    assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)


def test_entries_of_another_commune_or_kind_are_refused(store: Store) -> None:
    with pytest.raises(RosterRefused) as err:
        parse_page([entry(CLERK, commune="120102")], COMMUNE)
    assert err.value.params == {"seq": 1, "field": "commune_code"}
    text = error_text(err.value, "en")
    assert "refused" in text and "previous list stays" in text
    with pytest.raises(RosterRefused):
        parse_page([{**entry(CLERK), "kind": "status"}], COMMUNE)
    with pytest.raises(RosterRefused):
        parse_page([{**entry(CLERK), "seq": -1}], COMMUNE)
    with pytest.raises(RosterRefused):
        parse_page(["staff"], COMMUNE)
    with pytest.raises(RosterRefused):  # direct use, outside the feed: nothing written
        apply_roster(store, [entry(SUPERVISOR, role="supervisor"), entry(CLERK, role="boss")])
    assert store.staff_rows() == []


def test_unknown_fields_are_ignored_for_later_servers() -> None:
    e = entry(CLERK, photo_sha256="ab" * 32)
    e["extra"] = True
    assert [r.id for r in parse_page([e], COMMUNE)] == [CLERK]


def test_newer_versions_replace_older_and_equal_ones_are_ignored(
    store: Store, clock: ManualClock
) -> None:
    desk = desk_with_roster(store, clock)
    store.apply_changes([entry(CLERK, seq=20, version=3, role="supervisor", pin=CLERK_PIN)], "a")
    assert desk.member(CLERK).version == 3 and desk.member(CLERK).role == "supervisor"
    store.apply_changes(
        [
            entry(CLERK, seq=21, version=2, status="disabled"),  # older: ignored
            entry(CLERK, seq=22, version=3, status="disabled"),  # equal: ignored
        ],
        "b",
    )
    assert desk.member(CLERK).active and desk.member(CLERK).version == 3
    # within one page the highest version wins, whatever the order
    store.apply_changes(
        [
            entry(CLERK, seq=23, version=5, role="clerk", pin=CLERK_PIN),
            entry(CLERK, seq=24, version=4, status="disabled"),
        ],
        "c",
    )
    member = desk.member(CLERK)
    assert (member.version, member.role, member.active) == (5, "clerk", True)
    result = apply_roster(store, [entry(CLERK, seq=25, version=5)])
    assert result.applied == () and result.ignored == 1


def test_roster_keeps_lock_state_and_name_changes(store: Store, clock: ManualClock) -> None:
    desk = desk_with_roster(store, clock)
    for _ in range(3):
        with pytest.raises(StaffError):
            desk.sign_in(CLERK, "111112")
    renamed = entry(CLERK, seq=30, version=2, pin=CLERK_PIN, name={"km": "សុខ", "en": "Sok V."})
    store.apply_changes([renamed], "d")
    member = desk.member(CLERK)
    assert member.name.en == "Sok V." and member.locked(clock())


def test_a_local_disable_survives_a_roster_that_has_not_heard_of_it(
    store: Store, clock: ManualClock
) -> None:
    desk = desk_with_roster(store, clock)
    sup = desk.sign_in(SUPERVISOR, SUP_PIN)
    assert isinstance(sup, StaffSession)
    desk.disable(sup, CLERK)
    store.apply_changes([entry(CLERK, seq=40, version=2, pin=CLERK_PIN)], "e")
    assert not desk.member(CLERK).active and desk.member(CLERK).version == 2
    # once sent, the server's word counts again
    store.mark_staff_changes_sent([c.id for c in store.staff_changes_pending()])
    store.apply_changes([entry(CLERK, seq=41, version=3, pin=CLERK_PIN)], "f")
    assert desk.member(CLERK).active


def test_the_roster_and_its_cursor_survive_a_reopen(store: Store, clock: ManualClock) -> None:
    store.apply_changes(standard_roster(), "1")
    store.close()
    reopened = Store.open(store.data_dir, commune_code=COMMUNE, clock=clock)
    try:
        assert len(StaffDesk(reopened, clock=clock).members()) == 3
        assert reopened.feed_cursor() == "1"
        assert reopened.audit.verify() is None
    finally:
        reopened.close()


class _Resp:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self._body = body
        self.headers: dict[str, str] = {}

    def json(self) -> dict[str, Any]:
        return self._body


class _FeedApi:
    """The two answers pull_changes needs: an expired cursor, then a snapshot with a roster."""

    def __init__(self, feed: list[dict[str, Any]], snapshot: dict[str, Any]) -> None:
        self.feed, self.snapshot = feed, snapshot

    def now(self) -> datetime:
        """The server's time as the real Api learns it (a pull records the last contact)."""
        return datetime.now(UTC)

    def request(self, method: str, path: str, query: dict[str, Any] | None = None) -> _Resp:
        if path == "/v1/changes" and (query or {}).get("since") == "old":
            return _Resp(410, {"error": "cursor_expired", "message": "gone"})
        if path == "/v1/changes":
            return _Resp(200, {"changes": self.feed, "next": "n1", "more": False})
        assert path == "/v1/snapshot"
        return _Resp(200, self.snapshot)


def test_pull_changes_feeds_the_roster_from_the_feed_and_the_snapshot(
    store: Store, clock: ManualClock
) -> None:
    from sync.client.pull import pull_changes

    api = _FeedApi(standard_roster(), {})
    assert pull_changes(store, api) == 3  # type: ignore[arg-type]
    assert len(store.staff_rows()) == 3
    store.set_setting("sync.feed_cursor", "old")
    snapshot = {"statuses": [], "next": "s9", "staff": [entry(CLERK, version=7)["staff"]]}
    api = _FeedApi([], snapshot)
    assert pull_changes(store, api) == 1  # type: ignore[arg-type]
    row = store.staff_row(CLERK)
    assert row is not None and row.version == 7 and store.feed_cursor() == "s9"

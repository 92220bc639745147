"""Issue 12 against a real server: a supervisor's local staff changes (a first PIN, an unlock, a
new clerk) reach the server in the sync round, an unlock by a back-office code spends the code
for the whole commune, and a change the server refuses is set aside while the rest go."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import pytest

from kiosk.staff import (
    AccountLocked,
    Argon2Params,
    FirstSignIn,
    StaffDesk,
    StaffSession,
    WrongPin,
)
from kiosk.text import Text
from sync.client.api import Api
from sync.client.pull import pull_changes
from sync.client.staff_push import push_staff_changes
from sync.client.worker import sync_once
from tests.sync.conftest import COMMUNE, ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]

# The protocol's floor (the server refuses cheaper verifiers): ~25 ms a check.
CHEAP = Argon2Params(time_cost=2, memory_cost=19 * 1024, parallelism=1)
SUP_PIN, WRONG = "482913", "111112"


def staff_cli(server: ServerProcess, *args: str) -> tuple[str, str]:
    """(staff id, code) from a `sala-server staff …` command that prints `ID<TAB>CODE`."""
    staff_id, code = server.cli("staff", *args).stdout.strip().split("\t")
    return staff_id, code


def add_staff(server: ServerProcess, role: str) -> tuple[str, str]:
    return server.add_staff(COMMUNE, "ស្រី មាលា", "Srey Mealea", role)


def server_db(server: ServerProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def server_changes(server: ServerProcess, device_id: str) -> list[dict[str, Any]]:
    rows = server_db(
        server, "SELECT body FROM staff_changes WHERE device_id = ? ORDER BY received_at", device_id
    )
    return [json.loads(r[0]) for r in rows]


@dataclass
class Station:
    """The clerk station of an enrolled kiosk, with a signed-in supervisor from the server's
    roster (their first sign-in code turned into a PIN: a queued `reset_pin`)."""

    side: KioskSide
    api: Api
    desk: StaffDesk
    session: StaffSession
    supervisor: str
    clerk: str

    def lock(self, staff_id: str) -> None:
        for _ in range(2):
            with pytest.raises(WrongPin):
                self.desk.sign_in(staff_id, WRONG)
        with pytest.raises(AccountLocked):
            self.desk.sign_in(staff_id, WRONG)


@pytest.fixture
def station(kiosk_side: KioskSide) -> Station:
    server = kiosk_side.server
    supervisor, code = add_staff(server, "supervisor")
    clerk, _ = add_staff(server, "clerk")
    api = kiosk_side.api()
    pull_changes(kiosk_side.store, api)
    desk = StaffDesk(kiosk_side.store, params=CHEAP)
    ticket = desk.sign_in(supervisor, code)
    assert isinstance(ticket, FirstSignIn)
    session = desk.finish_first_sign_in(ticket, SUP_PIN, SUP_PIN)
    return Station(kiosk_side, api, desk, session, supervisor, clerk)


def test_local_changes_reach_the_server_in_the_round_and_once_only(station: Station) -> None:
    store, server = station.side.store, station.side.server
    station.lock(station.clerk)
    station.desk.unlock(station.session, station.clerk)
    new_clerk, _ = station.desk.add_local_clerk(station.session, Text("សុខ វិចិត្រ", "Sok Vichet"))
    assert len(store.staff_changes_pending()) == 3

    results, _, _ = sync_once(store, station.api)  # the round, as `sala sync --once` runs it

    assert results == [] and store.staff_changes_pending() == []
    sent = server_changes(server, station.api.device_id)
    assert [(c["action"], c["staff_id"], c["by"]) for c in sent] == [
        ("reset_pin", station.supervisor, station.supervisor),
        ("unlock", station.clerk, station.supervisor),
        ("add", new_clerk.id, station.supervisor),
    ]
    assert sent[1]["detail"] == {"how": "supervisor"}  # PROTOCOL.md: `how`, as the server reads
    row = server_db(
        server, "SELECT commune_code, role, origin FROM staff WHERE id = ?", new_clerk.id
    )
    assert row == [(COMMUNE, "clerk", f"device:{station.api.device_id}")]
    # nothing is sent twice: the queue is empty, and a resent batch would be answered the same
    before = station.api.stats.get("requests", 0)
    assert push_staff_changes(store, station.api) == 0
    assert station.api.stats.get("requests", 0) == before
    assert len(server_changes(server, station.api.device_id)) == 3


def test_an_unlock_by_code_spends_the_code_on_the_server(station: Station) -> None:
    store, server = station.side.store, station.side.server
    _, code = staff_cli(server, "unlock-code", station.clerk)
    pull_changes(store, station.api)
    station.lock(station.clerk)
    station.desk.unlock_with_code(station.clerk, code)

    assert push_staff_changes(store, station.api) == 2  # the supervisor's PIN, the unlock
    unlock = server_changes(server, station.api.device_id)[-1]
    assert (unlock["action"], unlock["by"], unlock["detail"]) == (
        "unlock",
        station.clerk,
        {"how": "code"},
    )
    held = server_db(server, "SELECT unlock_verifier FROM staff WHERE id = ?", station.clerk)
    assert held == [(None,)]  # one-time for every kiosk of the commune


def test_a_refused_change_is_set_aside_and_the_rest_are_sent(station: Station) -> None:
    store, server = station.side.store, station.side.server
    server.cli("staff", "disable", station.clerk)  # the ministry, before the kiosk hears of it
    station.desk.reset_pin(station.session, station.clerk)
    new_clerk, _ = station.desk.add_local_clerk(station.session, Text("ហេង សុភា", "Heng Sophea"))
    refused_id = store.staff_changes_pending()[1].id

    assert push_staff_changes(store, station.api) == 2  # the supervisor's PIN and the add
    assert store.staff_changes_pending() == []
    sent = server_changes(server, station.api.device_id)
    assert [c["action"] for c in sent] == ["reset_pin", "add"]
    assert sent[1]["staff_id"] == new_clerk.id
    refused = store._conn.execute(
        "SELECT refused FROM staff_changes WHERE id = ?", (refused_id,)
    ).fetchone()
    assert refused == ("staff_disabled",)
    audited = [e for e in store.audit.entries(subject=station.clerk) if e.actor == "server"]
    assert audited[0].action == "staff.change_refused"
    assert audited[0].details == {"action": "reset_pin", "code": "staff_disabled"}
    # the server's roster decides: the clerk arrives disabled with the next pull
    pull_changes(store, station.api)
    assert not station.desk.member(station.clerk).active

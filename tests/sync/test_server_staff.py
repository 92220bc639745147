"""Issue 12, the server side of the staff roster: `sala-server staff …` changes reach only the
commune's kiosks through the feed and the snapshot, and kiosks report local changes with
`POST /v1/staff-changes` (idempotent per change id, only for their own commune)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess

OTHER_COMMUNE = "170301"
HASHER = PasswordHasher(
    time_cost=p.STAFF_ARGON2_TIME_COST,
    memory_cost=p.STAFF_ARGON2_MEMORY_KIB,
    parallelism=p.STAFF_ARGON2_PARALLELISM,
)


def _staff_cli(server: ServerProcess, *args: str) -> tuple[str, str]:
    """(staff id, code) from a command that prints `ID<TAB>CODE`."""
    staff_id, code = server.cli("staff", *args).stdout.strip().split("\t")
    return staff_id, code


def _add(server: ServerProcess, role: str = "clerk", commune: str = "120101") -> tuple[str, str]:
    return _staff_cli(
        server,
        "add",
        "--commune",
        commune,
        "--name-km",
        "សុខ ដារ៉ា",
        "--name-en",
        "Sok Dara",
        "--role",
        role,
    )


def _entries(kiosk: Kiosk, staff_id: str) -> list[dict[str, Any]]:
    feed = kiosk.request("GET", "/v1/changes?limit=1000").json()["changes"]
    return [c for c in feed if c["kind"] == "staff" and c["staff"]["id"] == staff_id]


def _snapshot_staff(kiosk: Kiosk, staff_id: str) -> list[dict[str, Any]]:
    staff = kiosk.request("GET", "/v1/snapshot").json()["staff"]
    return [s for s in staff if s["id"] == staff_id]


def test_cli_changes_reach_only_the_communes_kiosks(backend_server: ServerProcess) -> None:
    server = backend_server
    here = Kiosk(server).enrol(commune="120101")
    there = Kiosk(server).enrol(commune=OTHER_COMMUNE)
    staff_id, first_code = _add(server)
    assert len(first_code) == 6 and first_code.isdigit()
    _, unlock = _staff_cli(server, "unlock-code", staff_id)
    _, new_code = _staff_cli(server, "reset", staff_id)
    assert "disabled" in server.cli("staff", "disable", staff_id).stdout

    entries = _entries(here, staff_id)
    assert [e["staff"]["version"] for e in entries] == [1, 2, 3, 4]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    first = entries[0]
    assert first["commune_code"] == "120101"
    assert set(first["staff"]) == {
        "id",
        "name",
        "role",
        "status",
        "pin_verifier",
        "first_code_verifier",
        "unlock_verifier",
        "version",
    }
    assert first["staff"]["name"] == {"km": "សុខ ដារ៉ា", "en": "Sok Dara"}
    assert (first["staff"]["role"], first["staff"]["status"]) == ("clerk", "active")
    assert first["staff"]["pin_verifier"] is None
    verifier = first["staff"]["first_code_verifier"]
    p.check_staff_verifier(verifier)
    assert HASHER.verify(verifier, first_code) and first_code not in str(entries)
    assert HASHER.verify(entries[1]["staff"]["unlock_verifier"], unlock)
    assert HASHER.verify(entries[2]["staff"]["first_code_verifier"], new_code)
    last = entries[3]["staff"]
    assert last["status"] == "disabled" and last["first_code_verifier"] is None
    assert last["unlock_verifier"] is None

    assert _entries(there, staff_id) == []  # another commune's kiosk sees none of it
    assert _snapshot_staff(here, staff_id) == [last]
    assert _snapshot_staff(there, staff_id) == []
    listed = server.cli("staff", "list", "--commune", "120101").stdout
    assert f"{staff_id}\t120101\tclerk\tdisabled\tv4" in listed
    assert staff_id not in server.cli("staff", "list", "--commune", OTHER_COMMUNE).stdout
    assert "active" in server.cli("staff", "enable", staff_id).stdout
    assert _entries(here, staff_id)[-1]["staff"]["status"] == "active"


def test_cli_refuses_bad_input(server: ServerProcess) -> None:
    bad = server.cli(
        "staff",
        "add",
        *("--commune", "12010x", "--name-km", "ក", "--name-en", "K", "--role", "clerk"),
        check=False,
    )
    assert bad.returncode == 2 and "6 digits" in bad.stderr and not bad.stdout
    unknown = server.cli("staff", "reset", str(uuid.uuid4()), check=False)
    assert unknown.returncode == 1 and "No staff member" in unknown.stderr


def _change(staff_id: str, action: str, by: str, **detail: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "staff_id": staff_id,
        "action": action,
        "by": by,
        "at": "2026-12-06T09:00:00Z",
        "detail": detail,
    }


def _post(kiosk: Kiosk, *changes: dict[str, Any]) -> httpx.Response:
    return kiosk.request("POST", "/v1/staff-changes", json_body={"changes": list(changes)})


@pytest.fixture(scope="module")
def commune(server: ServerProcess) -> dict[str, Any]:
    """A kiosk of 120101 with a supervisor on the roster, and one kiosk of another commune."""
    supervisor, _ = _add(server, "supervisor")
    return {
        "here": Kiosk(server).enrol(commune="120101"),
        "there": Kiosk(server).enrol(commune=OTHER_COMMUNE),
        "supervisor": supervisor,
    }


def test_a_local_clerk_reaches_the_roster_once(commune: dict[str, Any]) -> None:
    here, boss = commune["here"], commune["supervisor"]
    clerk = str(uuid.uuid4())
    add = _change(
        clerk,
        "add",
        boss,
        name={"km": "ចាន់ ស្រី", "en": "Chan Srey"},
        role="clerk",
        first_code_verifier=HASHER.hash("123456"),
    )
    first = _post(here, add)
    assert first.status_code == 200, first.text
    result = first.json()["results"][0]
    assert (result["id"], result["staff_id"], result["version"]) == (add["id"], clerk, 1)
    again = _post(here, add)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(_entries(here, clerk)) == 1  # the retry changed nothing

    changed = {**add, "detail": {**add["detail"], "role": "supervisor"}}
    conflict = _post(here, changed)
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["error"] == "staff_change_conflict"
    assert (conflict.json()["index"], conflict.json()["id"]) == (0, add["id"])

    pin = _change(clerk, "reset_pin", clerk, pin_verifier=HASHER.hash("482913"))
    done = _post(here, pin)  # the code left out: forgotten, as the kiosk forgot it
    assert done.status_code == 200, done.text
    assert done.json()["results"][0]["version"] == 2
    row = _entries(here, clerk)[-1]["staff"]
    assert HASHER.verify(row["pin_verifier"], "482913") and row["first_code_verifier"] is None


def test_staff_changes_are_scoped_and_strict(server: ServerProcess, commune: dict) -> None:
    here, there, boss = commune["here"], commune["there"], commune["supervisor"]
    clerk = str(uuid.uuid4())
    add = _change(clerk, "add", boss, name={"km": "ក", "en": "K"}, role="clerk")
    assert _post(here, add).status_code == 200

    foreign = _post(there, _change(clerk, "disable", boss))
    assert foreign.status_code == 403 and foreign.json()["error"] == "staff_wrong_commune"
    not_boss = _post(here, _change(boss, "disable", clerk))
    assert not_boss.status_code == 403, not_boss.text
    assert not_boss.json()["error"] == "staff_actor_not_allowed"
    stranger = _post(here, _change(clerk, "disable", str(uuid.uuid4())))
    assert stranger.json()["error"] == "staff_actor_unknown"
    missing = _post(here, _change(str(uuid.uuid4()), "disable", boss))
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_staff"

    weak = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$" + "A" * 43
    invalid = [
        _change(clerk, "reset_pin", boss, pin_verifier=weak, first_code_verifier=None),
        _change(clerk, "reset_pin", boss, pin_verifier="482913", first_code_verifier=None),
        _change(clerk, "unlock", boss, how="magic"),
        _change(clerk, "reset_pin", boss, pin_verifier=None),
        _change(clerk, "add", boss, name={"km": "ក" * 81, "en": "K"}, role="clerk"),
        _change(clerk, "add", boss, name={"km": "ក", "en": "K\x07"}, role="clerk"),
        _change(clerk, "add", boss, name={"km": "ក", "en": "K"}, role="technician"),
        _change(clerk, "disable", boss, note="free text"),
        {**_change(clerk, "disable", boss), "at": "yesterday"},
    ]
    for change in invalid:
        r = _post(here, change)
        assert r.status_code == 422 and r.json()["error"] == "staff_change_invalid", r.text
    lone = p.canonical_json({"changes": [_change(clerk, "disable", boss, reason="x")]})
    lone = lone.replace(b'"x"', b'"\\ud800"')  # a lone surrogate: no UTF-8 to hash
    r = here.request(
        "POST", "/v1/staff-changes", lone, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_json", r.text
    for shape in (_change(clerk, "promote", boss), _change(clerk.upper(), "disable", boss)):
        r = _post(here, shape)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text

    # A batch is all or nothing: the refusal names the change, the good one is not applied.
    good = _change(clerk, "disable", boss, reason="left_post")
    batch = _post(here, good, _change(str(uuid.uuid4()), "disable", boss))
    assert batch.status_code == 404 and batch.json()["index"] == 1
    assert _entries(here, clerk)[-1]["staff"]["status"] == "active"
    assert _post(here, good).status_code == 200
    assert _entries(here, clerk)[-1]["staff"]["status"] == "disabled"
    late = _post(here, _change(clerk, "reset_pin", boss, first_code_verifier=HASHER.hash("1")))
    assert late.status_code == 409 and late.json()["error"] == "staff_disabled"


def test_an_unlock_code_is_spent_once_for_the_commune(server: ServerProcess, commune: dict) -> None:
    here, boss = commune["here"], commune["supervisor"]
    clerk, _ = _add(server)
    _, code = _staff_cli(server, "unlock-code", clerk)
    assert HASHER.verify(_entries(here, clerk)[-1]["staff"]["unlock_verifier"], code)
    used = _post(here, _change(clerk, "unlock", clerk, how="code"))
    assert used.status_code == 200, used.text
    assert used.json()["results"][0]["version"] == 3
    assert _entries(here, clerk)[-1]["staff"]["unlock_verifier"] is None
    by_boss = _post(here, _change(clerk, "unlock", boss, how="supervisor"))
    assert by_boss.json()["results"][0] == {**by_boss.json()["results"][0], "seq": None}

"""The verification-code backfill against a real server process and a real kiosk store: an
application acknowledged before the kiosk sent codes is `unverifiable` at the partner API until
the kiosk's one backfill sends its code; then it is `genuine`. The server takes a code only for
the device's own applications and never replaces a held one; a second backfill changes nothing."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from kiosk.model import State
from sync.client.code_backfill import SETTING, backfill_codes
from sync.client.push import send_registration
from sync.client.tus import Media
from sync.protocol import code_backfill as cb
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402
from tests.sync.test_client_verification_code import receipt_check  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def acknowledged_without_code(side: KioskSide, seed: int) -> str:
    """What a kiosk did before it sent codes: the commit without one, its receipt kept."""
    reg = side.submit(size=2500, seed=seed)
    store, api = side.store, side.api()
    medias = [
        Media(reg.id, a.media.sha256, store.read_media(a.media.sha256)) for a in reg.attachments
    ]
    answer = send_registration(api, reg, medias, report=lambda e: None, is_cancelled=lambda: False)
    store.mark_accepted(reg.id, answer)
    assert store.get(reg.id).state == State.ACCEPTED
    return reg.id


def stored_bodies(server: ServerProcess) -> dict[str, str]:
    with sqlite3.connect(server.data_dir / "server.db") as db:
        rows = db.execute("SELECT id, body FROM registrations").fetchall()
    db.close()
    return dict(rows)


def audit_rows(server: ServerProcess, subject: str) -> list[tuple[str, str]]:
    with sqlite3.connect(server.data_dir / "server.db") as db:
        rows = db.execute(
            "SELECT officer, outcome FROM officer_audit WHERE action = 'code_backfill' "
            "AND subject = ? ORDER BY id",
            (subject,),
        ).fetchall()
    db.close()
    return rows


def test_backfill_makes_old_receipts_genuine_once_and_only_the_kiosks_own(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    store, api = kiosk_side.store, kiosk_side.api()
    old = [acknowledged_without_code(kiosk_side, seed=40 + i) for i in range(3)]
    assert [receipt_check(server, kiosk_side, r)["result"] for r in old] == ["unverifiable"] * 3

    counts = backfill_codes(store, api, batch=2)  # two requests: 2 codes, then 1
    assert counts == {cb.RECORDED: 3}
    assert store.get_setting(SETTING)["done"] is True
    assert [receipt_check(server, kiosk_side, r)["result"] for r in old] == ["genuine"] * 3
    device = api.device_id
    assert audit_rows(server, old[0]) == [(f"device:{device}", "ok:recorded")]

    before = stored_bodies(server)
    assert backfill_codes(store, api) == {}  # done: nothing is sent again
    store.set_setting(SETTING, None)  # even sent again from the start, nothing changes
    assert backfill_codes(store, api) == {cb.HELD: 3}
    assert stored_bodies(server) == before

    # Another kiosk's application: refused (`unknown`), its stored body untouched.
    other = Kiosk(server).enrol()
    theirs = str(uuid.uuid4())
    assert other.commit(theirs, registration_doc(other)).status_code == 201
    before = stored_bodies(server)
    code = store.receipt(old[0]).verification_code
    body = {"codes": [{"registration_id": theirs, "verification_code": code}]}
    r = api.request("POST", cb.PATH, json_body=body)
    assert r.status_code == 200 and r.json()["results"][0]["result"] == cb.UNKNOWN
    assert stored_bodies(server)[theirs] == before[theirs]
    assert audit_rows(server, theirs) == [(f"device:{device}", "refused:unknown")]

    # Another code for one of its own: never overwritten.
    wrong = "AAAAAA" if code != "AAAAAA" else "CCCCCC"
    body = {"codes": [{"registration_id": old[1], "verification_code": wrong}]}
    r = api.request("POST", cb.PATH, json_body=body)
    assert r.json()["results"][0]["result"] == cb.CONFLICT
    assert stored_bodies(server)[old[1]] == before[old[1]]
    assert receipt_check(server, kiosk_side, old[1])["result"] == "genuine"


def test_a_round_sends_at_most_its_cap_and_the_next_round_goes_on(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    """More codes than a round's cap (a small cap here, 500 in the sync round): the first
    round sends the cap, oldest first, and keeps its place; the next sends the rest."""
    store, api = kiosk_side.store, kiosk_side.api()
    old = [acknowledged_without_code(kiosk_side, seed=60 + i) for i in range(4)]

    assert backfill_codes(store, api, batch=2, per_round=3) == {cb.RECORDED: 3}  # 2, then 1
    assert store.get_setting(SETTING)["done"] is False
    checks = [receipt_check(server, kiosk_side, r)["result"] for r in old]
    assert checks == ["genuine"] * 3 + ["unverifiable"]

    assert backfill_codes(store, api, batch=2, per_round=3) == {cb.RECORDED: 1}
    assert store.get_setting(SETTING)["done"] is True
    assert receipt_check(server, kiosk_side, old[3])["result"] == "genuine"
    assert backfill_codes(store, api, batch=2, per_round=3) == {}


def test_a_malformed_backfill_is_refused_whole(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    too_many = [
        {"registration_id": str(uuid.uuid4()), "verification_code": "ACD479"}
        for _ in range(cb.BATCH_MAX + 1)
    ]
    r = api.request("POST", cb.PATH, json_body={"codes": too_many})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text
    assert f"{cb.BATCH_MAX + 1} codes in one request: at most {cb.BATCH_MAX}" in r.json()["message"]
    assert len(r.json()["detail"]) == 1  # one problem, not one per code
    for codes in ([], [{"registration_id": "x", "verification_code": "ACD479"}]):
        r = api.request("POST", cb.PATH, json_body={"codes": codes})
        assert r.status_code == 422, r.text
    lower = [{"registration_id": str(uuid.uuid4()), "verification_code": "acd479"}]
    assert api.request("POST", cb.PATH, json_body={"codes": lower}).status_code == 422

"""Issue 12, counter events on the real server: `PUT /v1/registrations/{id}/events/{event_id}`
is idempotent by event id; a hand-over needs ready_for_pickup, becomes the status `collected`
in the feed, and of two kiosks handing over at once one wins and the other is told; a fee other
than the catalog's is refused; another commune's device is refused."""

from __future__ import annotations

import json
import uuid
from functools import partial

import httpx
import pytest

from sync import protocol as p
from tests.sync.catalog_docs import append_unchecked, service_doc
from tests.sync.clerk_wire import (
    at_once,
    committed,
    event_doc,
    feed_statuses,
    move,
    put_event,
)
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess

S = p.ServerStatus
E = p.ClerkEvent
FLAT_FEE = 4000
BY_ANSWERS = ("test_passport_by_age", "1")  # a fee that depends on the answers
READY = (S.IN_REVIEW, S.APPROVED, S.READY_FOR_PICKUP)


@pytest.fixture(scope="module")
def token(server: ServerProcess) -> str:
    token = server.officer_token()
    version = f"clerk-fees-{uuid.uuid4().hex[:8]}"
    catalog = {"format": 1, "version": version, "services": [service_doc(*KNOWN_SERVICE, FLAT_FEE)]}
    # A fee that depends on the answers is a shape today's validator refuses (unknown key), so
    # `POST /v1/catalog` would too: it goes on the feed below the checks, as a later one might.
    by_answers = {
        **service_doc(*BY_ANSWERS, 400000),
        "fee_rules": [{"when": {"age_under": 6}, "fee_khr": 320000}],
    }
    append_unchecked(server, {"version": f"{version}-rules", "services": [by_answers]})
    r = httpx.post(
        f"{server.url}/v1/catalog",
        content=json.dumps(catalog).encode(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return token


def _fee(amount: int, service: str = KNOWN_SERVICE[0]) -> dict[str, object]:
    data = {"amount_riel": amount, "receipt_book_no": "B-0042", "service_id": service}
    return event_doc(E.FEE_RECEIVED, data)


def test_events_are_idempotent_by_event_id(kiosk: Kiosk) -> None:
    reg_id = committed(kiosk)
    checks = {
        "checks": [
            {"document_id": "birth_certificate", "seen": True, "number": "BC-77"},
            {"document_id": "family_book", "seen": False},
        ],
        "unchecked_sent": False,
    }
    doc, event_id = event_doc(E.ORIGINALS_CHECKED, checks), str(uuid.uuid4())
    first = put_event(kiosk, reg_id, doc, event_id)
    assert first.status_code == 201, first.text
    assert first.json() | {"received_at": ""} == {
        "id": reg_id,
        "event_id": event_id,
        "kind": E.ORIGINALS_CHECKED,
        "status": S.RECEIVED,
        "received_at": "",
    }
    again = put_event(kiosk, reg_id, doc, event_id)
    assert (again.status_code, again.json()) == (200, first.json())

    changed = event_doc(E.ORIGINALS_CHECKED, {**checks, "unchecked_sent": True})
    other = put_event(kiosk, reg_id, changed, event_id)
    assert (other.status_code, other.json()["error"]) == (409, p.ERR_EVENT_CONFLICT)
    elsewhere = put_event(kiosk, committed(kiosk), doc, event_id)  # same id, other application
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (409, p.ERR_EVENT_CONFLICT)

    override = event_doc(E.PHOTO_OVERRIDE, {"field_id": "photo", "reason": "glasses_glare"})
    assert put_event(kiosk, reg_id, override).status_code == 201
    # past the grace days the kiosk sends it unchecked, possibly with no check at all
    unchecked = event_doc(E.ORIGINALS_CHECKED, {"checks": [], "unchecked_sent": True})
    assert put_event(kiosk, reg_id, unchecked).status_code == 201


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (E.PHOTO_OVERRIDE, {"field_id": "photo", "reason": "he looked tired"}),
        (E.ORIGINALS_CHECKED, {"checks": [], "unchecked_sent": False}),
        (E.COLLECTED, {"id_checked": "yes", "clerk_responsible": False}),
        (
            E.ORIGINALS_CHECKED,
            {"checks": [{"document_id": "x", "seen": "yes"}], "unchecked_sent": False},
        ),
        (E.FEE_RECEIVED, {"amount_riel": 40.5, "receipt_book_no": "B1", "service_id": "s"}),
        (E.FEE_RECEIVED, {"amount_riel": 4000, "service_id": KNOWN_SERVICE[0]}),
    ],
)
def test_bad_event_data_is_refused(kiosk: Kiosk, kind: str, data: dict[str, object]) -> None:
    reg_id = committed(kiosk)
    r = put_event(kiosk, reg_id, event_doc(kind, data))
    assert (r.status_code, r.json()["error"]) == (422, p.ERR_EVENT_INVALID), r.text
    assert r.json()["message"].startswith(("data", "at"))


def test_unknown_kind_and_free_text_are_refused(kiosk: Kiosk) -> None:
    reg_id = committed(kiosk)
    r = put_event(kiosk, reg_id, event_doc("approved", {}))
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request")
    r = put_event(kiosk, str(uuid.uuid4()), event_doc(E.COLLECTED, {}))
    assert (r.status_code, r.json()["error"]) == (404, p.ERR_UNKNOWN_REGISTRATION)


def test_hand_over_needs_ready_for_pickup_and_reaches_the_feed(
    server: ServerProcess, kiosk: Kiosk, token: str
) -> None:
    reg_id = committed(kiosk)
    early = put_event(kiosk, reg_id, event_doc(E.COLLECTED, {"id_checked": True}))
    assert early.status_code == 409
    assert (early.json()["error"], early.json()["status"]) == (p.ERR_STATUS_FORBIDS, S.RECEIVED)

    move(server, token, reg_id, *READY)
    handed, event_id = event_doc(E.COLLECTED, {"id_checked": True}), str(uuid.uuid4())
    done = put_event(kiosk, reg_id, handed, event_id)
    assert (done.status_code, done.json()["status"]) == (201, S.COLLECTED)
    retry = put_event(kiosk, reg_id, handed, event_id)  # the answer was lost: same answer
    assert (retry.status_code, retry.json()) == (200, done.json())
    assert feed_statuses(kiosk, reg_id)[-1] == (S.COLLECTED, "")
    shown = server.cli("events", reg_id).stdout
    assert f"\tstatus\t{S.COLLECTED}\tdevice:{kiosk.device_id}" in shown
    assert "\tcollected\tstaff " in shown

    by_officer = committed(kiosk)
    move(server, token, by_officer, *READY, S.COLLECTED)
    late = put_event(kiosk, by_officer, event_doc(E.COLLECTED, {"id_checked": True}))
    assert (late.status_code, late.json()["error"]) == (409, p.ERR_ALREADY_COLLECTED)


def test_two_kiosks_hand_over_at_once_one_wins(backend_server: ServerProcess) -> None:
    server = backend_server
    token = server.officer_token()
    one, two = Kiosk(server).enrol(), Kiosk(server).enrol()
    for _ in range(3):
        reg_id = committed(one)
        move(server, token, reg_id, *READY)
        a, b = at_once(
            partial(put_event, one, reg_id, event_doc(E.COLLECTED, {})),
            partial(put_event, two, reg_id, event_doc(E.COLLECTED, {})),
        )
        assert sorted((a.status_code, b.status_code)) == [201, 409], (a.text, b.text)
        winner, loser = (a, b) if a.status_code == 201 else (b, a)
        winner_kiosk = one if winner is a else two
        told = loser.json()
        assert told["error"] == p.ERR_ALREADY_COLLECTED
        assert told["status"] == S.COLLECTED
        number = winner_kiosk.request("GET", "/v1/device").json()["kiosk_number"]
        assert told["kiosk_number"] == number
        statuses = [s for s, _ in feed_statuses(two, reg_id)]
        assert statuses.count(S.COLLECTED) == 1  # the other kiosk learns it from the feed
    one.close()
    two.close()


def test_fee_must_be_the_catalogs(kiosk: Kiosk, token: str) -> None:
    reg_id = committed(kiosk)
    wrong = put_event(kiosk, reg_id, _fee(FLAT_FEE + 1000))
    assert wrong.status_code == 409
    assert (wrong.json()["error"], wrong.json()["expected_riel"]) == (p.ERR_FEE_MISMATCH, FLAT_FEE)
    other_service = put_event(kiosk, reg_id, _fee(FLAT_FEE, "passport_ordinary"))
    assert (other_service.status_code, other_service.json()["error"]) == (422, p.ERR_EVENT_INVALID)

    right = put_event(kiosk, reg_id, _fee(FLAT_FEE))
    assert (right.status_code, right.json()["fee_checked"]) == (201, True)
    twice = put_event(kiosk, reg_id, _fee(FLAT_FEE))  # a new event id: a second fee
    assert (twice.status_code, twice.json()["error"]) == (409, p.ERR_FEE_ALREADY_RECEIVED)

    by_answers = committed(kiosk, service=BY_ANSWERS)
    unchecked = put_event(kiosk, by_answers, _fee(320000, BY_ANSWERS[0]))
    assert (unchecked.status_code, unchecked.json()["fee_checked"]) == (201, False)


def test_another_communes_device_is_refused(
    server: ServerProcess, kiosk: Kiosk, token: str
) -> None:
    reg_id = committed(kiosk)
    move(server, token, reg_id, *READY)
    there = Kiosk(server).enrol(commune="170301")
    r = put_event(there, reg_id, event_doc(E.COLLECTED, {}))
    assert (r.status_code, r.json()["error"]) == (403, p.ERR_WRONG_COMMUNE)
    assert feed_statuses(kiosk, reg_id)[-1][0] == S.READY_FOR_PICKUP  # nothing changed
    there.close()

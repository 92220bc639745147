"""Issue 12, the signed end of day on the real server: `PUT /v1/end-of-day/{date}/{revision}`
is idempotent per (device, date, revision), refuses other content, another commune and totals
that do not agree, and `sala server end-of-day list` shows each kiosk's newest revision next
to the fees the server recorded from its fee events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync import protocol as p
from tests.sync.catalog_docs import service_doc
from tests.sync.clerk_wire import STAFF, committed, event_doc, put_event
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess

DAY = "2026-12-06"  # the events' AT (03:00 UTC) is 10:00 on this date in Cambodia
FEE = 7000  # the catalog's flat fee: the server takes a fee event only at the catalog's amount


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    catalog = {"format": 1, "version": "eod-1", "services": [service_doc(*KNOWN_SERVICE, FEE)]}
    proc = ServerProcess(tmp_path_factory.mktemp("server"), catalog=catalog).start()
    yield proc
    proc.stop()


def _report(kiosk: Kiosk, revision: int = 1, fees: int = 0, **extra: Any) -> dict[str, Any]:
    number = kiosk.request("GET", "/v1/device").json()["kiosk_number"]
    return {
        "date": DAY,
        "revision": revision,
        "commune_code": kiosk.commune,
        "kiosk_number": number,
        "taken": 12,
        "originals_checked": 9,
        "sent": 11,
        "waiting": 1,
        "problems": 0,
        "supplements": 2,
        "handovers": 3,
        "fees_by_service": {KNOWN_SERVICE[0]: fees} if fees else {},
        "fees_by_clerk": {STAFF: fees} if fees else {},
        "signed_by": STAFF,
        "signed_at": "2026-12-06T10:30:00Z",
        **extra,
    }


def _put(
    kiosk: Kiosk, doc: dict[str, Any], day: str = DAY, revision: int | None = None
) -> httpx.Response:
    return kiosk.request("PUT", p.end_of_day_path(day, revision or doc["revision"]), json_body=doc)


def test_end_of_day_is_idempotent_per_date_and_revision(kiosk: Kiosk) -> None:
    doc = _report(kiosk)
    first = _put(kiosk, doc)
    assert first.status_code == 201, first.text
    assert first.json() | {"received_at": ""} == {"date": DAY, "revision": 1, "received_at": ""}
    again = _put(kiosk, doc)
    assert (again.status_code, again.json()) == (200, first.json())

    other = _put(kiosk, {**doc, "taken": 13})
    assert (other.status_code, other.json()["error"]) == (409, p.ERR_END_OF_DAY_CONFLICT)
    assert _put(kiosk, _report(kiosk, 2, taken=13)).status_code == 201  # re-signed: a new one


def test_refusals(server: ServerProcess, kiosk: Kiosk) -> None:
    doc = _report(kiosk, 5)
    wrong_path = _put(kiosk, doc, revision=6)
    assert (wrong_path.status_code, wrong_path.json()["error"]) == (422, p.ERR_END_OF_DAY_INVALID)
    wrong_day = _put(kiosk, doc, day="2026-12-07")
    assert wrong_day.status_code == 422
    no_day = _put(kiosk, {**doc, "date": "2026-02-30"}, day="2026-02-30")
    assert no_day.status_code == 422
    sums = _put(kiosk, {**doc, "fees_by_clerk": {STAFF: 1000}})
    assert (sums.status_code, sums.json()["error"]) == (422, p.ERR_END_OF_DAY_INVALID)
    assert "fees_by_clerk" in sums.json()["message"]
    negative = _put(kiosk, {**doc, "taken": -1})
    assert (negative.status_code, negative.json()["error"]) == (422, "invalid_request")

    there = Kiosk(server).enrol(commune="170301")
    foreign = _put(there, _report(there, 1) | {"commune_code": kiosk.commune})
    assert (foreign.status_code, foreign.json()["error"]) == (403, p.ERR_WRONG_COMMUNE)
    there.close()


def test_list_shows_the_newest_revision_and_recorded_fees(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol(commune="120102")
    reg_id = committed(kiosk)
    data = {"amount_riel": FEE, "receipt_book_no": "B-9", "service_id": KNOWN_SERVICE[0]}
    assert put_event(kiosk, reg_id, event_doc(p.ClerkEvent.FEE_RECEIVED, data)).status_code == 201
    assert _put(kiosk, _report(kiosk, 1, fees=4000)).status_code == 201
    assert _put(kiosk, _report(kiosk, 2, fees=7000)).status_code == 201

    stale = _report(kiosk, 1, date="2026-12-05", kiosk_number=0)  # a number not learnt yet
    assert _put(kiosk, stale, day="2026-12-05").status_code == 201
    out = server.cli("end-of-day", "list", "--commune", "120102", "--date", DAY)
    lines = out.stdout.splitlines()
    assert len(lines) == 1, out
    number = kiosk.request("GET", "/v1/device").json()["kiosk_number"]
    assert f"\tkiosk {number}\trev 2\t" in lines[0]
    assert "fees 7000\trecorded 7000" in lines[0]
    earlier = server.cli("end-of-day", "list", "--date", "2026-12-05").stdout
    assert f"\tkiosk {number}\trev 1\t" in earlier  # filed under the device's own number
    assert "taken=12" in lines[0] and "FEES DIFFER" not in lines[0]
    assert _put(kiosk, _report(kiosk, 3, fees=9000)).status_code == 201
    newest = server.cli("end-of-day", "list", "--commune", "120102").stdout
    assert "\trev 3\t" in newest and "FEES DIFFER" in newest
    bad = server.cli("end-of-day", "list", "--date", "6/12/2026", check=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    kiosk.close()

"""One kiosk's report can no longer break the fleet page for every admin, against a real
`sala-server`: dates outside 1900-2199 UTC in the timestamp fields and integers beyond ±2^53
are refused (422 `report_invalid`, nothing stored), a dead RTC's 1970 still passes, a date-like
word in any other value (a serial "01010101") is kept, and a row stored before these bounds
(inserted here directly) shows its absurd values as unknown on /console/fleet.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sync.server import db
from sync.server.tables.device_reports import device_reports
from tests.console.conftest import Console, sign_in_http
from tests.sync.conftest import Kiosk, ServerProcess
from tests.sync.test_server_device_report import fleet, report

pytestmark = pytest.mark.server


def _with(at: Any = "2026-12-01T08:30:00+00:00", **values: Any) -> dict[str, Any]:
    body = report()
    body["at"] = at
    body["checks"].append({"id": "clock", "status": "ok", "values": values})
    return body


@pytest.mark.parametrize(
    "bad",
    [
        _with(at="0001-01-01T00:00:00+01:00"),  # before year 1 in UTC: an OverflowError
        _with(at="9999-12-31T23:59:59-01:00"),  # after year 9999 in UTC
        _with(at="2300-01-01T00:00:00+00:00"),
        _with(at="yesterday"),
        _with(offset_seconds=10**400),  # float() of it overflows
        _with(offset_seconds=-(2**53) - 1),
        _with(last_success="0001-01-01T00:00:00+01:00"),
        _with(measured_at="1899-12-31T23:59:59Z"),
        _with(now="2300-01-01T00:00:00"),  # the clock check's own time, without an offset
        _with(last_error_at="01010101"),  # a timestamp field: read as the year 101
        {**report(), "summary": {"ok": 10**30, "warn": 0, "fail": 0, "skipped": 0}},
        {**report(), "summary": {"ok": -1, "warn": 0, "fail": 0, "skipped": 0}},
    ],
)
def test_hostile_dates_and_numbers_are_refused(server: ServerProcess, bad: dict[str, Any]) -> None:
    k = Kiosk(server).enrol()
    try:
        r = k.request("POST", "/v1/device-report", json_body=bad)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "report_invalid"
        assert "Device report refused" in r.json()["message"]
        assert next(x for x in fleet(server) if x.device_id == k.device_id).report is None
    finally:
        k.close()


def test_a_wrong_clock_within_the_bounds_still_reports(server: ServerProcess) -> None:
    """A kiosk whose RTC died reads 1970: exactly the kiosk the fleet page must show."""
    k = Kiosk(server).enrol()
    try:
        body = _with(at="1970-01-01T00:05:00+00:00", offset_seconds=1.7e9, now="1970-01-01")
        r = k.request("POST", "/v1/device-report", json_body=body)
        assert r.status_code == 200, r.text
        assert next(x for x in fleet(server) if x.device_id == k.device_id).report is not None
    finally:
        k.close()


def test_a_stored_absurd_report_keeps_the_fleet_page_up(server: ServerProcess) -> None:
    console = Console(server)
    console.add_account("bounds_root", role="admin", ministry="*", jurisdiction="all")
    k = Kiosk(server, label="Absurd hall").enrol()
    absurd = {
        "v": 1,
        "at": "0001-01-01T00:00:00+01:00",
        "summary": {"ok": 1, "warn": "many", "fail": 10**400, "skipped": 0},
        "checks": [
            {"id": "sync", "status": "ok", "values": {"last_success": "9999-12-31T23:59:59-01:00"}},
            {"id": "clock", "status": "ok", "values": {"offset_seconds": 10**400}},
            {"id": "backlog", "status": "ok", "values": {"pending": -5, "oldest_hours": 10**400}},
            {"id": "version", "status": "ok", "values": {"version": "1.5.0"}},
        ],
    }
    with server.engine() as engine, engine.begin() as conn:
        conn.execute(
            device_reports.insert().values(
                device_id=k.device_id,
                report=json.dumps(absurd),
                report_at=absurd["at"],
                received_at=db.now(),
                fail=0,
                warn=0,
            )
        )
    admin = sign_in_http(console, "bounds_root")
    try:
        page = admin.get("/console/fleet")
        assert page.status_code == 200, page.text[-800:]
        row = page.text.split('<table class="list fleet">')[1].split("Absurd hall")[1]
        row = row.split("</tr>")[0]
        assert "1.5.0" in row  # the sane value of the row is shown
        for cls in ("last-sync", "skew"):  # the absurd ones, as unknown
            assert row.split(f'<td class="{cls}">')[1].split("</td>")[0] == "—"
        assert str(10**400)[:30] not in page.text
    finally:
        admin.close()
        k.close()


def test_a_date_like_word_outside_the_timestamp_fields_is_kept(server: ServerProcess) -> None:
    """Only the fields known to be timestamps are bounded (device_reports.MOMENT_VALUES): a
    printer's serial that happens to read as an ISO date is a word like any other."""
    k = Kiosk(server).enrol()
    try:
        body = _with(serial="01010101", batch="2300-01-01", last_success="2026-12-01T08:00:00Z")
        r = k.request("POST", "/v1/device-report", json_body=body)
        assert r.status_code == 200, r.text
        kept = next(x for x in fleet(server) if x.device_id == k.device_id).report
        assert kept is not None
        clock = next(c for c in kept["checks"] if c["id"] == "clock")
        assert clock["values"]["serial"] == "01010101"
        assert clock["values"]["batch"] == "2300-01-01"
    finally:
        k.close()

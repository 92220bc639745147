"""`POST /v1/device-report` on a real server process: the latest report per device, strictly
the fleet report's shape (no free text), signed like every device request."""

from __future__ import annotations

from typing import Any

import pytest

from sync.protocol import usb as fmt
from tests.sync.conftest import Kiosk, ServerProcess

pytestmark = pytest.mark.server


def report(fail: int = 0, **values: Any) -> dict[str, Any]:
    return {
        "v": 1,
        "at": "2026-12-01T08:30:00+00:00",
        "summary": {"ok": 1, "warn": 0, "fail": fail, "skipped": 0},
        "checks": [
            {"id": "free_space", "status": "ok", "values": {"free_mb": 5120, "min_mb": 200}},
            {"id": "backlog", "status": "fail" if fail else "ok", "values": values},
        ],
    }


def fleet(server: ServerProcess) -> list[Any]:
    from sync.server import db
    from sync.server.device_reports import latest_reports

    engine = db.make_engine(server.db_url)
    try:
        with db.reading(engine) as conn:
            return latest_reports(conn)
    finally:
        engine.dispose()


def test_the_latest_report_is_kept_per_device_with_its_last_contact(server: ServerProcess) -> None:
    a, b = Kiosk(server, "a").enrol(), Kiosk(server, "b").enrol()
    try:
        first = a.request("POST", "/v1/device-report", json_body=report(pending=3))
        assert first.status_code == 200, first.text
        assert fmt.verify_key_certificate(first.json()["usb_key"], a.server_public_key)
        r = a.request("POST", "/v1/device-report", json_body=report(fail=1, pending=31))
        assert r.status_code == 200, r.text
        rows = {row.device_id: row for row in fleet(server)}
        assert rows[a.device_id].report["checks"][1]["values"] == {"pending": 31}
        assert rows[a.device_id].last_contact is not None
        assert rows[b.device_id].report is None and rows[b.device_id].last_contact is None
        order = [row.device_id for row in fleet(server)]
        assert order.index(a.device_id) < order.index(b.device_id)  # failing kiosks first
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize(
    "bad",
    [
        {"checks": [{"id": "sync", "status": "ok", "values": {"error": "line one\nline two"}}]},
        {"checks": [{"id": "sync", "status": "broken", "values": {}}]},
        {"checks": [{"id": "sync", "status": "ok", "values": {"name": "x" * 65}}]},
        {"checks": [{"id": "Sync Check", "status": "ok", "values": {}}]},
        {"checks": [{"id": "sync", "status": "ok", "values": {}, "text": "free text"}]},
        {"v": 2},
    ],
)
def test_anything_but_the_fleet_reports_shape_is_refused(
    server: ServerProcess, bad: dict[str, Any]
) -> None:
    k = Kiosk(server).enrol()
    try:
        r = k.request("POST", "/v1/device-report", json_body={**report(), **bad})
        assert r.status_code == 422, r.text
        assert r.json()["error"] in ("report_invalid", "invalid_request")
        assert next(x for x in fleet(server) if x.device_id == k.device_id).report is None
    finally:
        k.close()


def test_an_unsigned_report_is_refused(server: ServerProcess) -> None:
    k = Kiosk(server).enrol()
    try:
        r = k.http.post("/v1/device-report", json=report())
        assert r.status_code == 401
        assert "/v1/device-report" in k.http.get("/openapi.json").json()["paths"]
    finally:
        k.close()

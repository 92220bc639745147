"""The kiosk sends its self-test with a sync round (`POST /v1/device-report`, a real server
process): PII-free, at most every 15 minutes, and it brings back the ministry's USB key."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from sync.client import device_report, usb_key
from sync.client.worker import sync_once
from tests.sync.conftest import ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def reports(server: ServerProcess) -> dict[str, tuple[dict[str, Any], float]]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT device_id, report, received_at FROM device_reports").fetchall()
    return {r[0]: (json.loads(r[1]), r[2]) for r in rows}


def test_a_sync_round_sends_the_report_and_keeps_the_usb_key(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    kiosk_side.submit(size=3000, seed=5)
    api = kiosk_side.api()
    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    report, first_contact = reports(server)[api.device_id]
    assert report["v"] == 1 and {c["id"] for c in report["checks"]} >= {"database", "backlog"}
    assert next(c for c in report["checks"] if c["id"] == "camera")["status"] == "skipped"
    text = json.dumps(report, ensure_ascii=False)
    assert "សុខ" not in text and "+85512345678" not in text and str(kiosk_side.data_dir) not in text
    assert usb_key.load(kiosk_side.data_dir) is not None  # ready for a stick

    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)  # within 15 min: not again
    assert reports(server)[api.device_id][1] == first_contact
    assert device_report.send_device_report(
        kiosk_side.store, api, data_dir=kiosk_side.data_dir, force=True
    )
    assert reports(server)[api.device_id][1] > first_contact

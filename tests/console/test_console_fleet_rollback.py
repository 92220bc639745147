"""The fleet page's rollback column: a kiosk whose last update was rolled back says so in its
signed device report (check `update_rollback`, as kiosk.update.spool.rollback_check makes it),
and the admin sees which version failed, the one running again, why and when; a kiosk
without one shows a dash. Khmer first, English on request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.console.conftest import Console, sign_in_http
from tests.sync.conftest import Kiosk

ROLLBACK = {"from": "0.3.0", "to": "0.2.1", "reason": "self_test",
            "at": "2026-12-06T02:10:00Z", "outcome": "rolled_back"}  # fmt: skip
REPORT = {
    "v": 1,
    "at": "2026-12-06T02:15:00Z",
    "summary": {"ok": 1, "warn": 1, "fail": 0, "skipped": 0},
    "checks": [
        {"id": "version", "status": "ok", "values": {"version": "0.2.1"}},
        {"id": "update_rollback", "status": "warn", "values": ROLLBACK},
    ],
}


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("fleetadmin", role="admin", ministry="*", jurisdiction="all")
    rolled = Kiosk(console.server, label="Rolled back hall").enrol(commune="120101")
    fine = Kiosk(console.server, label="Steady hall").enrol(commune="120102")
    for kiosk, report in ((rolled, REPORT), (fine, {**REPORT, "checks": REPORT["checks"][:1]})):
        r = kiosk.request("POST", "/v1/device-report", json_body=report)
        assert r.status_code == 200, r.text
    yield {"rolled": rolled, "fine": fine}
    rolled.close()
    fine.close()


def _row(page: str, label: str) -> str:
    return page.split('<table class="list fleet">')[1].split(label)[1].split("</tr>")[0]


def test_the_fleet_shows_a_rollback_with_its_versions_reason_and_time(
    console: Console, world: Any
) -> None:
    admin = sign_in_http(console, "fleetadmin")
    admin.cookies.set("sala_lang", "en", path="/console")
    page = admin.get("/console/fleet").text
    assert "<th>Rolled back</th>" in page
    row = _row(page, "Rolled back hall")
    assert "0.3.0 → 0.2.1" in row and "self_test" in row and "2026-12-06T02:10:00Z" in row
    assert 'class="flag warn"' in row
    assert "→" not in _row(page, "Steady hall")

    admin.cookies.set("sala_lang", "km", path="/console")
    assert "ត្រឡប់​ទៅ​កំណែ​មុន" in admin.get("/console/fleet").text

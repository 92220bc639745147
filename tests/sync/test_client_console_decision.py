"""Decisions made in the back office reach a REAL kiosk store through the signed feed: an
application a kiosk Store submitted and pushed is reviewed in the console, papers are
requested (the note in Khmer and English), it is approved and made ready for pick-up (by the
bulk action), and after each step the kiosk's own pull brings the status and note into its
SQLite store. (The console job runs without kiosk code; this is the kiosk half.)"""

from __future__ import annotations

import httpx
import pytest

from kiosk.model import ServerStatus
from sync.client.pull import pull_changes
from sync.client.push import push_pending

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.console.conftest import Console, sign_in_http  # noqa: E402
from tests.console.seed import csrf_of  # noqa: E402
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def act(client: httpx.Client, reg_id: str, action: str, **form: str) -> None:
    data = {"csrf": csrf_of(client), "action": action, **form}
    r = client.post(f"/console/applications/{reg_id}/act", data=data)
    assert r.status_code == 303, r.text[-800:]


def test_console_decisions_reach_the_kiosk_store(kiosk_side: KioskSide) -> None:
    store, api = kiosk_side.store, kiosk_side.api()
    reg = kiosk_side.submit(pages=1, size=8_000)
    assert push_pending(store, api)[0].ok
    pull_changes(store, api)
    assert store.get(reg.id).server_status == ServerStatus.RECEIVED
    console = Console(kiosk_side.server)  # the test catalog's service has no owning ministry:
    console.add_account("kd_officer", role="officer", ministry="*", jurisdiction="12")
    officer = sign_in_http(console, "kd_officer")

    def pulled() -> tuple[ServerStatus | None, str | None]:
        assert pull_changes(store, api) >= 1
        got = store.get(reg.id)
        return got.server_status, got.status_note

    act(officer, reg.id, "start_review")
    act(
        officer,
        reg.id,
        "request_papers",
        note_km="សូម\u200bយក\u200bសៀវភៅ\u200bគ្រួសារ\u200bមក",
        note_en="Please bring the family book",
    )
    assert pulled() == (
        ServerStatus.NEEDS_PAPERS,
        "សូម\u200bយក\u200bសៀវភៅ\u200bគ្រួសារ\u200bមក / Please bring the family book",
    )
    act(officer, reg.id, "start_review")
    act(officer, reg.id, "approve")
    assert pulled()[0] == ServerStatus.APPROVED
    r = officer.post(
        "/console/queue/bulk",
        data={
            "csrf": csrf_of(officer),
            "action": "ready",
            "ids": [reg.id],
            "place": "Chbar Ampov commune hall",
            "date": "2026-12-20",
        },
    )
    assert r.status_code == 303 and "n=1" in r.headers["location"]
    assert pulled() == (ServerStatus.READY_FOR_PICKUP, "Chbar Ampov commune hall · 2026-12-20")
    assert pull_changes(store, api) == 0  # nothing more, and nothing applied twice

"""A kiosk's capture checks reach the ministry with the commit (PROTOCOL.md "Commit": each
attachment's `checks`): what the camera measured and a clerk's override, for the officer's page
and the override flags. Real Store, real server process."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.model import Attachment
from sync.client.push import push_pending
from tests.sync.conftest import KNOWN_SERVICE

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide, jpeg_bytes  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def test_checks_travel_with_the_commit(kiosk_side: KioskSide) -> None:
    store = kiosk_side.store
    reg = store.create_draft(*KNOWN_SERVICE, "km")
    photo = store.add_media(jpeg_bytes(20_000, 7), "image/jpeg")
    checks = {
        "sharpness": {"value": 41.5, "min": 80.0, "passed": False},
        "override": {"reason": "glasses_glare", "staff": "clerk-1"},
    }
    attachment = Attachment("photo", "photo", photo, checks=checks)
    store.submit(reg.id, {"name_km": "សុខ ដារ៉ា"}, [attachment], fee_khr=0)
    (result,) = push_pending(store, kiosk_side.api())
    assert result.ok, result

    path = kiosk_side.server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (body,) = db.execute("SELECT body FROM registrations WHERE id = ?", (reg.id,)).fetchone()
    (sent,) = json.loads(body)["attachments"]
    assert sent["checks"] == checks

"""The online badge reads the real sync worker's state: offline with the number waiting when
the ministry server cannot be reached (a closed port on 127.0.0.1), online when it can."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtWidgets import QLabel

from kiosk.store import Store
from sync.client.api import Api
from sync.client.worker import SyncStatus, SyncWorker
from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns


def test_badge_shows_offline_and_waiting_from_the_sync_worker(
    make_kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    kiosk = make_kiosk()
    j = Journey(kiosk, qtbot, tmp_path)
    badge = j.find(QLabel, "onlineBadge")
    assert badge.text() == "មិន\u200bទាន់\u200bភ្ជាប់\u200bក្រសួង"  # not enrolled: no worker
    j.quick_submit(locale="en")

    api = Api(
        requests.Session(),
        f"http://127.0.0.1:{closed_port()}",
        device_id="test",
        key=Ed25519PrivateKey.generate(),
        server_public_key="unused",
        timeout=(0.5, 0.5),
    )
    data_dir = kiosk.opts.data_dir
    worker = SyncWorker(
        lambda: Store.open(data_dir, commune_code="120101"),
        lambda: api,
        data_dir=data_dir,
        interval=0.2,
    )
    worker.start()
    try:
        assert worker.wait_rounds(1, timeout=20)
        kiosk.window.start_sync_polling(worker)
        qtbot.waitUntil(lambda: badge.property("state") == "offline", timeout=10_000)
        assert badge.text() == "Offline · 1 waiting to be sent"
    finally:
        worker.stop(timeout=10)


def test_badge_online_in_both_languages(kiosk: Any, qtbot: Any) -> None:
    window, nav = kiosk.window, kiosk.nav
    window._on_sync_status(SyncStatus(online=True, pending=0))
    badge = window.findChild(QLabel, "onlineBadge")
    assert badge.property("state") == "online"
    nav.set_locale("en")
    assert badge.text() == "Online"
    window._on_sync_status(SyncStatus(online=True, pending=3))
    nav.set_locale("km")
    assert badge.text().endswith("៣ កំពុង\u200bរង់ចាំ\u200bផ្ញើ")

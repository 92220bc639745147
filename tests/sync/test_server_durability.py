"""Crashes and time: SIGKILL mid-upload then resume, upload expiry, feed compaction and 410."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc


def _wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crash_server(request: pytest.FixtureRequest, make_server: Any) -> ServerProcess:
    if request.param == "sqlite":
        return make_server()  # type: ignore[no-any-return]
    cluster = request.getfixturevalue("pg_cluster")
    return make_server(db_url=cluster.create_database(f"crash_{uuid.uuid4().hex[:10]}"))  # type: ignore[no-any-return]


def test_upload_resumes_after_sigkill_of_server_and_client(crash_server: ServerProcess) -> None:
    kiosk = Kiosk(crash_server).enrol()
    data = os.urandom(300_000)
    chunk = 50_000
    r = kiosk.create_upload(data)
    location = r.headers["Location"]
    for offset in range(0, 2 * chunk, chunk):
        assert kiosk.patch(location, offset, data[offset : offset + chunk]).status_code == 204

    # A third chunk is in flight (half its bytes sent) when the server is SIGKILLed.
    third = data[2 * chunk : 3 * chunk]
    sent_half, release = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield third[: chunk // 2]
        sent_half.set()
        release.wait(10)
        yield third[chunk // 2 :]

    tus = {
        "Content-Type": p.TUS_CONTENT_TYPE,
        "Upload-Offset": str(2 * chunk),
        "Tus-Resumable": "1.0.0",
        "Content-Length": str(len(third)),
        "Upload-Checksum": p.tus_checksum_header(third),
    }
    headers = {
        **p.sign_request(kiosk.key, kiosk.device_id, "PATCH", location, third, headers=tus),
        **tus,
    }
    outcome: list[Any] = []

    def send() -> None:
        try:
            outcome.append(
                httpx.patch(
                    f"{crash_server.url}{location}",
                    content=slow_body(),
                    headers=headers,
                    timeout=10,
                )
            )
        except httpx.HTTPError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    assert sent_half.wait(10)
    crash_server.kill()
    release.set()
    sender.join(15)
    assert outcome and isinstance(outcome[0], httpx.HTTPError)  # the kiosk saw a failure
    kiosk.close()

    crash_server.start()
    # The kiosk restarted too: a new client with the same key asks where to resume.
    again = Kiosk(crash_server)
    again.key, again.device_id, again.commune = kiosk.key, kiosk.device_id, kiosk.commune
    head = again.request("HEAD", location)
    assert head.status_code == 200
    offset = int(head.headers["Upload-Offset"])
    assert offset == 2 * chunk  # exactly the durable bytes: nothing lost, nothing invented
    while offset < len(data):
        r = again.patch(location, offset, data[offset : offset + chunk])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    reg_id = str(uuid.uuid4())
    doc = registration_doc(again, [(data, location)])
    assert again.commit(reg_id, doc).status_code == 201
    sha = hashlib.sha256(data).hexdigest()
    assert (crash_server.data_dir / "media" / sha[:2] / sha).read_bytes() == data

    crash_server.kill()  # the commit answered 201: it must survive a crash right after
    crash_server.start()
    assert again.commit(reg_id, doc).status_code == 200


def test_abandoned_upload_expires(make_server: Any) -> None:
    srv = make_server("--upload-expiry", "0.5", "--sweep-interval", "0.2")
    kiosk = Kiosk(srv).enrol()
    data = os.urandom(1000)
    location = kiosk.create_upload(data).headers["Location"]
    r = kiosk.patch(location, 0, data[:300])
    assert r.status_code == 204 and "Upload-Expires" in r.headers
    partial = srv.data_dir / "media" / "partial" / location.rsplit("/", 1)[1]
    assert partial.exists()
    _wait_for(lambda: not partial.exists())
    assert kiosk.request("HEAD", location).status_code == 410
    r = kiosk.patch(location, 300, data[300:])
    assert r.status_code == 410 and r.json()["error"] == "upload_expired"
    fresh = kiosk.upload(data)  # the kiosk simply starts over
    assert fresh != location


def test_old_cursor_gets_410_then_snapshot(make_server: Any) -> None:
    srv = make_server("--feed-retention", "0.5", "--sweep-interval", "0.2")
    kiosk = Kiosk(srv).enrol()
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, registration_doc(kiosk)).status_code == 201

    def expired() -> bool:
        return kiosk.request("GET", "/v1/changes?since=0").status_code == 410

    _wait_for(expired)
    r = kiosk.request("GET", "/v1/changes?since=0")
    assert r.json()["error"] == "cursor_expired" and r.json()["message"]
    snap = kiosk.request("GET", "/v1/snapshot").json()
    assert {"registration_id": reg_id, "status": "received"}.items() <= next(
        s for s in snap["statuses"] if s["registration_id"] == reg_id
    ).items()
    assert snap["catalog_version"] == "test-catalog-1"
    after = kiosk.request("GET", f"/v1/changes?since={snap['next']}")
    assert after.status_code == 200, after.text
    assert int(after.json()["next"]) >= int(snap["next"])

    db_path = srv.db_url.removeprefix("sqlite:///")

    def feed_is_empty() -> bool:  # compaction removed every entry
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            return conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 0

    _wait_for(feed_is_empty)
    snap2 = kiosk.request("GET", "/v1/snapshot").json()
    assert int(snap2["next"]) >= int(snap["next"]) > 0  # never falls back below the floor
    assert kiosk.request("GET", f"/v1/changes?since={snap2['next']}").status_code == 200

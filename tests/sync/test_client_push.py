"""The sync client against a real server process, through our fault proxy, with a real Store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from kiosk.model import State, utc_now
from sync import protocol
from sync.client.backoff import Backoff
from sync.client.link import LinkEstimator
from sync.client.pull import pull_changes
from sync.client.push import push_pending
from tests.sync.conftest import ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide, jpeg_bytes  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]

CHUNK = 64 * 1024


def server_rows(server: ServerProcess, reg_id: str) -> list[tuple[str, str]]:
    path = server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, body FROM registrations WHERE id = ?", (reg_id,)).fetchall()


def fixed_chunks(api_link: LinkEstimator) -> None:
    api_link.min_chunk = api_link.max_chunk = CHUNK


def quick_timeouts(api_link: LinkEstimator) -> None:
    """The link as measured on loopback, with a 1 s timeout floor: a silent link is given up
    on within a second instead of the production 10 s."""
    api_link.rtt, api_link.bandwidth = 0.01, 50e6
    api_link.min_timeout = 1.0


@pytest.mark.parametrize("parallel", [0, 3], ids=["one-by-one", "three-connections"])
def test_push_uploads_commits_and_stores_the_signed_receipt(
    kiosk_side: KioskSide, parallel: int
) -> None:
    regs = [kiosk_side.submit(pages=2, seed=i) for i in range(3)]
    api = kiosk_side.api()
    with ThreadPoolExecutor(max(1, parallel)) as pool:
        results = push_pending(
            kiosk_side.store, api, executor=pool if parallel else None, parallel=parallel
        )
    if not parallel:
        assert [r.registration_id for r in results] == [r.id for r in regs]  # oldest first
    assert sorted(r.registration_id for r in results) == sorted(r.id for r in regs)
    assert all(r.ok for r in results), results
    for reg in regs:
        saved = kiosk_side.store.get(reg.id)
        assert saved.state is State.ACCEPTED
        assert saved.server_receipt is not None
        receipt = saved.server_receipt["receipt"]
        assert protocol.verify_receipt(
            api.server_public_key, receipt, saved.server_receipt["signature"]
        )
        rows = server_rows(kiosk_side.server, reg.id)
        assert len(rows) == 1
        body = json.loads(rows[0][1])
        assert body["app_number"] == reg.app_number
        assert sorted(a["sha256"] for a in body["attachments"]) == sorted(
            a.media.sha256 for a in reg.attachments
        )
    assert kiosk_side.store.outbox() == []
    assert push_pending(kiosk_side.store, api) == []  # nothing left to do


@pytest.mark.parametrize("parallel", [0, 3], ids=["one-by-one", "three-connections"])
def test_cut_mid_chunk_resumes_and_resends_at_most_one_chunk(
    kiosk_side: KioskSide, parallel: int
) -> None:
    reg = kiosk_side.submit(pages=1, size=300_000)
    payload = sum(a.media.size for a in reg.attachments)
    api = kiosk_side.api()
    fixed_chunks(api.link)
    kiosk_side.proxy.cut_after(400_000)  # inside the second file, mid-chunk
    with ThreadPoolExecutor(max(1, parallel)) as pool:
        results = push_pending(
            kiosk_side.store, api, executor=pool if parallel else None, parallel=parallel
        )
    assert kiosk_side.proxy.stats.fired["cut"] == 1
    assert results[0].ok, results
    resent = api.stats["body_bytes"] - payload
    assert 0 < resent <= CHUNK
    assert len(server_rows(kiosk_side.server, reg.id)) == 1


def test_silent_stall_mid_chunk_is_given_up_on_and_resumed(kiosk_side: KioskSide) -> None:
    """A link that dies without a reset: the chunk's answer never comes. The client gives up
    after the measured link's timeout (floor lowered for the test), asks the server where the
    bytes stopped and finishes; at most one chunk goes twice and the server keeps one copy."""
    reg = kiosk_side.submit(pages=1, size=300_000)
    payload = sum(a.media.size for a in reg.attachments)
    api = kiosk_side.api()
    fixed_chunks(api.link)
    quick_timeouts(api.link)
    assert api.link.timeout_for(CHUNK) == 1.0
    kiosk_side.proxy.stall_after(400_000)
    results = push_pending(kiosk_side.store, api)
    assert kiosk_side.proxy.stats.fired["stall"] == 1
    assert results[0].ok, results
    resent = api.stats["body_bytes"] - payload
    assert 0 < resent <= CHUNK
    assert len(server_rows(kiosk_side.server, reg.id)) == 1
    assert kiosk_side.store.get(reg.id).state is State.ACCEPTED


def test_chunk_answer_lost_by_timeout_asks_before_resending(kiosk_side: KioskSide) -> None:
    """The server kept a chunk but its answer never came (no reset): the client asks where the
    upload stands instead of sending the chunk again, so nothing goes twice."""
    reg = kiosk_side.submit(pages=1, size=300_000)
    payload = sum(a.media.size for a in reg.attachments)
    api = kiosk_side.api()
    fixed_chunks(api.link)
    quick_timeouts(api.link)
    kiosk_side.proxy.drop_response(b"PATCH /v1/uploads/", silent=True)
    results = push_pending(kiosk_side.store, api)
    assert kiosk_side.proxy.wait_fired("drop_response", timeout=1)
    assert results[0].ok, results
    assert api.stats["timeouts"] == 1
    assert api.stats["body_bytes"] == payload  # not one byte sent twice
    assert api.stats.get("offset_conflicts", 0) == 0
    assert kiosk_side.store.get(reg.id).state is State.ACCEPTED


def test_lost_response_after_commit_gets_the_original_receipt(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit()
    api = kiosk_side.api()
    kiosk_side.proxy.drop_response(b"PUT /v1/registrations/")
    first = push_pending(kiosk_side.store, api)
    assert kiosk_side.proxy.stats.fired["drop_response"] == 1
    assert not first[0].ok and first[0].error_key == "sync.error.offline"
    assert kiosk_side.store.get(reg.id).state is State.UPLOADING
    stored_rows = server_rows(kiosk_side.server, reg.id)
    assert len(stored_rows) == 1  # the server did commit before the response was lost
    second = push_pending(kiosk_side.store, api)
    assert second[0].ok
    assert len(server_rows(kiosk_side.server, reg.id)) == 1  # no duplicate
    with sqlite3.connect(kiosk_side.server.db_url.removeprefix("sqlite:///")) as db:
        (receipt,) = db.execute(
            "SELECT receipt FROM registrations WHERE id = ?", (reg.id,)
        ).fetchone()
    assert second[0].receipt is not None
    assert second[0].receipt["receipt"] == json.loads(receipt)


def test_flipped_bit_is_refused_and_the_chunk_sent_again(kiosk_side: KioskSide) -> None:
    """The server refuses the damaged chunk (460, or 401 when the body-hash signature catches it
    first) and keeps nothing of it; the client sends that one chunk again."""
    reg = kiosk_side.submit(pages=0, size=200_000)
    api = kiosk_side.api()
    fixed_chunks(api.link)
    kiosk_side.proxy.flip_bit(b"PATCH /v1/uploads/", body_offset=1000)
    results = push_pending(kiosk_side.store, api)
    assert kiosk_side.proxy.stats.fired["flip_bit"] == 1
    assert results[0].ok, results
    assert api.stats["body_bytes"] == reg.attachments[0].media.size + CHUNK  # one chunk again


def test_503_with_retry_after_stops_the_round_and_is_honoured(kiosk_side: KioskSide) -> None:
    kiosk_side.submit()
    api = kiosk_side.api()
    assert api.ping()
    kiosk_side.proxy.respond(503, retry_after="120")
    results = push_pending(kiosk_side.store, api)
    assert len(results) == 1 and not results[0].ok
    assert results[0].error_key == "sync.error.server_busy"
    assert results[0].retry_after == 120.0
    backoff = Backoff(rand=lambda: 0.0)
    assert backoff.failed(results[0].retry_after) == 120.0  # never sooner than asked
    assert push_pending(kiosk_side.store, api)[0].ok  # the server is fine again


def test_kiosk_clock_three_days_off_still_syncs(kiosk_side: KioskSide) -> None:
    kiosk_side.submit()
    api = kiosk_side.api()
    api.clock = lambda: utc_now() - timedelta(days=3)
    api.link.add_rtt(0.01)  # skip the probe: the 401 clock_skew path must do the learning
    results = push_pending(kiosk_side.store, api)
    assert results[0].ok, results
    assert abs(api.clock_offset - timedelta(days=3)) < timedelta(minutes=1)


def test_conflict_is_flagged_for_the_clerk_and_not_retried(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit(pages=0)
    api = kiosk_side.api()
    other = {
        "service_id": reg.service_id,
        "form_version": reg.form_version,
        "app_number": reg.app_number,
        "commune_code": reg.commune_code,
        "locale": "en",
        "submitted_at": "2026-01-01T00:00:00Z",
        "answers": {"x": 1},
        "attachments": [],
    }
    assert api.request("PUT", f"/v1/registrations/{reg.id}", json_body=other).status_code == 201
    results = push_pending(kiosk_side.store, api)
    assert not results[0].ok and results[0].flagged
    assert results[0].error_key == "sync.error.conflict"
    saved = kiosk_side.store.get(reg.id)
    assert saved.last_sync_error and "different content" in saved.last_sync_error
    assert push_pending(kiosk_side.store, api) == []  # a person must look first
    assert json.loads(server_rows(kiosk_side.server, reg.id)[0][1])["answers"] == {"x": 1}


def test_status_change_on_the_server_reaches_the_kiosk(kiosk_side: KioskSide) -> None:
    reg = kiosk_side.submit(pages=0)
    api = kiosk_side.api()
    assert push_pending(kiosk_side.store, api)[0].ok
    pull_changes(kiosk_side.store, api)
    cursor = kiosk_side.store.feed_cursor()
    kiosk_side.server.cli("set-status", reg.id, "in_review", "--note", "checking")  # the command
    assert pull_changes(kiosk_side.store, api) >= 1
    saved = kiosk_side.store.get(reg.id)
    assert saved.server_status == "in_review" and saved.status_note == "checking"
    assert kiosk_side.store.feed_cursor() != cursor
    kiosk_side.server.set_status(reg.id, "rejected", "wrong commune")
    pull_changes(kiosk_side.store, api)
    assert kiosk_side.store.get(reg.id).state is State.DECIDED


def test_attachments_missing_on_commit_are_uploaded_again(kiosk_side: KioskSide) -> None:
    """A stored upload URL that points at the wrong bytes (say, a restored backup of the
    kiosk): the server names the missing hash at commit and the client sends it afresh."""
    from sync.client.tus import Media, upload

    reg = kiosk_side.submit(pages=0, size=30_000)
    media = reg.attachments[0].media
    api = kiosk_side.api()
    other = jpeg_bytes(media.size, seed=4242)
    other_sha = hashlib.sha256(other).hexdigest()
    wrong_url = upload(api, Media(reg.id, other_sha, other), report=lambda url, off: None)
    kiosk_side.store.save_upload_state(reg.id, media.sha256, wrong_url, media.size)
    results = push_pending(kiosk_side.store, api)
    assert results[0].ok, results
    body = json.loads(server_rows(kiosk_side.server, reg.id)[0][1])
    assert body["attachments"][0]["sha256"] == media.sha256
    assert body["attachments"][0]["upload"] != wrong_url

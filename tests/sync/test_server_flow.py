"""The happy paths against a real server process: enrol, upload, commit, feed, officers."""

from __future__ import annotations

import hashlib
import os
import uuid

import httpx

from sync import protocol as p
from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import COMMUNE, Kiosk, ServerProcess, registration_doc


def test_ping_is_cheap_and_tells_the_time(backend_server: ServerProcess) -> None:
    r = httpx.get(f"{backend_server.url}/v1/ping")
    assert r.status_code == 204
    p.parse_date(r.headers[p.HDR_SERVER_TIME])


def test_openapi_lists_only_v1_paths(backend_server: ServerProcess) -> None:
    spec = httpx.get(f"{backend_server.url}/openapi.json").json()
    assert spec["paths"]
    assert all(path.startswith("/v1/") for path in spec["paths"])
    assert httpx.get(f"{backend_server.url}/docs").status_code == 404


def test_enrol_binds_the_device_to_the_codes_commune(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol(commune="010201")
    assert kiosk.commune == "010201"
    assert kiosk.server_public_key == backend_server.server_public_key
    r = kiosk.request("GET", "/v1/changes?since=0&limit=10")
    assert r.status_code == 200, r.text


def test_enrolment_code_is_single_use(backend_server: ServerProcess) -> None:
    code = backend_server.enrolment_code()
    Kiosk(backend_server).enrol(code)
    second = Kiosk(backend_server)
    r = second.http.post(
        "/v1/devices", json={"code": code, "public_key": p.public_key_b64(second.key)}
    )
    assert r.status_code == 403
    assert r.json()["error"] == "enrolment_code_used"


def test_upload_commit_receipt_and_idempotent_retry(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    photo = os.urandom(150_000)
    location = kiosk.upload(photo, chunk=40_000)
    head = kiosk.request("HEAD", location)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(photo))
    reg_id = str(uuid.uuid4())
    doc = registration_doc(kiosk, [(photo, location)])
    first = kiosk.commit(reg_id, doc)
    assert first.status_code == 201, first.text
    body = first.json()
    assert p.verify_receipt(kiosk.server_public_key, body["receipt"], body["signature"])
    assert body["receipt"]["content_sha256"] == p.commit_body_sha256(doc)
    assert body["receipt"]["app_number"] == doc["app_number"]
    assert body["review"] is None
    again = kiosk.commit(reg_id, doc)  # a retry after a lost response
    assert again.status_code == 200
    assert again.json()["receipt"] == body["receipt"]
    assert again.json()["signature"] == body["signature"]


def test_same_id_different_content_is_a_conflict(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id = str(uuid.uuid4())
    doc = registration_doc(kiosk)
    assert kiosk.commit(reg_id, doc).status_code == 201
    changed = {**doc, "answers": {**doc["answers"], "phone": "+85599999999"}}
    r = kiosk.commit(reg_id, changed)
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    assert kiosk.commit(reg_id, doc).status_code == 200  # the original is untouched


def test_media_dedup_by_device_and_hash(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    data = os.urandom(10_000)
    location = kiosk.upload(data)
    r = kiosk.create_upload(data)
    assert r.status_code == 201
    assert r.headers["Location"] == location
    assert r.headers["Upload-Offset"] == str(len(data))


def test_creation_with_upload_sends_the_first_chunk(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    data = os.urandom(5000)
    r = kiosk.create_upload(data, first=data)
    assert r.status_code == 201, r.text
    assert r.headers["Upload-Offset"] == str(len(data))
    sha = hashlib.sha256(data).hexdigest()
    media = backend_server.data_dir / "media" / sha[:2] / sha
    assert media.read_bytes() == data


def test_unknown_service_is_kept_for_review(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id = str(uuid.uuid4())
    r = kiosk.commit(reg_id, registration_doc(kiosk, service=("no_such_service", "9")))
    assert r.status_code == 201, r.text
    assert r.json()["review"] == "unknown_service"
    snap = kiosk.request("GET", "/v1/snapshot").json()
    assert reg_id in {s["registration_id"] for s in snap["statuses"]}
    listed = backend_server.cli("review").stdout
    assert f"{reg_id}\tunknown_service\tno_such_service@9" in listed


def test_officer_moves_flow_into_the_feed(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    other = Kiosk(backend_server).enrol(commune="170301")
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, registration_doc(kiosk)).status_code == 201
    token = backend_server.officer_token()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{backend_server.url}/v1/registrations/{reg_id}/status"
    assert httpx.post(url, json={"status": "in_review"}, headers=auth).status_code == 200
    bad = httpx.post(url, json={"status": "collected"}, headers=auth)
    assert bad.status_code == 409
    assert "in_review" in bad.json()["message"]
    assert (
        httpx.post(
            url, json={"status": "approved", "note": "ok"}, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    done = backend_server.cli("set-status", reg_id, "approved", "--note", "បានអនុម័ត")
    assert "approved" in done.stdout
    feed = kiosk.request("GET", f"/v1/changes?since={start}&limit=100").json()
    mine = [c for c in feed["changes"] if c["kind"] == "status" and c["registration_id"] == reg_id]
    assert [c["status"] for c in mine] == ["received", "in_review", "approved"]
    assert mine[-1]["note"] == "បានអនុម័ត"
    seqs = [c["seq"] for c in feed["changes"]]
    assert seqs == sorted(seqs) and int(feed["next"]) >= seqs[-1]
    theirs = other.request("GET", f"/v1/changes?since={start}").json()["changes"]
    assert all(c.get("registration_id") != reg_id for c in theirs)


def test_feed_pages_with_limit_and_more(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol(commune="020304")
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    for _ in range(5):
        assert kiosk.commit(str(uuid.uuid4()), registration_doc(kiosk)).status_code == 201
    seen, cursor, pages = [], start, 0
    while True:
        page = kiosk.request("GET", f"/v1/changes?since={cursor}&limit=2").json()
        seen += [c["seq"] for c in page["changes"] if c["kind"] == "status"]
        cursor, pages = page["next"], pages + 1
        if not page["more"]:
            break
    assert len(seen) == 5 and pages == 3
    assert seen == sorted(seen)
    future = kiosk.request("GET", f"/v1/changes?since={int(cursor) + 1000}")
    assert future.status_code == 410 and future.json()["error"] == "cursor_expired"
    bad = kiosk.request("GET", "/v1/changes?since=abc")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_cursor"


def test_catalog_publish_reaches_the_feed(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    token = backend_server.officer_token()
    version = f"v-{uuid.uuid4().hex[:8]}"
    doc = valid_catalog(version, [("new_service", "2")])
    r = httpx.post(
        f"{backend_server.url}/v1/catalog", json=doc, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201, r.text
    feed = kiosk.request("GET", f"/v1/changes?since={start}").json()["changes"]
    entry = next(c for c in feed if c["kind"] == "catalog")
    assert entry["version"] == version
    body = kiosk.request("GET", entry["url"])
    assert body.status_code == 200 and body.json() == doc
    reg = registration_doc(kiosk, service=("new_service", "2"))
    assert kiosk.commit(str(uuid.uuid4()), reg).json()["review"] is None
    assert kiosk.commune == COMMUNE

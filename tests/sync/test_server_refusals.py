"""Bad input: each refused with the right status and a JSON message, nothing stored changed."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc


def _error(r: httpx.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["error"] == code
    return body


def _is_new(kiosk: Kiosk, reg_id: str, doc: dict) -> bool:
    """True if the registration was NOT stored before (the real commit answers 201)."""
    return kiosk.commit(reg_id, doc).status_code == 201


def test_unsigned_requests_are_refused(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id, doc = str(uuid.uuid4()), registration_doc(kiosk)
    r = kiosk.http.put(f"/v1/registrations/{reg_id}", json=doc)
    _error(r, 401, "unauthorized")
    assert p.HDR_SERVER_TIME in r.headers
    _error(kiosk.http.get("/v1/changes"), 401, "unauthorized")
    _error(kiosk.http.post("/v1/uploads", headers={"Upload-Length": "10"}), 401)
    assert _is_new(kiosk, reg_id, doc)


def test_forged_and_tampered_requests_are_refused(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id, doc = str(uuid.uuid4()), registration_doc(kiosk)
    path = f"/v1/registrations/{reg_id}"
    forger = Ed25519PrivateKey.generate()  # knows the device id, not its key
    body = p.canonical_json(doc)
    headers = p.sign_request(forger, kiosk.device_id, "PUT", path, body)
    _error(kiosk.http.put(path, content=body, headers=headers), 401, "bad_signature")
    headers = p.sign_request(kiosk.key, kiosk.device_id, "PUT", path, body)
    tampered = p.canonical_json({**doc, "app_number": "120101-99999-0"})
    _error(kiosk.http.put(path, content=tampered, headers=headers), 401, "bad_signature")
    other_path = f"/v1/registrations/{uuid.uuid4()}"
    headers = p.sign_request(kiosk.key, kiosk.device_id, "PUT", path, body)
    _error(kiosk.http.put(other_path, content=body, headers=headers), 401, "bad_signature")
    unknown = p.sign_request(kiosk.key, str(uuid.uuid4()), "PUT", path, body)
    _error(kiosk.http.put(path, content=body, headers=unknown), 401, "unknown_device")
    assert _is_new(kiosk, reg_id, doc)


def test_nan_in_a_commit_is_refused_not_hashed(backend_server: ServerProcess) -> None:
    """NaN is not JSON; canonical JSON refuses it, so the server answers 400, never 500."""
    kiosk = Kiosk(backend_server).enrol()
    reg_id, doc = str(uuid.uuid4()), registration_doc(kiosk)
    with pytest.raises(ValueError):
        p.canonical_json({**doc, "answers": {"height": float("nan")}})
    body = p.canonical_json(doc).replace(b'"+85512345678"', b"NaN")
    r = kiosk.request(
        "PUT", f"/v1/registrations/{reg_id}", body, headers={"Content-Type": "application/json"}
    )
    _error(r, 400, "bad_json")
    lone = p.canonical_json(doc).replace(b'"+85512345678"', b'"\\ud800"')  # no UTF-8 for it
    r = kiosk.request(
        "PUT", f"/v1/registrations/{reg_id}", lone, headers={"Content-Type": "application/json"}
    )
    _error(r, 400, "bad_json")
    assert _is_new(kiosk, reg_id, doc)


def test_replayed_commit_is_refused(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id, doc = str(uuid.uuid4()), registration_doc(kiosk)
    nonce = p.new_nonce()
    assert kiosk.commit(reg_id, doc, nonce=nonce).status_code == 201
    _error(kiosk.commit(reg_id, doc, nonce=nonce), 401, "replay")
    other_id = str(uuid.uuid4())
    _error(kiosk.commit(other_id, registration_doc(kiosk), nonce=nonce), 401)
    assert kiosk.commit(reg_id, doc).status_code == 200  # a fresh nonce is a normal retry


def test_revoked_device_is_refused(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    assert kiosk.request("GET", "/v1/changes").status_code == 200
    backend_server.cli("revoke", kiosk.device_id)
    _error(kiosk.request("GET", "/v1/changes"), 401, "device_revoked")
    _error(kiosk.commit(str(uuid.uuid4()), registration_doc(kiosk)), 401, "device_revoked")


def test_clock_three_days_off_gets_server_time_then_syncs(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    wrong = datetime.now(UTC) - timedelta(days=3)
    reg_id, doc = str(uuid.uuid4()), registration_doc(kiosk)
    r = kiosk.commit(reg_id, doc, now=wrong)
    _error(r, 401, "clock_skew")
    server_now = p.parse_date(r.headers[p.HDR_SERVER_TIME])
    offset = server_now - wrong  # what the client learns and adds to its own clock
    assert kiosk.commit(reg_id, doc, now=wrong + offset).status_code == 201


def test_commit_names_attachments_not_uploaded(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    photo, page = os.urandom(3000), os.urandom(4000)
    location = kiosk.upload(photo)
    reg_id = str(uuid.uuid4())
    doc = registration_doc(kiosk, [(photo, location), (page, "/v1/uploads/none")])
    body = _error(kiosk.commit(reg_id, doc), 409, "attachments_missing")
    assert body["missing"] == [hashlib.sha256(page).hexdigest()]
    lying = registration_doc(kiosk, [(photo, location)])
    lying["attachments"][0]["sha256"] = hashlib.sha256(b"something else").hexdigest()
    _error(kiosk.commit(str(uuid.uuid4()), lying), 409, "attachments_missing")
    kiosk.upload(page)
    assert _is_new(kiosk, reg_id, doc)


def test_whole_file_hash_mismatch_fails_the_upload(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    real = os.urandom(2000)
    claimed = hashlib.sha256(b"not these bytes").hexdigest()
    r = kiosk.create_upload(real, sha=claimed)
    assert r.status_code == 201
    assert kiosk.patch(r.headers["Location"], 0, real).status_code == 204
    doc = registration_doc(kiosk, [(real, r.headers["Location"])])
    doc["attachments"][0]["sha256"] = claimed
    body = _error(kiosk.commit(str(uuid.uuid4()), doc), 409, "attachments_missing")
    assert body["missing"] == [claimed]
    assert not (backend_server.data_dir / "media" / claimed[:2] / claimed).exists()


def test_chunk_problems(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    data = os.urandom(1000)
    loc = kiosk.create_upload(data).headers["Location"]
    assert kiosk.patch(loc, 0, data[:400]).status_code == 204
    wrong = _error(kiosk.patch(loc, 100, data[100:500]), 409, "offset_mismatch")
    assert wrong["offset"] == 400
    bad_sum = p.tus_checksum_header(b"other bytes")
    _error(kiosk.patch(loc, 400, data[400:800], checksum=bad_sum), 460, "checksum_mismatch")
    _error(kiosk.patch(loc, 400, data[400:] + b"extra"), 413, "too_many_bytes")
    assert kiosk.request("HEAD", loc).headers["Upload-Offset"] == "400"
    r = kiosk.request(
        "PATCH",
        loc,
        data[400:],
        headers={
            "Content-Type": p.TUS_CONTENT_TYPE,
            "Upload-Offset": "400",
            "Tus-Resumable": "0.2.2",
        },
    )
    assert r.status_code == 412 and r.headers["Tus-Version"] == "1.0.0"
    assert kiosk.patch(loc, 400, data[400:]).status_code == 204
    assert kiosk.request("HEAD", loc).headers["Upload-Offset"] == "1000"
    assert kiosk.request("DELETE", loc).status_code == 204
    assert kiosk.request("HEAD", loc).status_code == 404  # HEAD answers carry no body
    _error(kiosk.patch(loc, 1000, b""), 404, "unknown_upload")


def test_two_gigabyte_upload_refused_at_once(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    r = kiosk.create_upload(b"", sha="a" * 64, length=2 * 1024**3)
    body = _error(r, 413, "too_large")
    assert "2147483648" in body["message"] and "20971520" in body["message"]
    # A PATCH that announces 2 GB is answered before any of it is sent.
    loc = kiosk.create_upload(b"x" * 10).headers["Location"]
    signed = p.sign_request(kiosk.key, kiosk.device_id, "PATCH", loc, b"")
    head = [
        f"PATCH {loc} HTTP/1.1",
        f"Host: 127.0.0.1:{backend_server.port}",
        f"Content-Type: {p.TUS_CONTENT_TYPE}",
        "Upload-Offset: 0",
        "Tus-Resumable: 1.0.0",
        f"Content-Length: {2 * 1024**3}",
        *(f"{k}: {v}" for k, v in signed.items()),
    ]
    with socket.create_connection(("127.0.0.1", backend_server.port), timeout=10) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        reply = s.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413"), reply


def test_malformed_json_gets_a_message_not_a_crash(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id = str(uuid.uuid4())
    for body in (
        b"{not json",
        b"[]",
        b'{"service_id": 5}',
        '{"a": "\udcff"}'.encode("utf-8", "surrogatepass"),
    ):
        r = kiosk.request(
            "PUT", f"/v1/registrations/{reg_id}", body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code in (400, 422), r.text
        assert r.json()["message"]
    r = kiosk.http.post(
        "/v1/devices", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    _error(r, 422, "invalid_request")
    assert _is_new(kiosk, reg_id, registration_doc(kiosk))


def test_wrong_commune_in_body_is_refused(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    reg_id = str(uuid.uuid4())
    doc = registration_doc(kiosk, commune_code="999999")
    _error(kiosk.commit(reg_id, doc), 403, "wrong_commune")
    assert _is_new(kiosk, reg_id, registration_doc(kiosk))


@pytest.mark.parametrize("name", ["../../../../tmp/evil", "..%2F..%2Fetc%2Fpasswd", "x" * 300])
def test_path_traversal_names_touch_no_files(backend_server: ServerProcess, name: str) -> None:
    kiosk = Kiosk(backend_server).enrol()
    before = {p_ for p_ in backend_server.data_dir.rglob("*")}
    for method in ("HEAD", "PATCH", "DELETE"):
        r = kiosk.request(
            method,
            f"/v1/uploads/{name}",
            b"",
            headers={"Content-Type": p.TUS_CONTENT_TYPE, "Upload-Offset": "0"},
        )
        assert r.status_code in (404, 422), (method, r.status_code)
    meta = p.encode_tus_metadata({"sha256": name, "filename": "../../etc/passwd"})
    r = kiosk.request(
        "POST", "/v1/uploads", headers={"Upload-Length": "5", "Upload-Metadata": meta}
    )
    _error(r, 400, "bad_metadata")
    r = kiosk.commit(name, registration_doc(kiosk))
    assert r.status_code in (404, 422)
    after = {p_ for p_ in backend_server.data_dir.rglob("*")}
    assert {x for x in after - before if "server.db" not in x.name} == set()
    assert not os.path.exists("/tmp/evil")


def test_other_devices_uploads_are_invisible(backend_server: ServerProcess) -> None:
    alice, mallory = Kiosk(backend_server).enrol(), Kiosk(backend_server).enrol()
    data = os.urandom(500)
    loc = alice.upload(data)
    assert mallory.request("HEAD", loc).status_code == 404
    _error(mallory.patch(loc, 0, b"x"), 404, "unknown_upload")
    _error(mallory.request("DELETE", loc), 404)
    doc = registration_doc(mallory, [(data, loc)])
    _error(mallory.commit(str(uuid.uuid4()), doc), 409, "attachments_missing")


def test_streamed_body_over_the_limit_is_cut_off(server: ServerProcess) -> None:
    """No Content-Length (chunked): the bytes are counted as they arrive."""
    kiosk = Kiosk(server).enrol()

    def stream(mib: int) -> Iterator[bytes]:
        for _ in range(mib):
            yield b"x" * (1 << 20)

    r = httpx.put(
        f"{server.url}/v1/registrations/{uuid.uuid4()}",
        content=stream(17),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    _error(r, 413, "too_large")
    loc = kiosk.create_upload(b"y" * 100).headers["Location"]
    r = httpx.patch(
        f"{server.url}{loc}",
        content=stream(21),
        timeout=30,
        headers={"Content-Type": p.TUS_CONTENT_TYPE, "Upload-Offset": "0"},
    )
    _error(r, 413, "too_large")
    assert kiosk.request("HEAD", loc).headers["Upload-Offset"] == "0"

"""Issue 10 item 1: kiosk numbers at enrolment, and one application number per device.

Two kiosks of one commune handed out the same application numbers and the server took both;
a decision about one then reached the other. The server now gives each kiosk its own number
(put into its application numbers) and refuses a number another device already sent.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc


def _enrol(server: ServerProcess, commune: str) -> tuple[Kiosk, dict[str, Any]]:
    kiosk = Kiosk(server)
    code = server.enrolment_code(commune)
    r = kiosk.http.post(
        "/v1/devices", json={"code": code, "public_key": p.public_key_b64(kiosk.key)}
    )
    assert r.status_code == 201, r.text
    kiosk.device_id, kiosk.commune = r.json()["device_id"], commune
    return kiosk, r.json()


def test_each_kiosk_of_a_commune_gets_its_own_number(backend_server: ServerProcess) -> None:
    commune = f"9{uuid.uuid4().int % 10**5:05d}"  # a commune no other test uses
    _, answer = _enrol(backend_server, commune)
    second, answer2 = _enrol(backend_server, commune)
    _, answer3 = _enrol(backend_server, "020304")
    assert (answer["kiosk_number"], answer2["kiosk_number"]) == (1, 2)
    assert isinstance(answer3["kiosk_number"], int) and answer3["kiosk_number"] >= 1
    # A revoked kiosk's number is never handed out again: its receipts are still out there.
    backend_server.cli("revoke", second.device_id)
    third, answer4 = _enrol(backend_server, commune)
    assert answer4["kiosk_number"] == 3
    me = third.request("GET", "/v1/device")
    assert me.status_code == 200, me.text
    assert me.json() == {"device_id": third.device_id, "commune_code": commune, "kiosk_number": 3}


def test_enrolment_is_refused_when_the_commune_has_no_number_left(make_server: Any) -> None:
    srv = make_server()
    codes = srv.cli("enrolment-code", "--commune", "130101", "--count", "100").stdout.split()
    with httpx.Client(base_url=srv.url) as http:
        for code in codes[:99]:
            key = p.public_key_b64(Ed25519PrivateKey.generate())
            assert http.post("/v1/devices", json={"code": code, "public_key": key}).is_success
        key = p.public_key_b64(Ed25519PrivateKey.generate())
        for _ in range(2):  # the code is not spent by the refusal
            r = http.post("/v1/devices", json={"code": codes[99], "public_key": key})
            assert r.status_code == 409, r.text
            assert r.json()["error"] == "kiosk_numbers_exhausted"
            assert "99" in r.json()["message"]


def test_an_application_number_belongs_to_one_device(backend_server: ServerProcess) -> None:
    a, b = Kiosk(backend_server).enrol(), Kiosk(backend_server).enrol()
    reg_a, reg_b = str(uuid.uuid4()), str(uuid.uuid4())
    doc_a = registration_doc(a)
    assert a.commit(reg_a, doc_a).status_code == 201
    doc_b = registration_doc(b, app_number=doc_a["app_number"])
    r = b.commit(reg_b, doc_b)
    assert r.status_code == 409, r.text
    assert r.json()["error"] == p.ERR_APP_NUMBER_TAKEN == "app_number_taken"
    assert doc_a["app_number"] in r.json()["message"]
    assert a.commit(reg_a, doc_a).status_code == 200  # the holder's retry stays idempotent
    # Nothing of B's was stored: with its own number the same id goes through.
    assert (
        b.commit(reg_b, {**doc_b, "app_number": registration_doc(b)["app_number"]}).status_code
        == 201
    )
    # Decisions travel by registration id (kiosks match on it, not on the number).
    feed = b.request("GET", "/v1/changes?limit=1000").json()["changes"]
    statuses = {c["registration_id"]: c for c in feed if c["kind"] == "status"}
    assert statuses[reg_a]["app_number"] == doc_a["app_number"]
    assert statuses[reg_b]["app_number"] != doc_a["app_number"]


def test_two_devices_racing_for_one_number_get_one_201(backend_server: ServerProcess) -> None:
    kiosks = [Kiosk(backend_server).enrol() for _ in range(4)]
    number = registration_doc(kiosks[0])["app_number"]
    results: list[int] = []

    def send(kiosk: Kiosk) -> None:
        doc = registration_doc(kiosk, app_number=number)
        results.append(kiosk.commit(str(uuid.uuid4()), doc).status_code)

    threads = [threading.Thread(target=send, args=(k,)) for k in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [201, 409, 409, 409], results


def test_existing_devices_get_numbers_when_the_server_is_upgraded(tmp_path: Path) -> None:
    """A database from before kiosk numbers: devices are numbered per commune, oldest first."""
    keys = [Ed25519PrivateKey.generate() for _ in range(3)]
    ids = [str(uuid.uuid4()) for _ in keys]
    data = tmp_path / "old"
    data.mkdir()
    make_v1_database(
        data / "server.db",
        devices=[
            (ids[0], "120101", p.public_key_b64(keys[0]), 100.0),
            (ids[1], "120101", p.public_key_b64(keys[1]), 50.0),
            (ids[2], "170301", p.public_key_b64(keys[2]), 70.0),
        ],
    )
    srv = ServerProcess(data).start()
    try:
        numbers = []
        for key, device_id in zip(keys, ids, strict=True):
            kiosk = Kiosk(srv)
            kiosk.key, kiosk.device_id = key, device_id
            r = kiosk.request("GET", "/v1/device")
            assert r.status_code == 200, r.text
            numbers.append(r.json()["kiosk_number"])
        assert numbers == [2, 1, 1]
        _, answer = _enrol(srv, "120101")
        assert answer["kiosk_number"] == 3
    finally:
        srv.stop()


V1_SCHEMA = """
CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at FLOAT NOT NULL);
CREATE TABLE devices (id VARCHAR(36) NOT NULL PRIMARY KEY, commune_code VARCHAR(6) NOT NULL,
  public_key VARCHAR(64) NOT NULL, label VARCHAR(200) NOT NULL, enrolled_at FLOAT NOT NULL,
  revoked_at FLOAT);
CREATE TABLE officers (token_hash VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,
  created_at FLOAT NOT NULL, revoked_at FLOAT);
INSERT INTO schema_migrations VALUES (1, 0);
"""


def make_v1_database(
    path: Path,
    devices: list[tuple[str, str, str, float]] = (),  # type: ignore[assignment]
    officers: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> None:
    """The two tables the upgrade changes, as the first schema had them; the server makes
    the others it lacks. `officers` are (token hash, name)."""
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
        db.executemany("INSERT INTO devices VALUES (?, ?, ?, 'old', ?, NULL)", devices)
        db.executemany("INSERT INTO officers VALUES (?, ?, 1.0, NULL)", officers)
    db.close()

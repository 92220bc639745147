"""`sala server` as a technician uses it: help, TLS, direct-db commands, load shedding."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync import protocol as p
from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import ROOT, Kiosk, ServerProcess, registration_doc


def _sala(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("sala", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "ui.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_sala_server_help_documents_the_options() -> None:
    out = _sala("server", "--help")
    assert out.returncode == 0, out.stderr
    for option in (
        "--host",
        "--port",
        "--db",
        "--media-dir",
        "--tls-cert",
        "--tls-key",
        "enrolment-code",
        "officer-token",
        "officer-revoke",
        "officer-list",
        "--accept-v1-tus-until",
        "set-status",
        "revoke",
        "staff",
        "audit-flags",
    ):
        assert option in out.stdout


def test_sala_server_and_the_sala_dispatcher_load_no_kiosk_code() -> None:
    """A ministry server installs only the `server` extra: its commands must not need more."""
    exe = shutil.which("sala-server", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "sync.server"]
    out = subprocess.run([*cmd, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0 and "enrolment-code" in out.stdout, out.stderr
    probe = (
        "import sys; from ui.cli import build_parser; build_parser(only='server'); "
        "import sync.server.app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'ui') "
        "or m.startswith('sync.client')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['ui', 'ui.cli']"


def test_cli_refuses_bad_input_with_a_message(server: ServerProcess) -> None:
    bad = server.cli("enrolment-code", "--commune", "12AB", check=False)
    assert bad.returncode == 2 and "6 digits" in bad.stderr
    missing = server.cli("set-status", str(uuid.uuid4()), "in_review", check=False)
    assert missing.returncode == 1 and "No registration" in missing.stderr
    assert server.cli("revoke", "nobody", check=False).returncode == 1


def test_server_key_is_private_and_db_holds_no_kiosk_secret(server: ServerProcess) -> None:
    assert (server.data_dir / "server_key.pem").stat().st_mode & 0o777 == 0o600
    kiosk = Kiosk(server).enrol()
    with contextlib.closing(sqlite3.connect(server.db_url.removeprefix("sqlite:///"))) as db:
        stored = db.execute(
            "SELECT public_key FROM devices WHERE id = ?", (kiosk.device_id,)
        ).fetchone()[0]
        codes = [r[0] for r in db.execute("SELECT code_hash FROM enrolment_codes")]
    assert stored == p.public_key_b64(kiosk.key)  # only the public half is kept
    assert all(len(c) == 64 for c in codes)  # codes only as SHA-256 hashes


def test_expired_enrolment_code_is_refused(server: ServerProcess) -> None:
    code = server.cli("enrolment-code", "--commune", "120101", "--ttl-hours", "0").stdout.strip()
    kiosk = Kiosk(server)
    r = kiosk.http.post(
        "/v1/devices", json={"code": code, "public_key": p.public_key_b64(kiosk.key)}
    )
    assert r.status_code == 403 and r.json()["error"] == "enrolment_code_expired"
    assert "technician" in r.json()["message"]


def test_publish_refuses_a_catalog_a_kiosk_would_refuse(
    server: ServerProcess, tmp_path: Path
) -> None:
    """`publish catalog` runs the kiosk's validator: exit 1, every problem in English and
    Khmer (the console's words), nothing published; the same file fixed is published."""
    kiosk = Kiosk(server).enrol()
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    doc = valid_catalog(f"cli-{uuid.uuid4().hex[:6]}", [("a_service", "1"), ("b_service", "1")])
    doc["services"][0]["fee_khr"] = -5
    doc["services"][1]["fields"][0]["pattern"] = "(x+)+\\1"
    path = tmp_path / "refused.json"
    path.write_text(json.dumps(doc))
    out = server.cli("publish", "catalog", str(path), check=False)
    assert out.returncode == 1 and not out.stdout
    assert "refused.json: 2 problem(s) a kiosk would refuse" in out.stderr
    assert "refused.json៖ មាន​បញ្ហា 2" in out.stderr
    assert "services[0].fee_khr" in out.stderr and "services[1].fields[0].pattern" in out.stderr
    assert "Nothing was kept or published" in out.stderr
    changes = kiosk.request("GET", f"/v1/changes?since={start}").json()["changes"]
    assert [c for c in changes if c["kind"] == "catalog"] == []
    doc["services"][0]["fee_khr"] = 5000
    del doc["services"][1]["fields"][0]["pattern"]
    path.write_text(json.dumps(doc))
    assert (
        f"published catalog {doc['version']}" in server.cli("publish", "catalog", str(path)).stdout
    )


def test_published_gazetteer_reaches_kiosks(server: ServerProcess, tmp_path: Path) -> None:
    kiosk = Kiosk(server).enrol()
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    doc = tmp_path / "gazetteer.json"
    version = f"gz-{uuid.uuid4().hex[:6]}"
    doc.write_text(json.dumps({"version": version, "places": []}))
    assert "published" in server.cli("publish", "gazetteer", str(doc)).stdout
    again = server.cli("publish", "gazetteer", str(doc), check=False)
    assert again.returncode == 1 and "already published" in again.stderr
    entry = next(
        c
        for c in kiosk.request("GET", f"/v1/changes?since={start}").json()["changes"]
        if c["kind"] == "gazetteer"
    )
    assert entry["version"] == version
    assert kiosk.request("GET", entry["url"]).json()["version"] == version
    assert kiosk.request("GET", "/v1/snapshot").json()["gazetteer_version"] == version


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sala test ministry")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_with_a_pinned_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    srv = ServerProcess(
        tmp_path / "tls", args=("--tls-cert", str(cert), "--tls-key", str(key)), ca=cert
    ).start()  # the probe trusts only the pinned certificate
    try:
        assert srv.url.startswith("https://")
        with pytest.raises(httpx.ConnectError):  # the system CAs do not know the ministry's
            httpx.get(f"{srv.url}/v1/ping", timeout=5)
        kiosk = Kiosk(srv)
        kiosk.http = httpx.Client(base_url=srv.url, verify=srv.verify)
        kiosk.enrol()
        assert kiosk.request("GET", "/v1/changes").status_code == 200
    finally:
        srv.stop()


def _open_slow_patch(
    srv: ServerProcess, loc: str, headers: dict[str, str], first: bytes
) -> socket.socket:
    """A PATCH whose headers and first bytes are sent and whose body then waits: while the
    server reads it, it holds one in-flight slot."""
    url = httpx.URL(srv.url)
    sock = socket.create_connection((url.host, url.port or 80), timeout=30)
    head = f"PATCH {loc} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode("latin-1") + first)
    return sock


def test_overload_answers_503_with_retry_after(make_server: Any) -> None:
    srv = make_server("--max-in-flight", "1")
    kiosk = Kiosk(srv).enrol()
    loc = kiosk.create_upload(b"z" * 1000).headers["Location"]
    chunk = b"z" * 1000
    tus = {
        "Content-Type": p.TUS_CONTENT_TYPE,
        "Upload-Offset": "0",
        "Content-Length": str(len(chunk)),
    }
    headers = {
        **p.sign_request(kiosk.key, kiosk.device_id, "PATCH", loc, chunk, headers=tus),
        **tus,
    }
    # Two requests race for the one slot: the slow PATCH and our probing GET. Whichever the
    # server takes first wins; if the GET won, the PATCH was answered 503 and we try again.
    deadline = time.monotonic() + 30
    held: socket.socket | None = None
    while held is None:
        assert time.monotonic() < deadline, "the server never held the slow PATCH"
        sock = _open_slow_patch(srv, loc, headers, chunk[:10])
        while True:
            if kiosk.request("GET", "/v1/changes").status_code == 503:
                held = sock  # the PATCH holds the slot
                break
            if select.select([sock], [], [], 0)[0]:  # the PATCH was turned away as busy
                assert b" 503 " in sock.recv(4096).split(b"\r\n", 1)[0]
                sock.close()
                break
            assert time.monotonic() < deadline, "the slow PATCH was neither held nor refused"
            time.sleep(0.02)
    try:
        busy = kiosk.commit(str(uuid.uuid4()), registration_doc(kiosk))
        assert busy.status_code == 503
        assert busy.json()["error"] == "busy" and int(busy.headers["Retry-After"]) >= 1
        assert httpx.get(f"{srv.url}/v1/ping").status_code == 204  # the probe still answers
        held.sendall(chunk[10:])  # finish the held PATCH: it completes normally
        status_line = held.recv(4096).split(b"\r\n", 1)[0]
        assert b" 204 " in status_line, status_line
    finally:
        held.close()

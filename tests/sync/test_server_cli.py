"""`sala server` as a technician uses it: help, TLS, direct-db commands, load shedding."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync import protocol as p
from tests.sync.conftest import ROOT, Kiosk, ServerProcess, registration_doc


def _sala(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("sala", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "ui.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_sala_server_help_documents_the_options() -> None:
    out = _sala("server", "--help")
    assert out.returncode == 0, out.stderr
    for option in ("--host", "--port", "--db", "--media-dir", "--tls-cert", "--tls-key",
                   "enrolment-code", "officer-token", "set-status", "revoke"):
        assert option in out.stdout


def test_cli_refuses_bad_input_with_a_message(server: ServerProcess) -> None:
    bad = server.cli("enrolment-code", "--commune", "12AB", check=False)
    assert bad.returncode == 2 and "6 digits" in bad.stderr
    missing = server.cli("set-status", str(uuid.uuid4()), "in_review", check=False)
    assert missing.returncode == 1 and "No registration" in missing.stderr
    assert server.cli("revoke", "nobody", check=False).returncode == 1


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sala test ministry")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_with_a_pinned_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    srv = ServerProcess(tmp_path / "tls", args=("--tls-cert", str(cert), "--tls-key", str(key)))
    srv.url = srv.url.replace("http://", "https://")
    proc = None
    try:
        # ServerProcess.start probes with plain httpx (no CA): start it by hand with the CA.
        proc = subprocess.Popen(
            [*srv._base(), "--host", "127.0.0.1", "--port", str(srv.port),
             "--log-level", "warning", *srv.args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = False
        for _ in range(300):
            try:
                ok = httpx.get(f"{srv.url}/v1/ping", verify=str(cert), timeout=1
                               ).status_code == 204
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    break
                threading.Event().wait(0.05)
        assert ok
        try:
            httpx.get(f"{srv.url}/v1/ping", timeout=5)  # the system CAs do not know it
            raise AssertionError("an unpinned client must not trust the ministry cert")
        except httpx.ConnectError:
            pass
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)


def test_overload_answers_503_with_retry_after(make_server: Any) -> None:
    srv = make_server("--max-in-flight", "1")
    kiosk = Kiosk(srv).enrol()
    loc = kiosk.create_upload(b"z" * 1000).headers["Location"]
    chunk = b"z" * 1000
    sent, release = threading.Event(), threading.Event()

    def slow() -> Iterator[bytes]:
        yield chunk[:10]
        sent.set()
        release.wait(10)
        yield chunk[10:]

    headers = {**p.sign_request(kiosk.key, kiosk.device_id, "PATCH", loc, chunk),
               "Content-Type": p.TUS_CONTENT_TYPE, "Upload-Offset": "0",
               "Content-Length": str(len(chunk))}
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(httpx.patch(
        f"{srv.url}{loc}", content=slow(), headers=headers, timeout=20).status_code))
    t.start()
    try:
        assert sent.wait(10)
        busy = kiosk.commit(str(uuid.uuid4()), registration_doc(kiosk))
        assert busy.status_code == 503
        assert busy.json()["error"] == "busy" and int(busy.headers["Retry-After"]) >= 1
        assert httpx.get(f"{srv.url}/v1/ping").status_code == 204  # the probe still answers
    finally:
        release.set()
        t.join(20)
    assert result == [204]

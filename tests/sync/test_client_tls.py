"""https with the ministry CA pinned: the right CA syncs, any other CA is refused."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.store import Store
from sync.client.enrol import EnrolError, api_for, enrol
from sync.client.push import push_pending
from tests.sync.conftest import COMMUNE, KNOWN_SERVICE, ROOT, TEST_CATALOG
from tests.sync.pg import free_port


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(tmp: Path, cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = tmp / f"{cn.replace(' ', '_')}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def make_server_cert(
    tmp: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "server.pem", tmp / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "server"
        self.dir.mkdir()
        ca_key, ca, self.ca_file = make_ca(tmp, "Test Ministry CA")
        _, _, self.rogue_ca_file = make_ca(tmp, "Somebody Else CA")
        cert, key = make_server_cert(tmp, ca_key, ca)
        (self.dir / "catalog.json").write_text(__import__("json").dumps(TEST_CATALOG))
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.base = [
            sys.executable,
            "-m",
            "sync.server",
            "--data-dir",
            str(self.dir),
            "--db",
            f"sqlite:///{self.dir / 'server.db'}",
        ]
        log = (self.dir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [
                *self.base,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--catalog",
                str(self.dir / "catalog.json"),
                "--tls-cert",
                str(cert),
                "--tls-key",
                str(key),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                if (
                    requests.get(
                        f"{self.url}/v1/ping", verify=str(self.ca_file), timeout=1
                    ).status_code
                    == 204
                ):
                    return
            except requests.RequestException:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError((self.dir / "server.log").read_text()[-2000:]) from None
                time.sleep(0.05)

    def code(self) -> str:
        return subprocess.run(
            [*self.base, "enrolment-code", "--commune", COMMUNE],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    server = TlsServer(tmp_path)
    yield server
    server.stop()


def test_pinned_ministry_ca_syncs_and_another_ca_is_refused(
    tls_server: TlsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pin must win over the environment (requests lets $REQUESTS_CA_BUNDLE replace a
    # Session's verify unless it is passed on each request).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.rogue_ca_file))
    with pytest.raises(EnrolError) as refused:
        enrol(
            tmp_path / "rogue",
            tls_server.url,
            tls_server.code(),
            ca_file=str(tls_server.rogue_ca_file),
        )
    assert refused.value.key == "sync.enrol.tls"
    data_dir = tmp_path / "kiosk"
    enrol(data_dir, tls_server.url, tls_server.code(), ca_file=str(tls_server.ca_file))
    store = Store.open(data_dir, commune_code=COMMUNE, secret_dir=tmp_path / "secret")
    try:
        reg = store.create_draft(*KNOWN_SERVICE, "en")
        photo = store.add_media(b"\xff\xd8" + bytes(range(256)) * 40, "image/jpeg")
        from kiosk.model import Attachment

        store.submit(reg.id, {"name": "Dara"}, [Attachment("photo", "photo", photo)], fee_khr=0)
        with requests.Session() as session:
            api = api_for(data_dir, session)
            assert api.session.verify == str(data_dir / "sync-ca.pem")
            assert push_pending(store, api)[0].ok
    finally:
        store.close()


def test_plain_http_only_to_loopback_or_when_allowed(tmp_path: Path) -> None:
    from sync.client.enrol import check_server_url

    assert (
        check_server_url("http://127.0.0.1:8443/", allow_insecure_http=False)
        == "http://127.0.0.1:8443"
    )
    assert check_server_url("http://[::1]:8443", allow_insecure_http=False)
    with pytest.raises(EnrolError) as insecure:
        check_server_url("http://sala.gov.kh", allow_insecure_http=False)
    assert insecure.value.key == "sync.enrol.insecure"
    assert check_server_url("http://10.0.0.5:8443", allow_insecure_http=True)
    with pytest.raises(EnrolError):
        check_server_url("ftp://sala.gov.kh", allow_insecure_http=True)

"""The setup QR made on the fleet page carries the CA fingerprint the server knows from its own
TLS chain (`--tls-cert` holding the chain up to the ministry CA): the QR, decoded from the PNG
the page serves with OpenCV's QRCodeDetector (in .venv-core, not in the server-only job), lets
a kiosk pin that CA and enrol. A chain without its CA leaves the admin to type it; a
self-signed server certificate is its own pin. (The kiosk half; runs in .venv-core.)"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.capture.qr import read_qr
from kiosk.setup.tls import fetch_pinned_ca
from sync.client.enrol import enrol, load_identity
from sync.protocol import setup_qr
from sync.server.console.fleet_ca import ca_of
from tests.console.conftest import PASSWORD, Console, form_csrf
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_tls import make_ca, make_server_cert


def der(pem_file: Path) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem_file.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )


def tls_server(tmp: Path, *, with_ca: bool) -> tuple[ServerProcess, Path]:
    """A real `sala-server` over https; its --tls-cert file holds the CA too if `with_ca`."""
    tmp.mkdir()
    ca_key, ca, ca_file = make_ca(tmp, "Ministry CA")
    cert, key = make_server_cert(tmp, ca_key, ca)
    if with_ca:
        cert.write_bytes(cert.read_bytes() + ca_file.read_bytes())
    args = ("--tls-cert", str(cert), "--tls-key", str(key))
    return ServerProcess(tmp / "server", args=args, ca=ca_file).start(), ca_file


def admin(server: ServerProcess, name: str) -> httpx.Client:
    """Signed in as a new admin over https (the test CA trusted; the cookie is Secure)."""
    console = Console(server)
    console.add_account(name, role="admin", ministry="*", jurisdiction="all")
    client = httpx.Client(base_url=server.url, timeout=30, verify=server.verify)
    csrf = form_csrf(client.get("/console/signin").text)
    form = {"csrf": csrf, "username": name, "password": PASSWORD, "totp": console.code(name)}
    assert client.post("/console/signin", data=form).status_code == 303
    client.cookies.set("sala_lang", "en", path="/console")
    return client


def qr_of(page: str) -> str:
    """Decode the QR picture the page offers (a PNG data URI) as the kiosk's camera reads one
    (kiosk.capture.qr.read_qr, OpenCV)."""
    found = re.search(r'href="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert found, page[-1500:]
    picture = cv2.imdecode(np.frombuffer(base64.b64decode(found.group(1)), np.uint8), 0)
    text = read_qr(picture)
    assert text, "the QR did not decode"
    return text


@pytest.fixture
def chained(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    server, ca_file = tls_server(tmp_path / "chained", with_ca=True)
    yield server, ca_file
    server.stop()


def test_the_qr_pins_the_ca_of_the_servers_own_chain(
    chained: tuple[ServerProcess, Path], tmp_path: Path, monkeypatch: Any
) -> None:
    server, ca_file = chained
    fingerprint = hashlib.sha256(der(ca_file)).hexdigest()
    client = admin(server, "qr_root")
    page = client.get("/console/fleet").text
    assert f'<span class="mono ca-pin">{fingerprint}</span>' in page
    assert "taken from this server&#39;s TLS certificate chain" in page
    assert 'id="ca_sha256"' in page and "Leave empty to use the value above" in page
    # a typed value wins (the chain can be the wrong pin), with a warning that it differs
    form = {"csrf": form_csrf(page), "commune": "120101", "ca_sha256": "ab" * 32}
    r = client.post("/console/fleet/codes", data=form)
    assert r.status_code == 200, r.text[-800:]
    assert setup_qr.parse_enrolment_qr(qr_of(r.text))["ca_sha256"] == "ab" * 32
    assert "differs from this server&#39;s own certificate chain" in r.text
    assert fingerprint in r.text.split('role="alert">')[1].split("</p>")[0]
    form["ca_sha256"] = ""  # left empty: the server's own chain
    r = client.post("/console/fleet/codes", data=form)
    assert r.status_code == 200 and "differs from" not in r.text
    setup = setup_qr.parse_enrolment_qr(qr_of(r.text))
    assert setup["ca_sha256"] == fingerprint and setup["server_url"] == server.url
    # the kiosk's setup pins the CA by that fingerprint and enrols with it
    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    data_dir = tmp_path / "kiosk"
    data_dir.mkdir()  # the setup journey has made the kiosk's data dir by then
    pinned = fetch_pinned_ca(setup["server_url"], setup["ca_sha256"], data_dir)
    assert der(pinned) == der(ca_file)
    enrol(data_dir, setup["server_url"], setup["code"], ca_file=str(pinned), label="QR kiosk")
    identity = load_identity(data_dir)
    assert identity is not None and identity.commune_code == "120101"


def test_a_chain_without_its_ca_asks_the_admin(tmp_path: Path) -> None:
    server, _ca_file = tls_server(tmp_path / "leaf", with_ca=False)
    try:
        client = admin(server, "qr_leaf")
        page = client.get("/console/fleet").text
        assert 'id="ca_sha256"' in page and "does not include its CA" in page
        r = client.post("/console/fleet/codes", data={"csrf": form_csrf(page), "commune": "120101"})
        assert setup_qr.parse_enrolment_qr(qr_of(r.text))["ca_sha256"] is None
        typed = {"csrf": form_csrf(page), "commune": "120101", "ca_sha256": "AB:" * 31 + "AB"}
        r = client.post("/console/fleet/codes", data=typed)
        assert setup_qr.parse_enrolment_qr(qr_of(r.text))["ca_sha256"] == "ab" * 32
    finally:
        server.stop()


def test_which_certificate_is_the_pin(tmp_path: Path) -> None:
    """The CA at the end of a chain; a self-signed server certificate itself; else none."""
    ca_key, ca, ca_file = make_ca(tmp_path, "Ministry CA")
    cert, _key = make_server_cert(tmp_path, ca_key, ca)
    _key2, _self, self_file = make_ca(tmp_path, "Pilot server")  # self-signed
    leaf, root, alone = der(cert), der(ca_file), der(self_file)
    assert ca_of([leaf, root]).sha256 == hashlib.sha256(root).hexdigest()
    assert ca_of([leaf, root]).why == "ca_known_ca"
    assert (ca_of([alone]).sha256, ca_of([alone]).why) == (
        hashlib.sha256(alone).hexdigest(),
        "ca_known_self_signed",
    )
    assert ca_of([leaf]).sha256 is None and ca_of([]).sha256 is None

"""The setup QR's CA fingerprint pins the ministry CA: a real TLS server (a thread on
127.0.0.1 presenting server certificate + CA) is asked for its certificates, the one whose
SHA-256 is the QR's is kept, and another CA's fingerprint is refused as "another server"."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.setup import SetupError
from kiosk.setup.tls import fetch_pinned_ca
from tests.sync.test_client_tls import make_ca, make_server_cert


@pytest.fixture
def tls_port(tmp_path: Path) -> Iterator[tuple[int, bytes]]:
    """A TLS listener whose chain file holds the server certificate then the CA."""
    ca_key, ca, ca_file = make_ca(tmp_path, "Test Ministry CA")
    cert_path, key_path = make_server_cert(tmp_path, ca_key, ca)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(cert_path.read_bytes() + ca_file.read_bytes())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(chain), str(key_path))
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], ca.public_bytes(serialization.Encoding.DER)
    stop.set()
    thread.join(5)
    listener.close()


def test_the_ca_with_the_qr_fingerprint_is_pinned(tls_port: tuple[int, bytes], tmp_path: Path):
    port, ca_der = tls_port
    url = f"https://127.0.0.1:{port}"
    path = fetch_pinned_ca(url, hashlib.sha256(ca_der).hexdigest(), tmp_path)
    assert ssl.PEM_cert_to_DER_cert(path.read_text()) == ca_der
    with pytest.raises(SetupError) as info:
        fetch_pinned_ca(url, hashlib.sha256(b"another CA").hexdigest(), tmp_path / "x")
    assert info.value.message_key == "setup.connection.wrong_server"
    with socket.socket() as s:  # a closed port: unreachable, said as such
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(SetupError) as info:
        fetch_pinned_ca(f"https://127.0.0.1:{closed}", "0" * 64, tmp_path)
    assert info.value.message_key == "setup.connection.unreachable"

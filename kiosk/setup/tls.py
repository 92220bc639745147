"""Pin the ministry CA from the setup QR's fingerprint: no file to copy onto the kiosk.

The QR carries the SHA-256 of the CA certificate (DER). Setup connects once without trusting
anything, takes the certificates the server presents, keeps the one whose hash is the QR's and
hands it to enrolment as `sala enrol --ca-file` would (pinned as `sync-ca.pem`); enrolment then
verifies the server against it. Nothing is sent on this first connection. The presented chain
includes the CA only if the server sends it (its --tls-cert file holds the chain), or the
server's certificate is the self-signed ministry certificate itself.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.durable import write_atomic
from kiosk.setup.errors import SetupError

# Not `sync-ca.pem` itself: enrolment copies the given CA file there.
FOUND_CA_FILE = "setup-ca.pem"


def presented_certificates(url: str, *, timeout: float = 10.0) -> list[bytes]:
    """DER certificates the https server at `url` presents (unverified: compared by hash)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            # Public from Python 3.13; the same method of the C object since 3.10.
            chain = getattr(tls, "get_unverified_chain", None) or getattr(
                getattr(tls, "_sslobj", None), "get_unverified_chain", None
            )
            if chain is not None:
                return [_der(c) for c in chain() or []]
            leaf = tls.getpeercert(binary_form=True)
            return [leaf] if leaf else []
    except OSError as exc:
        raise SetupError(
            f"Cannot reach {url}: {exc}", message_key="setup.connection.unreachable"
        ) from None


def _der(cert: object) -> bytes:
    if isinstance(cert, bytes):
        return cert
    import _ssl

    return bytes(cert.public_bytes(_ssl.ENCODING_DER))  # type: ignore[attr-defined]


def fetch_pinned_ca(url: str, sha256_hex: str, data_dir: Path) -> Path:
    """Write the presented certificate whose SHA-256 is `sha256_hex` to the data dir and
    return its path; SetupError `setup.connection.wrong_server` if none matches."""
    for der in presented_certificates(url):
        if hashlib.sha256(der).hexdigest() == sha256_hex.lower():
            path = Path(data_dir) / FOUND_CA_FILE
            write_atomic(path, ssl.DER_cert_to_PEM_cert(der).encode("ascii"))
            return path
    raise SetupError(
        "No certificate of the server matches the setup QR.",
        message_key="setup.connection.wrong_server",
    )

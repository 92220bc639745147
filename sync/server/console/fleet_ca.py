"""The setup QR's CA fingerprint, known from the server itself instead of typed by an admin.

A kiosk pins the ministry CA by matching the QR's SHA-256 against the certificates the server
presents (kiosk/setup/tls.py), so the right value is exactly what this server presents. When
the console is reached over https served by this process (`--tls-cert`), the page connects
once to its own listening socket (the request's local address), reads the presented chain
unverified, and picks:

- the CA: the last certificate of the chain that is self-signed, when the chain has more than
  the server's own certificate (the --tls-cert file holds the chain up to the root);
- the server's certificate itself, when it is self-signed (a pilot without a CA).

Otherwise (plain http, or a chain that stops short of its root) the fingerprint cannot be known
and the admin is asked for it. What a connection found is kept for the life of the process
(uvicorn reads its certificate once, at start); a failed connection is tried again next time.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from fastapi import Request

TIMEOUT_S = 5.0
_found: dict[tuple[str, int], Pin] = {}
_guard = threading.Lock()


@dataclass(frozen=True)
class Pin:
    """A fingerprint for the QR, or why there is none (`why`: an i18n key)."""

    sha256: str | None
    why: str  # ca_known_ca | ca_known_self_signed | ca_unknown_http | _chain | _read


def _self_signed(der: bytes) -> bool:
    cert = x509.load_der_x509_certificate(der)
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError):  # TypeError: a key type it cannot check
        return False
    return True


def ca_of(chain: list[bytes]) -> Pin:
    """The pin for a presented chain (DER, the server's own certificate first)."""
    if not chain:
        return Pin(None, "ca_unknown_chain")
    for der in reversed(chain[1:]):
        if _self_signed(der):
            return Pin(hashlib.sha256(der).hexdigest(), "ca_known_ca")
    if _self_signed(chain[0]):
        return Pin(hashlib.sha256(chain[0]).hexdigest(), "ca_known_self_signed")
    return Pin(None, "ca_unknown_chain")


def presented_chain(host: str, port: int) -> list[bytes]:
    """The certificates a TLS server presents, unverified (only hashed and compared)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=TIMEOUT_S) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        # Public from Python 3.13; the same method of the C object since 3.10.
        chain: Any = getattr(tls, "get_unverified_chain", None) or getattr(
            getattr(tls, "_sslobj", None), "get_unverified_chain", None
        )
        if chain is None:
            leaf = tls.getpeercert(binary_form=True)
            return [leaf] if leaf else []
        return [c if isinstance(c, bytes) else _der(c) for c in chain() or []]


def _der(cert: Any) -> bytes:
    import _ssl

    return bytes(cert.public_bytes(_ssl.ENCODING_DER))


def server_pin(request: Request) -> Pin:
    """The pin for kiosks reaching this server as this request did. Blocking: call it from a
    sync route (run in the thread pool)."""
    local = request.scope.get("server")
    if request.url.scheme != "https" or not local or local[1] is None:
        return Pin(None, "ca_unknown_http")
    key = (str(local[0]), int(local[1]))
    with _guard:
        if key in _found:
            return _found[key]
    try:
        pin = ca_of(presented_chain(*key))
    except (OSError, ValueError):  # e.g. TLS ended by a proxy in front, this socket plain
        return Pin(None, "ca_unknown_read")
    with _guard:  # the chain was read: it stays the same until the process restarts
        _found[key] = pin
    return pin

"""The server's own Ed25519 signing key: it signs commit receipts the kiosks verify.

Kept as a PKCS#8 PEM in the server data dir with mode 0600, created on first start. Losing it
only means new receipts are signed by a new key that kiosks must re-pin at re-enrolment.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import b64url_encode, canonical_json, public_key_b64
from sync.server.durable import write_atomic


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_atomic(path, pem, mode=0o600)
    return key


def sign_json(key: Ed25519PrivateKey, obj: object) -> str:
    return b64url_encode(key.sign(canonical_json(obj)))


def public_b64(key: Ed25519PrivateKey) -> str:
    return public_key_b64(key)

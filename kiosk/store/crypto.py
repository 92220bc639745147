"""Keys and AES-GCM for data at rest: a random data key, wrapped by a key-encryption key.

Where the keys live (see README "Store"):
- the *machine secret* (32 random bytes) is a 0600 file OUTSIDE the data dir, in
  `platformdirs.user_config_dir("sala")` or `$SALA_SECRET_DIR`;
- the *key-encryption key* (KEK) is Argon2id(machine secret + optional technician passphrase,
  per-data-dir salt), never stored;
- the *data key* (256 random bits) is stored only wrapped by the KEK, in `keyring.json` in the
  data dir (mirrored in the database so a restore of the database alone keeps it);
- the sync client's Ed25519 device key is wrapped the same way (`wrap`, own salt and AAD), in
  `sync-device-key.json` (sync/client/device_key.py).
Sub-keys for answers, media, search tokens and verification codes are derived from the data key
with HKDF, so one leaked purpose key does not open the others.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.durable import write_atomic
from kiosk.store.errors import StoreError, translate_os

KEYRING_FILE = "keyring.json"
MACHINE_SECRET_FILE = "machine.secret"
NONCE_SIZE = 12
# OWASP's Argon2id minimum (19 MiB, 2 passes): ~35 ms here, so opening the store stays quick
# on a low-end kiosk while a guessed passphrase still costs an attacker real memory and time.
KDF_PARAMS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_WRAP_AAD = b"sala-keyring-v1"


class KeyLocked(StoreError):
    """The data key cannot be unwrapped: passphrase missing or wrong, or machine secret lost."""

    message_key = "store.key_locked"


def default_secret_dir() -> Path:
    """Where the machine secret lives: `$SALA_SECRET_DIR`, else the per-user config dir."""
    env = os.environ.get("SALA_SECRET_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("sala"))


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a small secret file atomically with mode 0600 (temp, fsync, rename, fsync dir).
    `exclusive`: never replace an existing file (a concurrent creator wins, silently)."""
    try:
        write_atomic(path, data, mode=0o600, exclusive=exclusive)
    except OSError as exc:
        raise translate_os(exc, path) from exc


def machine_secret(secret_dir: Path, *, create: bool) -> bytes | None:
    """Read (or on first use make) the machine secret; None if absent and not creating."""
    path = secret_dir / MACHINE_SECRET_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        try:
            secret_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise translate_os(exc, secret_dir) from exc
        write_private(path, secrets.token_bytes(32), exclusive=True)
        return machine_secret(secret_dir, create=False)  # whoever won a race, one secret
    except OSError as exc:
        raise translate_os(exc, path) from exc
    if len(data) != 32:
        raise KeyLocked(f"The machine secret {path} is damaged (expected 32 bytes).")
    return data


def _kek(secret: bytes, passphrase: str | None, salt: bytes, params: dict[str, int]) -> bytes:
    material = secret + b"\x00" + (passphrase or "").encode("utf-8")
    return hash_secret_raw(
        material,
        salt,
        hash_len=32,
        type=Type.ID,
        time_cost=params["time_cost"],
        memory_cost=params["memory_cost"],
        parallelism=params["parallelism"],
    )


def new_keyring(secret: bytes, passphrase: str | None) -> tuple[dict[str, Any], bytes]:
    """A fresh random data key and its wrapped form (the JSON kept in keyring.json)."""
    data_key = secrets.token_bytes(32)
    return wrap(data_key, secret, passphrase), data_key


def wrap(
    payload: bytes, secret: bytes, passphrase: str | None, *, aad: bytes = _WRAP_AAD
) -> dict[str, Any]:
    """`payload` sealed by the KEK (fresh salt): the data key in keyring.json, and the sync
    device key (its own `aad`, so one wrapped blob cannot pass for the other)."""
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(NONCE_SIZE)
    kek = _kek(secret, passphrase, salt, KDF_PARAMS)
    wrapped = AESGCM(kek).encrypt(nonce, payload, aad)
    ring = {
        "version": 1,
        "kdf": "argon2id",
        **KDF_PARAMS,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "wrapped": _b64(wrapped),
        "passphrase": bool(passphrase),
    }
    return ring


def unwrap(
    ring: dict[str, Any],
    secret: bytes,
    passphrase: str | None,
    where: Path,
    *,
    aad: bytes = _WRAP_AAD,
    what: str = "data key",
) -> bytes:
    """The data key (or what `wrap` sealed with `aad`); KeyLocked with the reason if it
    cannot be opened."""
    if ring.get("passphrase") and not passphrase:
        raise KeyLocked(
            f"The data in {where} is locked with a technician passphrase: "
            "set SALA_PASSPHRASE or pass --passphrase.",
            message_key="store.passphrase_needed",
        )
    params = {k: int(ring[k]) for k in KDF_PARAMS}
    kek = _kek(secret, passphrase, _unb64(ring["salt"]), params)
    try:
        return AESGCM(kek).decrypt(_unb64(ring["nonce"]), _unb64(ring["wrapped"]), aad)
    except InvalidTag:
        raise KeyLocked(
            f"The {what} in {where} cannot be opened: wrong passphrase, or the machine "
            "secret is not the one this data was made with (restore it from the technician "
            "backup)."
        ) from None


def dump_ring(ring: dict[str, Any]) -> bytes:
    return json.dumps(ring, sort_keys=True, indent=1).encode("utf-8")


@dataclass(frozen=True)
class Keys:
    """Purpose keys derived from the data key."""

    answers: AESGCM
    media: AESGCM
    search: bytes
    verification: bytes

    @classmethod
    def derive(cls, data_key: bytes) -> Keys:
        def sub(label: str) -> bytes:
            return HKDF(hashes.SHA256(), 32, None, f"sala/{label}/v1".encode()).derive(data_key)

        return cls(AESGCM(sub("answers")), AESGCM(sub("media")), sub("search"), sub("verification"))


def seal(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || ciphertext+tag, with a fresh random 96-bit nonce."""
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def open_sealed(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """Reverse of `seal`; raises InvalidTag if anything was altered or swapped."""
    return aead.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad)

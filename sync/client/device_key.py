"""The kiosk's Ed25519 device key, kept wrapped by the store's key-encryption key.

The device key signs every request to the ministry server, so whoever holds it can read the
commune's statuses and notes and file applications as this kiosk. It used to be a plaintext
PEM (`sync-device.key`) in the data dir: a copy of the data dir alone was enough to act as the
kiosk. Now only its wrapped form is in the data dir, in `sync-device-key.json`, sealed exactly
like the store's data key (kiosk/store/crypto.py owns the KEK: Argon2id of the machine secret,
kept outside the data dir, and the optional technician passphrase). A copied data dir without
the machine secret (and the passphrase, if one is set) opens nothing.

An old plaintext key is wrapped on first use and then overwritten with zeros (best effort: a
journaling or flash file system may keep old blocks) and deleted. The wrapped file is written
first, so a power cut at any point leaves a usable key.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store import crypto
from kiosk.store.errors import StoreError
from sync.client.api import SyncError

log = logging.getLogger(__name__)

KEY_FILE = "sync-device-key.json"
LEGACY_KEY_FILE = "sync-device.key"  # the plaintext PEM of kiosks enrolled before wrapping
_AAD = b"sala-sync-device-key-v1"


class DeviceKeyError(SyncError):
    """The device key is missing, damaged or cannot be unwrapped on this machine."""

    key = "sync.enrol.bad_key"


def _defaults(secret_dir: Path | None, passphrase: str | None) -> tuple[Path, str | None]:
    """The same machine secret and passphrase the store uses (`Store.open`'s defaults)."""
    if passphrase is None:
        passphrase = os.environ.get("SALA_PASSPHRASE") or None
    return secret_dir or crypto.default_secret_dir(), passphrase


def _locked(exc: StoreError) -> DeviceKeyError:
    return DeviceKeyError(str(exc), key=exc.message_key)


def exists(data_dir: Path) -> bool:
    """Whether this data dir has a device key, wrapped or still in the old plaintext file."""
    return (data_dir / KEY_FILE).exists() or (data_dir / LEGACY_KEY_FILE).exists()


def save(
    data_dir: Path,
    key: Ed25519PrivateKey,
    *,
    secret_dir: Path | None = None,
    passphrase: str | None = None,
) -> None:
    """Wrap `key` with the KEK and write it, 0600, atomically and durably."""
    secret_dir, passphrase = _defaults(secret_dir, passphrase)
    if passphrase is None and _store_wants_passphrase(data_dir):
        raise DeviceKeyError(
            f"The data in {data_dir} is locked with a technician passphrase, so the device key "
            "must be too: set SALA_PASSPHRASE.",
            key="store.passphrase_needed",
        )
    # A fresh kiosk may be enrolled before its store ever opened: make the machine secret then.
    # Once the store has a keyring, a missing secret is an error to report, not to paper over.
    fresh = not (data_dir / crypto.KEYRING_FILE).exists()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    try:
        secret = crypto.machine_secret(secret_dir, create=fresh)
        if secret is None:
            raise _missing_secret(data_dir, secret_dir)
        ring = crypto.wrap(raw, secret, passphrase, aad=_AAD)
        crypto.write_private(data_dir / KEY_FILE, crypto.dump_ring(ring))
    except StoreError as exc:  # no secret dir, disk full, read-only: the store's messages
        raise _locked(exc) from None


def load(
    data_dir: Path, *, secret_dir: Path | None = None, passphrase: str | None = None
) -> Ed25519PrivateKey:
    """The device key; wraps (and removes) an old plaintext key on the way.
    DeviceKeyError (a SyncError) says what to do when it cannot be opened here."""
    data_dir = Path(data_dir)
    secret_dir, passphrase = _defaults(secret_dir, passphrase)
    legacy = data_dir / LEGACY_KEY_FILE
    if (data_dir / KEY_FILE).exists():
        key, ring = _unwrap(data_dir, secret_dir, passphrase)
        if passphrase and not ring.get("passphrase") and _store_wants_passphrase(data_dir):
            # Enrolled before the store got its passphrase: lock the key the same way now.
            save(data_dir, key, secret_dir=secret_dir, passphrase=passphrase)
        if legacy.exists():  # a migration cut short after the wrapped copy was written
            _scrub(legacy)
        return key
    if legacy.exists():
        try:
            key = _read_pem(legacy)
        except DeviceKeyError:
            if (data_dir / KEY_FILE).exists():  # another process migrated it meanwhile
                return load(data_dir, secret_dir=secret_dir, passphrase=passphrase)
            raise
        save(data_dir, key, secret_dir=secret_dir, passphrase=passphrase)
        _scrub(legacy)
        log.info("device key in %s wrapped; the plaintext copy was removed", data_dir)
        return key
    raise DeviceKeyError(
        f"There is no device key in {data_dir}. "
        "A technician runs: sala enrol --server URL --code CODE",
        key="sync.error.not_enrolled",
    )


def load_or_make(
    data_dir: Path, *, secret_dir: Path | None = None, passphrase: str | None = None
) -> Ed25519PrivateKey:
    """Reuse the key of an enrolment that failed half-way; otherwise make and save a new one."""
    if exists(data_dir):
        return load(data_dir, secret_dir=secret_dir, passphrase=passphrase)
    key = Ed25519PrivateKey.generate()
    save(data_dir, key, secret_dir=secret_dir, passphrase=passphrase)
    return key


def _unwrap(
    data_dir: Path, secret_dir: Path, passphrase: str | None
) -> tuple[Ed25519PrivateKey, dict[str, Any]]:
    path = data_dir / KEY_FILE
    try:
        ring = json.loads(path.read_text("utf-8"))
        if not isinstance(ring, dict):
            raise ValueError("not a JSON object")
        secret = crypto.machine_secret(secret_dir, create=False)
        if secret is None:
            raise _missing_secret(data_dir, secret_dir)
        used = passphrase if ring.get("passphrase") else None
        raw = crypto.unwrap(ring, secret, used, data_dir, aad=_AAD, what="device key")
        return Ed25519PrivateKey.from_private_bytes(raw), ring
    except StoreError as exc:
        raise _locked(exc) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeviceKeyError(f"The device key file {path} is damaged ({exc}).") from None


def _missing_secret(data_dir: Path, secret_dir: Path) -> DeviceKeyError:
    return DeviceKeyError(
        f"The machine secret {secret_dir / crypto.MACHINE_SECRET_FILE} is missing, so the "
        f"device key in {data_dir} cannot be opened. Restore it from the technician backup.",
        key="store.secret_missing",
    )


def _store_wants_passphrase(data_dir: Path) -> bool:
    try:
        ring = json.loads((data_dir / crypto.KEYRING_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(ring, dict) and bool(ring.get("passphrase"))


def _read_pem(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise DeviceKeyError(f"The device key file {path} is damaged ({exc}).") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DeviceKeyError(f"The device key file {path} is not an Ed25519 key.")
    return key


def _scrub(path: Path) -> None:
    """Overwrite the plaintext key with zeros, then delete it. Best effort: a journaling or
    copy-on-write file system, or flash wear levelling, may keep the old blocks."""
    try:
        with path.open("r+b") as f:
            f.write(b"\0" * max(os.fstat(f.fileno()).st_size, 1))
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        log.warning("could not overwrite the old device key %s: %s", path, exc)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not delete the old device key %s: %s", path, exc)

"""The device key is wrapped by the store's KEK: a copied data dir alone cannot act as the kiosk
(issue 10, item 5). It was a plaintext PEM in the data dir; a copy read the commune's statuses
and notes and got a forged application accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store.crypto import machine_secret
from sync.client.api import SyncError
from sync.client.enrol import api_for, enrol, load_key
from tests.sync.conftest import COMMUNE, ServerProcess


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _no_key_in_clear(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """Neither a PEM nor the raw key bytes (nor their base64) in any file of the data dir."""
    import base64

    raw = _raw(key)
    needles = (b"PRIVATE KEY", raw, base64.b64encode(raw)[:40], raw.hex().encode())
    for path in data_dir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not any(n in blob for n in needles), path


@pytest.fixture
def secrets_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    monkeypatch.delenv("SALA_PASSPHRASE", raising=False)
    return tmp_path / "secret", tmp_path / "thief-secret"


def test_a_copied_data_dir_alone_cannot_sign_requests(
    server: ServerProcess,
    tmp_path: Path,
    secrets_dirs: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "kiosk"
    enrol(data, server.url, server.enrolment_code(COMMUNE), label="device key test")
    with requests.Session() as s:
        api = api_for(data, s)
        assert api.request("GET", "/v1/changes").status_code == 200  # the kiosk itself can
    _no_key_in_clear(data, api.key)

    copy = tmp_path / "stolen"
    shutil.copytree(data, copy)
    for thief_secret in (secrets_dirs[1], tmp_path / "empty"):
        monkeypatch.setenv("SALA_SECRET_DIR", str(thief_secret))
        if thief_secret == secrets_dirs[1]:  # a machine of its own, with its own secret
            machine_secret(thief_secret, create=True)
        with pytest.raises(SyncError) as info, requests.Session() as s:
            api_for(copy, s)
        assert info.value.key in ("store.key_locked", "store.secret_missing")
        with pytest.raises(SyncError):
            load_key(copy)
    assert not (tmp_path / "empty").exists()  # loading never made a secret to paper over it


def test_an_old_plaintext_key_is_wrapped_on_first_use_and_removed(
    tmp_path: Path, secrets_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "kiosk"
    data.mkdir()
    old = Ed25519PrivateKey.generate()
    pem = old.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (data / "sync-device.key").write_bytes(pem)  # what enrolment used to leave

    key = load_key(data)
    assert _public(key) == _public(old)  # the same identity: the server knows this key
    assert not (data / "sync-device.key").exists()
    assert (data / "sync-device-key.json").stat().st_mode & 0o777 == 0o600
    _no_key_in_clear(data, old)
    assert _public(load_key(data)) == _public(old)  # and it loads again, wrapped

    monkeypatch.setenv("SALA_SECRET_DIR", str(secrets_dirs[1]))
    with pytest.raises(SyncError):
        load_key(data)


def test_a_migration_cut_short_finishes_removing_the_plaintext_key(
    tmp_path: Path, secrets_dirs: tuple[Path, Path]
) -> None:
    from sync.client import device_key

    data = tmp_path / "kiosk"
    data.mkdir()
    key = Ed25519PrivateKey.generate()
    device_key.save(data, key)  # the wrapped copy was written, then the power went
    legacy = data / device_key.LEGACY_KEY_FILE
    legacy.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert _public(device_key.load(data)) == _public(key)
    assert not legacy.exists()


def test_a_passphrase_locks_the_device_key_like_the_store(
    tmp_path: Path, secrets_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.client import device_key

    data = tmp_path / "kiosk"
    data.mkdir()
    monkeypatch.setenv("SALA_PASSPHRASE", "mekong-42")
    key = device_key.load_or_make(data)
    monkeypatch.delenv("SALA_PASSPHRASE")
    with pytest.raises(SyncError) as info:
        load_key(data)  # the machine secret alone does not open it
    assert info.value.key == "store.passphrase_needed"
    monkeypatch.setenv("SALA_PASSPHRASE", "wrong")
    with pytest.raises(SyncError) as info:
        load_key(data)
    assert info.value.key == "store.key_locked"
    monkeypatch.setenv("SALA_PASSPHRASE", "mekong-42")
    assert _public(load_key(data)) == _public(key)


def test_a_damaged_or_missing_key_file_is_a_sync_error(
    tmp_path: Path, secrets_dirs: tuple[Path, Path]
) -> None:
    from sync.client import device_key

    data = tmp_path / "kiosk"
    data.mkdir()
    with pytest.raises(SyncError) as info:
        load_key(data)
    assert info.value.key == "sync.error.not_enrolled"
    device_key.load_or_make(data)
    (data / device_key.KEY_FILE).write_text('{"version": 1}')
    with pytest.raises(SyncError) as info:
        load_key(data)
    assert info.value.key == "sync.enrol.bad_key"

"""Data at rest: what a copy of the data dir reveals, and how the keys are kept."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from kiosk.model import Attachment, State
from kiosk.store import KeyLocked, Store, StoreCorrupt
from kiosk.store.crypto import KEYRING_FILE, MACHINE_SECRET_FILE
from tests.core.conftest import ManualClock

NAME = "ស្រីពៅ ចាន់ធីតា"
PHONE = "+85512987654"


def _fill(store: Store) -> tuple[str, bytes]:
    photo = b"\xff\xd8JPEG-PLAINTEXT-MARKER" + os.urandom(2000)
    reg = store.create_draft("s", "1", "km")
    att = Attachment("photo", "photo", store.add_media(photo, "image/jpeg"))
    store.submit(
        reg.id, {"name_km": NAME, "name_latin": "Chan Thida", "phone": PHONE}, [att], fee_khr=0
    )
    return reg.id, photo


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_plaintext_pii_or_media_in_the_data_dir(data_dir: Path, clock: ManualClock) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        _fill(s)
        blob = _all_bytes(data_dir)  # database, WAL and media, as a disk copy would see them
    blob += _all_bytes(data_dir)
    for needle in (
        NAME.encode(),
        "ស្រីពៅ".encode(),
        b"Chan Thida",
        b"Thida",
        PHONE.encode(),
        b"987654",
        b"JPEG-PLAINTEXT-MARKER",
    ):
        assert needle not in blob, needle


def test_copy_of_data_dir_alone_opens_nothing(
    data_dir: Path, clock: ManualClock, tmp_path: Path
) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        _fill(s)
    stolen = tmp_path / "stolen"
    shutil.copytree(data_dir, stolen)
    with pytest.raises(KeyLocked) as info:
        Store.open(stolen, commune_code="120101", clock=clock, secret_dir=tmp_path / "other")
    assert info.value.message_key == "store.secret_missing"
    os.makedirs(tmp_path / "fake")
    (tmp_path / "fake" / MACHINE_SECRET_FILE).write_bytes(os.urandom(32))
    with pytest.raises(KeyLocked):
        Store.open(stolen, commune_code="120101", clock=clock, secret_dir=tmp_path / "fake")


def test_secret_and_keyring_are_private_files(
    data_dir: Path, _secret_dir: Path, clock: ManualClock
) -> None:
    Store.open(data_dir, commune_code="120101", clock=clock).close()
    for path in (_secret_dir / MACHINE_SECRET_FILE, data_dir / KEYRING_FILE):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not str(_secret_dir).startswith(str(data_dir))
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_passphrase_is_needed_once_set(
    data_dir: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock, passphrase="mekong-42") as s:
        reg_id, _ = _fill(s)
    with pytest.raises(KeyLocked) as info:
        Store.open(data_dir, commune_code="120101", clock=clock)
    assert info.value.message_key == "store.passphrase_needed"
    with pytest.raises(KeyLocked) as info:
        Store.open(data_dir, commune_code="120101", clock=clock, passphrase="wrong")
    assert info.value.message_key == "store.key_locked"
    monkeypatch.setenv("SALA_PASSPHRASE", "mekong-42")
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        assert s.get(reg_id).answers["name_km"] == NAME


def test_lost_keyring_file_comes_back_from_the_database(data_dir: Path, clock: ManualClock) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        reg_id, photo = _fill(s)
    ring = (data_dir / KEYRING_FILE).read_bytes()
    (data_dir / KEYRING_FILE).unlink()
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        assert s.get(reg_id).answers["phone"] == PHONE
        assert s.read_media(s.get(reg_id).attachments[0].media.sha256) == photo
    assert (data_dir / KEYRING_FILE).read_bytes() == ring


def test_swapped_or_altered_ciphertext_is_detected(store: Store) -> None:
    a, _ = _fill(store)
    b, _ = _fill(store)
    conn = store._conn
    conn.execute(
        "UPDATE registrations SET answers = (SELECT answers FROM registrations "
        "WHERE id = ?) WHERE id = ?",
        (a, b),
    )
    with pytest.raises(StoreCorrupt):
        store.get(b)
    sha = store.get(a).attachments[0].media.sha256
    path = store.vault.path(sha)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt):
        store.read_media(sha)
    assert store.verify_media() == [sha]


def test_verification_code_is_stable_and_kiosk_specific(tmp_path: Path, clock: ManualClock) -> None:
    with Store.open(tmp_path / "k1", commune_code="120101", clock=clock) as s:
        reg = s.create_draft("s", "1", "km")
        code = s.submit(reg.id, {}, [], fee_khr=0).verification_code
        assert s.receipt(reg.id).verification_code == code
    from kiosk.store.appnumber import verification_code

    with Store.open(tmp_path / "k2", commune_code="120101", clock=clock) as other:
        assert verification_code(other._keys.verification, reg.id) != code


def _open_and_write(data_dir: str, secret_dir: str, go: Any, n: int) -> None:
    go.wait()
    with Store.open(Path(data_dir), commune_code="120101", secret_dir=Path(secret_dir)) as s:
        reg = s.create_draft("s", "1", "km")
        s.save_draft(reg.id, {"name_latin": f"writer {n}"})


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    """The UI and the sync command opening a brand-new data dir at the same moment."""
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    procs = [
        ctx.Process(
            target=_open_and_write, args=(str(tmp_path / "data"), str(tmp_path / "secret"), go, n)
        )
        for n in range(4)
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with Store.open(tmp_path / "data", commune_code="120101", secret_dir=tmp_path / "secret") as s:
        names = sorted(r.answers["name_latin"] for r in s.list_by_state(State.DRAFT))
    assert names == [f"writer {n}" for n in range(4)]

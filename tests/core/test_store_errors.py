"""Bad disks and bad files: full, read-only, corrupt. Real tmpfs mounts where we may mount."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.i18n import tr
from kiosk.model import Attachment, State
from kiosk.store import Store, StoreCorrupt, StoreFull, StoreReadOnly
from kiosk.store.db import DB_FILE
from tests.core.conftest import ManualClock
from tests.systools import find_tool


def _tools() -> tuple[str, str]:
    """`mount` and `umount` by absolute path (a shell's PATH may lack /usr/sbin, /sbin);
    skips the test where either is missing."""
    mount, umount = find_tool("mount"), find_tool("umount")
    if mount is None or umount is None:
        pytest.skip("mount/umount not installed: cannot make a tmpfs here")
    return mount, umount


def _mount(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [_tools()[0], "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 3 MiB filesystem, so the disk really fills up."""
    mnt = tmp_path / "disk"
    _mount(mnt, "3m")
    try:
        yield mnt
    finally:
        subprocess.run([_tools()[1], "-l", str(mnt)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_full_disk_fails_cleanly_and_the_draft_survives(
    small_disk: Path, clock: ManualClock
) -> None:
    store = Store.open(small_disk / "data", commune_code="120101", clock=clock)
    try:
        reg = store.create_draft("s", "1", "km")
        store.save_draft(reg.id, {"name_km": "សុខ ដារា"})
        photo = store.add_media(os.urandom(1000), "image/jpeg")
        filler = _fill(small_disk)
        with pytest.raises(StoreFull) as info:
            store.save_draft(reg.id, {"name_km": "x" * 400_000})
        assert info.value.message_key == "store.full"
        assert "full" in tr(info.value.message_key, "en")
        with pytest.raises(StoreFull):
            store.add_media(os.urandom(300_000), "image/jpeg")
        leftovers = [p for p in (small_disk / "data" / "media").rglob("*") if p.is_file()]
        assert [p.name for p in leftovers] == [photo.sha256]  # no half-written temp file
        assert store.get(reg.id).answers == {"name_km": "សុខ ដារា"}
        with pytest.raises(StoreFull):
            store.submit(
                reg.id, {"name_km": "x" * 400_000}, [Attachment("photo", "photo", photo)], fee_khr=0
            )
        assert store.get(reg.id).state is State.DRAFT and store.outbox() == []
        with Store.open(small_disk / "data", commune_code="120101", clock=clock) as reader:
            assert reader.get(reg.id).answers == {"name_km": "សុខ ដារា"}  # opens to read
        filler.unlink()
        store.save_draft(reg.id, {"name_km": "ដារា"})
        receipt = store.submit(
            reg.id, {"name_km": "ដារា"}, [Attachment("photo", "photo", photo)], fee_khr=0
        )
        assert store.get(reg.id).state is State.SUBMITTED
        assert receipt.app_number.split("-")[-2] == "00001"  # the failed submit used no number
    finally:
        store.close()
    with Store.open(small_disk / "data", commune_code="120101", clock=clock) as again:
        assert again.integrity_check() == ["ok"]
        assert again.get(reg.id).answers == {"name_km": "ដារា"}


def test_read_only_disk_at_open(tmp_path: Path, clock: ManualClock) -> None:
    mnt = tmp_path / "ro"
    _mount(mnt, "4m")
    try:
        with Store.open(mnt / "data", commune_code="120101", clock=clock) as s:
            s.create_draft("s", "1", "km")
        subprocess.run([_tools()[0], "-o", "remount,ro", str(mnt)], check=True)
        with pytest.raises(StoreReadOnly) as info:
            Store.open(mnt / "data", commune_code="120101", clock=clock)
        assert "read-only" in str(info.value) and str(mnt / "data") in str(info.value)
        assert info.value.message_key == "store.read_only"
        assert tr("store.read_only", "km") != "store.read_only"
    finally:
        subprocess.run([_tools()[1], "-l", str(mnt)], check=False)


def test_garbage_file_is_refused_and_kept(data_dir: Path, clock: ManualClock) -> None:
    data_dir.mkdir(parents=True)
    garbage = b"this is not a database, someone copied a photo over it" * 100
    (data_dir / DB_FILE).write_bytes(garbage)
    with pytest.raises(StoreCorrupt) as info:
        Store.open(data_dir, commune_code="120101", clock=clock)
    message = str(info.value)
    assert "backup" in message and "will not write over it" in message
    assert (data_dir / DB_FILE).read_bytes() == garbage
    copies = list(data_dir.glob("sala.corrupt-*.db"))
    assert len(copies) == 1 and copies[0].read_bytes() == garbage
    assert str(copies[0]) in message
    assert info.value.message_key == "store.corrupt"


def test_damaged_pages_are_detected_at_open(data_dir: Path, clock: ManualClock) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        for i in range(300):
            reg = s.create_draft("s", "1", "km")
            s.save_draft(reg.id, {"name_latin": f"name {i}" * 20})
    path = data_dir / DB_FILE
    size = path.stat().st_size
    with open(path, "r+b") as f:  # scribble over every page after the first two
        for offset in range(8192, size, 4096):
            f.seek(offset + 100)
            f.write(os.urandom(64))
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt):
        Store.open(data_dir, commune_code="120101", clock=clock)
    assert path.read_bytes() == before
    clock.advance(seconds=5)
    with pytest.raises(StoreCorrupt):  # and it keeps refusing, with one copy kept
        Store.open(data_dir, commune_code="120101", clock=clock)
    assert len(list(data_dir.glob("sala.corrupt-*.db"))) == 1


def test_every_error_has_khmer_and_english_text() -> None:
    import json

    from kiosk.config import ConfigError
    from kiosk.store import KeyLocked, MediaMissing, NotFound, StoreError, WrongState

    root = Path(__file__).resolve().parents[2] / "assets" / "translations"
    tables = {
        loc: json.loads((root / loc / "store.json").read_text("utf-8")) for loc in ("km", "en")
    }
    assert tables["km"].keys() == tables["en"].keys()
    keys = {
        cls.message_key
        for cls in (
            StoreError,
            StoreCorrupt,
            StoreReadOnly,
            StoreFull,
            NotFound,
            WrongState,
            MediaMissing,
            KeyLocked,
            ConfigError,
        )
    }
    keys |= {"store.io_error", "store.passphrase_needed", "store.secret_missing"}
    for key in keys:
        assert tables["en"][key] and tables["km"][key] != tables["en"][key], key
        assert any("\u1780" <= ch <= "\u17ff" for ch in tables["km"][key]), key

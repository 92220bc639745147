"""The media vault: content-addressed, encrypted, durable files and the orphan sweep."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from kiosk.model import Attachment
from kiosk.store import Store, StoreCorrupt, StoreError
from kiosk.store.vault import MAGIC, TMP_PREFIX


def test_named_by_plaintext_hash_and_deduplicated(store: Store) -> None:
    data = os.urandom(10_000)
    a = store.add_media(data, "image/jpeg")
    b = store.add_media(data, "image/jpeg")
    assert a == b and a.sha256 == hashlib.sha256(data).hexdigest() and a.size == 10_000
    files = [p for p in store.vault.root.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [a.sha256]
    raw = files[0].read_bytes()
    assert raw.startswith(MAGIC) and data not in raw and len(raw) > len(data)
    assert store.read_media(a.sha256) == data


def test_truncated_or_foreign_files_are_reported(store: Store) -> None:
    ref = store.add_media(b"a page" * 1000, "image/jpeg")
    path = store.vault.path(ref.sha256)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(StoreCorrupt):
        store.read_media(ref.sha256)
    path.write_bytes(b"plain bytes")
    with pytest.raises(StoreCorrupt):
        store.read_media(ref.sha256)
    with pytest.raises(StoreError) as info:
        store.read_media("0" * 64)
    assert info.value.message_key == "store.media_missing"


def test_names_cannot_escape_the_vault(store: Store) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError):
            store.vault.path(bad)


def test_sweep_keeps_referenced_and_recent_media(store: Store) -> None:
    kept = store.add_media(b"attached", "image/jpeg")
    orphan = store.add_media(b"never attached", "image/jpeg")
    fresh = store.add_media(b"just taken", "image/jpeg")
    reg = store.create_draft("s", "1", "km")
    store.save_draft(reg.id, {}, [Attachment("photo", "photo", kept)])
    stale_tmp = store.vault.path(kept.sha256).parent / f"{TMP_PREFIX}deadbeef-0000"
    stale_tmp.write_bytes(b"half written")
    old = time.time() - 48 * 3600
    for path in (store.vault.path(kept.sha256), store.vault.path(orphan.sha256), stale_tmp):
        os.utime(path, (old, old))
    assert store.sweep_orphans(older_than_hours=24) == 1
    assert store.vault.has(kept.sha256) and store.vault.has(fresh.sha256)
    assert not store.vault.has(orphan.sha256) and not stale_tmp.exists()


def test_adding_known_media_again_protects_it_from_the_sweep(store: Store) -> None:
    ref = store.add_media(b"retake", "image/jpeg")
    old = time.time() - 48 * 3600
    os.utime(store.vault.path(ref.sha256), (old, old))
    store.add_media(b"retake", "image/jpeg")
    assert store.sweep_orphans(older_than_hours=24) == 0

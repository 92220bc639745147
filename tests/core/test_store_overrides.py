"""Issue 10 item 12: a clerk's override reason is a fixed code, never free text kept forever."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kiosk.i18n import tr
from kiosk.model import Attachment
from kiosk.overrides import OverrideReason, OverrideReasonError, label_key
from kiosk.store import Store
from kiosk.store.db import DB_FILE

FREE_TEXT = "Sok Dara has a glass eye after an accident"


def _photo(store: Store, reason: object) -> Attachment:
    media = store.add_media(os.urandom(200), "image/jpeg")
    checks = {"sharpness": 12.0, "override": {"reason": reason, "failed": ["sharpness"]}}
    return Attachment("photo", "photo", media, checks=checks)


def test_free_text_reasons_are_refused_in_the_audit_and_the_checks(
    store: Store, data_dir: Path
) -> None:
    reg = store.create_draft("s", "1", "km")
    with pytest.raises(OverrideReasonError):
        store.audit.append("clerk", "photo_override", reg.id, {"reason": FREE_TEXT})
    with pytest.raises(OverrideReasonError):
        store.save_draft(reg.id, {}, [_photo(store, FREE_TEXT)])
    with pytest.raises(OverrideReasonError):
        store.submit(reg.id, {}, [_photo(store, FREE_TEXT)], fee_khr=0)
    store.close()
    for name in (DB_FILE, DB_FILE + "-wal"):
        path = data_dir / name
        assert not path.exists() or FREE_TEXT.encode() not in path.read_bytes()


def test_reason_codes_are_kept_and_labelled(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    store.audit.append("clerk", "photo_override", reg.id, {"reason": "medical", "failed": ["x"]})
    store.submit(reg.id, {}, [_photo(store, OverrideReason.GLASSES_GLARE)], fee_khr=0)
    assert store.get(reg.id).attachments[0].checks["override"]["reason"] == "glasses_glare"
    assert store.audit.entries(subject=reg.id)[-1].details["reason"] == "medical"
    for reason in OverrideReason:
        for locale in ("km", "en"):
            label = tr(label_key(reason), locale)
            assert label and label != label_key(reason)
    assert {r.value for r in OverrideReason} >= {
        "glasses_glare",
        "medical",
        "religious_headwear",
        "child_under_5",
        "disability",
        "camera_fault",
    }


def test_audit_of_other_actions_is_unchanged(store: Store, data_dir: Path) -> None:
    store.audit.append("clerk", "reprinted", "r1", {"reason": "paper jam"})  # not an override
    store.close()
    conn = sqlite3.connect(data_dir / DB_FILE)
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 1
    conn.close()

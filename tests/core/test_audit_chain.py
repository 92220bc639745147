"""The audit log is append-only and any edit made behind the store's back is found."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from kiosk.model import Attachment, State
from kiosk.store import Store
from kiosk.store.db import DB_FILE
from tests.core.conftest import ManualClock


def _log(store: Store, n: int) -> None:
    for i in range(n):
        store.audit.append("clerk:sokha", "checked_papers", f"reg-{i}", {"ok": i % 2 == 0})


def test_append_and_read_back(store: Store, clock: ManualClock) -> None:
    _log(store, 3)
    entries = store.audit.entries()
    assert [e.seq for e in entries] == [3, 2, 1]
    assert entries[0].actor == "clerk:sokha" and entries[0].details == {"ok": True}
    assert entries[0].at == clock.now.isoformat()
    assert [e.subject for e in store.audit.entries(subject="reg-1")] == ["reg-1"]
    assert store.audit.verify() is None


def test_update_and_delete_are_refused(store: Store) -> None:
    _log(store, 2)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("UPDATE audit SET actor = 'someone' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("DELETE FROM audit WHERE seq = 2")
    assert store.audit.verify() is None


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit SET details = '{\"ok\":false}' WHERE seq = 3",
        "DELETE FROM audit WHERE seq = 3",
        "UPDATE audit SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 3",
    ],
)
def test_edits_with_triggers_dropped_are_found(
    data_dir: Path, clock: ManualClock, tamper: str
) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        _log(s, 5)
    conn = sqlite3.connect(data_dir / DB_FILE)  # someone with the file and sqlite3
    conn.executescript(f"DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {tamper};")
    conn.close()
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        broken = s.audit.verify()
        assert broken in (3, 4)  # the edited entry, or the one after a deleted entry
        assert broken == (4 if "DELETE" in tamper else 3)


def test_a_failed_submit_leaves_no_trace(store: Store) -> None:
    """A failure half-way through submit rolls back state, number, outbox and audit."""
    reg = store.create_draft("s", "1", "km")
    before = len(store.audit.entries())
    ref = store.add_media(b"photo", "image/jpeg")
    bad = Attachment("photo", "photo", ref, checks={"not json": object()})
    with pytest.raises(TypeError):
        store.submit(reg.id, {"name_km": "ដារា"}, [bad], fee_khr=0)
    assert store.get(reg.id).state is State.DRAFT and store.get(reg.id).app_number is None
    assert len(store.audit.entries()) == before and store.outbox() == []
    receipt = store.submit(reg.id, {}, [Attachment("photo", "photo", ref)], fee_khr=0)
    assert receipt.app_number.split("-")[-2] == "00001"  # the number was not used up


def test_the_chain_hashes_the_protocols_canonical_json() -> None:
    """One canonical JSON for audit, answers and the wire: sync.protocol's, NaN refused."""
    from kiosk.store.audit import entry_hash
    from sync.protocol import canonical_json, canonical_text

    details = canonical_text({"b": "ដារា", "a": 1})
    assert details == '{"a":1,"b":"ដារា"}' and canonical_json({"b": "ដារា", "a": 1}) == (
        details.encode("utf-8")
    )
    body = canonical_text(
        {"seq": 1, "at": "t", "actor": "x", "action": "y", "subject": "z", "details": details}
    )
    expected = hashlib.sha256(f"{'0' * 64}\n{body}".encode()).hexdigest()
    assert entry_hash("0" * 64, 1, "t", "x", "y", "z", details) == expected
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            canonical_text({"v": bad})


def test_nan_answers_are_refused_before_writing(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    with pytest.raises(ValueError):
        store.save_draft(reg.id, {"height": float("nan")})
    assert store.get(reg.id).answers == {}

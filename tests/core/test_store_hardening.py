"""Issue 10, store side: numbers unique per kiosk, decisions by id only, damaged rows isolated,
damaged schema pages, WAL wiped after a discard or purge, owner-only file modes."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from kiosk.model import Attachment, State
from kiosk.store import Store, StoreCorrupt
from kiosk.store.appnumber import kiosk_of, validate_app_number
from kiosk.store.db import DB_FILE
from tests.core.conftest import ManualClock


def _submit(store: Store, name: str = "សុខ ដារា", media: bool = True) -> str:
    reg = store.create_draft("s", "1", "km")
    atts = []
    if media:
        atts = [Attachment("photo", "photo", store.add_media(os.urandom(300), "image/jpeg"))]
    store.submit(reg.id, {"name_km": name, "phone": "012345678"}, atts, fee_khr=0)
    return reg.id


# -- 1: application numbers and the change feed ---------------------------------------------
def test_two_enrolled_kiosks_in_one_commune_never_share_a_number(
    tmp_path: Path, clock: ManualClock
) -> None:
    with (
        Store.open(tmp_path / "a", commune_code="120101", clock=clock, kiosk_number=1) as a,
        Store.open(tmp_path / "b", commune_code="120101", clock=clock, kiosk_number=2) as b,
    ):
        na = [a.receipt(_submit(a, media=False)).app_number for _ in range(3)]
        nb = [b.receipt(_submit(b, media=False)).app_number for _ in range(3)]
    assert not set(na) & set(nb)
    assert na[0].startswith("120101-01-00001-") and nb[0].startswith("120101-02-00001-")
    assert all(validate_app_number(n) for n in na + nb)
    assert {kiosk_of(n) for n in na} == {1} and {kiosk_of(n) for n in nb} == {2}


def test_the_kiosk_number_comes_from_the_config_written_at_enrolment(
    data_dir: Path, clock: ManualClock
) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        first = s.receipt(_submit(s, media=False)).app_number
        (data_dir / "config.json").write_text('{"kiosk_number": 12}', "utf-8")
        second = s.receipt(_submit(s, media=False)).app_number
    assert kiosk_of(first) == 0  # provisional: the server never hands out kiosk 00
    assert second.startswith("120101-12-00002-")


def test_another_kiosks_decision_touches_nothing_here(tmp_path: Path, clock: ManualClock) -> None:
    """Two kiosks, one commune, the same (provisional or legacy) number: A's rejection with a
    note naming A's citizen must not reach B's registration or delete B's outbox row."""
    with (
        Store.open(tmp_path / "a", commune_code="120101", clock=clock) as a,
        Store.open(tmp_path / "b", commune_code="120101", clock=clock) as b,
    ):
        reg_a, reg_b = _submit(a), _submit(b, "ចាន់ ធីតា")
        number = a.get(reg_a).app_number
        assert number == b.get(reg_b).app_number  # the collision the feed used to fall for
        a.mark_accepted(reg_a, {"registration_id": reg_a})
        decision = {
            "kind": "status",
            "seq": 9,
            "registration_id": reg_a,
            "app_number": number,
            "status": "rejected",
            "note": "Sok Dara's birth record does not match",
            "at": "2026-03-02T08:00:00Z",
        }
        b.apply_changes([decision], "9")
        got = b.get(reg_b)
        assert got.state is State.SUBMITTED and got.server_status is None
        assert got.status_note is None and b.status_history(reg_b) == []
        assert [i.registration.id for i in b.outbox()] == [reg_b]
        a.apply_changes([decision], "9")
        assert a.get(reg_a).state is State.DECIDED  # the right kiosk still gets it


def test_a_decision_never_removes_what_the_server_has_not_acknowledged(store: Store) -> None:
    reg_id = _submit(store)
    change = {"kind": "status", "registration_id": reg_id, "status": "rejected", "note": "n"}
    store.apply_changes([change], "3")
    got = store.get(reg_id)
    assert got.state is State.SUBMITTED and got.server_status is not None
    assert [i.registration.id for i in store.outbox()] == [reg_id]  # still to be sent
    store.mark_accepted(reg_id, {"registration_id": reg_id})  # the commit's receipt
    assert store.get(reg_id).state is State.DECIDED and store.outbox() == []


# -- 2: one damaged row ---------------------------------------------------------------------
def _flip_answers_bit(data_dir: Path, reg_id: str) -> None:
    conn = sqlite3.connect(data_dir / DB_FILE)
    blob = bytearray(
        conn.execute("SELECT answers FROM registrations WHERE id = ?", (reg_id,)).fetchone()[0]
    )
    blob[20] ^= 0x04
    conn.execute("UPDATE registrations SET answers = ? WHERE id = ?", (bytes(blob), reg_id))
    conn.commit()
    conn.close()


def test_one_damaged_row_is_marked_skipped_and_reported(
    store: Store, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [_submit(store, n) for n in ("សុខ ដារា", "សុខ ធីតា", "សុខ វណ្ណា")]
    _flip_answers_bit(data_dir, ids[1])
    assert [i.registration.id for i in store.outbox()] == [ids[0], ids[2]]
    assert [r.id for r in store.list_by_state(State.SUBMITTED)] == [ids[0], ids[2]]
    assert {r.id for r in store.search("សុខ")} == {ids[0], ids[2]}
    assert store.outbox_count() == 2
    (bad_id, number, why) = store.damaged()[0]
    assert bad_id == ids[1] and number == store.receipt(ids[1]).app_number and why
    assert "damaged" in caplog.text and ids[1] in caplog.text
    with pytest.raises(StoreCorrupt) as exc:
        store.get(ids[1])
    assert exc.value.message_key == "store.row_damaged"
    assert store.get_setting("sync.last_error")["registration_id"] == ids[1]
    assert store.audit.entries(subject=ids[1])[0].action == "damaged"
    assert store.audit.verify() is None
    assert store.verify_rows() == [ids[1]]


def test_self_check_finds_a_damaged_row_nothing_has_read_yet(store: Store, data_dir: Path) -> None:
    ids = [_submit(store), _submit(store)]
    _flip_answers_bit(data_dir, ids[0])
    assert store.verify_rows() == [ids[0]]


# -- 6: a damaged schema page -----------------------------------------------------------------
def test_damage_in_a_schema_page_is_a_damaged_store_with_a_copy(
    data_dir: Path, clock: ManualClock
) -> None:
    Store.open(data_dir, commune_code="120101", clock=clock).close()
    path = data_dir / DB_FILE
    raw = bytearray(path.read_bytes())
    at = raw.find(b"CREATE TABLE attachments")
    raw[at + 7 : at + 9] = b"\xff\xfe"  # not UTF-8 any more
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreCorrupt) as exc:
        Store.open(data_dir, commune_code="120101", clock=clock)
    assert exc.value.message_key == "store.corrupt"
    assert "UnicodeDecodeError" in str(exc.value)
    copies = list(data_dir.glob("sala.corrupt-*.db"))
    assert len(copies) == 1 and copies[0].read_bytes() == bytes(raw)


# -- 10: nothing decryptable stays in the WAL ------------------------------------------------
def _wal(data_dir: Path) -> bytes:
    wal = data_dir / (DB_FILE + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_idle_wipe_leaves_no_copy_in_the_wal(store: Store, data_dir: Path) -> None:
    reg = store.create_draft("s", "1", "km")
    store.save_draft(reg.id, {"name_km": "សុខ ដារា"})
    conn = sqlite3.connect(data_dir / DB_FILE)
    blob = conn.execute("SELECT answers FROM registrations WHERE id = ?", (reg.id,)).fetchone()[0]
    conn.close()
    assert blob[12:40] in _wal(data_dir)  # the ciphertext sits in the live WAL
    store.discard_draft(reg.id)
    assert blob[12:40] not in _wal(data_dir)
    assert blob[12:40] not in (data_dir / DB_FILE).read_bytes()


def test_retention_purge_leaves_no_copy_in_the_wal(
    store: Store, data_dir: Path, clock: ManualClock
) -> None:
    reg_id = _submit(store)
    store.mark_accepted(reg_id, {"registration_id": reg_id})
    marker = "NOTE-MARKER Sok Dara lives at house 17"
    store.apply_changes(
        [{"kind": "status", "registration_id": reg_id, "status": "rejected", "note": marker}], "1"
    )
    conn = sqlite3.connect(data_dir / DB_FILE)
    blob = conn.execute("SELECT answers FROM registrations WHERE id = ?", (reg_id,)).fetchone()[0]
    conn.close()
    assert marker.encode() in _wal(data_dir)
    clock.advance(days=91)
    assert store.purge_due(retention_days=90) == 1
    for needle in (marker.encode(), blob[12:40]):
        assert needle not in _wal(data_dir)
        assert needle not in (data_dir / DB_FILE).read_bytes()


# -- 11: owner-only modes ---------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_data_dir_and_database_are_private_on_every_open(
    data_dir: Path, clock: ManualClock
) -> None:
    data_dir.mkdir(mode=0o755)  # as `sala enrol` leaves it
    os.chmod(data_dir, 0o755)
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        _submit(s)
    os.chmod(data_dir / DB_FILE, 0o644)
    os.chmod(data_dir / "media", 0o755)
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        _submit(s)
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in [data_dir, data_dir / "media", *data_dir.glob(DB_FILE + "*")]
        }
        shards = {stat.S_IMODE(p.stat().st_mode) for p in (data_dir / "media").iterdir()}
    assert modes["data"] == 0o700 and modes["media"] == 0o700 and shards == {0o700}
    assert {modes[n] for n in modes if n.startswith(DB_FILE)} == {0o600}
    assert {n for n in modes if n.startswith(DB_FILE)} >= {DB_FILE, DB_FILE + "-wal"}

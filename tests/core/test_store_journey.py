"""The citizen journey through the real store: draft, autosave, submit, read back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.model import Attachment, State
from kiosk.store import (
    MediaMissing,
    NotFound,
    Store,
    WrongState,
    validate_app_number,
)
from tests.core.conftest import ManualClock


def _photo(store: Store, size: int = 2000) -> Attachment:
    ref = store.add_media(os.urandom(size), "image/jpeg")
    return Attachment(field_id="photo", kind="photo", media=ref, checks={"sharpness": 212.4})


def test_draft_autosave_and_read_back(store: Store, clock: ManualClock) -> None:
    reg = store.create_draft("birth_certificate", "2026.1", "km")
    assert reg.state is State.DRAFT and reg.created_at == clock.now
    clock.advance(seconds=5)
    store.save_draft(reg.id, {"name_km": "សុខ ដារា", "age": 7})
    got = store.get(reg.id)
    assert got.answers == {"name_km": "សុខ ដារា", "age": 7}
    assert got.updated_at == clock.now and got.created_at == reg.created_at
    assert got.service_id == "birth_certificate" and got.form_version == "2026.1"


def test_typed_text_is_stored_nfc_without_zero_width_or_control(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    decomposed = "e\u0301"  # é as e + combining acute
    store.save_draft(
        reg.id,
        {
            "name_km": "សុខ\u200bដារា\u0007",
            "name_latin": decomposed,
            "list": ["a\u200db"],
            "addr": {"note": "x\u0000y"},
        },
    )
    answers = store.get(reg.id).answers
    assert answers["name_km"] == "សុខដារា"
    assert answers["name_latin"] == "\u00e9"
    assert answers["list"] == ["ab"]
    assert answers["addr"] == {"note": "x y"}


def test_submit_writes_everything_at_once(store: Store, clock: ManualClock) -> None:
    reg = store.create_draft("birth_certificate", "2026.1", "km")
    att = _photo(store)
    receipt = store.submit(reg.id, {"name_km": "សុខ"}, [att], fee_khr=5000, processing_days=7)
    assert validate_app_number(receipt.app_number)
    assert receipt.app_number.startswith("120101-00-00001-")  # kiosk 00: not enrolled
    assert len(receipt.verification_code) == 6
    assert receipt.submitted_at == clock.now and receipt.processing_days == 7
    got = store.get(reg.id)
    assert got.state is State.SUBMITTED and got.app_number == receipt.app_number
    assert got.attachments == [att] and got.fee_khr == 5000
    assert store.receipt(reg.id) == receipt
    assert store.by_app_number(receipt.app_number) == got
    assert store.by_app_number(receipt.app_number.replace("-", " ")) == got
    assert [i.registration.id for i in store.outbox()] == [reg.id]
    assert store.audit.entries(subject=reg.id)[0].action == "submitted"
    assert store.read_media(att.media.sha256) == store.vault.get(att.media.sha256)


def test_submit_twice_returns_the_same_receipt(store: Store) -> None:
    reg = store.create_draft("s", "1", "en")
    first = store.submit(reg.id, {}, [], fee_khr=0)
    again = store.submit(reg.id, {"changed": True}, [], fee_khr=99)
    assert again == first
    assert store.get(reg.id).answers == {}


def test_numbers_increase_and_are_never_reused(data_dir: Path, clock: ManualClock) -> None:
    numbers = []
    for _ in range(3):
        with Store.open(data_dir, commune_code="120101", clock=clock) as s:
            reg = s.create_draft("s", "1", "km")
            numbers.append(s.submit(reg.id, {}, [], fee_khr=0).app_number)
    assert [n.split("-")[-2] for n in numbers] == ["00001", "00002", "00003"]


def test_submit_refuses_media_not_in_vault(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    att = _photo(store)
    store.vault.delete(att.media.sha256)
    with pytest.raises(MediaMissing) as info:
        store.submit(reg.id, {}, [att], fee_khr=0)
    assert info.value.message_key == "store.media_missing"
    assert store.get(reg.id).state is State.DRAFT


def test_only_drafts_are_saved_or_discarded(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    store.submit(reg.id, {}, [], fee_khr=0)
    with pytest.raises(WrongState):
        store.save_draft(reg.id, {"a": 1})
    with pytest.raises(WrongState):
        store.discard_draft(reg.id)
    with pytest.raises(NotFound):
        store.get("nope")


def test_discard_removes_only_media_the_draft_alone_used(store: Store) -> None:
    shared = _photo(store)
    own = _photo(store)
    keep = store.create_draft("s", "1", "km")
    store.save_draft(keep.id, {}, [shared])
    gone = store.create_draft("s", "1", "km")
    page = Attachment("papers", "document", own.media, page=0)
    store.save_draft(gone.id, {"name_km": "x"}, [shared, page])
    store.discard_draft(gone.id)
    with pytest.raises(NotFound):
        store.get(gone.id)
    assert store.vault.has(shared.media.sha256)
    assert not store.vault.has(own.media.sha256)
    store.discard_draft(gone.id)  # idle wipe twice is harmless


def test_lists_and_counts_by_state(store: Store) -> None:
    drafts = [store.create_draft("s", "1", "km") for _ in range(3)]
    store.submit(drafts[0].id, {}, [], fee_khr=0)
    counts = store.counts_by_state()
    assert counts[State.DRAFT] == 2 and counts[State.SUBMITTED] == 1
    assert counts[State.PURGED] == 0
    assert [r.id for r in store.list_by_state(State.DRAFT)] == [d.id for d in drafts[1:]]
    assert len(store.list_by_state(State.DRAFT, limit=1)) == 1


def test_settings_round_trip(store: Store) -> None:
    assert store.get_setting("x", 5) == 5
    store.set_setting("x", {"a": ["ខ្មែរ", 1]})
    assert store.get_setting("x") == {"a": ["ខ្មែរ", 1]}


def test_stale_drafts_are_wiped_fresh_ones_kept(store: Store, clock: ManualClock) -> None:
    old = store.create_draft("s", "1", "km")
    store.save_draft(old.id, {"name_km": "ដារា"}, [_photo(store)])
    clock.advance(hours=30)
    fresh = store.create_draft("s", "1", "km")
    assert store.discard_stale_drafts(older_than_hours=24) == 1
    assert [r.id for r in store.list_by_state(State.DRAFT)] == [fresh.id]

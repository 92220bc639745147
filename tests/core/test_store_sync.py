"""What the sync client does with the store: outbox, tus state, results, feed, retention."""

from __future__ import annotations

import os

import pytest

from kiosk.model import Attachment, ServerStatus, State
from kiosk.store import NotFound, Store, UploadState, WrongState
from tests.core.conftest import ManualClock


def _submitted(store: Store, name: str = "សុខ") -> tuple[str, Attachment]:
    reg = store.create_draft("s", "1", "km")
    att = Attachment("photo", "photo", store.add_media(os.urandom(500), "image/jpeg"))
    store.submit(reg.id, {"name_km": name}, [att], fee_khr=0)
    return reg.id, att


def test_outbox_oldest_first_and_upload_state(store: Store, clock: ManualClock) -> None:
    first, att = _submitted(store)
    clock.advance(seconds=1)
    second, _ = _submitted(store)
    assert [i.registration.id for i in store.outbox()] == [first, second]
    assert store.outbox_count() == 2
    assert store.outbox()[0].attempts == 0 and store.outbox()[0].next_attempt_at is None
    assert store.upload_state(first, att.media.sha256) is None
    store.save_upload_state(first, att.media.sha256, "/v1/uploads/abc", 200)
    assert store.upload_state(first, att.media.sha256) == UploadState("/v1/uploads/abc", 200, 500)
    with pytest.raises(NotFound):
        store.save_upload_state(first, "0" * 64, "/v1/uploads/x", 0)


def test_uploading_then_accepted_leaves_the_outbox(store: Store) -> None:
    reg_id, att = _submitted(store)
    store.save_upload_state(reg_id, att.media.sha256, "/v1/uploads/abc", 500)
    store.mark_uploading(reg_id)
    assert store.get(reg_id).state is State.UPLOADING
    assert [i.registration.state for i in store.outbox()] == [State.UPLOADING]
    receipt = {"registration_id": reg_id, "server_seq": 7}
    store.mark_accepted(reg_id, receipt)
    got = store.get(reg_id)
    assert got.state is State.ACCEPTED and got.server_receipt == receipt
    assert store.outbox() == [] and store.upload_state(reg_id, att.media.sha256) is None
    assert store.get_setting("sync.last_success") is not None
    store.mark_accepted(reg_id, receipt)  # a repeated 200 is harmless


def test_drafts_cannot_be_uploaded(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    with pytest.raises(WrongState):
        store.mark_uploading(reg.id)
    with pytest.raises(WrongState):
        store.mark_accepted(reg.id, {})


def test_sync_errors_back_off(store: Store, clock: ManualClock) -> None:
    reg_id, _ = _submitted(store)
    store.record_sync_error(reg_id, "connection refused")
    store.record_sync_error(reg_id, "timeout")
    item = store.outbox()[0]
    assert item.attempts == 2
    assert item.next_attempt_at is not None
    assert clock.now <= item.next_attempt_at <= clock.now.replace(minute=clock.now.minute + 10)
    assert item.registration.last_sync_error == "timeout"
    assert store.get_setting("sync.last_error")["message"] == "timeout"


def test_apply_changes_stores_statuses_catalog_and_cursor(store: Store) -> None:
    reg_id, _ = _submitted(store)
    store.mark_accepted(reg_id, {"ok": True})
    app = store.get(reg_id).app_number
    assert store.feed_cursor() is None
    store.apply_changes(
        [
            {
                "seq": 1,
                "kind": "status",
                "registration_id": reg_id,
                "app_number": app,
                "status": "in_review",
                "note": None,
                "at": "2026-03-02T09:00:00+00:00",
            },
            {"seq": 2, "kind": "catalog", "version": "2026.2", "url": "/v1/catalog/2026.2"},
            {
                "seq": 3,
                "kind": "status",
                "registration_id": "someone-else",
                "app_number": "x",
                "status": "approved",
                "note": None,
                "at": "2026-03-02T09:00:00+00:00",
            },
        ],
        "c3",
    )
    got = store.get(reg_id)
    assert got.server_status is ServerStatus.IN_REVIEW and got.state is State.ACCEPTED
    assert store.feed_cursor() == "c3"
    assert store.get_setting("feed.catalog")["version"] == "2026.2"
    store.apply_changes(
        [
            {
                "seq": 4,
                "kind": "status",
                "registration_id": reg_id,
                "app_number": app,
                "status": "ready_for_pickup",
                "note": "Bring your ID",
                "at": "2026-03-05T09:00:00+00:00",
            }
        ],
        "c4",
    )
    got = store.get(reg_id)
    assert got.state is State.DECIDED and got.status_note == "Bring your ID"
    assert [s for s, _, _ in store.status_history(reg_id)] == [
        ServerStatus.IN_REVIEW,
        ServerStatus.READY_FOR_PICKUP,
    ]
    assert store.feed_cursor() == "c4"


def test_a_failing_change_keeps_the_old_cursor(store: Store) -> None:
    store.apply_changes([], "c1")
    with pytest.raises(TypeError):  # not JSON: the whole page rolls back
        store.apply_changes(
            [
                {
                    "kind": "status",
                    "registration_id": None,
                    "app_number": None,
                    "status": "approved",
                },
                {"kind": "catalog", "version": object()},
            ],
            "c2",
        )
    assert store.feed_cursor() == "c1"


def test_purge_removes_pii_and_media_keeps_tombstone(store: Store, clock: ManualClock) -> None:
    reg_id, att = _submitted(store, name="ដារា")
    store.mark_accepted(reg_id, {"ok": True})
    store.apply_changes(
        [
            {
                "kind": "status",
                "registration_id": reg_id,
                "status": "collected",
                "note": "given",
                "at": None,
            }
        ],
        "c1",
    )
    assert store.purge_due(retention_days=90) == 0
    clock.advance(days=91)
    assert store.purge_due(retention_days=90) == 1
    got = store.get(reg_id)
    assert got.state is State.PURGED and got.answers == {} and got.attachments == []
    assert got.app_number and got.server_status is ServerStatus.COLLECTED
    assert not store.vault.has(att.media.sha256)
    assert store.search("ដារា") == []
    assert store.receipt(reg_id).app_number == got.app_number
    assert store.status_history(reg_id) == [(ServerStatus.COLLECTED, None, None)]

"""Originals checked instead of photocopies: a before_upload application is held from the
outbox until checked, or sent after the grace days flagged "originals not checked"; the
check travels as a staff event; photos of originals become new pages."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.clerk import ClerkError, OriginalCheck, Queue
from kiosk.store import Store
from kiosk.store.clerk import KIOSK_STAFF
from tests.core.conftest import ManualClock
from tests.core.test_clerk_support import (
    BUSINESS,
    LICENCE,
    RESIDENCE,
    accept,
    audit_actions,
    counter,
    jpeg,
    snapshot,
    submit,
)


def outbox_ids(store: Store) -> set[str]:
    return {i.registration.id for i in store.outbox()}


def test_held_until_checked(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    held = submit(store, LICENCE, 0).registration_id
    other = submit(store, RESIDENCE, 1).registration_id  # at_pickup: goes at once
    assert outbox_ids(store) == {other}
    c.desk.record_originals(
        held,
        [
            OriginalCheck("old_licence", True, number="DL 7654320", issued_on=date(2016, 1, 4),
                          photo_jpeg=jpeg(77)),
            OriginalCheck("medical_certificate", False),
        ],
    )  # fmt: skip
    assert outbox_ids(store) == {held, other}
    assert c.desk.counts()[Queue.ORIGINALS] == 0
    view = c.desk.open(held)
    assert view.originals_state == "checked" and not view.held
    by_doc = {o.document_id: o for o in view.originals}
    assert by_doc["old_licence"].seen and by_doc["old_licence"].number == "DL 7654320"
    assert by_doc["old_licence"].issued_on == "2016-01-04"
    assert not by_doc["medical_certificate"].seen
    # the photo of the original is a new page of that paper, travelling with the commit
    pages = [m for f, m in view.page_media_ids if f == "old_licence"]
    assert len(pages) == 2 and by_doc["old_licence"].page_sha256 == pages[1]
    assert len(store.get(held).attachments) == 3  # photo, page, photo of the original
    assert "clerk.originals_checked" in audit_actions(store, held)
    # the event waits for the record to reach the server, then goes
    assert store.events_pending() == []
    accept(store, held)
    (pending,) = store.events_pending()
    assert pending.event.kind == "originals_checked"
    assert pending.event.data["unchecked_sent"] is False
    assert pending.event.data["checks"][0]["page_sha256"] == pages[1]


def test_sent_anyway_after_the_grace_days_flagged(store: Store, clock: ManualClock) -> None:
    counter(store, clock)
    held = submit(store, LICENCE, 0).registration_id
    clock.advance(days=2, hours=23)
    assert held not in outbox_ids(store)
    clock.advance(hours=2)
    assert held in outbox_ids(store)
    rec = store.clerk_record(held)
    assert rec.originals == "unchecked_sent" and not rec.held
    (event,) = rec.events
    assert event.data == {"checks": [], "unchecked_sent": True}
    assert event.staff_id == KIOSK_STAFF
    assert "clerk.originals_unchecked_sent" in audit_actions(store, held)
    store.outbox()  # released once: no second event
    assert len(store.clerk_record(held).events) == 1


def test_grace_days_is_a_setting(store: Store, clock: ManualClock) -> None:
    counter(store, clock)
    store.set_setting("clerk.originals_grace_days", 1)
    held = submit(store, LICENCE, 0).registration_id
    clock.advance(days=1, minutes=1)
    assert held in outbox_ids(store)


def test_refusals_change_nothing(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    held = submit(store, LICENCE, 0).registration_id
    free = submit(store, BUSINESS, 1).registration_id
    before = snapshot(store)
    cases = [
        (held, [], "originals_empty"),
        (held, [OriginalCheck("family_book", True)], "bad_document"),
        (held, [OriginalCheck("old_licence", True, issued_on=date(2030, 1, 1))], "bad_issue_date"),
        (held, [OriginalCheck("old_licence", True, photo_jpeg=b"GIF89a....")], "bad_image"),
        (free, [OriginalCheck("premises_paper", True)], "no_originals_check"),
    ]
    for reg_id, checks, key in cases:
        with pytest.raises(ClerkError) as err:
            c.desk.record_originals(reg_id, checks)
        assert err.value.message_key == f"clerk.core.{key}"
    assert snapshot(store) == before


def test_the_sync_workers_own_store_holds_by_the_data_dirs_catalog(
    store: Store, clock: ManualClock
) -> None:
    """The worker opens a Store of its own, with no ClerkDesk: the rule comes from the
    installed (or bundled) catalog, and a newly installed catalog is read again."""
    import json

    from kiosk.catalog import CatalogManager
    from kiosk.i18n import assets_root

    held = submit(store, LICENCE, 0).registration_id
    worker = Store.open(store.data_dir, commune_code="120101", clock=clock)
    try:
        assert held not in outbox_ids(worker)
        raw = json.loads((assets_root() / "catalog" / "services.json").read_text("utf-8"))
        for svc in raw["services"]:
            svc["originals_check"] = "at_pickup"
        CatalogManager(store.data_dir).install(json.dumps(raw).encode())
        assert held in outbox_ids(worker)
    finally:
        worker.close()

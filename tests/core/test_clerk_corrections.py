"""Corrections and supplements: before upload a new local version, atomic with respect to the
sync worker's claim; after upload a supplement (version n+1, only what changed, new pages);
the citizen's validation applies; unknown, purged or decided applications are refused."""

from __future__ import annotations

import base64

import pytest

from kiosk.clerk import ClerkError, Queue
from kiosk.store import Store, WrongState
from tests.core.conftest import ManualClock
from tests.core.test_clerk_support import (
    RESIDENCE,
    accept,
    audit_actions,
    counter,
    jpeg,
    set_status,
    sign_in_again,
    snapshot,
    submit,
)


def test_correction_before_upload_is_a_new_version(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    assert c.desk.correct(reg_id, "name_latin", "sok  dara  ii") == 2
    reg = store.get(reg_id)
    assert reg.answers["name_latin"] == "SOK DARA II"  # the citizen's normalisation
    assert c.desk.open(reg_id).version == 2
    assert [r.reg_id for r in c.desk.search("dara ii")] == [reg_id]
    (entry,) = [e for e in store.audit.entries(subject=reg_id) if e.action == "clerk.corrected"]
    assert entry.details["field_id"] == "name_latin" and entry.details["version"] == 2
    sealed = base64.b64decode(entry.details["values"])
    assert b"SOK" not in sealed  # old and new values are in the audit only sealed
    # it goes up as corrected: the outbox reads the new answers
    (item,) = store.outbox()
    assert item.registration.answers["name_latin"] == "SOK DARA II"


def test_a_wrong_answer_is_refused_in_the_citizens_words(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    before = snapshot(store)
    with pytest.raises(ClerkError) as err:
        c.desk.correct(reg_id, "phone", "12")
    assert err.value.message_key == "clerk.core.invalid_answer" and err.value.issue is not None
    assert err.value.issue.km and err.value.issue.en
    for field, value, key in [
        ("face_photo", "x", "not_correctable"),
        ("nope", "x", "not_correctable"),
        ("name_latin", "SOK DARA", "unchanged"),
    ]:
        with pytest.raises(ClerkError) as err:
            c.desk.correct(reg_id, field, value)
        assert err.value.message_key == f"clerk.core.{key}"
    assert snapshot(store) == before


def test_correction_racing_the_sync_worker(store: Store, clock: ManualClock) -> None:
    """The worker read the record, then the clerk corrected it: the worker's claim fails
    (it sends the new version next round). While the worker holds its claim, a correction is
    refused and nothing changes; once the claim ends (an error), the correction goes in."""
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    (read,) = store.outbox()  # the worker reads …
    c.desk.correct(reg_id, "name_latin", "SOK DARA II")  # … the clerk corrects …
    with pytest.raises(WrongState):  # … the worker's claim with what it read fails
        store.mark_uploading(reg_id, seen=read.registration.updated_at)
    (fresh,) = store.outbox()
    store.mark_uploading(reg_id, seen=fresh.registration.updated_at)  # claimed
    before = snapshot(store)
    with pytest.raises(ClerkError) as err:
        c.desk.correct(reg_id, "name_latin", "SOK DARA III")
    assert err.value.message_key == "clerk.core.being_sent"
    assert snapshot(store) == before
    assert c.desk.open(reg_id).being_sent
    store.record_sync_error(reg_id, "link dropped")  # the attempt ends: the claim with it
    assert c.desk.correct(reg_id, "name_latin", "SOK DARA III") == 3
    clock.advance(minutes=11)  # a claim left by a crashed worker ends by itself too
    (fresh,) = store.outbox()
    store.mark_uploading(reg_id, seen=fresh.registration.updated_at)
    clock.advance(minutes=11)
    sign_in_again(c)
    assert c.desk.correct(reg_id, "name_latin", "SOK DARA IV") == 4


def test_after_upload_a_correction_is_a_supplement(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    accept(store, reg_id)
    assert c.desk.correct(reg_id, "phone", "012 999 888") == 2
    (sup,) = store.supplements_pending()
    assert (sup.wire_version, sup.answers, sup.pages) == (2, {"phone": "+85512999888"}, [])
    assert c.desk.counts()[Queue.SUPPLEMENT] == 1
    store.mark_supplement_sent(reg_id, 2)
    assert c.desk.counts()[Queue.SUPPLEMENT] == 0


def test_needs_papers_answered_with_a_new_page(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    accept(store, reg_id)
    set_status(store, reg_id, "needs_papers", "Page 2 of the residence book, please.")
    version = c.desk.supplement(reg_id, pages=[("residence_book", jpeg(9))])
    assert version == 2
    (sup,) = store.supplements_pending()
    (page,) = sup.pages
    assert (page.field_id, page.page) == ("residence_book", 1)
    assert store.read_media(page.media.sha256) == jpeg(9)
    assert "clerk.supplement" in audit_actions(store, reg_id)
    # a second one before the first is sent is version 3 on the wire
    assert c.desk.supplement(reg_id, answers={"years_at_address": "7"}) == 3
    assert [s.wire_version for s in store.supplements_pending()] == [2, 3]


def test_supplement_refusals_change_nothing(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    unsent = submit(store, RESIDENCE, 0).registration_id
    purged = submit(store, RESIDENCE, 2).registration_id
    accept(store, purged)
    set_status(store, purged, "rejected")
    clock.advance(days=100)
    store.purge_due(retention_days=90)
    decided = submit(store, RESIDENCE, 1).registration_id
    accept(store, decided)
    set_status(store, decided, "rejected")
    c = counter(store, clock)  # signed in again after the long wait
    page = [("residence_book", jpeg(3))]
    before = snapshot(store)
    for reg_id, key in [
        ("01900000-0000-7000-8000-00000000dead", "unknown"),
        (purged, "purged"),
        (unsent, "not_sent_yet"),
        (decided, "status_forbids_supplement"),
    ]:
        with pytest.raises(ClerkError) as err:
            c.desk.supplement(reg_id, pages=page)
        assert err.value.message_key == f"clerk.core.{key}", reg_id
    with pytest.raises(ClerkError) as err:
        c.desk.supplement(decided)
    assert snapshot(store) == before

"""At the counter: hand-over rules, fees (never an amount other than the catalog's), photo
overrides from the fixed list, assisted applications, the signed end of day; every action
audited, and a refusal changes nothing saved."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.clerk import ClerkError, OriginalCheck, Queue
from kiosk.i18n import error_text
from kiosk.overrides import OverrideReason
from kiosk.staff import NotAllowed, WrongPin
from kiosk.store import Store
from tests.core.conftest import ManualClock
from tests.core.test_clerk_support import (
    BUSINESS,
    LICENCE,
    RESIDENCE,
    accept,
    audit_actions,
    counter,
    set_status,
    snapshot,
    submit,
)
from tests.core.test_staff_support import CLERK, CLERK_PIN, SUP_PIN, SUPERVISOR, TECH

DAY = date(2026, 3, 1)  # the clock's Cambodian date


def ready(store: Store, service: str, n: int) -> str:
    reg_id = submit(store, service, n).registration_id
    if service == LICENCE:
        store.set_setting("clerk.originals_grace_days", 0)
        store.outbox()
        store.set_setting("clerk.originals_grace_days", 3)
    accept(store, reg_id)
    set_status(store, reg_id, "approved")
    set_status(store, reg_id, "ready_for_pickup")
    return reg_id


def test_hand_over_by_id_number(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = ready(store, BUSINESS, 0)
    before = snapshot(store)
    with pytest.raises(ClerkError) as err:
        c.desk.hand_over(reg_id, id_number="999999999", clerk_takes_responsibility=True)
    assert err.value.message_key == "clerk.core.id_mismatch"
    with pytest.raises(ClerkError) as err:
        c.desk.hand_over(reg_id, id_number=None, clerk_takes_responsibility=False)
    assert err.value.message_key == "clerk.core.id_needed"
    assert snapshot(store) == before
    c.desk.hand_over(reg_id, id_number="១០០២០០៣០០", clerk_takes_responsibility=False)
    view = c.desk.open(reg_id)
    assert view.collected and c.desk.counts()[Queue.PICKUP] == 0
    with pytest.raises(ClerkError) as err:
        c.desk.hand_over(reg_id, id_number="100200300", clerk_takes_responsibility=False)
    assert err.value.message_key == "clerk.core.already_collected"
    (event,) = [p.event for p in store.events_pending()]
    assert event.kind == "collected" and event.data == {
        "id_checked": True,
        "clerk_responsible": False,
    }
    assert "clerk.handed_over" in audit_actions(store, reg_id)


def test_hand_over_rules(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    waiting = submit(store, BUSINESS, 0).registration_id
    at_pickup = ready(store, RESIDENCE, 1)
    before = snapshot(store)
    with pytest.raises(ClerkError) as err:
        c.desk.hand_over(waiting, id_number="100200300", clerk_takes_responsibility=False)
    assert err.value.message_key == "clerk.core.not_ready"
    with pytest.raises(ClerkError) as err:
        c.desk.hand_over(at_pickup, id_number="100200301", clerk_takes_responsibility=False)
    assert err.value.message_key == "clerk.core.originals_first"
    assert snapshot(store) == before
    c.desk.record_originals(at_pickup, [OriginalCheck("residence_book", True)])
    c.desk.hand_over(at_pickup, id_number=None, clerk_takes_responsibility=True)
    events = [e.kind for e in store.clerk_record(at_pickup).events]
    assert events == ["originals_checked", "collected"]


def test_fee_is_only_the_catalogs(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id  # 5,000 riel
    free = submit(store, BUSINESS, 1).registration_id
    assert c.desk.fee_due(reg_id) == 5000
    before = snapshot(store)
    for amount, number, key in [
        (4000, "A-12", "wrong_fee"),
        (50000, "A-12", "wrong_fee"),
        (5000, "", "bad_receipt_no"),
        (5000, "12; DROP", "bad_receipt_no"),
    ]:
        with pytest.raises(ClerkError) as err:
            c.desk.record_fee(reg_id, amount, number)
        assert err.value.message_key == f"clerk.core.{key}"
    with pytest.raises(ClerkError) as err:
        c.desk.record_fee(reg_id, 4000, "A-12")
    assert error_text(err.value, "en").startswith("The fee for this application is 5000 riel")
    assert error_text(err.value, "km").count("៥០០០") == 1
    assert snapshot(store) == before
    c.desk.record_fee(reg_id, 5000, "A-០១២")
    paid = c.desk.open(reg_id).fee_paid
    assert paid is not None and (paid.amount_riel, paid.receipt_book_no) == (5000, "A-012")
    with pytest.raises(ClerkError) as err:
        c.desk.record_fee(reg_id, 5000, "A-013")
    assert err.value.message_key == "clerk.core.fee_already"
    assert c.desk.fee_due(free) == 100_000  # business registration: the catalog's fee
    assert "clerk.fee_recorded" in audit_actions(store, reg_id)


def test_photo_override_takes_only_a_reason_code(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    no_photo = submit(store, RESIDENCE, 1, photo=False).registration_id
    before = snapshot(store)
    with pytest.raises(ClerkError) as err:
        c.desk.override_photo(reg_id, "her eyes are ill")  # type: ignore[arg-type]
    assert err.value.message_key == "clerk.core.bad_reason"
    with pytest.raises(ClerkError) as err:
        c.desk.override_photo(no_photo, OverrideReason.MEDICAL)
    assert err.value.message_key == "clerk.core.no_photo"
    assert snapshot(store) == before
    c.desk.override_photo(reg_id, OverrideReason.GLASSES_GLARE)
    view = c.desk.open(reg_id)
    (ov,) = view.overrides
    assert (ov.field_id, ov.reason, ov.staff_id) == ("face_photo", "glasses_glare", CLERK)
    (entry,) = [e for e in store.audit.entries(subject=reg_id) if "override" in e.action]
    assert entry.details["reason"] == "glasses_glare" and entry.actor == CLERK


def test_assisted_application(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    staff_id = c.desk.start_assisted()
    assert staff_id == CLERK
    draft = store.create_draft(RESIDENCE, "1", "km")
    store.set_assisted_by(draft.id, staff_id)
    receipt = store.submit(draft.id, {"name_km": "សុខ ដារា"}, [], fee_khr=5000)
    assert c.desk.open(receipt.registration_id).assisted_by == CLERK
    assert "clerk.assisted_started" in audit_actions(store, CLERK)


def test_end_of_day_signed_by_a_supervisor(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    a = submit(store, RESIDENCE, 0).registration_id
    b = ready(store, BUSINESS, 1)
    submit(store, LICENCE, 2)
    c.desk.record_fee(a, 5000, "B-1")
    c.desk.record_fee(b, 100_000, "B-2")
    c.desk.hand_over(b, id_number=None, clerk_takes_responsibility=True)
    c.desk.record_originals(a, [OriginalCheck("residence_book", True)])
    summary = c.desk.day_summary(DAY)
    assert (summary.taken, summary.sent, summary.waiting) == (3, 1, 2)
    assert (summary.originals_checked, summary.handovers, summary.supplements) == (1, 1, 0)
    assert summary.fees_by_service == {RESIDENCE: 5000, BUSINESS: 100_000}
    assert summary.fees_by_clerk == {CLERK: 105_000} and summary.signed_by is None
    before = snapshot(store)
    with pytest.raises(WrongPin):
        c.desk.sign_day(DAY, SUPERVISOR, "000001")
    with pytest.raises(ClerkError) as err:
        c.desk.sign_day(DAY, CLERK, CLERK_PIN)
    assert err.value.message_key == "clerk.core.not_supervisor"
    with pytest.raises(ClerkError) as err:
        c.desk.sign_day(date(2026, 3, 2), SUPERVISOR, SUP_PIN)
    assert err.value.message_key == "clerk.core.future_day"
    assert snapshot(store) == before
    signed = c.desk.sign_day(DAY, SUPERVISOR, SUP_PIN)
    assert (signed.signed_by, signed.revision) == (SUPERVISOR, 1)
    (report,) = store.end_of_day_pending()
    assert report.body["revision"] == 1 and report.body["fees_by_clerk"] == {CLERK: 105_000}
    assert report.body["signed_at"] == "2026-03-01T08:30:00Z" and report.body["taken"] == 3
    assert c.desk.sign_day(DAY, SUPERVISOR, SUP_PIN).revision == 2
    assert c.desk.day_summary(DAY).revision == 2
    assert "clerk.end_of_day_signed" in audit_actions(store, DAY.isoformat())


def test_a_technician_sees_no_application(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    tech = c.staff.sign_in(TECH, "913572")
    c.desk.session = tech  # type: ignore[assignment]
    with pytest.raises(NotAllowed):
        c.desk.open(reg_id)
    assert "clerk.viewed" not in audit_actions(store, reg_id)


def test_every_action_is_audited_and_the_chain_holds(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    c.desk.open(reg_id)
    c.desk.record_originals(reg_id, [OriginalCheck("residence_book", True)])
    c.desk.override_photo(reg_id, OverrideReason.CAMERA_FAULT)
    c.desk.record_fee(reg_id, 5000, "C-1")
    accept(store, reg_id)
    set_status(store, reg_id, "approved")
    set_status(store, reg_id, "ready_for_pickup")
    with pytest.raises(ClerkError):  # decided: the photo question is closed
        c.desk.override_photo(reg_id, OverrideReason.CAMERA_FAULT)
    c.desk.hand_over(reg_id, id_number="100200300", clerk_takes_responsibility=False)
    mine = [e.action for e in reversed(store.audit.entries(subject=reg_id)) if e.actor == CLERK]
    assert mine == [
        "clerk.viewed",
        "clerk.originals_checked",
        "clerk.photo_override",
        "clerk.fee_recorded",
        "clerk.handed_over",
    ]
    assert store.audit.verify() is None
    text = str([e.details for e in store.audit.entries(limit=1000)])
    assert "SOK" not in text and "សុខ" not in text and "100200300" not in text

"""The clerk's home lists and search on a real store: counts, newest first, today's by the
Cambodian date, needs papers with the officer's note, pick-up, problems; search by Khmer or
Latin name, phone, national id, a catalog-searchable number, application number and QR."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.clerk import ClerkError, Queue
from kiosk.staff import SessionExpired
from kiosk.store import Store
from kiosk.store.appnumber import normalise_app_number, validate_app_number
from tests.core.conftest import ManualClock
from tests.core.test_clerk_support import (
    BUSINESS,
    LICENCE,
    RESIDENCE,
    accept,
    audit_actions,
    counter,
    set_status,
    sign_in_again,
    submit,
)


def test_counts_and_lists_newest_first(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    first = submit(store, RESIDENCE, 0)
    clock.advance(minutes=1)
    second = submit(store, BUSINESS, 1)
    clock.advance(minutes=1)
    held = submit(store, LICENCE, 2)
    counts = c.desk.counts()
    assert counts[Queue.TODAY] == 3 and counts[Queue.ORIGINALS] == 1
    assert counts[Queue.PICKUP] == counts[Queue.PROBLEMS] == counts[Queue.SUPPLEMENT] == 0
    today = c.desk.queue(Queue.TODAY)
    assert [r.reg_id for r in today] == [
        held.registration_id,
        second.registration_id,
        first.registration_id,
    ]
    assert today[0].name == "ហេង វណ្ណា · HENG VANNA" and today[0].app_number == held.app_number
    assert [r.reg_id for r in c.desk.queue(Queue.TODAY, limit=1, offset=1)] == [
        second.registration_id
    ]
    (row,) = c.desk.queue(Queue.ORIGINALS)
    assert row.reg_id == held.registration_id and row.sync_state == "held"
    states = {r.reg_id: r.sync_state for r in today}
    assert states[held.registration_id] == "held"
    assert states[first.registration_id] == states[second.registration_id] == "waiting"
    (item, *_) = store.outbox()
    store.mark_uploading(item.registration.id, seen=item.registration.updated_at)
    assert {r.reg_id: r.sync_state for r in c.desk.queue(Queue.TODAY)}[
        item.registration.id
    ] == "sending"


def test_today_is_the_cambodian_date(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    clock.now = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 23:30 in Phnom Penh
    submit(store, RESIDENCE, 0)
    clock.now = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 the next day there
    sign_in_again(c)
    assert c.desk.counts()[Queue.TODAY] == 0
    submit(store, BUSINESS, 1)
    assert c.desk.counts()[Queue.TODAY] == 1


def test_needs_papers_pickup_and_problems(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    asked = submit(store, RESIDENCE, 0).registration_id
    ready = submit(store, BUSINESS, 1).registration_id
    stuck = submit(store, RESIDENCE, 2).registration_id
    for reg_id in (asked, ready):
        accept(store, reg_id)
    set_status(store, asked, "needs_papers", "The residence book page 2 is missing.")
    set_status(store, ready, "approved")
    set_status(store, ready, "ready_for_pickup")
    store.mark_problem(stuck, "conflict", "clerk.core.problem.conflict")
    counts = c.desk.counts()
    assert (counts[Queue.NEEDS_PAPERS], counts[Queue.PICKUP], counts[Queue.PROBLEMS]) == (1, 1, 1)
    (np_row,) = c.desk.queue(Queue.NEEDS_PAPERS)
    assert (
        np_row.note == "The residence book page 2 is missing." and np_row.status == "needs_papers"
    )
    assert [r.reg_id for r in c.desk.queue(Queue.PICKUP)] == [ready]
    (problem,) = c.desk.queue(Queue.PROBLEMS)
    assert problem.reg_id == stuck and problem.sync_state == "problem"
    assert c.desk.open(stuck).problem_key == "clerk.core.problem.conflict"
    assert store.problem_ids() == {stuck}
    c.desk.clear_problem(stuck)
    assert store.problem_ids() == set() and c.desk.counts()[Queue.PROBLEMS] == 0
    assert "clerk.problem_cleared" in audit_actions(store, stuck)
    with pytest.raises(ClerkError) as err:
        c.desk.clear_problem(stuck)
    assert err.value.message_key == "clerk.core.no_problem"


@pytest.mark.parametrize(
    "query",
    ["SOK", "sok dara", "ដារា", "សុខ", "012345000", "+855 12 345 000", "100200300", "7654320"],
)
def test_search_finds_by_name_phone_id_and_searchable_fields(
    store: Store, clock: ManualClock, query: str
) -> None:
    c = counter(store, clock)
    wanted = submit(store, LICENCE, 0).registration_id  # SOK DARA, phone …345000, DL 7654320
    submit(store, RESIDENCE, 1)  # CHAN SOPHEA
    submit(store, BUSINESS, 2)  # HENG VANNA
    assert [r.reg_id for r in c.desk.search(query)] == [wanted]


def test_search_by_application_number_id_and_receipt_qr(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    receipt = submit(store, RESIDENCE, 0)
    submit(store, BUSINESS, 1)
    reg_id = receipt.registration_id
    assert [r.reg_id for r in c.desk.search(receipt.app_number)] == [reg_id]
    assert [r.reg_id for r in c.desk.search(receipt.app_number.replace("-", ""))] == [reg_id]
    assert [r.reg_id for r in c.desk.search(reg_id)] == [reg_id]
    assert [r.reg_id for r in c.desk.search(receipt.qr_payload)] == [reg_id]
    forged = f"SALA1:{receipt.app_number}:AAAAAA"
    assert c.desk.search(forged) == []


def test_search_by_an_id_whose_digits_read_as_an_application_number(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """About one id in ten has digits that pass as an application number with its check digit;
    such an id is still found as the id it is."""
    unlucky = "01920000-0000-7000-8000-000499602d30"
    assert validate_app_number(normalise_app_number(unlucky))
    monkeypatch.setattr("kiosk.store.store.new_id", lambda: unlucky)
    c = counter(store, clock)
    assert submit(store, RESIDENCE, 0).registration_id == unlucky
    assert [r.reg_id for r in c.desk.search(unlucky)] == [unlucky]
    assert c.desk.search("  ") == [] and c.desk.search("zz-nobody") == []


def test_open_shows_everything_and_is_audited(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, LICENCE, 0).registration_id
    view = c.desk.open(reg_id)
    values = {fid: value for fid, _, value in view.answers}
    assert values["name_latin"] == "SOK DARA" and values["licence_number"] == "DL 7654320"
    assert values["expiry_date"] == "1 January 2026"  # the desk's locale, "en" here
    km = {fid: text.km for fid, _, text in view.answer_texts}
    assert km["expiry_date"] == "១ មករា ២០២៦"
    assert view.originals_rule == "before_upload" and view.held and view.sync_state == "held"
    assert [d for d, _ in view.documents] == ["old_licence", "medical_certificate"]
    assert view.fee_due == 60_000 and view.fee_paid is None and not view.collected
    assert view.capture_checks == {"sharpness": 212.5, "eyes_open": 0.9}
    assert view.photo_media_id is not None
    assert c.desk.media(view.photo_media_id)[:3] == b"\xff\xd8\xff"
    (field, page) = view.page_media_ids[0]
    assert field == "old_licence" and c.desk.media(page)[:3] == b"\xff\xd8\xff"
    assert audit_actions(store, reg_id)[-1] == "clerk.viewed"
    assert view.audit[0][2] == "clerk.viewed"  # newest first
    with pytest.raises(ClerkError) as err:
        c.desk.open("01900000-0000-7000-8000-00000000dead")
    assert err.value.message_key == "clerk.core.unknown"
    with pytest.raises(ClerkError):
        c.desk.media("0" * 64)


def test_an_idle_session_sees_nothing(store: Store, clock: ManualClock) -> None:
    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    clock.advance(minutes=4)
    with pytest.raises(SessionExpired):
        c.desk.open(reg_id)
    with pytest.raises(SessionExpired):
        c.desk.queue(Queue.TODAY)
    assert "clerk.viewed" not in audit_actions(store, reg_id)

"""The clerk station's wire against a real server process: needs papers answered with a
supplement (server moves it to in_review), a hand-over reaching the server as collected, a
second hand-over from another kiosk losing (the loser's record goes to problems, told why),
a fee event, the signed end of day, and a supplement for a purged application refused."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kiosk.catalog import Catalog, parse_catalog
from kiosk.clerk import ClerkDesk, ClerkError, OriginalCheck, Queue
from kiosk.i18n import cambodia_today
from kiosk.model import new_id, utc_now
from kiosk.staff import StaffDesk, StaffSession
from sync import protocol
from sync.client.clerk_push import push_clerk
from sync.client.pull import pull_changes
from sync.client.push import push_pending
from sync.client.worker import sync_once
from tests.core.test_staff_support import (
    CHEAP,
    CLERK,
    CLERK_PIN,
    SUP_PIN,
    SUPERVISOR,
    standard_roster,
)
from tests.sync.client_fixtures import KioskSide, jpeg_bytes
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess

pytest_plugins = ["tests.sync.client_fixtures"]


def catalog(rule: str = "none") -> Catalog:
    """The server's test service, as the kiosk's catalog knows it."""
    text = {"km": "សំបុត្រ​កំណើត", "en": "Birth certificate"}
    doc = {
        "format": 1,
        "version": "test",
        "services": [
            {
                "id": KNOWN_SERVICE[0], "version": KNOWN_SERVICE[1], "name": text,
                "description": text, "fee_khr": 4000, "processing_days": 5,
                "originals_check": rule,
                "fields": [
                    {"id": "name_km", "type": "text_km", "label": text, "searchable": True},
                    {"id": "phone", "type": "phone", "label": text, "required": False},
                    {"id": "photo", "type": "photo", "label": text},
                    {"id": "birth_paper", "type": "document", "label": text, "max_pages": 9},
                ],
            }
        ],
    }  # fmt: skip
    return parse_catalog(json.dumps(doc).encode(), "test catalog")


def desk_for(side: KioskSide, rule: str = "none") -> ClerkDesk:
    side.store.apply_changes(standard_roster(), "1")
    staff = StaffDesk(side.store, params=CHEAP)
    session = staff.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    return ClerkDesk(side.store, catalog(rule), session, staff_desk=staff)


def sent(side: KioskSide, api: Any) -> str:
    reg = side.submit(pages=1)
    assert push_pending(side.store, api)[0].ok
    return reg.id


def server_status(server: ServerProcess, reg_id: str) -> str:
    path = server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return str(
            db.execute("SELECT status FROM registrations WHERE id = ?", (reg_id,)).fetchone()[0]
        )


def test_needs_papers_answered_by_a_supplement(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    reg_id = sent(kiosk_side, api)
    kiosk_side.server.set_status(reg_id, "in_review")
    kiosk_side.server.set_status(reg_id, "needs_papers", "page 2 please")
    pull_changes(kiosk_side.store, api)
    assert [r.note for r in desk.queue(Queue.NEEDS_PAPERS)] == ["page 2 please"]
    page = jpeg_bytes(30_000, 77)
    assert (
        desk.supplement(reg_id, answers={"phone": "012 777 888"}, pages=[("birth_paper", page)])
        == 2
    )
    result = push_clerk(kiosk_side.store, api)
    assert result.supplements == 1 and result.problems == []
    assert kiosk_side.store.supplements_pending() == []
    assert server_status(kiosk_side.server, reg_id) == "in_review"
    pull_changes(kiosk_side.store, api)
    assert desk.counts()[Queue.NEEDS_PAPERS] == 0 and desk.counts()[Queue.SUPPLEMENT] == 0
    history = desk.open(reg_id).history
    assert history[-1][0] == "in_review" and "Supplement" in (history[-1][2] or "")
    out = kiosk_side.server.cli("events", reg_id).stdout  # the command, as a process
    assert f"version 2\tstaff {CLERK}\tfields phone\tpages 1" in out


def test_hand_over_reaches_the_server_and_a_second_one_loses(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    won = sent(kiosk_side, api)
    lost = sent(kiosk_side, api)
    for reg_id in (won, lost):
        for status in ("in_review", "approved", "ready_for_pickup"):
            kiosk_side.server.set_status(reg_id, status)
    pull_changes(kiosk_side.store, api)
    assert desk.counts()[Queue.PICKUP] == 2
    # another kiosk of the commune hands `lost` over first
    other = Kiosk(kiosk_side.server, "other kiosk").enrol()
    body = {"kind": "collected", "at": protocol.format_date(utc_now()), "staff_id": SUPERVISOR,
            "data": {"id_checked": True, "clerk_responsible": False}}  # fmt: skip
    r = other.request("PUT", protocol.event_path(lost, new_id()), json_body=body)
    assert r.status_code == 201, r.text
    other.http.close()
    desk.hand_over(won, id_number=None, clerk_takes_responsibility=True)
    desk.hand_over(lost, id_number=None, clerk_takes_responsibility=True)
    result = push_clerk(kiosk_side.store, api)
    assert result.events == 1 and result.problems == [(lost, "already_collected")]
    assert server_status(kiosk_side.server, won) == "collected"
    (row,) = desk.queue(Queue.PROBLEMS)
    assert row.reg_id == lost
    assert desk.open(lost).problem_key == "clerk.core.problem.already_collected"
    assert push_clerk(kiosk_side.store, api).events == 0  # nothing left to send


def test_fee_and_end_of_day_in_the_sync_round(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    reg_id = sent(kiosk_side, api)
    desk.record_fee(reg_id, 4000, "R-17")
    day = cambodia_today()
    signed = desk.sign_day(day, SUPERVISOR, SUP_PIN)
    assert signed.fees_by_clerk == {CLERK: 4000}
    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    assert kiosk_side.store.events_pending() == [] and kiosk_side.store.end_of_day_pending() == []
    listing = kiosk_side.server.cli("end-of-day", "list").stdout
    assert day.isoformat() in listing and "4000" in listing.replace(",", "")


def test_supplement_for_a_purged_application_is_a_problem(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    reg_id = sent(kiosk_side, api)
    desk.supplement(reg_id, pages=[("birth_paper", jpeg_bytes(20_000, 5))])
    kiosk_side.server.cli("purge-registration", reg_id, "--force")
    result = push_clerk(kiosk_side.store, api)
    assert result.supplements == 0 and result.problems == [(reg_id, "purged")]
    assert desk.open(reg_id).problem_key == "clerk.core.problem.purged"
    assert desk.counts()[Queue.PROBLEMS] == 1


def test_a_correction_while_the_worker_sends_waits_then_becomes_a_supplement(
    kiosk_side: KioskSide,
) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    reg = kiosk_side.submit(pages=1)
    refusals: list[str] = []

    def clerk_taps_save(_: object) -> None:  # while the worker uploads the record's media
        try:
            desk.correct(reg.id, "name_km", "ចាន់ ថា")
        except ClerkError as exc:
            refusals.append(exc.message_key)

    assert push_pending(kiosk_side.store, api, on_progress=clerk_taps_save)[0].ok
    assert refusals and set(refusals) == {"clerk.core.being_sent"}
    assert kiosk_side.store.get(reg.id).answers["name_km"] == "សុខ ដារ៉ា"  # sent as it was
    assert desk.correct(reg.id, "name_km", "ចាន់ ថា") == 2  # now a supplement
    assert push_clerk(kiosk_side.store, api).supplements == 1
    out = kiosk_side.server.events(reg.id)
    assert f"version 2\tstaff {CLERK}\tfields name_km\tpages 0" in out


def test_corrected_before_upload_the_commit_says_its_version(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    reg = kiosk_side.submit(pages=0)
    assert desk.correct(reg.id, "phone", "012 345 679") == 2
    assert push_pending(kiosk_side.store, api)[0].ok
    assert push_pending(kiosk_side.store, api) == []
    assert desk.supplement(reg.id, pages=[("birth_paper", jpeg_bytes(20_000, 9))]) == 3
    assert push_clerk(kiosk_side.store, api).supplements == 1
    out = kiosk_side.server.events(reg.id)
    assert f"version 3\tstaff {CLERK}\tfields -\tpages 1" in out


def test_a_record_corrected_after_the_worker_read_it_goes_next_round_corrected(
    kiosk_side: KioskSide,
) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side)
    first = kiosk_side.submit(pages=1, seed=1)
    second = kiosk_side.submit(pages=0, seed=2)
    done: list[int] = []

    def clerk_corrects_the_second(_: object) -> None:  # while the first one's media go up
        if not done:
            done.append(desk.correct(second.id, "phone", "012 555 444"))

    results = push_pending(kiosk_side.store, api, on_progress=clerk_corrects_the_second)
    assert done == [2] and [r.registration_id for r in results] == [first.id]
    assert results[0].ok and kiosk_side.store.get(second.id).last_sync_error is None
    (again,) = push_pending(kiosk_side.store, api)
    assert again.ok and again.registration_id == second.id
    path = kiosk_side.server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (body,) = db.execute("SELECT body FROM registrations WHERE id = ?", (second.id,)).fetchone()
    doc = json.loads(body)
    assert doc["answers"]["phone"] == "+85512555444" and doc["version"] == 2


def test_held_for_its_originals_then_the_check_reaches_the_server(kiosk_side: KioskSide) -> None:
    api = kiosk_side.api()
    desk = desk_for(kiosk_side, "before_upload")
    checked = kiosk_side.submit(pages=1, seed=3)
    late = kiosk_side.submit(pages=0, seed=4)
    assert push_pending(kiosk_side.store, api) == []  # both wait for the clerk
    desk.record_originals(checked.id, [OriginalCheck("birth_paper", True, number="BC 77")])
    results, _, _ = sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    assert [r.registration_id for r in results if r.ok] == [checked.id]
    out = kiosk_side.server.events(checked.id)
    assert "originals_checked" in out and '"number":"BC 77"' in out
    kiosk_side.store.set_setting("clerk.originals_grace_days", 0)  # nothing waits forever
    results, _, _ = sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    assert [r.registration_id for r in results if r.ok] == [late.id]
    out = kiosk_side.server.events(late.id)
    assert '"unchecked_sent":true' in out

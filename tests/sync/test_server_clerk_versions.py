"""Issue 12, supplements on the real server: `PUT /v1/registrations/{id}/versions/{n}` is
idempotent per (id, n), refuses gaps, other content, unknown, purged, decided and other
communes' registrations, and a supplement to `needs_papers` moves it back to `in_review` where
officers see "supplement arrived" and kiosks learn it from the feed."""

from __future__ import annotations

import hashlib
import uuid
from functools import partial

import pytest

from sync import protocol as p
from tests.sync.clerk_wire import (
    at_once,
    committed,
    feed_statuses,
    move,
    put_version,
    supplement_doc,
)
from tests.sync.conftest import Kiosk, ServerProcess

OTHER_COMMUNE = "170301"
S = p.ServerStatus


@pytest.fixture(scope="module")
def token(server: ServerProcess) -> str:
    return server.officer_token()


def test_needs_papers_supplement_goes_back_to_review(
    server: ServerProcess, kiosk: Kiosk, token: str
) -> None:
    reg_id = committed(kiosk)
    move(server, token, reg_id, S.IN_REVIEW, S.NEEDS_PAPERS, note="Bring the family book")
    page = b"\xff\xd8 the family book page " + uuid.uuid4().bytes
    location = kiosk.upload(page)
    attachment = {
        "field_id": "family_book",
        "kind": "document",
        "page": 0,
        "sha256": hashlib.sha256(page).hexdigest(),
        "size": len(page),
        "mime": "image/jpeg",
        "upload": location,
    }
    doc = supplement_doc(2, {"phone": "+85598765432"}, [attachment])

    first = put_version(kiosk, reg_id, 2, doc)
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert (receipt["id"], receipt["version"], receipt["status"]) == (reg_id, 2, S.IN_REVIEW)
    signed = {k: v for k, v in receipt.items() if k != "signature"}
    assert p.verify(kiosk.server_public_key, receipt["signature"], p.canonical_json(signed))
    assert feed_statuses(kiosk, reg_id)[-2:] == [
        (S.NEEDS_PAPERS, "Bring the family book"),
        (S.IN_REVIEW, p.SUPPLEMENT_NOTE.format(version=2)),
    ]

    again = put_version(kiosk, reg_id, 2, doc)
    assert (again.status_code, again.json()) == (200, receipt)  # the original receipt

    shown = server.cli("events", reg_id).stdout
    assert "supplement arrived" in shown
    assert "version 2" in shown and "fields phone" in shown and "pages 1" in shown
    assert _back_office(server, reg_id) == (True, "+85598765432")

    move(server, token, reg_id, S.APPROVED)  # the officer moved on: no longer "arrived"
    assert "supplement arrived" not in server.cli("events", reg_id).stdout
    assert _back_office(server, reg_id) == (False, "+85598765432")


def _back_office(server: ServerProcess, reg_id: str) -> tuple[bool, str]:
    """What the console reads: the queue clause, and the answers with supplements applied."""
    from sqlalchemy import select

    from sync.server import db, versions

    engine = db.make_engine(server.db_url)
    try:
        with db.reading(engine) as conn:
            queued = conn.execute(
                select(db.registrations.c.id)
                .where(db.registrations.c.id == reg_id)
                .where(versions.supplement_arrived_clause())
            ).first()
            assert versions.supplement_arrived(conn, reg_id) == (queued is not None)
            answers = versions.current_answers(conn, reg_id) or {}
    finally:
        engine.dispose()
    return queued is not None, answers["phone"]


def test_same_version_other_content_and_gaps_are_refused(kiosk: Kiosk) -> None:
    reg_id = committed(kiosk)
    assert put_version(kiosk, reg_id, 2, supplement_doc(2, {"phone": "1"})).status_code == 201

    other = put_version(kiosk, reg_id, 2, supplement_doc(2, {"phone": "2"}))
    assert other.status_code == 409
    assert other.json()["error"] == p.ERR_VERSION_CONFLICT

    gap = put_version(kiosk, reg_id, 4, supplement_doc(4, {"phone": "4"}))
    assert gap.status_code == 409
    assert (gap.json()["error"], gap.json()["current_version"]) == (p.ERR_VERSION_CONFLICT, 2)

    behind = put_version(kiosk, reg_id, 3, supplement_doc(3, {"phone": "3"}, base_version=1))
    assert behind.status_code == 422  # the body's base must be n - 1, as the path says
    assert put_version(kiosk, reg_id, 3, supplement_doc(3, {"phone": "3"})).status_code == 201


def test_a_commit_of_a_corrected_version_sets_the_base(kiosk: Kiosk) -> None:
    reg_id = committed(kiosk, version=3)  # corrected twice before upload
    two = put_version(kiosk, reg_id, 2, supplement_doc(2, {"phone": "2"}))
    assert (two.status_code, two.json()["current_version"]) == (409, 3)
    assert put_version(kiosk, reg_id, 4, supplement_doc(4, {"phone": "4"})).status_code == 201


def test_refusals_unknown_purged_decided_and_missing_pages(
    server: ServerProcess, kiosk: Kiosk, token: str
) -> None:
    unknown = put_version(kiosk, str(uuid.uuid4()), 2, supplement_doc(2, {"a": "b"}))
    assert (unknown.status_code, unknown.json()["error"]) == (404, p.ERR_UNKNOWN_REGISTRATION)

    purged = committed(kiosk)
    live = server.cli("purge-registration", purged, check=False)
    assert live.returncode == 1 and "final status" in live.stderr
    move(server, token, purged, S.IN_REVIEW, S.REJECTED)
    assert "purged" in server.cli("purge-registration", purged).stdout
    gone = put_version(kiosk, purged, 2, supplement_doc(2, {"a": "b"}))
    assert (gone.status_code, gone.json()["error"]) == (410, p.ERR_PURGED)

    for final in ([S.IN_REVIEW, S.APPROVED], [S.IN_REVIEW, S.REJECTED]):
        decided = committed(kiosk)
        move(server, token, decided, *final)
        refused = put_version(kiosk, decided, 2, supplement_doc(2, {"a": "b"}))
        assert refused.status_code == 409
        assert refused.json() | {"message": ""} == {
            "error": p.ERR_STATUS_FORBIDS,
            "status": final[-1],
            "message": "",
        }

    reg_id = committed(kiosk)
    page = b"never uploaded " + uuid.uuid4().bytes
    missing = {
        "field_id": "family_book",
        "kind": "document",
        "page": 0,
        "sha256": hashlib.sha256(page).hexdigest(),
        "size": len(page),
        "mime": "image/jpeg",
        "upload": "/v1/uploads/none",
    }
    r = put_version(kiosk, reg_id, 2, supplement_doc(2, {}, [missing]))
    assert (r.status_code, r.json()["missing"]) == (409, [missing["sha256"]])
    assert put_version(kiosk, reg_id, 2, supplement_doc(2, {"a": "b"})).status_code == 201


def test_only_the_communes_active_devices_may_send(server: ServerProcess, kiosk: Kiosk) -> None:
    reg_id = committed(kiosk)
    there = Kiosk(server).enrol(commune=OTHER_COMMUNE)
    r = put_version(there, reg_id, 2, supplement_doc(2, {"a": "b"}))
    assert (r.status_code, r.json()["error"]) == (403, p.ERR_WRONG_COMMUNE)

    args = ("--name-km", "សុខ", "--name-en", "Sok", "--role", "clerk")
    foreign_clerk = server.cli("staff", "add", "--commune", OTHER_COMMUNE, *args).stdout
    by_foreign = supplement_doc(2, {"a": "b"}, staff_id=foreign_clerk.split("\t")[0])
    r = put_version(kiosk, reg_id, 2, by_foreign)
    assert (r.status_code, r.json()["error"]) == (403, "staff_wrong_commune")

    neighbour = Kiosk(server).enrol()  # another kiosk of the same commune may send it
    assert put_version(neighbour, reg_id, 2, supplement_doc(2, {"a": "b"})).status_code == 201

    server.cli("revoke", neighbour.device_id)
    r = put_version(neighbour, reg_id, 3, supplement_doc(3, {"a": "c"}))
    assert (r.status_code, r.json()["error"]) == (401, "device_revoked")
    there.close()
    neighbour.close()


def test_two_kiosks_racing_for_one_version(backend_server: ServerProcess) -> None:
    """The server decides: one 201, the other 409 version_conflict; nothing half-stored."""
    one, two = Kiosk(backend_server).enrol(), Kiosk(backend_server).enrol()
    for _ in range(3):
        reg_id = committed(one)
        a, b = at_once(
            partial(put_version, one, reg_id, 2, supplement_doc(2, {"phone": "one"})),
            partial(put_version, two, reg_id, 2, supplement_doc(2, {"phone": "two"})),
        )
        assert sorted((a.status_code, b.status_code)) == [201, 409], (a.text, b.text)
        loser = a if a.status_code == 409 else b
        assert loser.json()["error"] == p.ERR_VERSION_CONFLICT
    one.close()
    two.close()

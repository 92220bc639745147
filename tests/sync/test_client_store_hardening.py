"""Issue 10 items 1 and 2 against a real server: a damaged row does not stop sync, a number
another kiosk already sent is replaced, and decisions reach only the registration they name."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from kiosk.model import State
from kiosk.store.appnumber import kiosk_of
from kiosk.store.db import DB_FILE
from sync.client.pull import pull_changes
from sync.client.push import push_pending
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_client_push import server_rows

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def _flip_answers_bit(side: KioskSide, reg_id: str) -> None:
    conn = sqlite3.connect(side.data_dir / DB_FILE)
    row = conn.execute("SELECT answers FROM registrations WHERE id = ?", (reg_id,)).fetchone()
    blob = bytearray(row[0])
    blob[16] ^= 0x10
    conn.execute("UPDATE registrations SET answers = ? WHERE id = ?", (bytes(blob), reg_id))
    conn.commit()
    conn.close()


def test_one_damaged_row_does_not_stop_sync_once(kiosk_side: KioskSide) -> None:
    regs = [kiosk_side.submit(pages=0, seed=i) for i in range(3)]
    _flip_answers_bit(kiosk_side, regs[1].id)
    done = kiosk_side.run_sync()
    assert "Traceback" not in done.stderr, done.stderr
    assert "sent 2 of 2" in done.stdout, done.stdout + done.stderr
    assert server_rows(kiosk_side.server, regs[0].id) and server_rows(kiosk_side.server, regs[2].id)
    assert server_rows(kiosk_side.server, regs[1].id) == []
    (bad_id, _, why) = kiosk_side.store.damaged()[0]
    assert bad_id == regs[1].id and "decrypt" in why


def test_enrolment_gives_the_kiosk_number_used_in_application_numbers(
    kiosk_side: KioskSide,
) -> None:
    from sync.client.enrol import load_identity

    identity = load_identity(kiosk_side.data_dir)
    assert identity is not None and identity.kiosk_number is not None
    assert 1 <= identity.kiosk_number <= 99
    reg = kiosk_side.submit(pages=0)
    assert kiosk_of(reg.app_number or "") == identity.kiosk_number


def test_a_number_another_kiosk_sent_is_replaced_and_the_receipt_still_finds_it(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    reg = kiosk_side.submit(pages=0)
    printed = reg.app_number or ""
    other = Kiosk(server, "the other kiosk").enrol()
    doc = registration_doc(other, app_number=printed)
    assert other.commit(str(uuid.uuid4()), doc).status_code == 201
    api = kiosk_side.api()
    first = push_pending(kiosk_side.store, api)
    assert not first[0].ok and not first[0].flagged and "renumbered" in (first[0].error or "")
    second = push_pending(kiosk_side.store, api)
    assert second and second[0].ok
    saved = kiosk_side.store.get(reg.id)
    assert saved.state is State.ACCEPTED and saved.app_number != printed
    assert kiosk_side.store.by_app_number(printed) == saved
    other.close()


def test_another_kiosks_decision_is_not_applied_here(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    reg = kiosk_side.submit(pages=0)
    other = Kiosk(server, "the other kiosk").enrol()
    other_id = str(uuid.uuid4())
    assert other.commit(other_id, registration_doc(other)).status_code == 201
    server.set_status(other_id, "in_review")
    server.set_status(other_id, "rejected", "the other citizen's papers")
    pull_changes(kiosk_side.store, kiosk_side.api())
    saved = kiosk_side.store.get(reg.id)
    assert saved.state is State.SUBMITTED and saved.status_note is None
    assert [i.registration.id for i in kiosk_side.store.outbox()] == [reg.id]
    other.close()

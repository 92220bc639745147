"""Issue 12 "Real parts in the tests": the clerk station's staff flows through its screens
(pytest-qt taps on the real widgets, blocking work on the kiosk's workers) on a real store and a
REAL server process, each outcome asserted on both sides. The roster always comes from the
server's feed. An originals check holds a before_upload application until the clerk records
it; a hand-over reaches the server as collected; three wrong PINs lock an account (the
journey's clock passed in, never patched); the staff audit goes up with the sync round, the
server verifies the chain and flags the entry a test altered in the kiosk's file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.model import Receipt
from sync.client.audit_push import REFUSED_SETTING
from tests.core.test_clerk_support import BUSINESS, LICENCE, answers_for, submit
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_audit_upload import flags, held, rewrite_details
from tests.ui.test_clerk_signin_support import ManualClock

pytest.register_assert_rewrite("tests.ui.clerk_server")
from tests.ui.clerk_server import ServerDesk, server_row, staffed_desk  # noqa: E402

pytestmark = [pytest.mark.qt, pytest.mark.slow]
pytest_plugins = ["tests.ui.clerk_server"]

PIN = "604817"


def signed_in(make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path) -> ServerDesk:
    """A clerk added on the server, brought by the feed, signed in with a PIN of their own."""
    desk, staff_id, code = staffed_desk(make_kiosk, qtbot, server, tmp_path / "data")
    desk.k.nav.set_locale("en")
    desk.first_sign_in(staff_id, code, PIN)
    return desk


def submitted(desk: ServerDesk, service_id: str) -> Receipt:
    receipt: Receipt = desk.db(lambda store: submit(store, service_id))
    return receipt


def check_originals(desk: ServerDesk, reg_id: str, number: str) -> Any:
    """From the "originals" queue: the first paper seen (its number and issue date typed),
    the others not brought; saved. Returns the originals screen, reloaded."""
    app = desk.open_from_queue("originals", reg_id)
    page = desk.act(app, "clerk_originals")
    assert "before the application is sent" in page.rule.text()
    first, *others = page.rows.values()
    assert others  # the licence service lists more than one paper
    desk.tap(first.seen)
    desk.qtbot.keyClicks(first.number, number)
    desk.qtbot.keyClicks(first.date, "07-03-2019")
    for row in others:
        desk.tap(row.missing)
    desk.tap(page.primary)
    desk.wait_done(page)
    assert not page.error.isVisible(), page.error.text()
    return page


def test_an_originals_check_holds_the_application_until_recorded(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    desk = signed_in(make_kiosk, qtbot, server, tmp_path)
    reg_id = submitted(desk, LICENCE).registration_id

    pushed, _pulled, _purged = desk.sync()
    assert pushed == [] and server_row(server, reg_id) == ()  # held: nothing sent for it
    page = check_originals(desk, reg_id, "DL 7654320")
    assert page.view.originals_state == "checked" and not page.view.held
    checks = {o.document_id: o for o in page.view.originals}
    assert [c.seen for c in checks.values()].count(True) == 1
    assert any(c.number == "DL 7654320" and c.issued_on == "2019-03-07" for c in checks.values())

    pushed, _pulled, _purged = desk.sync()  # the next round sends it, with its check
    assert [r.registration_id for r in pushed if r.ok] == [reg_id]
    assert server_row(server, reg_id) == ("received",)
    events = server.events(reg_id)
    assert f"originals_checked\tstaff {desk.staff_id}" in events, events
    assert '"number":"DL 7654320"' in events and '"seen":false' in events


def test_a_hand_over_at_the_counter_reaches_the_server_as_collected(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    desk = signed_in(make_kiosk, qtbot, server, tmp_path)
    receipt = submitted(desk, BUSINESS)
    reg_id = receipt.registration_id
    (pushed,), _pulled, _purged = desk.sync()
    assert pushed.ok, pushed
    for status in ("in_review", "approved", "ready_for_pickup"):
        server.set_status(reg_id, status)
    desk.sync()  # the feed brings "ready for pick-up"

    app = desk.open_from_queue("pickup", reg_id)
    page = desk.act(app, "clerk_handover")
    qtbot.keyClicks(page.number, receipt.app_number)  # as told by the citizen
    assert page.number_matches()
    qtbot.keyClicks(page.id_number, answers_for(BUSINESS)["id_number"])  # the card shown
    desk.tap(page.primary)
    desk.wait_done(page)
    assert not page.error.isVisible(), page.error.text()
    assert page.done_label.isVisible() and page.view.collected

    desk.sync()
    assert server_row(server, reg_id) == ("collected",)
    events = server.events(reg_id)
    assert f"collected\tstaff {desk.staff_id}" in events, events
    assert '"clerk_responsible":false,"id_checked":true' in events
    assert desk.db(lambda store: store.events_pending()) == []  # sent once, nothing left


def test_three_wrong_pins_lock_a_clerk_the_feed_brought(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    clock = ManualClock(datetime.now(UTC))  # the journey's clock seam, moved by hand
    desk, staff_id, code = staffed_desk(make_kiosk, qtbot, server, tmp_path / "data", clock)
    desk.k.nav.set_locale("en")
    desk.first_sign_in(staff_id, code, PIN)
    desk.sign_out()

    desk.open_signin()
    desk.choose(staff_id)
    desk.wait_screen("staff_pin")
    desk.type_pin("111222")
    assert "២" in desk.error_text()  # Khmer first: the staff session's English went with it
    desk.k.nav.set_locale("en")
    assert "2 more tries" in desk.error_text()
    desk.type_pin("111222")
    desk.type_pin("111222")
    assert "locked" in desk.error_text() and "1 min" in desk.error_text()
    desk.type_pin(PIN)  # the right PIN while locked: still locked
    assert "locked" in desk.error_text() and desk.screen == "staff_pin"
    clock.advance(seconds=59)
    desk.type_pin(PIN)
    assert "locked" in desk.error_text() and desk.screen == "staff_pin"
    clock.advance(seconds=2)  # the minute has passed
    desk.type_pin(PIN)
    desk.wait_screen("clerk_home")
    assert desk.clerk.session is not None and desk.clerk.session.staff_id == staff_id

    desk.sync()  # every attempt, failure and lock reaches the ministry with the audit
    side: Any = SimpleNamespace(server=server)  # all of a KioskSide the audit readers use
    rows = [r for r in held(side, desk.device_id) if r[3] == staff_id]
    actions = [r[2] for r in rows]
    assert actions.count("staff.sign_in_failed") == 3, actions
    locked = actions.index("staff.locked")
    assert '"minutes":1' in rows[locked][4]
    after = actions[locked + 1 :]  # two tries refused while locked, then the sign-in
    assert after.count("staff.sign_in_refused") == 2 and "staff.signed_in" in after, after
    assert flags(side, desk.device_id) == []


def test_the_staff_audit_is_verified_by_the_server_and_a_tampered_entry_flagged(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    desk = signed_in(make_kiosk, qtbot, server, tmp_path)
    staff_id = desk.staff_id
    reg_id = submitted(desk, LICENCE).registration_id
    check_originals(desk, reg_id, "DL 7654320")
    desk.sync()
    side: Any = SimpleNamespace(server=server, data_dir=desk.k.opts.data_dir)  # see above
    device = desk.device_id

    def local() -> list[tuple[Any, ...]]:
        entries = desk.db(lambda store: store.audit.after(0, limit=100_000))
        return [(e.seq, e.hash, e.action, e.subject, e.details) for e in entries]

    chain = local()
    assert held(side, device) == chain and flags(side, device) == []
    staff_actions = {action for _s, _h, action, subject, _d in chain if subject == staff_id}
    assert {"staff.pin_set", "staff.signed_in"} <= staff_actions
    assert any(c[3] == reg_id and "originals" in c[2] for c in chain), chain
    given = answers_for(LICENCE)  # no personal data in what the ministry holds
    assert not any(given[k] in str(held(side, device)) for k in ("name_km", "id_number", "phone"))

    uploaded = chain[-1][0]
    desk.sign_out()  # more staff entries after the uploaded head
    desk.open_signin()
    desk.choose(staff_id)
    desk.wait_screen("staff_pin")
    desk.type_pin("111222")
    desk.type_pin(PIN)
    desk.wait_screen("clerk_home")
    later = [c for c in local() if c[0] > uploaded]
    (seq,) = [c[0] for c in later if c[2] == "staff.sign_in_failed"]
    assert later[-1][2] == "staff.signed_in" and later[-1][0] > seq
    rewrite_details(side, seq, '"failures":1', '"failures":0')  # a failure hidden
    assert desk.db(lambda store: store.audit.verify()) == seq

    desk.sync()
    assert flags(side, device) == [("chain_broken", seq, 1)]
    assert [r[0] for r in held(side, device)][-1] == seq - 1  # the good ones kept, no more
    assert device in server.cli("audit-flags").stdout
    refused = desk.db(lambda store: store.get_setting(REFUSED_SETTING))
    assert (refused["seq"], refused["code"]) == (seq, "audit_chain_broken")

"""The clerk station's staff flow against a REAL server process (`python -m sync.server` on
127.0.0.1), end to end through the screens: the roster comes from the server's feed (a clerk,
added as `staff add` adds one, signs in with the first code and chooses a PIN), an application
is sent, an officer asks for papers with a note (as `set-status needs_papers --note` does), the
feed brings it into the "needs papers" queue with the note, the clerk adds the missing page (and
changes an answer) on the supplement screen, and the next sync round delivers it: the server
holds version 2 and moves the application back to in_review. Sync rounds are the client's own
`sync_once`, run on the kiosk's db worker against its store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.core.test_clerk_support import BUSINESS, submit
from tests.sync.conftest import ServerProcess
from tests.ui.conftest import LONG_WAIT_MS, write_test_image

pytest.register_assert_rewrite("tests.ui.clerk_server")
from tests.ui.clerk_server import server_row, staffed_desk  # noqa: E402

pytestmark = [pytest.mark.qt, pytest.mark.slow]
pytest_plugins = ["tests.ui.clerk_server"]

NOTE = "Please bring the lease of the premises"


def test_needs_papers_answered_at_the_counter_reaches_the_server(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    desk, staff_id, code = staffed_desk(make_kiosk, qtbot, server, tmp_path / "data")
    kiosk = desk.k
    kiosk.nav.set_locale("en")
    desk.first_sign_in(staff_id, code, "604817")  # the roster arrived by the feed

    reg_id = desk.db(lambda store: submit(store, BUSINESS)).registration_id
    (pushed,), _pulled, _purged = desk.sync()
    assert pushed.ok, pushed
    assert server_row(server, reg_id) == ("received",)
    server.set_status(reg_id, "in_review")
    server.set_status(reg_id, "needs_papers", NOTE)
    desk.sync()

    home = desk.page("clerk_home")
    desk.tap(home.chip["needs_papers"])
    qtbot.waitUntil(lambda: home.queue_name == "needs_papers" and bool(home.rows),
                    timeout=LONG_WAIT_MS)  # fmt: skip
    (row,) = home.rows
    assert row.reg_id == reg_id and row.note == NOTE
    card = home.cards[0]
    qtbot.waitUntil(card.isVisible, timeout=LONG_WAIT_MS)
    assert NOTE in card.note
    desk.tap(card)
    desk.wait_screen("clerk_application")
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: "clerk_supplement" in app.action_buttons, timeout=LONG_WAIT_MS)
    desk.tap(app.action_buttons["clerk_supplement"])
    desk.wait_screen("clerk_supplement")
    page = desk.page("clerk_supplement")
    qtbot.waitUntil(lambda: page.view is not None, timeout=LONG_WAIT_MS)
    assert NOTE in page.note.text()
    desk.tap(page.fields["premises_paper"])
    page.step.import_path(write_test_image(tmp_path / "lease.jpg"))
    qtbot.waitUntil(lambda: bool(page.step.pages), timeout=LONG_WAIT_MS)
    desk.tap(page.answers.choices["phone"])  # and a changed answer in the same supplement
    page.answers.edit.setText("012 777 888")
    page.answers.edit.textEdited.emit("012 777 888")
    desk.tap(page.primary)
    qtbot.waitUntil(lambda: page.done_label.isVisible() or page.error.isVisible(),
                    timeout=LONG_WAIT_MS)  # fmt: skip
    assert not page.error.isVisible(), page.error.text()

    desk.sync()  # the supplement goes up in the next round
    assert server_row(server, reg_id) == ("in_review",)
    events = server.events(reg_id)
    assert "supplement arrived" in events  # what the officers see
    assert f"version 2\tstaff {staff_id}\tfields phone\tpages 1" in events, events
    desk.sync()  # and the kiosk hears of it: no longer waiting for papers
    assert desk.db(lambda store: store.supplements_pending()) == []

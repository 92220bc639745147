"""The clerk station's staff flow against a REAL server process (`python -m sync.server` on
127.0.0.1), end to end through the screens: the roster comes from the server's feed (a clerk
added with `staff add` signs in with the first code and chooses a PIN), an application is
sent, an officer asks for papers with a note (`set-status needs_papers --note`), the feed
brings it into the "needs papers" queue with the note, the clerk adds the missing page (and
changes an answer) on the supplement screen, and the next sync round delivers it: the server
holds version 2 and moves the application back to in_review. Sync rounds are the client's own
`sync_once`, run on the kiosk's db worker against its store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_clerk_support import BUSINESS, submit
from tests.sync.conftest import COMMUNE, ServerProcess
from tests.ui.conftest import LONG_WAIT_MS, write_test_image
from tests.ui.test_clerk_signin_support import Desk

pytestmark = [pytest.mark.qt, pytest.mark.slow]

NOTE = "Please bring the lease of the premises"


class ServerDesk(Desk):
    """The staff screens of a kiosk whose roster comes only from the server's feed."""

    def __init__(self, kiosk: Any, qtbot: Any) -> None:  # no local roster (see Desk)
        self.k, self.qtbot, self.nav = kiosk, qtbot, kiosk.nav
        kiosk.nav.build_rest()
        qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
        self.clerk = kiosk.clerk_journey()
        kiosk.nav.build_rest()

    def sync(self) -> Any:
        """One sync round of the kiosk's own client, on its db worker."""
        from sync.client.enrol import api_for
        from sync.client.worker import sync_once

        data_dir = self.k.opts.data_dir
        return self.db(lambda store: sync_once(store, api_for(data_dir), data_dir=data_dir))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server publishing the kiosk's own bundled catalog (so it knows its services)."""
    from kiosk.catalog.loader import bundled_catalog_bytes

    proc = ServerProcess(tmp_path / "server", catalog=json.loads(bundled_catalog_bytes())).start()
    yield proc
    proc.stop()


def server_row(server: ServerProcess, reg_id: str) -> tuple[str, ...]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        row = db.execute("SELECT status FROM registrations WHERE id = ?", (reg_id,)).fetchone()
    return tuple(row or ())


def test_needs_papers_answered_at_the_counter_reaches_the_server(
    make_kiosk: Any, qtbot: Any, server: ServerProcess, tmp_path: Path
) -> None:
    from sync.client.enrol import enrol

    staff_id, code = server.cli(
        "staff", "add", "--commune", COMMUNE, "--name-km", "សុខ វិចិត្រ",
        "--name-en", "Sok Vichet", "--role", "clerk",
    ).stdout.split()  # fmt: skip
    data_dir = tmp_path / "data"
    enrol(data_dir, server.url, server.enrolment_code(COMMUNE), label="clerk ui test")
    kiosk = make_kiosk(data_dir=data_dir)
    desk = ServerDesk(kiosk, qtbot)
    desk.sync()  # the roster arrives by the feed

    kiosk.nav.set_locale("en")
    desk.open_signin()
    desk.choose(staff_id)
    desk.wait_screen("staff_pin")
    desk.type_pin(code)  # the first-sign-in code, then a PIN of one's own, twice
    desk.type_pin("604817")
    desk.type_pin("604817")
    desk.wait_screen("clerk_home")

    reg_id = desk.db(lambda store: submit(store, BUSINESS)).registration_id
    (pushed,), _pulled, _purged = desk.sync()
    assert pushed.ok, pushed
    assert server_row(server, reg_id) == ("received",)
    server.cli("set-status", reg_id, "in_review")
    server.cli("set-status", reg_id, "needs_papers", "--note", NOTE)
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
    events = server.cli("events", reg_id).stdout
    assert "supplement arrived" in events  # what the officers see
    assert f"version 2\tstaff {staff_id}\tfields phone\tpages 1" in events, events
    desk.sync()  # and the kiosk hears of it: no longer waiting for papers
    assert desk.db(lambda store: store.supplements_pending()) == []

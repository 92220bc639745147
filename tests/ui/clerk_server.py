"""Shared pieces of the clerk station's UI tests against a REAL server process (no tests of its
own): the server fixture (publishing the kiosk's bundled catalog), a kiosk enrolled with it
whose roster comes only from the server's feed, and a driver that taps the staff screens and
runs the kiosk's own sync rounds on its db worker. Test modules load it with
`pytest_plugins = ["tests.ui.clerk_server"]`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import COMMUNE, ServerProcess
from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_signin_support import Desk, ManualClock


class ServerDesk(Desk):
    """The staff screens of a kiosk whose roster comes only from the server's feed; `clock`
    (the journey's clock seam) is passed in only by tests that move time by hand."""

    def __init__(self, kiosk: Any, qtbot: Any, clock: ManualClock | None = None) -> None:
        self.k, self.qtbot, self.nav = kiosk, qtbot, kiosk.nav  # no local roster (see Desk)
        kiosk.nav.build_rest()
        qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
        self.clerk = kiosk.clerk_journey()
        kiosk.nav.build_rest()
        self.clock = clock or ManualClock()
        self.staff_id = ""  # who signed in last with first_sign_in
        if clock is not None:
            self.clerk.set_clock(clock)

    def sync(self) -> Any:
        """One sync round of the kiosk's own client, on its db worker."""
        from sync.client.enrol import api_for
        from sync.client.worker import sync_once

        data_dir = self.k.opts.data_dir
        return self.db(lambda store: sync_once(store, api_for(data_dir), data_dir=data_dir))

    @property
    def device_id(self) -> str:
        from sync.client.enrol import api_for

        return str(api_for(self.k.opts.data_dir).device_id)

    def first_sign_in(self, staff_id: str, code: str, pin: str) -> None:
        """The one-time code from `staff add`, then a PIN of one's own, twice."""
        self.open_signin()
        self.choose(staff_id)
        self.wait_screen("staff_pin")
        self.type_pin(code)
        self.type_pin(pin)
        self.type_pin(pin)
        self.wait_screen("clerk_home")
        self.settle()
        self.staff_id = staff_id

    def open_from_queue(self, queue: str, reg_id: str) -> Any:
        """Tap the home screen's queue chip, then the application's card; the open page."""
        home = self.page("clerk_home")
        self.tap(home.chip[queue])
        self.qtbot.waitUntil(
            lambda: home.queue_name == queue and any(r.reg_id == reg_id for r in home.rows),
            timeout=LONG_WAIT_MS,
        )
        card = home.cards[[r.reg_id for r in home.rows].index(reg_id)]
        self.tap(card)
        self.wait_screen("clerk_application")
        app = self.page("clerk_application")
        self.qtbot.waitUntil(
            lambda: app.view is not None and app.view.reg_id == reg_id,
            timeout=LONG_WAIT_MS,
        )
        return app

    def act(self, app: Any, action: str) -> Any:
        """Tap one of the open application's action buttons; the action screen, loaded."""
        self.qtbot.waitUntil(lambda: action in app.action_buttons, timeout=LONG_WAIT_MS)
        self.tap(app.action_buttons[action])
        self.wait_screen(action)
        page = self.page(action)
        self.qtbot.waitUntil(lambda: page.view is not None, timeout=LONG_WAIT_MS)
        self.settle()
        return page

    def sign_out(self) -> None:
        """Back from wherever the clerk is (action screen, application) to the home screen,
        then its sign-out button: the citizen welcome returns."""
        if self.nav.current not in ("clerk_home", "clerk_application"):
            self.tap(self.page(self.screen).back)
            self.wait_screen("clerk_application")
        if self.nav.current == "clerk_application":
            self.tap(self.page("clerk_application").back)
            self.wait_screen("clerk_home")
        self.tap(self.page("clerk_home").sign_out)
        self.wait_screen("attract")

    def wait_done(self, page: Any) -> None:
        """The desk answered (done or refused) and the screen reloaded."""
        self.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)
        self.settle()
        self.qtbot.waitUntil(lambda: not page._busy, timeout=LONG_WAIT_MS)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server publishing the kiosk's own bundled catalog (so it knows its services)."""
    from kiosk.catalog.loader import bundled_catalog_bytes

    proc = ServerProcess(tmp_path / "server", catalog=json.loads(bundled_catalog_bytes())).start()
    yield proc
    proc.stop()


def staffed_desk(
    make_kiosk: Callable[..., Any],
    qtbot: Any,
    server: ServerProcess,
    data_dir: Path,
    clock: ManualClock | None = None,
) -> tuple[ServerDesk, str, str]:
    """A kiosk enrolled with `server` whose first sync round brought a clerk added there:
    (desk, staff id, first-sign-in code)."""
    from sync.client.enrol import enrol

    staff_id, code = server.add_staff(COMMUNE)  # as `staff add` makes them, here
    enrol(data_dir, server.url, server.enrolment_code(COMMUNE), label="clerk ui test")
    desk = ServerDesk(make_kiosk(data_dir=data_dir), qtbot, clock)
    desk.sync()  # the roster arrives by the feed
    return desk, staff_id, code


def server_db(server: ServerProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def server_row(server: ServerProcess, reg_id: str) -> tuple[str, ...]:
    """The registration's status on the server; () while the server has not got it."""
    rows = server_db(server, "SELECT status FROM registrations WHERE id = ?", reg_id)
    return tuple(rows[0]) if rows else ()

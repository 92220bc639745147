"""Setup's bad input against a real server: a malformed code, an unreachable server and a
code the server refuses each get a message in the technician's language (switching language
re-says it) and keep what was typed; then the roster's supervisor is used, and a technician
from the roster, signed in with the back office's one-time code, changes a setting on the
technician screen, and it is saved at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import ServerProcess
from tests.sync.pg import free_port
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from tests.ui.test_setup_journey import (  # noqa: F401  (fixtures)
    Driver,
    make_setup_kiosk,
    server,
    stop_badge_polling,
)
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]


def first_sign_in(store: Any, code: str) -> Any:
    """What the staff sign-in does with a one-time code: the code, then a new PIN twice."""
    from kiosk.staff import FirstSignIn, StaffDesk

    desk = StaffDesk(store)
    (tech,) = [m for m in desk.members() if m.role.value == "technician"]
    ticket = desk.sign_in(tech.id, code)
    assert isinstance(ticket, FirstSignIn)
    return desk.finish_first_sign_in(ticket, "582046", "582046")


def connect(d: Driver, url: str, code: str) -> None:
    d.type("setupServerUrl", url)
    d.type("setupCode", code)
    d.tap("setupConnect")


def test_bad_codes_and_servers_are_explained_and_the_roster_is_used(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811  (the shared fixture, imported)
    server: ServerProcess,  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    # the roster and the code as `staff add` and `enrolment-code` make them, by the functions
    # they call, here (set-up: test_setup_journey and test_server_cli run the commands)
    for name_en, role in (("Chan Sreymom", "supervisor"), ("Ly Vuthy", "technician")):
        _staff_id, first_code = server.add_staff("120101", "ចាន់", name_en, role)
        if role == "technician":
            tech_code = first_code
    code = server.enrolment_code("120101")
    kiosk = make_setup_kiosk()
    d = Driver(kiosk, qtbot)
    d.tap("setup_choose_km")
    d.wait_screen("setup_connection")
    step = d.screen

    connect(d, server.url, "ABCD")  # malformed: said at once, in Khmer
    assert d.error() == tr("setup.connection.code_format", "km")
    kiosk.setup.set_locale("en")  # the same refusal, now in English; the text stays
    assert d.error() == tr("setup.connection.code_format", "en")
    assert d.find("setupCode").text() == "ABCD"

    dead = f"http://127.0.0.1:{free_port()}"
    connect(d, dead, code)  # nobody answers there
    qtbot.waitUntil(lambda: not step.busy and bool(d.error()), timeout=LONG_WAIT_MS)
    assert d.error() == tr("sync.error.offline", "en")
    assert (d.find("setupServerUrl").text(), d.find("setupCode").text()) == (dead, code)

    connect(d, server.url, "ABCD-EFGH-JKMN")  # well formed, but not one the server made
    qtbot.waitUntil(lambda: not step.busy and bool(d.error()), timeout=LONG_WAIT_MS)
    assert d.error() == tr("sync.enrol.refused", "en")
    assert not (kiosk.opts.data_dir / "sync-device.json").exists()

    d.tap("setupNext")  # neither connected nor "no link yet"
    assert d.error() == tr("setup.connection.choose", "en")
    connect(d, server.url, code.lower())
    qtbot.waitUntil(lambda: kiosk.setup.draft.connection == "enrolled", timeout=LONG_WAIT_MS)
    assert d.error() == ""
    for _ in ("connection", "commune", "camera"):
        d.tap("setupNext")
    d.wait_screen("setup_printer")
    d.tap("setupPrinter_escpos")  # no thermal printer plugged in: the test print says so
    d.tap("setupPrintTest")
    outcome = d.find("setupPrintOutcome")
    qtbot.waitUntil(outcome.isVisible, timeout=LONG_WAIT_MS)
    assert outcome.property("state") == "bad" and outcome.text()
    d.tap("setupPrinter_none")
    d.tap("setupNext")
    d.wait_screen("setup_scanner")
    d.type("setupScanFolder", str(tmp_path / "no-such-folder"))
    d.tap("setupNext")
    assert d.error() == tr("setup.scanner.missing", "en")
    assert d.find("setupScanFolder").text() == str(tmp_path / "no-such-folder")
    d.type("setupScanFolder", str(tmp_path))
    d.tap("setupNext")
    d.wait_screen("setup_supervisor")  # the ministry's roster names the supervisor
    roster = d.find("setupRosterSupervisor")
    qtbot.waitUntil(roster.isVisible, timeout=WAIT_MS)
    assert "Chan Sreymom" in roster.text()
    assert not d.find("setupSupervisor_pin").isVisible()
    d.tap("setupNext")
    d.wait_screen("setup_summary")
    qtbot.waitUntil(lambda: d.screen.tested, timeout=LONG_WAIT_MS)
    d.tap("setupNext")
    d.wait_screen("attract", LONG_WAIT_MS)
    data = kiosk.opts.data_dir
    config = json.loads((data / "config.json").read_text())
    assert (config["printer"], config["scan_folder"]) == ("none", str(tmp_path))

    # The technician comes back later with the back office's one-time code: the staff
    # sign-in (the clerk station's) takes it and a new PIN, then hands over to setup.
    got: list[Any] = []
    kiosk.tasks.run_db(lambda store: first_sign_in(store, tech_code), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
    kiosk.clerk_journey().begin(got[0])
    d.wait_screen("setup_technician", LONG_WAIT_MS)
    qtbot.waitUntil(lambda: bool(d.screen.results.results), timeout=LONG_WAIT_MS)
    d.tap("setupEdit_printer")
    d.wait_screen("setup_printer")
    d.tap("setupPrinter_system")
    d.tap("setupNext")  # "Save": saved at once, back on the technician screen
    d.wait_screen("setup_technician", LONG_WAIT_MS)
    assert json.loads((data / "config.json").read_text())["printer"] == "system"
    assert kiosk.ctx.config.printer == "system"
    d.tap("setupSignOut")
    d.wait_screen("attract")
    stop_badge_polling(kiosk)


def test_an_expired_setup_qr_is_refused_at_the_camera(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    import time

    import segno

    from sync.protocol import setup_qr

    text = setup_qr.enrolment_qr_text(
        "http://127.0.0.1:9",
        "ABCDEFGHJKMN",
        commune_code="120101",
        expires_at=int(time.time()) - 60,
    )
    png = tmp_path / "old-qr.png"
    segno.make(text, error="m").save(str(png), scale=8, border=4)
    kiosk = make_setup_kiosk(camera=str(png))
    d = Driver(kiosk, qtbot)
    d.tap("setup_choose_km")
    d.wait_screen("setup_connection")
    qtbot.waitUntil(lambda: d.error() == tr("setup.connection.expired", "km"), timeout=LONG_WAIT_MS)
    assert (
        kiosk.setup.draft.connection == ""
        and not (kiosk.opts.data_dir / "sync-device.json").exists()
    )

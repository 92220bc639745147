"""A technician signing in at the clerk station's staff sign-in lands on the technician
screen (not the clerk's queue); settings changed there are saved at once and used; signing
out leaves no staff session behind (a citizen tapping "Staff" must sign in again). "Export to
USB" calls the USB export and says why nothing was written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from tests.ui.test_setup_journey import (  # noqa: F401  (the shared fixture)
    Driver,
    make_setup_kiosk,
)
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]


def add_technician(store: Any) -> Any:
    """A technician account as the roster would bring it, with a PIN; then their sign-in."""
    from kiosk.model import new_id
    from kiosk.staff import StaffDesk, make_verifier
    from kiosk.store.staff import StaffRow

    row = StaffRow(
        id=new_id(),
        role="technician",
        status="active",
        version=1,
        origin="roster",
        name_km="លី វុទ្ធី",
        name_en="Ly Vuthy",
        pin=make_verifier("582046"),
    )
    with store.staff_tx():
        store.staff_write(row)
    return StaffDesk(store).sign_in(row.id, "582046")


def test_a_technician_at_the_staff_sign_in_gets_the_technician_screen(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    from kiosk.config import Config, save_config

    data = tmp_path / "kiosk"
    save_config(Config(data_dir=data, camera="demo", printer="none"))  # set up before
    kiosk = make_setup_kiosk(setup=None)
    assert kiosk.nav.current == "attract"
    qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
    got: list[Any] = []
    kiosk.tasks.run_db(add_technician, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    session = got[0]
    kiosk.clerk_journey().begin(session)  # what the staff sign-in's PIN pad does after a PIN
    d = Driver(kiosk, qtbot)
    d.wait_screen("setup_technician", LONG_WAIT_MS)
    assert kiosk.clerk.session is None and kiosk.setup.session is session
    qtbot.waitUntil(lambda: bool(d.screen.results.results), timeout=LONG_WAIT_MS)
    d.tap("setupEdit_scanner")
    d.wait_screen("setup_scanner")
    d.type("setupScanFolder", str(tmp_path))
    d.tap("setupNext")  # "Save"
    d.wait_screen("setup_technician", LONG_WAIT_MS)
    assert json.loads((data / "config.json").read_text())["scan_folder"] == str(tmp_path)
    assert kiosk.ctx.config.scan_folder == tmp_path
    # Export to USB: no stick yet, then a stick on a kiosk not enrolled: each said plainly.
    media = tmp_path / "media"
    media.mkdir()  # a temporary "/media": each folder directly under it stands for a stick
    d.screen.usb.stick_roots = (media,)
    d.tap("usbExport")
    status = d.find("usbStatus")
    qtbot.waitUntil(lambda: status.text() == tr("usb.error.no_stick", "km"), timeout=WAIT_MS)
    (media / "STICK").mkdir()
    d.tap("usbExport")
    qtbot.waitUntil(lambda: status.text() == tr("usb.error.not_enrolled", "km"), timeout=WAIT_MS)
    assert list((media / "STICK").iterdir()) == []
    d.tap("setupSignOut")
    d.wait_screen("attract")
    assert kiosk.setup.session is None and not kiosk.clerk.signed_in_now()

"""The kiosk's signals to the root updater (kiosk/update/spool.py), on the real kiosk: a citizen
journey or a staff sign-in marks a session, so no update installs under someone's hands;
back on the attract screen the kiosk is idle again; and once the attract screen has been
painted after start, the health stamp names the running version (what tells the updater that
a new release came up well). Written by io workers: the test waits for the files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.model import utc_now
from kiosk.update import spool
from kiosk.update.cli import installed_version
from tests.ui.conftest import WAIT_MS, Journey
from tests.ui.test_clerk_signin_support import Desk

pytestmark = pytest.mark.qt


def _session(data: Path) -> dict[str, Any] | None:
    try:
        got = json.loads((spool.update_dir(data) / spool.SESSION).read_text())
    except (OSError, ValueError):  # not written yet (or mid-replace: write_atomic renames)
        return None
    return got if isinstance(got, dict) else None


def _wait_session(qtbot: Any, data: Path, active: bool) -> None:
    qtbot.waitUntil(
        lambda: _session(data) == {"active": active, "pid": os.getpid()}, timeout=WAIT_MS
    )
    assert spool.is_idle(data) is (not active)


def test_journeys_mark_the_session_and_the_attract_screen_stamps_health(
    make_kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    since = utc_now().replace(microsecond=0)
    data = tmp_path / "data"
    kiosk = make_kiosk(data_dir=data)
    assert kiosk.nav.current == "attract"
    qtbot.waitUntil(lambda: spool.health_stamp(data, since) is not None, timeout=WAIT_MS)
    assert spool.health_stamp(data, since) == installed_version()
    stamp = (spool.update_dir(data) / spool.HEALTH).read_bytes()
    _wait_session(qtbot, data, False)

    j = Journey(kiosk, qtbot, tmp_path)  # a citizen taps the attract screen
    j.start("en")
    _wait_session(qtbot, data, True)
    j.choose_service("residence_certificate")
    assert not spool.is_idle(data)  # still mid-journey, screen after screen
    j.citizen.end_session()  # back to the attract screen
    j.wait_screen("attract")
    _wait_session(qtbot, data, False)

    desk = Desk(kiosk, qtbot)  # a clerk's sign-in is a session too
    desk.open_signin()
    _wait_session(qtbot, data, True)
    desk.clerk.end_session("user")
    desk.wait_screen("attract")
    _wait_session(qtbot, data, False)
    desk.settle()
    # stamped once per start, not on every return to the attract screen
    assert (spool.update_dir(data) / spool.HEALTH).read_bytes() == stamp

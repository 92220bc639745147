"""A technician signed in at the staff sign-in can leave the kiosk from the technician screen
(issue 14, lock-down), after a confirmation in large buttons: `sala kiosk` then ends with
`LEAVE_EXIT_STATUS` through its normal shutdown, the leave is in the store's audit chain
under that technician, and inside the packaged unit the marker for tty1's login prompt is
left. The action is absent for a clerk (the clerk side never shows it), a supervisor, a
technician screen reached with a setup code, and the citizen's screens.

The leave itself runs in a child `sala kiosk` (ui.cli.main, as installed), because the point
is how the process ends; the child taps with real widget clicks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.staff.leave import AUDIT_ACTION, LEAVE_EXIT_STATUS, LEFT_MARKER
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from tests.ui.test_setup_journey import (  # noqa: F401  (the shared fixture)
    Driver,
    make_setup_kiosk,
)
from tests.ui.test_setup_technician import add_technician
from ui.widgets.basic import MIN_TOUCH_PX
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from tests.ui.test_setup_technician import add_technician
from ui.app import ensure_app
from ui.cli import main

app = ensure_app()

def kiosk():
    shells = [w for w in QApplication.topLevelWidgets() if type(w).__name__ == "Shell"]
    return shells[0].ctx.tasks.parent() if shells else None  # the Kiosk owns its task helper

def when(cond, then):
    def step():
        if cond():
            then()
        else:
            QTimer.singleShot(20, step)
    QTimer.singleShot(0, step)

def button(name):
    return kiosk().window.findChild(QPushButton, name)

def sign_in():
    k = kiosk()
    k.tasks.run_db(add_technician, k.clerk_journey().begin)  # as the PIN pad does
    when(lambda: k.nav.current == "setup_technician", ask)

def ask():
    print("ON_TECHNICIAN_SCREEN", flush=True)
    button("setupLeave").click()
    when(lambda: button("setupLeaveConfirm").isVisible(), button("setupLeaveConfirm").click)

when(lambda: kiosk() is not None and kiosk().clerk_ready, sign_in)
QTimer.singleShot(120_000, lambda: (print("STUCK", flush=True), app.exit(3)))  # never hang CI
sys.exit(main(["--data-dir", sys.argv[1], "kiosk", "--windowed"]))
"""


def test_a_technician_leaves_and_sala_kiosk_ends_with_the_leave_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.config import Config, load_config, save_config
    from kiosk.store import Store

    data, run_dir = tmp_path / "kiosk", tmp_path / "run"
    run_dir.mkdir()
    save_config(Config(data_dir=data, camera="demo", printer="none"))  # set up before
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALA_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SALA_SECRET_DIR=str(tmp_path / "secret"),
        RUNTIME_DIRECTORY=str(run_dir),  # as systemd sets it for the packaged unit
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "ON_TECHNICIAN_SCREEN" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == LEAVE_EXIT_STATUS == 64, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert (run_dir / LEFT_MARKER).is_file()  # sala-kiosk-left.service's condition
    monkeypatch.setenv("SALA_SECRET_DIR", env["SALA_SECRET_DIR"])
    store = Store.open(data, commune_code=load_config(data).commune_code)
    try:
        entries = list(reversed(store.audit.entries(limit=1000)))
        assert store.audit.verify() is None
    finally:
        store.close()
    left = [e for e in entries if e.action == AUDIT_ACTION]
    assert len(left) == 1 and left[0].details == {"role": "technician", "exit_status": 64}
    signed_out = [e for e in entries if e.action == "staff.signed_out"]
    assert signed_out[-1].actor == left[0].actor  # the leave ended that technician's session


def _visible(d: Driver, name: str) -> bool:
    from PySide6.QtWidgets import QWidget

    found = d.kiosk.window.findChild(QWidget, name)
    return found is not None and found.isVisible()


def test_the_confirmation_asks_first_and_cancel_changes_nothing(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    from kiosk.config import Config, save_config

    save_config(Config(data_dir=tmp_path / "kiosk", camera="demo", printer="none"))
    kiosk = make_setup_kiosk(setup=None)
    qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
    assert not _visible(Driver(kiosk, qtbot), "setupLeave")  # the citizen's attract screen
    got: list[Any] = []
    kiosk.tasks.run_db(add_technician, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    kiosk.clerk_journey().begin(got[0])
    d = Driver(kiosk, qtbot)
    d.wait_screen("setup_technician", LONG_WAIT_MS)
    leave = d.find("setupLeave")
    assert leave.isVisible() and leave.text() == tr("setup.leave.open", "km")
    assert leave.minimumHeight() > MIN_TOUCH_PX  # a large touch target
    d.tap("setupLeave")
    confirm, cancel = d.find("setupLeaveConfirm"), d.find("setupLeaveCancel")
    assert confirm.isVisible() and cancel.isVisible() and not leave.isVisible()
    assert confirm.text() == tr("setup.leave.confirm", "km")
    # the confirmation is scrolled into view: below the fold, the tap seemed to do nothing
    for b in (confirm, cancel):  # wholly inside the scroll area's viewport
        qtbot.waitUntil(lambda b=b: b.visibleRegion().boundingRect() == b.rect(), timeout=WAIT_MS)
    d.tap("setupLeaveCancel")
    assert leave.isVisible() and not confirm.isVisible()
    assert kiosk.setup.session is got[0] and not got[0].ended  # still signed in
    d.tap("setupSignOut")
    d.wait_screen("attract")


def add_staff(store: Any, role: str) -> Any:
    """A clerk's or supervisor's account as the roster brings it, then their sign-in."""
    from kiosk.model import new_id
    from kiosk.staff import StaffDesk, make_verifier
    from kiosk.store.staff import StaffRow

    row = StaffRow(
        id=new_id(),
        role=role,
        status="active",
        version=1,
        origin="roster",
        name_km="សុខ វិចិត្រ",
        name_en="Sok Vichet",
        pin=make_verifier("275046"),
    )
    with store.staff_tx():
        store.staff_write(row)
    return StaffDesk(store).sign_in(row.id, "275046")


def test_no_leave_with_a_setup_code_for_a_clerk_or_a_supervisor(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    """The technician screen reached with a setup code (no one signed in) has no leave; a
    clerk signing in gets the clerk's side, where there is none; a supervisor's session on
    the technician screen (it never routes there) shows none and a tap is refused."""
    from kiosk.config import Config, save_config
    from ui.setup.hookup import journey

    save_config(Config(data_dir=tmp_path / "kiosk", camera="demo", printer="none"))
    kiosk = make_setup_kiosk(setup=None)
    qtbot.waitUntil(lambda: kiosk.clerk_ready, timeout=LONG_WAIT_MS)
    j = journey(kiosk)
    j.mode = "technician"  # as after a setup code: `session` stays None
    d = Driver(kiosk, qtbot)
    j.go("setup_technician")
    d.wait_screen("setup_technician")
    assert not d.find("setupLeave").isVisible() and not d.screen.leave.isVisible()
    j.go(kiosk.nav.home)
    got: list[Any] = []
    for role in ("clerk", "supervisor"):
        kiosk.tasks.run_db(lambda store, r=role: add_staff(store, r), got.append)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)
    clerk, supervisor = got
    kiosk.clerk_journey().begin(clerk)
    d.wait_screen("clerk_home", LONG_WAIT_MS)
    assert not _visible(d, "setupLeave") and kiosk.setup.session is None
    j.session, j.mode = supervisor, "technician"
    j.go("setup_technician")
    d.wait_screen("setup_technician")
    assert not d.screen.leave.isVisible()
    d.screen.leave.leave()  # a stale tap: refused before any work
    assert not d.screen.leave.leaving and not supervisor.ended

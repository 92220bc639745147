"""How `sala kiosk --safe` ends (ui/setup/safe_exit.py), as packaging/deb/sala-kiosk-failed.service
sees it: a signed-in technician's "Try the kiosk again" ends it with `TRY_AGAIN_EXIT_STATUS`
after their sign-out is audited; "Leave the kiosk" with `LEAVE_EXIT_STATUS`, audited and with
the unit's marker, as on the technician screen. Each runs a child `sala kiosk --safe`
(ui.cli.main, as installed), because the point is how the process ends; the child signs the
technician in as the PIN pad does and taps with real widget clicks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.staff.leave import AUDIT_ACTION, LEAVE_EXIT_STATUS, LEFT_MARKER
from ui.setup.safe_exit import TRY_AGAIN_EXIT_STATUS

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
action = sys.argv[2]

def safe():
    shells = [w for w in QApplication.topLevelWidgets() if type(w).__name__ == "Shell"]
    return shells[0].ctx.tasks.parent() if shells else None  # the SafeMode owns its task helper

def when(cond, then):
    def step():
        if cond():
            then()
        else:
            QTimer.singleShot(20, step)
    QTimer.singleShot(0, step)

def button(name):
    return safe().window.findChild(QPushButton, name)

def sign_in():
    s = safe()
    s.tasks.run_db(add_technician, s.signin.begin)  # as the PIN pad does
    when(lambda: s.nav.current == "safe_tools", act)

def act():
    print("ON_TOOLS", flush=True)
    if action == "try":
        button("safeTryAgain").click()
    else:
        button("setupLeave").click()
        when(lambda: button("setupLeaveConfirm").isVisible(), button("setupLeaveConfirm").click)

when(lambda: safe() is not None and safe().tasks.has_store, sign_in)
QTimer.singleShot(120_000, lambda: (print("STUCK", flush=True), app.exit(3)))  # never hang CI
sys.exit(main(["--data-dir", sys.argv[1], "kiosk", "--safe", "--windowed"]))
"""


@pytest.mark.parametrize(
    ("action", "status"), [("try", TRY_AGAIN_EXIT_STATUS), ("leave", LEAVE_EXIT_STATUS)]
)
def test_the_safe_mode_ends_with_the_status_the_unit_acts_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str, status: int
) -> None:
    from kiosk.config import Config, load_config, save_config
    from kiosk.store import Store

    data, run_dir = tmp_path / "kiosk", tmp_path / "run"
    run_dir.mkdir()
    save_config(Config(data_dir=data, camera="demo", printer="none"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALA_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SALA_SECRET_DIR=str(tmp_path / "secret"),
        RUNTIME_DIRECTORY=str(run_dir),  # as systemd sets it for the failed unit
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "ON_TOOLS" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == status, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert (run_dir / LEFT_MARKER).is_file() == (action == "leave")
    monkeypatch.setenv("SALA_SECRET_DIR", env["SALA_SECRET_DIR"])
    store = Store.open(data, commune_code=load_config(data).commune_code)
    try:
        entries = list(reversed(store.audit.entries(limit=1000)))
        assert store.audit.verify() is None
    finally:
        store.close()
    signed_in = [e for e in entries if e.action == "staff.signed_in"]
    signed_out = [e for e in entries if e.action == "staff.signed_out"]
    assert signed_out and signed_out[-1].actor == signed_in[-1].actor  # ended, audited
    assert len([e for e in entries if e.action == AUDIT_ACTION]) == (action == "leave")

"""A signed-in technician leaving the kiosk (issue 14, lock-down): the only way out of the
packaged kiosk besides a crash loop. Qt-free: the technician screen (ui/setup/leave.py) runs
`leave_kiosk` on the db worker, then ends the app with `LEAVE_EXIT_STATUS`.

The unit (packaging/deb/sala-kiosk.service) counts that status as a deliberate stop
(`SuccessExitStatus=`, `RestartPreventExitStatus=`): no restart, no crash-loop count. Debian
12's cage (0.1.4) does not pass its app's exit status on (cage >= 0.2 does), so the
packaged kiosk also leaves a marker in the unit's runtime dir (`$RUNTIME_DIRECTORY`, set by
systemd, gone at reboot): sala-kiosk-left.service runs only when it is there, and gives tty1
a login prompt. A restart or `systemctl stop` leaves no marker and no prompt, and each
session's start (packaging/deb/kiosk-session) clears one left by a leave that then crashed.

Unsent applications are safe: the app's normal shutdown stops the sync worker, which checks
for it between upload chunks (tus resumes, the commit is idempotent: sync/PROTOCOL.md), and
the outbox keeps each application until the ministry has acknowledged it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.durable import write_atomic
from kiosk.staff.errors import NotAllowed, SessionExpired
from kiosk.staff.model import IDLE_TIMEOUT, Role
from kiosk.staff.session import StaffSession

LEAVE_EXIT_STATUS = 64  # the unit's SuccessExitStatus= / RestartPreventExitStatus=
LEFT_MARKER = "left-by-technician"  # in $RUNTIME_DIRECTORY; sala-kiosk-left.service's condition
AUDIT_ACTION = "kiosk.left"


def may_leave(session: StaffSession | None) -> bool:
    """Only a signed-in technician (not a clerk, a supervisor, nor a setup code) may leave."""
    return session is not None and not session.ended and session.role == Role.TECHNICIAN


def runtime_dir() -> Path | None:
    """The unit's runtime dir (`RuntimeDirectory=`), None outside the packaged unit."""
    found = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    return Path(found) if found else None


def leave_kiosk(
    store: Any, session: StaffSession, now: datetime, run_dir: Path | None = None
) -> int:
    """Leave the marker in `run_dir` (if any), audit the leave under the technician and end
    their session; returns the exit status the app must end with. SessionExpired or
    NotAllowed when this session may not leave; on any failure nothing stays behind (one
    transaction, the marker taken back). Runs on the db worker. Idleness on the technician
    screen is the kiosk's idle policy's to judge (it signs the session out), so `ended` is
    what counts here, not the session's own idle clock, which that screen does not touch."""
    if session.ended:  # signed out meanwhile (the technician screen's idle end, ui/policy)
        minutes = int(IDLE_TIMEOUT.total_seconds() // 60)
        raise SessionExpired("The staff session ended.", minutes=minutes)
    if not may_leave(session):
        raise NotAllowed(f"Role {session.role} may not leave the kiosk.")
    from kiosk.staff.desk import StaffDesk

    marker = run_dir / LEFT_MARKER if run_dir is not None else None
    if marker is not None:  # first: an audited leave always finds its login prompt
        body = {"staff_id": session.staff_id, "at": now.isoformat()}
        write_atomic(marker, json.dumps(body).encode(), mode=0o600)
    details = {"role": str(session.role), "exit_status": LEAVE_EXIT_STATUS}
    try:
        with store.staff_tx():  # the leave and the session's end commit together
            store.audit.append(session.staff_id, AUDIT_ACTION, "kiosk", details)
            StaffDesk(store).sign_out(session)
    except BaseException:
        if marker is not None:
            marker.unlink(missing_ok=True)
        raise
    return LEAVE_EXIT_STATUS

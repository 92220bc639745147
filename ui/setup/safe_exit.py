"""How `sala kiosk --safe` (ui/setup/safe_mode.py) ends, as sala-kiosk-failed.service reads it.

Qt-free, so the unit's tests (the Qt-free job) check the unit against these numbers. The
unit's ExecStopPost= (root) turns them into what follows: "Try the kiosk again" resets the
kiosk unit's crash-loop count and starts it; "Leave the kiosk" (kiosk.staff.leave, 64) gives
tty1 its login prompt; anything else that is not a clean stop (a crash of the safe mode itself)
fails the unit, whose OnFailure= prints the old text notice and starts the prompt."""

from __future__ import annotations

from kiosk.staff.leave import LEAVE_EXIT_STATUS

TRY_AGAIN_EXIT_STATUS = 65  # the failed unit: reset-failed + start sala-kiosk.service
SAFE_EXIT_STATUSES = (LEAVE_EXIT_STATUS, TRY_AGAIN_EXIT_STATUS)  # its SuccessExitStatus=

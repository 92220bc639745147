"""First-run setup's Qt-free core (issue 15): the draft the screens fill and the enrolment
ticket read from the setup QR or typed; `kiosk.setup.checks` (device checks, the self-test:
imported where used, it loads the store) and `kiosk.setup.tls`. Screens: `ui/setup/`."""

from kiosk.setup.draft import (
    PRINTERS,
    STEPS,
    SetupDraft,
    Ticket,
    check_scan_folder,
    clear_pending,
    is_configured,
    mark_pending,
    read_ticket,
)
from kiosk.setup.errors import SetupError

__all__ = [
    "PRINTERS",
    "STEPS",
    "SetupDraft",
    "SetupError",
    "Ticket",
    "check_scan_folder",
    "clear_pending",
    "is_configured",
    "mark_pending",
    "read_ticket",
]

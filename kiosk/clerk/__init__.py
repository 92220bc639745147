"""The clerk station's Qt-free core (issue 12): the day's queues, search, one application,
originals checks, corrections and supplements, photo overrides, hand-over, fees, assisted
applications and the signed end of day (ARCHITECTURE.md "Clerk core").

Blocking calls: the screens (ui/clerk/) run them on the database worker (ui/tasks.py).
"""

from kiosk.clerk.desk import ClerkDesk
from kiosk.clerk.model import (
    ApplicationView,
    ClerkError,
    DaySummary,
    FeePaid,
    OriginalCheck,
    OriginalRecord,
    Override,
    Queue,
    QueueRow,
)

__all__ = [
    "ApplicationView",
    "ClerkDesk",
    "ClerkError",
    "DaySummary",
    "FeePaid",
    "OriginalCheck",
    "OriginalRecord",
    "Override",
    "Queue",
    "QueueRow",
]

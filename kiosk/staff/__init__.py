"""The clerk station's Qt-free core (issue 12): staff accounts, PIN sign-in with lockout,
sessions and permissions, the roster from the change feed (ARCHITECTURE.md "Staff").

Screens (ui/clerk/) use `StaffDesk` on the database worker and hold a `StaffSession`.
"""

from kiosk.staff.desk import FirstSignIn, StaffDesk
from kiosk.staff.errors import (
    AccountDisabled,
    AccountLocked,
    BadName,
    NoSecret,
    NotAllowed,
    NotLocked,
    PinFormat,
    PinMismatch,
    RosterRefused,
    SessionExpired,
    StaffError,
    UnknownStaff,
    WeakPin,
    WrongCode,
    WrongPin,
)
from kiosk.staff.lockout import FIRST_LOCK, LONGEST_LOCK, MAX_FAILURES, LockState, lock_duration
from kiosk.staff.model import IDLE_TIMEOUT, PERMISSIONS, Action, Role, StaffMember, Status
from kiosk.staff.photo import PhotoRefused
from kiosk.staff.pins import PIN_PARAMS, Argon2Params, check_pin, make_verifier
from kiosk.staff.roster import RosterEntry, RosterResult, apply_roster, changes_body, parse_page
from kiosk.staff.session import StaffSession

__all__ = [
    "FIRST_LOCK",
    "IDLE_TIMEOUT",
    "LONGEST_LOCK",
    "MAX_FAILURES",
    "PERMISSIONS",
    "PIN_PARAMS",
    "AccountDisabled",
    "AccountLocked",
    "Action",
    "Argon2Params",
    "BadName",
    "FirstSignIn",
    "LockState",
    "NoSecret",
    "NotAllowed",
    "NotLocked",
    "PhotoRefused",
    "PinFormat",
    "PinMismatch",
    "Role",
    "RosterEntry",
    "RosterRefused",
    "RosterResult",
    "SessionExpired",
    "StaffDesk",
    "StaffError",
    "StaffMember",
    "StaffSession",
    "Status",
    "UnknownStaff",
    "WeakPin",
    "WrongCode",
    "WrongPin",
    "apply_roster",
    "changes_body",
    "check_pin",
    "lock_duration",
    "make_verifier",
    "parse_page",
]

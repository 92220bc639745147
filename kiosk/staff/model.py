"""Staff vocabulary: roles, statuses, what each role may do, and the public view of an account.

Kept free of the store and of Qt so the screens, the roster check and the tests share one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kiosk.text import Text
from sync import protocol

IDLE_TIMEOUT = timedelta(minutes=3)  # a staff session ends after this long without a touch
NAME_MAX = protocol.STAFF_NAME_MAX  # characters per language of a display name (80)


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    TECHNICIAN = "technician"


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Action(StrEnum):
    """Everything a staff screen may ask `StaffSession.can` about."""

    VIEW_APPLICATION = "view_application"
    CHECK_ORIGINALS = "check_originals"
    CORRECT_ANSWER = "correct_answer"
    OVERRIDE_PHOTO = "override_photo"
    HAND_OVER = "hand_over"
    RECORD_FEE = "record_fee"
    REPRINT = "reprint"
    ASSIST = "assist"
    UNLOCK = "unlock"
    MANAGE_LOCAL_CLERKS = "manage_local_clerks"
    SIGN_END_OF_DAY = "sign_end_of_day"
    SETUP = "setup"
    DIAGNOSTICS = "diagnostics"
    USB_EXPORT = "usb_export"  # every unsent application onto a stick (sync.client.usb_export)


CLERK_ACTIONS = frozenset(
    {
        Action.VIEW_APPLICATION,
        Action.CHECK_ORIGINALS,
        Action.CORRECT_ANSWER,
        Action.OVERRIDE_PHOTO,
        Action.HAND_OVER,
        Action.RECORD_FEE,
        Action.REPRINT,
        Action.ASSIST,
    }
)
# A supervisor is a clerk who can also unlock, manage the kiosk's own clerks, sign the day and
# export to USB. A technician installs, diagnoses and carries the encrypted USB bundle (it
# cannot read it): no citizen data on screen at all.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: CLERK_ACTIONS,
    Role.SUPERVISOR: CLERK_ACTIONS
    | {Action.UNLOCK, Action.MANAGE_LOCAL_CLERKS, Action.SIGN_END_OF_DAY, Action.USB_EXPORT},
    Role.TECHNICIAN: frozenset({Action.SETUP, Action.DIAGNOSTICS, Action.USB_EXPORT}),
}


def role_can(role: Role, action: Action | str) -> bool:
    """Whether `role` may do `action`; an unknown action name is a bug (ValueError), not a no."""
    return Action(action) in PERMISSIONS[role]


@dataclass(frozen=True)
class StaffMember:
    """What the sign-in and management screens show: never a verifier or a PIN.

    `needs_code`: no PIN yet, the person signs in with a one-time code and then sets one.
    `origin`: "roster" (from the ministry) or "local" (added here by a supervisor)."""

    id: str
    name: Text
    role: Role
    status: Status
    version: int
    origin: str
    locked_until: datetime | None
    needs_code: bool

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

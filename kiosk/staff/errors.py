"""Staff errors, in the project's one error shape (`kiosk.i18n.UserFacingError`).

`str(error)` is English for the technician's log and never holds a PIN, a code or a name; the
staff member reads `error_text(error, locale)`: `message_key` filled with `params`.
"""

from __future__ import annotations

from datetime import datetime


class StaffError(Exception):
    """Any refusal of the staff side; `message_key` names the Khmer/English text."""

    message_key = "staff.error"

    def __init__(self, message: str, *, message_key: str | None = None, **params: object) -> None:
        super().__init__(message)
        if message_key is not None:
            self.message_key = message_key
        self.params = params


class UnknownStaff(StaffError):
    message_key = "staff.unknown"


class PinFormat(StaffError):
    """Not exactly 6 ASCII digits (or a code not 6-12 digits: `staff.code_format`)."""

    message_key = "staff.pin_format"


class WeakPin(StaffError):
    message_key = "staff.pin_weak"


class PinMismatch(StaffError):
    message_key = "staff.pin_mismatch"


class WrongPin(StaffError):
    """params: `left`, wrong tries left before the account locks."""

    message_key = "staff.wrong_pin"


class WrongCode(StaffError):
    message_key = "staff.wrong_code"


class NoSecret(StaffError):
    """The account has neither a PIN nor an unused first sign-in code."""

    message_key = "staff.no_secret"


class AccountLocked(StaffError):
    """params: `minutes` until it opens by itself. `until` is the exact time."""

    message_key = "staff.locked"

    def __init__(self, message: str, *, until: datetime, minutes: int) -> None:
        super().__init__(message, minutes=minutes)
        self.until = until


class AccountDisabled(StaffError):
    message_key = "staff.disabled"


class NotLocked(StaffError):
    message_key = "staff.not_locked"


class NotAllowed(StaffError):
    """The session's role may not do this (or not to this account)."""

    message_key = "staff.not_allowed"


class SessionExpired(StaffError):
    """params: `minutes` of idle time after which a session ends."""

    message_key = "staff.session_expired"


class BadName(StaffError):
    message_key = "staff.name_invalid"


class RosterRefused(StaffError):
    """A feed page's staff entries were refused; params: `seq` (the entry) and `field`."""

    message_key = "staff.roster_refused"

    def __init__(self, message: str, *, seq: int | str, field: str, reason: str) -> None:
        super().__init__(message, seq=seq, field=field)
        self.reason = reason

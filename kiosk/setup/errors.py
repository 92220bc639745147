"""Setup refusals in the project's one error shape (`kiosk.i18n.UserFacingError`)."""

from __future__ import annotations


class SetupError(Exception):
    """What the technician reads: `message_key` (setup.json) filled with `params`."""

    message_key = "setup.error"

    def __init__(self, message: str, *, message_key: str | None = None, **params: object) -> None:
        super().__init__(message)
        if message_key is not None:
            self.message_key = message_key
        self.params = params

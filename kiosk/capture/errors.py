"""The one error type capture raises, in the shape every error a person reads has.

Like `StoreError` it carries `message_key` and `params` (the `kiosk.i18n.UserFacingError`
shape), so the UI shows any of them with `kiosk.i18n.error_text(exc, locale)`. There is no
`message` here: a method by that name was once shown to a citizen as "<bound method …>".
"""

from __future__ import annotations

from kiosk.i18n import error_texts
from kiosk.text import Text


class CaptureError(Exception):
    """A capture problem the person can act on. `str(exc)` is for the technician's log."""

    def __init__(self, key: str, **params: object) -> None:
        self.message_key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)

    @property
    def key(self) -> str:
        """The i18n key (the older name of `message_key`)."""
        return self.message_key

    @property
    def text(self) -> Text:
        """The message in both languages, numbers in each reader's digits."""
        return error_texts(self)

    @property
    def km(self) -> str:
        return self.text.km

    @property
    def en(self) -> str:
        return self.text.en

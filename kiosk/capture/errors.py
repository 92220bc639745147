"""The one error type capture raises: it carries an i18n key so the UI can say what to do."""

from __future__ import annotations

from kiosk.capture.messages import text


class CaptureError(Exception):
    """A capture problem the person can act on; `message(locale)` is the text to show."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)

    def message(self, locale: str) -> str:
        return text(self.key, locale, **self.params)

    @property
    def km(self) -> str:
        return self.message("km")

    @property
    def en(self) -> str:
        return self.message("en")

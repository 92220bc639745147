"""The bilingual string of the catalog (and of everything else Sala shows in two languages).

It lives in the protocol because a catalog is validated by the same code on the kiosk and in
the ministry's back office; `kiosk.text` re-exports it for the kiosk's many users.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Text"]


@dataclass(frozen=True)
class Text:
    """A bilingual string: Khmer first, English second."""

    km: str
    en: str

    def get(self, locale: str) -> str:
        """The string for `locale` ("km" or "en"); an empty Khmer string falls back to English."""
        if locale == "km" and self.km:
            return self.km
        return self.en or self.km

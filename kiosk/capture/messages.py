"""Capture's user-facing text: the keys live in assets/translations/{km,en}/capture.json and
are read through `kiosk.i18n.tr`, like every other string (no second reader of the files)."""

from __future__ import annotations

from kiosk.i18n import tr


def text(key: str, locale: str, **kw: object) -> str:
    """The message for `key` in `locale` ("km" or "en"), English if the locale lacks it."""
    return tr(key, locale, **kw)

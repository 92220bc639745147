"""UI strings through the core's `kiosk.i18n.tr`, with numbers written for the reader.

The keys live in `assets/translations/<locale>/ui.json`. Khmer strings already carry U+200B at
word boundaries so QLabel word-wrap breaks where a reader expects. Integer arguments are shown
with Khmer digits in km.
"""

from __future__ import annotations

from kiosk.i18n import digits as _digits
from kiosk.i18n import tr as _core_tr

LOCALES = ("km", "en")


def tr(key: str, locale: str, **kw: object) -> str:
    """The text for `key` in `locale` ("km" | "en"); falls back to English, then the key."""
    if locale == "km":
        kw = {k: _digits(v, locale) if isinstance(v, int) else v for k, v in kw.items()}
    return _core_tr(key, locale, **kw)


def digits(value: object, locale: str) -> str:
    """Numbers as a Khmer reader expects them (`kiosk.i18n.digits`, the one owner)."""
    return _digits(value, locale)

"""Capture's user-facing text, read through kiosk.i18n.tr when it is there.

The strings live in assets/translations/{km,en}/capture.json. When the shared i18n module is
not importable (or does not know a key yet) they are read from that file directly, so capture
messages are never shown as raw keys.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def _catalog(locale: str) -> dict[str, str]:
    try:
        raw = resources.files("assets").joinpath("translations", locale, "capture.json")
        data: dict[str, str] = json.loads(raw.read_text(encoding="utf-8"))
    except (FileNotFoundError, ModuleNotFoundError, json.JSONDecodeError):
        return {}
    return data


def _shared_tr(key: str, locale: str, **kw: object) -> str | None:
    try:
        from kiosk import i18n  # written by the catalog helper; optional here
    except ImportError:
        return None
    tr: Any = getattr(i18n, "tr", None)
    if tr is None:
        return None
    try:
        result = tr(key, locale, **kw)
    except Exception:  # an unknown key or locale must not break a capture message
        return None
    return result if isinstance(result, str) and result != key else None


def text(key: str, locale: str, **kw: object) -> str:
    """The message for `key` in `locale` ("km" or "en"), English if the locale lacks it."""
    shared = _shared_tr(key, locale, **kw)
    if shared is not None:
        return shared
    template = _catalog(locale).get(key) or _catalog("en").get(key) or key
    try:
        return template.format(**kw)
    except (KeyError, IndexError, ValueError):
        return template

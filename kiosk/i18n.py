"""Translations: `tr(key, locale, **kw)` over every `assets/translations/<locale>/*.json`.

Each area (core, forms, ui, receipts…) ships its own flat JSON file; they are merged per
locale. A key missing in Khmer falls back to English, then to the key itself, and a
technician-facing warning is logged once per key so gaps are found but never crash a screen.
"""

from __future__ import annotations

import json
import logging
import threading
from importlib import resources
from importlib.resources.abc import Traversable

from kiosk.text import Text, clean_text, to_ascii_digits, to_khmer_digits, wrap_points

__all__ = [
    "LOCALES",
    "clean_text",
    "reload_translations",
    "to_ascii_digits",
    "to_khmer_digits",
    "tr",
    "tr_text",
    "wrap_points",
]

log = logging.getLogger(__name__)

LOCALES = ("km", "en")
FALLBACK = "en"

_lock = threading.Lock()
_tables: dict[str, dict[str, str]] = {}
_warned: set[tuple[str, str]] = set()


def _locale_files(locale: str) -> list[Traversable]:
    root = resources.files("assets") / "translations"
    files: list[Traversable] = []
    single = root / f"{locale}.json"
    if single.is_file():
        files.append(single)
    folder = root / locale
    if folder.is_dir():
        files.extend(
            sorted(
                (f for f in folder.iterdir() if f.name.endswith(".json") and f.is_file()),
                key=lambda f: f.name,
            )
        )
    return files


def _load(locale: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in _locale_files(locale):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("translation file %s/%s is unreadable: %s", locale, f.name, exc)
            continue
        if not isinstance(data, dict):
            log.warning("translation file %s/%s is not a JSON object", locale, f.name)
            continue
        for key, value in data.items():
            if isinstance(value, str):
                if key in table and table[key] != value:
                    log.warning("translation key %r defined twice for %s", key, locale)
                table[key] = value
    return table


def _table(locale: str) -> dict[str, str]:
    table = _tables.get(locale)
    if table is None:
        with _lock:
            table = _tables.get(locale)
            if table is None:
                table = _load(locale)
                _tables[locale] = table
    return table


def reload_translations() -> None:
    """Forget the cached tables (after translation files changed on disk)."""
    with _lock:
        _tables.clear()
        _warned.clear()


def _warn_once(key: str, locale: str) -> None:
    if (key, locale) not in _warned:
        _warned.add((key, locale))
        log.warning("missing translation %r for locale %r", key, locale)


def tr(key: str, locale: str, **kw: object) -> str:
    """The string for `key` in `locale`, with `{name}` placeholders filled from `kw`.

    Falls back km → en → the key itself. A placeholder missing from `kw` is left as written
    rather than raising, so a translator's typo cannot crash a screen.
    """
    template = _table(locale).get(key)
    if template is None:
        _warn_once(key, locale)
        template = _table(FALLBACK).get(key) if locale != FALLBACK else None
        if template is None:
            if locale != FALLBACK:
                _warn_once(key, FALLBACK)
            template = key
    if not kw:
        return template
    try:
        return template.format_map(_SafeDict(kw))
    except (ValueError, IndexError, AttributeError, KeyError):
        log.warning("bad placeholder in translation %r for %r", key, locale)
        return template


def tr_text(key: str, **kw: object) -> Text:
    """Both languages of `key` as a `Text`; `kw` values that are `Text` are used per locale."""

    def one(locale: str) -> str:
        args = {k: (v.get(locale) if isinstance(v, Text) else v) for k, v in kw.items()}
        return tr(key, locale, **args)

    return Text(km=one("km"), en=one("en"))


class _SafeDict(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

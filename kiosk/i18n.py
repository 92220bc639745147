"""Translations: `tr(key, locale, **kw)` over every `assets/translations/<locale>/*.json`.

Each area (core, forms, ui, receipts…) ships its own flat JSON file; they are merged per
locale. A key missing in Khmer falls back to English, then to the key itself, and a
technician-facing warning is logged once per key so gaps are found but never crash a screen.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.text import Text, clean_text, to_ascii_digits, to_khmer_digits, wrap_points

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "LOCALES",
    "assets_root",
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
_tables: dict[str, _Strings] = {}
_warned: set[tuple[str, str]] = set()


def assets_root() -> Traversable:
    """The bundled `assets` package: a plain Path when it is a folder (a checkout or an
    installed wheel), else (a zip) importlib.resources' view of it.

    The kiosk reads its translations, fonts and stylesheet through this before its first paint;
    a Path skips importing importlib.resources and its readers there (~1-2 ms of start-up)."""
    import assets

    root = Path(assets.__file__).parent
    if root.is_dir():
        return root
    from importlib import resources

    return resources.files("assets")


def _locale_files(locale: str) -> list[Traversable]:
    root = assets_root() / "translations"
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


class _Strings:
    """One locale's strings. As if every file were merged in name order (a later file wins),
    but a file is parsed only when a key is not in the ones after it: `ui.json`, the last,
    answers everything the attract screen shows, so the kiosk parses one file per locale
    before its first paint instead of eight (~1 ms of start-up)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._files = _locale_files(locale)
        self._parsed: list[dict[str, str]] = []  # the last file first

    def get(self, key: str) -> str | None:
        checked = 0
        while True:
            parsed = self._parsed[checked:]  # other threads only ever append
            for table in parsed:
                value = table.get(key)
                if value is not None:
                    return value
            checked += len(parsed)
            if checked == len(self._files):
                return None
            with _lock:
                if len(self._parsed) == checked:  # else another thread parsed it meanwhile
                    self._parsed.append(self._parse(self._files[-1 - checked]))

    def _parse(self, f: Traversable) -> dict[str, str]:
        table: dict[str, str] = {}
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("translation file %s/%s is unreadable: %s", self.locale, f.name, exc)
            return table
        if not isinstance(data, dict):
            log.warning("translation file %s/%s is not a JSON object", self.locale, f.name)
            return table
        for key, value in data.items():
            if isinstance(value, str):
                if any(t.get(key, value) != value for t in self._parsed):
                    log.warning("translation key %r defined twice for %s", key, self.locale)
                table[key] = value
        return table


def _table(locale: str) -> _Strings:
    table = _tables.get(locale)
    if table is None:
        with _lock:
            table = _tables.get(locale)
            if table is None:
                table = _Strings(locale)
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

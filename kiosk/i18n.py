"""Translations: `tr(key, locale, **kw)` over every `assets/translations/<locale>/*.json`.

Each area (core, forms, ui, receipts…) ships its own flat JSON file; they are merged per
locale. A key missing in Khmer falls back to English, then to the key itself, and a
technician-facing warning is logged once per key so gaps are found but never crash a screen.

This module is also the one owner of how numbers, money, dates and errors read to a person:
`digits`, `format_khr`, `format_date`, `format_datetime`, `format_working_days` and
`error_text`. Screens, receipts
and the form engine all call these, so what the tests check is what the citizen sees.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from kiosk.text import Text, clean_text, to_ascii_digits, to_khmer_digits, wrap_points

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "CAMBODIA",
    "LOCALES",
    "UserFacingError",
    "assets_root",
    "cambodia_today",
    "clean_text",
    "digits",
    "error_text",
    "error_texts",
    "format_date",
    "format_datetime",
    "format_khr",
    "format_working_days",
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
                key=lambda f: (f.name == "ui.json", f.name),  # ui.json last: see _Strings
            )
        )
    return files


class _Strings:
    """One locale's strings. As if every file were merged in name order, `ui.json` last (a
    later file wins), but a file is parsed only when a key is not in the ones after it: `ui.json`
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


# --- how numbers, money, dates and errors read ---------------------------------------------

# Cambodia keeps UTC+7 all year (no daylight saving), so no tz database is needed on Windows.
CAMBODIA = timezone(timedelta(hours=7), "ICT")


def digits(value: object, locale: str) -> str:
    """`value` as text in the reader's digits: Khmer digits in km, Latin otherwise.

    Application numbers and verification codes are not passed through this: clerks type them."""
    s = str(value)
    return to_khmer_digits(s) if locale == "km" else s


def format_khr(amount: int, locale: str) -> str:
    """12000 → "១២.០០០ រៀល" / "12,000 riel": the one way a fee is written, on screens and
    receipts alike. Khmer groups thousands with a dot (as CLDR km does); the unit word is a
    translation (`core.khr`) so a reader who cannot read "KHR" or "៛" still knows it."""
    grouped = f"{amount:,}"
    if locale == "km":
        grouped = to_khmer_digits(grouped.replace(",", "."))
    return tr("core.khr", locale, amount=grouped)


def cambodia_today(now: datetime | None = None) -> date:
    """Today's date in Cambodia, whatever the machine's clock zone (one clock everywhere)."""
    return (now or datetime.now(UTC)).astimezone(CAMBODIA).date()


def format_working_days(days: int, locale: str) -> str:
    """15 → "about 15 working days" / "ប្រហែល ១៥ ថ្ងៃ​ធ្វើការ": the one way a processing time is
    written (catalog `processing_days` are working days), on cards, receipts and confirmations."""
    return tr("core.working_days", locale, days=digits(days, locale))


def format_date(day: date, locale: str) -> str:
    """15 January 2026 / ១៥ មករា ២០២៦ (month names and order from `core.date`)."""
    return tr(
        "core.date",
        locale,
        day=digits(day.day, locale),
        month=tr(f"core.month_{day.month}", locale),
        year=digits(day.year, locale),
    )


def format_datetime(when: datetime, locale: str) -> str:
    """A moment in Cambodian time, e.g. "២១ វិច្ឆិកា ២០២៦ ម៉ោង ១២:៤៥" / "21 November 2026, 12:45".
    A naive `when` is taken as UTC (the store keeps UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(CAMBODIA)
    return tr(
        "core.datetime",
        locale,
        date=format_date(local.date(), locale),
        time=digits(f"{local:%H:%M}", locale),
    )


@runtime_checkable
class UserFacingError(Protocol):
    """The one shape of an error a person reads: an i18n key plus its placeholders.

    `StoreError`, `KeyLocked`, `ConfigError` and `CaptureError` have it. `str(error)` stays
    the technician's English (with paths); the citizen sees `error_text(error, locale)`."""

    message_key: str


def error_text(exc: BaseException, locale: str, fallback: str = "core.error") -> str:
    """What to tell the person about `exc` in `locale`: its `message_key` filled with its
    `params` (numbers in the reader's digits), or the `fallback` key for an unexpected error
    (never `str(exc)`, which is for the technician's log)."""
    key = getattr(exc, "message_key", None)
    if not isinstance(key, str) or not key:
        return tr(fallback, locale)
    params = getattr(exc, "params", None)
    kw = dict(params) if isinstance(params, Mapping) else {}
    kw = {k: digits(v, locale) if isinstance(v, int | float) else v for k, v in kw.items()}
    return tr(key, locale, **kw)


def error_texts(exc: BaseException, fallback: str = "core.error") -> Text:
    """`error_text` in both languages (for a notice shown bilingually)."""
    return Text(km=error_text(exc, "km", fallback), en=error_text(exc, "en", fallback))

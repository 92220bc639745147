"""How an answer reads on the "check your answers" screen and the receipt.

Numbers, money and dates are written by their one owner in `kiosk.i18n` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from kiosk.catalog.schema import Field, FieldType
from kiosk.forms.validate import parse_iso_date
from kiosk.gazetteer import LEVELS, Gazetteer
from kiosk.i18n import digits, format_khr, tr
from kiosk.i18n import format_date as _format_day

__all__ = ["display_value", "format_date", "format_khr", "format_phone", "pages_text"]


def format_date(iso: str, locale: str) -> str:
    """ "2026-01-15" → "15 January 2026" / "១៥ មករា ២០២៦" (`kiosk.i18n.format_date`);
    anything that is not a date is shown as given."""
    d = parse_iso_date(iso)
    return iso if d is None else _format_day(d, locale)


def pages_text(n: int, locale: str) -> str:
    """ "1 page" / "3 pages" (Khmer has one form; English needs both)."""
    key = "forms.display.pages_one" if n == 1 else "forms.display.pages"
    return tr(key, locale, n=digits(str(n), locale))


def format_phone(value: str) -> str:
    """+85512345678 → 012 345 678 (how people read their own number)."""
    if not value.startswith("+855") or not value[4:].isdigit():
        return value
    n = "0" + value[4:]
    return f"{n[:3]} {n[3:6]} {n[6:]}"


def display_value(field: Field, value: Any, locale: str, gazetteer: Gazetteer) -> str:
    """`value` in words for `locale`; an empty answer reads "Not given"."""
    if value is None or value == "" or value == [] or value == {}:
        return tr("forms.display.not_given", locale)
    t = field.type
    if t is FieldType.DATE:
        return format_date(str(value), locale)
    if t in (FieldType.YES_NO, FieldType.CONSENT) and isinstance(value, bool):
        if t is FieldType.CONSENT:
            return tr("forms.display.agreed" if value else "forms.display.not_agreed", locale)
        return tr("forms.display.yes" if value else "forms.display.no", locale)
    if t is FieldType.CHOICE:
        label = field.option_label(str(value))
        return label.get(locale) if label else str(value)
    if t is FieldType.MULTI_CHOICE and isinstance(value, list | tuple):
        parts = []
        for v in value:
            label = field.option_label(str(v))
            parts.append(label.get(locale) if label else str(v))
        return "; ".join(parts)
    if t is FieldType.ADDRESS and isinstance(value, dict):
        names = []
        for level in reversed(LEVELS):  # village first, as addresses are written
            code = value.get(level)
            place = gazetteer.get(code) if isinstance(code, str) else None
            if place is not None:
                names.append(place.name.get(locale))
        return ", ".join(names) if names else tr("forms.display.not_given", locale)
    if t is FieldType.PHONE:
        return digits(format_phone(str(value)), locale)
    if t in (FieldType.PHOTO, FieldType.DOCUMENT):
        n = value if isinstance(value, int) else len(value) if isinstance(value, list) else 0
        if t is FieldType.PHOTO:  # a photo is not "1 page(s)"
            return tr("forms.display.photo_taken", locale)
        return pages_text(n, locale)
    if t in (FieldType.NUMBER, FieldType.NATIONAL_ID):
        return digits(str(value), locale)
    return str(value)

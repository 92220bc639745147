"""How an answer reads on the "check your answers" screen and the receipt."""

from __future__ import annotations

from typing import Any

from kiosk.catalog.schema import Field, FieldType
from kiosk.forms.validate import parse_iso_date
from kiosk.gazetteer import LEVELS, Gazetteer
from kiosk.i18n import tr
from kiosk.text import to_khmer_digits

MONTHS_KM = (
    "មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា",
    "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _digits(s: str, locale: str) -> str:
    return to_khmer_digits(s) if locale == "km" else s


def format_date(iso: str, locale: str) -> str:
    """ "2026-01-15" → "15 January 2026" / "១៥ មករា ២០២៦"; anything else as given."""
    d = parse_iso_date(iso)
    if d is None:
        return iso
    if locale == "km":
        return (
            f"{to_khmer_digits(str(d.day))} {MONTHS_KM[d.month - 1]} {to_khmer_digits(str(d.year))}"
        )
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def format_phone(value: str) -> str:
    """+85512345678 → 012 345 678 (how people read their own number)."""
    if not value.startswith("+855") or not value[4:].isdigit():
        return value
    n = "0" + value[4:]
    return f"{n[:3]} {n[3:6]} {n[6:]}"


def format_khr(amount: int, locale: str) -> str:
    """12000 → "១២.០០០ ៛" / "KHR 12,000" (Khmer groups digits with a dot, as CLDR km does)."""
    grouped = f"{amount:,}"
    if locale == "km":
        return f"{to_khmer_digits(grouped.replace(',', '.'))} ៛"
    return f"KHR {grouped}"


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
        return _digits(format_phone(str(value)), locale)
    if t in (FieldType.PHOTO, FieldType.DOCUMENT):
        n = value if isinstance(value, int) else len(value) if isinstance(value, list) else 0
        return tr("forms.display.pages", locale, n=_digits(str(n), locale))
    if t in (FieldType.NUMBER, FieldType.NATIONAL_ID):
        return _digits(str(value), locale)
    return str(value)

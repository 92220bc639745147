"""Check answers and say what to do about each problem, in Khmer and English.

Validation takes any value (the UI, a stored draft or a fuzzer may hand it anything) and
never raises: a value of the wrong shape is an issue like any other. Messages come from
assets/translations/*/forms.json with the field's name filled in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from kiosk.catalog.loader import compile_pattern
from kiosk.catalog.patterns import CatalogPattern, PatternError
from kiosk.catalog.schema import ATTACHMENT_TYPES, Field, FieldType, Service
from kiosk.forms.conditions import Step, is_required, visible_fields
from kiosk.gazetteer import LEVELS, Gazetteer, load_gazetteer
from kiosk.i18n import tr_text
from kiosk.model import Attachment
from kiosk.text import Text, to_khmer_digits

DEFAULT_MAX_LENGTH = 200
# Khmer letters, signs and digits (U+1780–U+17FF), Khmer symbols (U+19E0–U+19FF), spaces
# and ZWSP; plus "." and "-" which appear in Khmer names and abbreviations.
_KHMER_RE = re.compile("[\u1780-\u17ff\u19e0-\u19ff \u200b.\\-]+")
_HAS_KHMER_LETTER_RE = re.compile("[\u1780-\u17b3]")
# Latin letters (ASCII and accented Latin-1/Latin Extended-A), spaces, hyphen, apostrophe, dot.
_LATIN_RE = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f '\u2019.\\-]+")
_HAS_LATIN_LETTER_RE = re.compile("[A-Za-z\u00c0-\u017f]")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Cambodian numbering plan (national significant number, after the trunk 0 / +855).
# Mobile operator prefixes; subscriber numbers have 6 or 7 digits (8 or 9 digits in all).
MOBILE_PREFIXES = frozenset(
    str(n)
    for n in (10, 11, 12, 13, 14, 15, 16, 17, 18, 31, 38, 60, 61, 66, 67, 68, 69, 70, 71, 76,
              77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 88, 89, 90, 92, 93, 95, 96, 97, 98, 99)
)  # fmt: skip
# Fixed-line area codes (Phnom Penh 23, provinces 2x-7x); 8 digits in all.
LANDLINE_PREFIXES = frozenset(
    str(n)
    for n in (23, 24, 25, 26, 32, 33, 34, 35, 36, 42, 43, 44, 52, 53, 54, 55, 62, 63, 64, 65,
              72, 73, 74, 75)
)  # fmt: skip
# Khmer national identity card number: 9 digits as printed on the card (people also type it
# with spaces or dashes, which normalise() removes). Only the shape is checked: exactly nine
# ASCII digits. We know of no public checksum for it, so a mistyped digit is not caught here;
# the clerk compares it with the card.
NATIONAL_ID_RE = re.compile(r"\d{9}")


@dataclass(frozen=True)
class Issue:
    field_id: str
    code: str
    message: Text  # tells the person what to do


def _name(field: Field) -> Text:
    """The field's name as it sits inside a sentence ("Enter your date of birth")."""
    if field.error_name is not None:
        return field.error_name
    en = field.label.en.rstrip("?:")
    if len(en) > 1 and en[0].isupper() and en[1].islower():
        en = en[0].lower() + en[1:]
    return Text(km=field.label.km.rstrip("?៖:"), en=en)


def _capitalised(text: Text) -> Text:
    """A message starts with a capital even when it starts with the field's name ("your date
    of birth must be in the past" reads as a lower-case slip)."""
    en = text.en
    return Text(km=text.km, en=en[:1].upper() + en[1:]) if en[:1].islower() else text


def _issue(field: Field, code: str, *, key: str | None = None, **kw: object) -> Issue:
    """`key` overrides the message (a singular form, a narrower wording) under one `code`."""
    # Numbers read with Khmer digits in the Khmer message.
    args: dict[str, object] = {
        k: Text(km=to_khmer_digits(str(v)), en=str(v)) if isinstance(v, int | str) else v
        for k, v in kw.items()
    }
    message = tr_text(f"forms.error.{key or code}", label=_name(field), **args)
    return Issue(field.id, code, _capitalised(message))


def _pages_min(field: Field, n: int) -> Issue:
    """ "at least one page" / "at least 2 pages": singular and plural are separate strings."""
    return _issue(field, "pages_min", key="pages_min_one" if n == 1 else None, min=n)


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return len(value) == 0
    return False


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> CatalogPattern | None:
    """The catalog's pattern in RE2: linear in the answer's length, so checking it on the GUI
    thread is safe (answers are length-checked first). None: not runnable, so nothing matches."""
    try:
        return compile_pattern(pattern)
    except PatternError:
        return None


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def _check_text(field: Field, value: Any) -> list[Issue]:
    if not isinstance(value, str):
        return [_issue(field, "not_text")]
    max_length = field.max_length if field.max_length is not None else DEFAULT_MAX_LENGTH
    if len(value) > max_length:
        return [_issue(field, "too_long", max=max_length)]
    if field.min_length is not None and len(value) < field.min_length:
        return [_issue(field, "too_short", min=field.min_length)]
    if field.type is FieldType.TEXT_KM and (
        not _KHMER_RE.fullmatch(value) or not _HAS_KHMER_LETTER_RE.search(value)
    ):
        return [_issue(field, "script_km")]
    # A Latin-script field with a pattern (a licence or certificate number) is checked by its
    # pattern alone; without one it holds a name, so digits are a mistake.
    if field.type is FieldType.TEXT_LATIN and field.pattern is None:
        if any(c.isdigit() for c in value):
            return [_issue(field, "latin_digits")]
        if not _LATIN_RE.fullmatch(value) or not _HAS_LATIN_LETTER_RE.search(value):
            return [_issue(field, "script_latin")]
    return _check_pattern(field, value)


def _check_pattern(field: Field, value: str) -> list[Issue]:
    if field.pattern is None:
        return []
    rx = _compiled(field.pattern)
    if rx is None or not rx.fullmatch(value):
        hint = field.pattern_hint or Text(km="", en="")
        return [_issue(field, "pattern", hint=hint)]
    return []


def _check_number(field: Field, value: Any) -> list[Issue]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [_issue(field, "number")]
    if isinstance(value, float) and not math.isfinite(value):
        return [_issue(field, "number")]
    if field.minimum is not None and value < field.minimum:
        return [_issue(field, "number_min", min=_fmt(field.minimum))]
    if field.maximum is not None and value > field.maximum:
        return [_issue(field, "number_max", max=_fmt(field.maximum))]
    return []


def parse_iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _check_date(field: Field, value: Any, today: date) -> list[Issue]:
    d = parse_iso_date(value)
    if d is None:
        return [_issue(field, "date")]
    if field.date_past_only and d > today:
        return [_issue(field, "date_future")]
    if field.minimum is not None and age_on(d, today) < field.minimum:
        return [_issue(field, "age_min", min=_fmt(field.minimum))]
    if field.maximum is not None and age_on(d, today) > field.maximum:
        return [_issue(field, "age_max", max=_fmt(field.maximum))]
    return []


def phone_ok(value: str) -> bool:
    if not value.startswith("+855"):
        return False
    n = value[4:]
    if not n.isascii() or not n.isdigit():
        return False
    if n[:2] in MOBILE_PREFIXES:
        return len(n) in (8, 9)
    return n[:2] in LANDLINE_PREFIXES and len(n) == 8


def _address_missing(field: Field, missing: Sequence[str]) -> Issue:
    """ "Choose the village for …": only the levels still missing are named."""
    names = [tr_text(f"forms.address.{level}") for level in missing]
    if len(names) == 1:
        levels = names[0]
    else:
        head = Text(km=" ".join(n.km for n in names[:-1]), en=", ".join(n.en for n in names[:-1]))
        levels = tr_text("forms.address.and", first=head, last=names[-1])
    return _issue(field, "address_incomplete", key="address_missing", levels=levels)


def _check_address(field: Field, value: Any, gazetteer: Gazetteer) -> list[Issue]:
    if not isinstance(value, dict):
        return [_address_missing(field, LEVELS)]
    parent: str | None = None
    for i, level in enumerate(LEVELS):
        code = value.get(level)
        if not isinstance(code, str) or not code:
            # A commune the MEF lists without villages: the address ends at the commune.
            if level == "village" and parent is not None and not gazetteer.children(parent):
                return []
            return [_address_missing(field, LEVELS[i:])]
        place = gazetteer.get(code) if len(code) <= 16 else None
        if place is None or place.level != level or place.parent != parent:
            return [_issue(field, "address_invalid")]
        parent = code
    return []


def _check_pages(field: Field, value: Any) -> list[Issue]:
    if isinstance(value, int) and not isinstance(value, bool):
        pages = value
    elif isinstance(value, list | tuple):
        pages = len(value)
    else:
        pages = 0
    if field.type is FieldType.PHOTO:
        return [] if pages >= 1 else [_issue(field, "photo")]
    if pages < field.min_pages:
        return [_pages_min(field, field.min_pages)]
    if pages > field.max_pages:
        return [_issue(field, "pages_max", max=field.max_pages)]
    return []


def validate_field(
    field: Field,
    value: Any,
    answers: Mapping[str, Any],
    *,
    today: date,
    gazetteer: Gazetteer | None = None,
    visible: set[str] | None = None,
) -> list[Issue]:
    """Problems with one (normalised) answer. For PHOTO/DOCUMENT, `value` is the page count
    or the list of that field's attachments. `answers` decides `required_if`."""
    if visible is None:
        visible = set(answers)
    if is_empty(value) or (field.type in ATTACHMENT_TYPES and value in (0, None)):
        if not is_required(field, answers, visible):
            return []
        if field.type is FieldType.CONSENT:
            return [_issue(field, "consent")]
        if field.type is FieldType.PHOTO:
            return [_issue(field, "photo")]
        if field.type is FieldType.DOCUMENT:
            return [_pages_min(field, max(field.min_pages, 1))]
        if field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
            return [_issue(field, "choose")]
        if field.type is FieldType.ADDRESS:
            return [_address_missing(field, LEVELS)]
        return [_issue(field, "required")]
    t = field.type
    if t in (FieldType.TEXT_KM, FieldType.TEXT_LATIN):
        return _check_text(field, value)
    if t is FieldType.NUMBER:
        return _check_number(field, value)
    if t is FieldType.DATE:
        return _check_date(field, value, today)
    if t is FieldType.CHOICE:
        ok = isinstance(value, str) and field.option_label(value) is not None
        return [] if ok else [_issue(field, "choice")]
    if t is FieldType.MULTI_CHOICE:
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) and field.option_label(v) is not None for v in value
        ):
            return [_issue(field, "choice")]
        if field.minimum is not None and len(value) < field.minimum:
            return [_issue(field, "choose_min", min=_fmt(field.minimum))]
        if field.maximum is not None and len(value) > field.maximum:
            return [_issue(field, "choose_max", max=_fmt(field.maximum))]
        return []
    if t is FieldType.YES_NO:
        return [] if isinstance(value, bool) else [_issue(field, "choose")]
    if t is FieldType.CONSENT:
        return [] if value is True else [_issue(field, "consent")]
    if t is FieldType.PHONE:
        ok = isinstance(value, str) and len(value) <= 20 and phone_ok(value)
        return [] if ok else [_issue(field, "phone")]
    if t is FieldType.NATIONAL_ID:
        ok = isinstance(value, str) and NATIONAL_ID_RE.fullmatch(value) is not None
        if not ok:
            return [_issue(field, "national_id")]
        return _check_pattern(field, value)
    if t is FieldType.ADDRESS:
        return _check_address(field, value, gazetteer or load_gazetteer())
    if t in ATTACHMENT_TYPES:
        return _check_pages(field, value)
    return [_issue(field, "required")]


def _pages(field: Field, attachments: Sequence[Attachment]) -> int:
    return sum(1 for a in attachments if a.field_id == field.id)


def validate_step(
    step: Step,
    answers: Mapping[str, Any],
    *,
    today: date,
    attachments: Sequence[Attachment] | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[Issue]:
    """Problems on one screen. PHOTO/DOCUMENT fields are checked only if `attachments` is
    given (they are not in `answers`)."""
    issues: list[Issue] = []
    visible = set(answers)
    for f in step.fields:
        if f.type in ATTACHMENT_TYPES:
            if attachments is None:
                continue
            value: Any = _pages(f, attachments)
        else:
            value = answers.get(f.id)
        issues += validate_field(
            f, value, answers, today=today, gazetteer=gazetteer, visible=visible
        )
    return issues


def validate_all(
    service: Service,
    answers: Mapping[str, Any],
    *,
    today: date,
    attachments: Sequence[Attachment] | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[Issue]:
    """Problems with the whole application: every visible field, cross-field rules included.
    Answers to hidden fields are ignored (they are not submitted)."""
    fields = visible_fields(service, answers)
    visible = {f.id for f in fields}
    issues: list[Issue] = []
    for f in fields:
        if f.type in ATTACHMENT_TYPES:
            if attachments is None:
                continue
            value: Any = _pages(f, attachments)
        else:
            value = answers.get(f.id)
        issues += validate_field(
            f, value, answers, today=today, gazetteer=gazetteer, visible=visible
        )
    return issues

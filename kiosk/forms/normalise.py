"""Bring a raw answer to its stored shape (see ARCHITECTURE.md "answer value shapes").

Normalising never raises and never guesses: what cannot be brought to shape is returned
cleaned but unchanged in kind, and validation says what to fix. It is idempotent:
normalise(f, normalise(f, x)) == normalise(f, x).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from kiosk.catalog.schema import Field, FieldType
from kiosk.text import clean_text, to_ascii_digits

_PHONE_JUNK_RE = re.compile(r"[\s\-.()/]")
_ID_JUNK_RE = re.compile(r"[\s\-./]")
_DMY_RE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_INT_RE = re.compile(r"[+-]?\d{1,18}")
_FLOAT_RE = re.compile(r"[+-]?\d{1,15}[.,]\d{1,6}")


def _text(raw: Any) -> str | None:
    s = clean_text(raw)
    return s or None


def normalise_phone(s: str) -> str:
    """0xx…, 855xx…, +855xx… (spaces, dashes, dots allowed) → +855xx…; else cleaned input."""
    digits = _PHONE_JUNK_RE.sub("", to_ascii_digits(s))
    if digits.startswith("+855"):
        national = digits[4:]
    elif digits.startswith("00855"):
        national = digits[5:]
    elif digits.startswith("855") and len(digits) >= 11:
        national = digits[3:]
    elif digits.startswith("0"):
        national = digits
    else:
        return s
    national = national.lstrip("0") if national.startswith("0") else national
    if not national.isdigit() or not national.isascii():
        return s
    return "+855" + national


def _date(raw: Any) -> Any:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if not isinstance(raw, str):
        return raw
    s = _text(to_ascii_digits(raw))
    if s is None:
        return None
    m = _YMD_RE.fullmatch(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY_RE.fullmatch(s)  # day first, as Cambodians write dates
        if not m:
            return s
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    # Zero-pad but keep impossible dates (31 Feb) as typed, for validation to reject.
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _number(raw: Any) -> Any:
    if isinstance(raw, bool) or raw is None:
        return raw
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer() and abs(raw) < 1e15:
            return int(raw)
        return raw
    if not isinstance(raw, str):
        return raw
    cleaned = _text(to_ascii_digits(raw))
    if cleaned is None:
        return None
    # Spaces go after cleaning: clean_text turns control characters into spaces, and "1 000"
    # is a thousand (taking them out before made "0\x1f0" -> "0 0", then 0: not idempotent).
    s = "".join(cleaned.split())
    if _INT_RE.fullmatch(s):
        return int(s)
    if _FLOAT_RE.fullmatch(s):
        return _number(float(s.replace(",", ".")))
    return s


def _boolean(raw: Any) -> Any:
    if isinstance(raw, str):
        s = raw.strip().casefold()
        if s in {"true", "yes", "1"}:
            return True
        if s in {"false", "no", "0"}:
            return False
        if not s:
            return None
    return raw


def normalise(field: Field, raw: Any) -> Any:
    """The stored form of `raw` for `field`; None for an empty answer (only spaces included)."""
    t = field.type
    if raw is None:
        return None
    if t is FieldType.TEXT_LATIN:
        # Names (and numbers) in Latin letters are written in capitals on Cambodian papers:
        # "sok dara" is stored as "SOK DARA", with single spaces.
        s = _text(raw) if isinstance(raw, str) else raw
        return " ".join(s.split()).upper() if isinstance(s, str) else s
    if t in (FieldType.TEXT_KM, FieldType.CHOICE):
        return _text(raw) if isinstance(raw, str) else raw
    if t is FieldType.PHONE:
        if not isinstance(raw, str):
            return raw
        s = _text(raw)
        return normalise_phone(s) if s else None
    if t is FieldType.NATIONAL_ID:
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            return raw
        s = _text(raw)
        return _ID_JUNK_RE.sub("", to_ascii_digits(s)) or None if s else None
    if t is FieldType.DATE:
        return _date(raw)
    if t is FieldType.NUMBER:
        return _number(raw)
    if t in (FieldType.YES_NO, FieldType.CONSENT):
        return _boolean(raw)
    if t is FieldType.MULTI_CHOICE:
        if isinstance(raw, list | tuple):
            out: list[Any] = []
            for item in raw:
                v = _text(item) if isinstance(item, str) else item
                if v is not None and v not in out:
                    out.append(v)
            return out or None
        return raw
    if t is FieldType.ADDRESS:
        if isinstance(raw, dict):
            return {
                k: (_text(to_ascii_digits(v)) if isinstance(v, str) else v) for k, v in raw.items()
            }
        return raw
    return raw

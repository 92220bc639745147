"""Application numbers `CCCCCC-NNNNN-D` and receipt verification codes.

The number is read aloud at the counter, so it is digits only, grouped, with a Luhn check digit
that catches any single wrong digit and most swapped neighbours. The sequence is allocated inside
the submit transaction, so a crash can never hand out the same number twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_APP_RE = re.compile(r"^(\d{6})-(\d{5,})-(\d)$")
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type from a paper receipt.
VERIFICATION_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
VERIFICATION_LENGTH = 6


def luhn_digit(digits: str) -> str:
    """The Luhn mod-10 check digit to append to `digits`."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # the rightmost payload digit is doubled once the check digit follows
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def format_app_number(commune_code: str, seq: int) -> str:
    """`CCCCCC-NNNNN-D`; sequences past 99999 simply grow a digit and stay valid."""
    if not re.fullmatch(r"\d{6}", commune_code):
        raise ValueError(f"commune code must be 6 digits, got {commune_code!r}")
    if seq < 1:
        raise ValueError("sequence starts at 1")
    body = f"{seq:05d}"
    return f"{commune_code}-{body}-{luhn_digit(commune_code + body)}"


def normalise_app_number(text: str) -> str:
    """Accept what a clerk types: spaces or no dashes, Khmer digits; returns the dashed form."""
    digits = "".join(ch for ch in text.translate(_KHMER_TO_ASCII) if ch.isdigit())
    if len(digits) < 12:
        return text.strip()
    return f"{digits[:6]}-{digits[6:-1]}-{digits[-1]}"


_KHMER_TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def validate_app_number(text: str) -> bool:
    """True if `text` (dashed, or as typed) is a well-formed number with a correct check digit."""
    m = _APP_RE.match(normalise_app_number(text))
    if not m:
        return False
    return luhn_digit(m.group(1) + m.group(2)) == m.group(3)


def verification_code(secret: bytes, registration_id: str) -> str:
    """6 characters from HMAC-SHA256(kiosk secret, registration id): proves a receipt is ours."""
    mac = hmac.digest(secret, registration_id.encode("utf-8"), hashlib.sha256)
    n = int.from_bytes(mac[:8], "big")
    out = []
    for _ in range(VERIFICATION_LENGTH):
        n, r = divmod(n, len(VERIFICATION_ALPHABET))
        out.append(VERIFICATION_ALPHABET[r])
    return "".join(out)

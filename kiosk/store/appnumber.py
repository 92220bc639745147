"""Application numbers `CCCCCC-KK-NNNNN-D` and receipt verification codes.

The number is read aloud at the counter, so it is digits only, grouped, with a Luhn check digit
(over every digit before it) that catches any single wrong digit and most swapped neighbours.
- `CCCCCC` is the commune, `KK` the kiosk number the server gave this kiosk at enrolment
  (01–99, unique in its commune), `NNNNN` the kiosk's own sequence, allocated inside the submit
  transaction, so a crash can never hand out the same number twice. Two kiosks in one commune
  therefore never make the same number.
- A kiosk not enrolled yet writes `KK = 00`, which the server never assigns: its provisional
  numbers can never equal an enrolled kiosk's (two unenrolled kiosks can still meet, and the
  server then refuses the second with `app_number_taken`).
- Numbers printed before kiosk numbers existed, `CCCCCC-NNNNN-D` (12–13 digits), stay valid
  for look-up; new ones have at least 14 digits, so the two never read the same.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_APP_RE = re.compile(r"^(\d{6})-(?:(\d{2})-)?(\d{5,})-(\d)$")
PROVISIONAL_KIOSK = 0  # not enrolled yet: never a number the server hands out
MAX_KIOSK = 99
LEGACY_MAX_DIGITS = 13  # CCCCCC-NNNNN(N)-D: a legacy sequence never reached 10^6
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


def format_app_number(commune_code: str, seq: int, kiosk_number: int | None = None) -> str:
    """`CCCCCC-KK-NNNNN-D` (or the legacy `CCCCCC-NNNNN-D` when `kiosk_number` is None);
    sequences past 99999 simply grow a digit and stay valid."""
    if not re.fullmatch(r"\d{6}", commune_code):
        raise ValueError(f"commune code must be 6 digits, got {commune_code!r}")
    if seq < 1:
        raise ValueError("sequence starts at 1")
    body = f"{seq:05d}"
    if kiosk_number is None:
        return f"{commune_code}-{body}-{luhn_digit(commune_code + body)}"
    if not PROVISIONAL_KIOSK <= kiosk_number <= MAX_KIOSK:
        raise ValueError(f"kiosk number must be 0..{MAX_KIOSK}, got {kiosk_number}")
    kk = f"{kiosk_number:02d}"
    return f"{commune_code}-{kk}-{body}-{luhn_digit(commune_code + kk + body)}"


_KHMER_TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def normalise_app_number(text: str) -> str:
    """Accept what a clerk types: spaces or no dashes, Khmer digits; returns the dashed form.
    Up to 13 digits read as a legacy number, 14 or more as `CCCCCC-KK-N…-D`."""
    digits = "".join(ch for ch in text.translate(_KHMER_TO_ASCII) if "0" <= ch <= "9")
    if len(digits) < 12:
        return text.strip()
    if len(digits) <= LEGACY_MAX_DIGITS:
        return f"{digits[:6]}-{digits[6:-1]}-{digits[-1]}"
    return f"{digits[:6]}-{digits[6:8]}-{digits[8:-1]}-{digits[-1]}"


def validate_app_number(text: str) -> bool:
    """True if `text` (dashed, or as typed) is a well-formed number with a correct check digit."""
    m = _APP_RE.match(normalise_app_number(text))
    if not m:
        return False
    return luhn_digit(m.group(1) + (m.group(2) or "") + m.group(3)) == m.group(4)


def kiosk_of(app_number: str) -> int | None:
    """The kiosk number inside a number (0 = provisional), None for a legacy number."""
    m = _APP_RE.match(normalise_app_number(app_number))
    return int(m.group(2)) if m and m.group(2) is not None else None


def verification_code(secret: bytes, registration_id: str) -> str:
    """6 characters from HMAC-SHA256(kiosk secret, registration id): proves a receipt is ours."""
    mac = hmac.digest(secret, registration_id.encode("utf-8"), hashlib.sha256)
    n = int.from_bytes(mac[:8], "big")
    out = []
    for _ in range(VERIFICATION_LENGTH):
        n, r = divmod(n, len(VERIFICATION_ALPHABET))
        out.append(VERIFICATION_ALPHABET[r])
    return "".join(out)

"""The setup QR (PROTOCOL.md "Setup QR"): what `sala server enrolment-code --qr` and the
console's fleet page print and the kiosk's setup scans, and the enrolment code it carries:

    sala-enrol:1?u=<server URL, percent-encoded>&c=<code>&m=<commune>&e=<expiry, epoch s>&f=<sha256>

u and c are required; m (6-digit MEF commune), e and f (SHA-256 hex of the ministry CA
certificate, DER) are optional. Unknown keys are ignored so a newer printer stays readable.
Beside `sync.protocol` (whose digit helpers it uses) because only enrolment needs it; it
imports nothing else of ours, so the kiosk and the server both may.
"""

from __future__ import annotations

import re
from typing import Any

from sync.protocol import is_ascii_digits, parse_uint

ENROL_QR_PREFIX = "sala-enrol:1?"
ENROL_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
ENROL_CODE_LENGTH = 12


def normalise_enrolment_code(text: str) -> str:
    """An enrolment code as typed ("abcd efgh-jkmn") in its canonical form "ABCD-EFGH-JKMN";
    ValueError if it has the wrong length or a character the codes never use."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(raw) != ENROL_CODE_LENGTH or any(ch not in ENROL_CODE_ALPHABET for ch in raw):
        raise ValueError(f"an enrolment code is {ENROL_CODE_LENGTH} letters and digits")
    return "-".join(raw[i : i + 4] for i in range(0, ENROL_CODE_LENGTH, 4))


def enrolment_qr_text(
    server_url: str,
    code: str,
    *,
    commune_code: str | None = None,
    expires_at: int | None = None,
    ca_sha256: str | None = None,
) -> str:
    """The setup QR's text (see above); the code is normalised first."""
    from urllib.parse import quote

    parts = [f"u={quote(server_url.rstrip('/'), safe='')}", f"c={normalise_enrolment_code(code)}"]
    if commune_code is not None:
        parts.append(f"m={commune_code}")
    if expires_at is not None:
        parts.append(f"e={int(expires_at)}")
    if ca_sha256 is not None:
        parts.append(f"f={ca_sha256.lower()}")
    return ENROL_QR_PREFIX + "&".join(parts)


def parse_enrolment_qr(text: str) -> dict[str, Any]:
    """{"server_url", "code", "commune_code", "expires_at", "ca_sha256"} (the last three may
    be None) from a setup QR; ValueError naming what is wrong."""
    from urllib.parse import parse_qs

    text = text.strip()
    if not text.startswith(ENROL_QR_PREFIX):
        raise ValueError("not a Sala setup QR")
    query = parse_qs(text[len(ENROL_QR_PREFIX) :], keep_blank_values=True, strict_parsing=False)
    one = {k: v[0] for k, v in query.items() if len(v) == 1}
    url = one.get("u", "")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ValueError("setup QR: u is not an http(s) address")
    commune = one.get("m") or None
    if commune is not None and not is_ascii_digits(commune, 6):
        raise ValueError("setup QR: m is not a 6-digit commune code")
    fingerprint = (one.get("f") or "").lower() or None
    if fingerprint is not None and not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        raise ValueError("setup QR: f is not a SHA-256 fingerprint")
    expiry = one.get("e")
    return {
        "server_url": url.rstrip("/"),
        "code": normalise_enrolment_code(one.get("c", "")),
        "commune_code": commune,
        "expires_at": parse_uint(expiry) if expiry else None,
        "ca_sha256": fingerprint,
    }

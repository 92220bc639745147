"""Typed text in its store form: NFC, no zero-width or control characters, valid UTF-8.

`kiosk.i18n.clean_text` does the Unicode cleaning; this adds a guard for unpaired surrogates
(a toolkit can hand them over) so encryption and hashing never fail on odd input.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import clean_text


def _no_lone_surrogates(s: str) -> str:
    """Pair surrogates passed through separately; an unpaired one becomes U+FFFD."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def clean_str(s: str) -> str:
    return clean_text(_no_lone_surrogates(s))


def clean_value(value: Any) -> Any:
    """`clean_str` on every string, however deeply nested (keys too)."""
    if isinstance(value, str):
        return clean_str(value)
    if isinstance(value, dict):
        return {_no_lone_surrogates(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value

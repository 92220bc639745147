"""Text helpers shared by the catalog, the form engine and the UI: bilingual strings (`Text`,
which lives in `sync.protocol.catalog.text` with the catalog's model) and cleaning of what
people type.

Khmer writes no spaces between words, and typed text arrives with zero-width characters,
control characters and different Unicode forms of the same letters. The store keeps one
canonical form (NFC, no zero-width or control characters) so search and comparison work;
display strings get U+200B at places where a line may break.
"""

from __future__ import annotations

import re
import unicodedata

from sync.protocol.catalog.text import Text  # the catalog's, shared with the server

__all__ = ["ZWSP", "Text", "clean_text", "to_ascii_digits", "to_khmer_digits", "wrap_points"]

ZWSP = "\u200b"

# The patterns are compiled on first use (re caches them), not at import: the kiosk imports
# this module before its first paint, where it needs none of them (~0.3 ms).
# Zero-width characters people never mean to type: ZWSP, ZWNJ, ZWJ, word joiner, BOM.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_RE = "[" + _ZERO_WIDTH + "\u202a-\u202e\u2066-\u2069]"
# C0 and C1 controls (tab and newline included: every field is a single line) and DEL
# become a space; zero-width and bidi embedding/override/isolate controls are removed.
_CONTROL_RE = "[\u0000-\u001f\u007f-\u009f]"
_SPACES_RE = r"\s+"

_KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
_TO_KHMER = str.maketrans("0123456789", _KHMER_DIGITS)
_TO_ASCII = str.maketrans(_KHMER_DIGITS + "٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def clean_text(s: str) -> str:
    """NFC, without zero-width, bidi-control or control characters (newlines included), with
    runs of whitespace collapsed to one space and the ends trimmed. This is the store form."""
    s = unicodedata.normalize("NFC", s)
    s = re.sub(_CONTROL_RE, " ", re.sub(_ZERO_WIDTH_RE, "", s))
    return re.sub(_SPACES_RE, " ", s).strip()


def to_khmer_digits(s: str) -> str:
    """Replace ASCII digits 0-9 with Khmer digits ០-៩ (for display in the Khmer locale)."""
    return s.translate(_TO_KHMER)


def to_ascii_digits(s: str) -> str:
    """Replace Khmer (and Arabic-Indic) digits with ASCII digits (for parsing typed numbers)."""
    return s.translate(_TO_ASCII)


# Places where a line may break in a display string: after a space or a Khmer/Latin
# punctuation mark (khan ។, bariyoosan ៕, camnuc pii kuuh ៖, comma, slash, closing bracket).
_BREAK_AFTER_RE = r"([ ។៕៖,;:/\)\]]+)(?=[^\s\u200b])"
_KHMER_CHAR_RE = "[\u1780-\u17ff\u19e0-\u19ff]"


def wrap_points(s: str) -> str:
    """`s` with U+200B where a line may break, for Khmer display strings.

    Khmer has no spaces between words and finding word boundaries needs a dictionary (ICU has
    one; we do not ship it). Our own UI strings in assets/translations already carry U+200B
    placed by hand between words. This function only adds break points that are certain:
    after spaces and punctuation, and around Latin words or digits embedded in Khmer text, so
    catalog and typed strings (which have none) still wrap at phrase boundaries. Existing
    U+200B are kept; it never adds one twice, so it is idempotent.
    """
    if not re.search(_KHMER_CHAR_RE, s):
        return s
    out = re.sub(_BREAK_AFTER_RE, lambda m: m.group(1) + ZWSP, s)
    # Between a Khmer letter and a Latin letter/digit (either order): a safe break.
    out = re.sub("(?<=[\u1780-\u17ff])(?=[A-Za-z0-9])", ZWSP, out)
    out = re.sub("(?<=[A-Za-z0-9])(?=[\u1780-\u17d3])", ZWSP, out)
    return re.sub(ZWSP + "+", ZWSP, out)

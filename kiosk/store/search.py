"""Search for the clerk's queue without a plaintext copy of names at rest.

Answers are encrypted, so the FTS5 table `search_tokens` holds only keyed hashes: every 2- and
3-character piece (n-gram) of each name word, and every 3-digit piece of the phone (local form)
and application number, each turned into `HMAC(search key, piece)[:6]`. A query is cut the same
way, all its pieces must be present (an FTS5 AND over the opaque tokens), and the few candidate
rows are then decrypted and checked for the real substring. This finds Khmer names (no spaces)
by prefix or any part of 2+ characters, Latin names case-insensitively, and phone numbers or
application numbers by any 3+ digits. Someone with the database but not the key sees only which
rows share pieces, never the pieces (README "Store" says what that leaks).

Which answers are indexed is the catalog's call: fields marked `"searchable": true` in
services.json (`fields_to_index(service)`, passed by `Store.submit(..., service=)`). Numbers
on papers (licence, certificate, old passport) are indexed by their digit runs too, so the
clerk finds "DL 0123456" by typing 0123456. Rows indexed without a service (before the catalog
said, or by a caller that does not know it) fall back to the old naming convention below.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from kiosk.i18n import to_ascii_digits
from kiosk.store.cleaning import clean_str as clean_text

# The naming convention used only when no catalog service says which fields are searchable.
SEARCH_FIELDS = frozenset({"name_km", "name_latin", "phone"})
SEARCH_FIELD_PREFIXES = ("given_name_", "family_name_")
SEARCH_FIELD_SUFFIXES = ("_name_km", "_name_latin", "_phone")
MIN_QUERY_CHARS = 2
MIN_QUERY_DIGITS = 3
_DIGIT_QUERY_RE = re.compile(r"^[\d\s+\-().]+$")
_CACHE_MAX = 500_000


def is_searchable(field_id: str, extra: Collection[str] = ()) -> bool:
    """By the naming convention (or named in `extra`): for rows indexed without a service."""
    return (
        field_id in SEARCH_FIELDS
        or field_id in extra
        or field_id.startswith(SEARCH_FIELD_PREFIXES)
        or field_id.endswith(SEARCH_FIELD_SUFFIXES)
    )


def _digit_texts(value: str) -> list[str]:
    """The digit strings a clerk may type for `value`: a phone in local form (+855 12… and
    855 12… also as 012…), all digits of a number-only value, else each run of digits
    ("DL 0123456" -> 0123456)."""
    v = to_ascii_digits(value)
    if not _DIGIT_QUERY_RE.match(v):
        return re.findall(r"\d+", v)
    raw = "".join(ch for ch in v if ch.isdigit())
    local = local_phone_digits(v)
    return [raw] if local == raw else [raw, local]


def fields_to_index(service: Any) -> frozenset[str]:
    """Ids of the fields the catalog marks `searchable` (duck-typed: the store does not
    import the catalog)."""
    return frozenset(f.id for f in service.fields if getattr(f, "searchable", False))


def local_phone_digits(text: str) -> str:
    """Digits of a Cambodian number in local form: +855 12 345 678 -> 012345678."""
    digits = "".join(ch for ch in to_ascii_digits(text) if ch.isdigit())
    if digits.startswith("855"):
        digits = "0" + digits[3:]
    return digits


def _words(text: str) -> list[str]:
    return clean_text(text).casefold().split()


def _grams(word: str, sizes: Iterable[int]) -> set[str]:
    out: set[str] = set()
    for n in sizes:
        if len(word) <= n:
            if len(word) == n:
                out.add(word)
            continue
        out.update(word[i : i + n] for i in range(len(word) - n + 1))
    return out


class SearchIndex:
    """Turns answers and queries into opaque tokens with the kiosk's search key."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}

    def _token(self, gram: str) -> str:
        tok = self._cache.get(gram)
        if tok is None:
            mac = hmac.digest(self._key, gram.encode("utf-8"), hashlib.sha256)
            tok = "k" + mac[:6].hex()
            if len(self._cache) > _CACHE_MAX:
                self._cache.clear()
            self._cache[gram] = tok
        return tok

    def doc(
        self,
        answers: Mapping[str, Any],
        app_number: str | None,
        fields: Collection[str] | None = None,
    ) -> str:
        """The space-separated token string stored for one registration: exactly the answers
        named in `fields`, or (None) those the naming convention picks."""
        grams: set[str] = set()
        for fid, value in answers.items():
            if not isinstance(value, str):
                continue
            indexed = fid in fields if fields is not None else is_searchable(fid)
            if not indexed:
                continue
            for digits in _digit_texts(value):
                grams |= {"#" + g for g in _grams(digits, (3,))}
            if not _DIGIT_QUERY_RE.match(to_ascii_digits(value)):
                for word in _words(value):
                    grams |= _grams(word, (2, 3))
        if app_number:
            digits = "".join(ch for ch in app_number if ch.isdigit())
            grams |= {"#" + g for g in _grams(digits, (3,))}
        return " ".join(sorted(self._token(g) for g in grams))

    def match(self, query: str) -> str | None:
        """An FTS5 MATCH expression for `query`, or None if it is too short to search."""
        grams: set[str] = set()
        for term in query_terms(query):
            if term.startswith("#"):
                grams |= {"#" + g for g in _grams(term[1:], (3,))}
            elif len(term) <= 3:
                grams.add(term)
            else:
                grams |= _grams(term, (3,))
        if not grams:
            return None
        return " AND ".join(sorted(self._token(g) for g in grams))


def query_terms(query: str) -> list[str]:
    """Normalised query words; a digits-only query becomes one '#'-marked digit string."""
    q = to_ascii_digits(clean_text(query))
    if _DIGIT_QUERY_RE.match(q):
        digits = (
            local_phone_digits(q)
            if q.lstrip().startswith("+")
            else "".join(ch for ch in q if ch.isdigit())
        )
        return ["#" + digits] if len(digits) >= MIN_QUERY_DIGITS else []
    return [w for w in _words(q) if len(w) >= MIN_QUERY_CHARS]


def matches(query: str, answers: Mapping[str, Any], app_number: str | None) -> bool:
    """The exact check after the token match: every query word is in some value."""
    terms = query_terms(query)
    if not terms:
        return False
    texts: list[str] = []
    digit_texts: list[str] = []
    for value in answers.values():
        if isinstance(value, str):
            texts.append(clean_text(value).casefold())
            digit_texts.extend(_digit_texts(value))
    if app_number:
        digit_texts.append("".join(ch for ch in app_number if ch.isdigit()))
    for term in terms:
        if term.startswith("#"):
            if not any(term[1:] in d for d in digit_texts):
                return False
        elif not any(term in t for t in texts):
            return False
    return True

"""Checks of single catalog values, each naming the path of a bad value in its error.

The catalog comes from the ministry server, so it is treated as hostile: size and nesting are
capped, every value is type-checked, and nothing in it is ever executed. Patterns are compiled
by RE2 (patterns.py); the old screen for nested quantifiers stays as a hint to authors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any, TypeVar, cast

from sync.protocol.catalog.patterns import MAX_PATTERN, CatalogPattern, PatternError
from sync.protocol.catalog.schema import CatalogError
from sync.protocol.catalog.text import Text

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "MAX_PAGES",
    "MAX_SERVICES",
    "MAX_STRING",
    "Reader",
    "check_depth",
    "compile_pattern",
]

FORMAT = 1
MAX_BYTES = 2_000_000
MAX_DEPTH = 12
MAX_SERVICES = 200
MAX_FIELDS = 200
MAX_OPTIONS = 300
MAX_STRING = 4000
MAX_PAGES = 50
MAX_ERRORS = 200  # a check reports at most this many problems (a page, not a flood)
_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# A group with a quantifier inside, itself quantified: (a+)+, (a*)*, (\w+){2,} …
_NESTED_QUANTIFIER_RE = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

T = TypeVar("T")


class Reader:
    """Checks values at a path and raises CatalogError naming it; `attempt` runs a check and
    keeps its error instead, so one pass over a file can report every broken part."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[CatalogError] = []

    def fail(self, where: str, code: str, **params: object) -> CatalogError:
        return CatalogError(self.name, where, code=code, params=params)

    def keep(self, error: CatalogError) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def attempt(self, check: Callable[[], T], default: T) -> T:
        """`check()`, or `default` after keeping the CatalogError it raised."""
        try:
            return check()
        except CatalogError as exc:
            self.keep(exc)
            return default

    def obj(self, v: Any, where: str, keys: Collection[str] | None = None) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(where, "not_object")
        if keys is not None:
            for k in v:
                if k not in keys:
                    raise self.fail(f"{where}.{k}", "unknown_key")
        return cast(dict[str, Any], v)

    def lst(self, v: Any, where: str, cap: int) -> list[Any]:
        if not isinstance(v, list):
            raise self.fail(where, "not_list")
        if len(v) > cap:
            raise self.fail(where, "too_many", cap=cap)
        return v

    def string(self, v: Any, where: str, *, empty: bool = False) -> str:
        if not isinstance(v, str):
            raise self.fail(where, "not_string")
        if len(v) > MAX_STRING:
            raise self.fail(where, "too_long", max=MAX_STRING)
        if not empty and not v.strip():
            raise self.fail(where, "empty")
        return v

    def ident(self, v: Any, where: str) -> str:
        s = self.string(v, where)
        if not _ID_RE.fullmatch(s):
            raise self.fail(where, "bad_id")
        return s

    def boolean(self, v: Any, where: str) -> bool:
        if not isinstance(v, bool):
            raise self.fail(where, "not_bool")
        return v

    def integer(self, v: Any, where: str, lo: int = 0, hi: int = 10**12) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(where, "not_integer")
        if not lo <= v <= hi:
            raise self.fail(where, "out_of_range", lo=lo, hi=hi)
        return v

    def number(self, v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(where, "not_number")
        f = float(v)
        if f != f or abs(f) > 1e15:
            raise self.fail(where, "not_finite")
        return f

    def text(self, v: Any, where: str) -> Text:
        d = self.obj(v, where, {"km", "en"})
        if "km" not in d or "en" not in d:
            raise self.fail(where, "needs_km_en")
        return Text(km=self.string(d["km"], f"{where}.km"), en=self.string(d["en"], f"{where}.en"))

    def pattern(self, v: Any, where: str) -> str:
        source = self.string(v, where)
        try:
            compile_pattern(source)
        except PatternError as exc:
            raise self.fail(where, "unsafe_pattern", why=exc.text) from None
        return source


def check_depth(data: Any) -> None:
    """Reject deeper nesting than any real catalog has (json recursion limits are far higher)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_DEPTH}")
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)


def compile_pattern(pattern: str) -> CatalogPattern:
    """Compile a catalog pattern for RE2; PatternError (a ValueError) says why it cannot be."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError("pattern_too_long", max=MAX_PATTERN)
    if _NESTED_QUANTIFIER_RE.search(pattern):
        raise PatternError("pattern_nested")
    return CatalogPattern(pattern)

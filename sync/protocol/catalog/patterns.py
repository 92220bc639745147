"""Catalog patterns, run by RE2 so that no pattern and no answer can make matching slow.

A catalog comes from the ministry server, and whoever may publish one could otherwise ship a
pattern that backtracks exponentially: `^(\\d|\\d)*[A-Z]$` took 8.6 s on a 26-digit answer in
Python's `re`, doubling per digit, on the kiosk's GUI thread where validation runs. Screening
patterns for "dangerous shapes" cannot be complete, so the bound comes from the engine: RE2
(`google-re2`) compiles a pattern to an automaton and never backtracks. Matching takes time
linear in the answer's length (times the pattern's size, which `MAX_PATTERN` and `_MAX_MEM`
cap), and answers are length-checked before their pattern, so a check costs microseconds.

What RE2 does not have is refused when the catalog is loaded: back-references (`\\1`,
`(?P=name)`), lookaround (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`), possessive quantifiers, `\\Z`.
`\\d`, `\\w`, `\\s` and `\\b` are ASCII-only; answers carry ASCII digits (forms/normalise.py).
"""

from __future__ import annotations

import re
from typing import Any

import re2  # google-re2: a linear-time engine; no type hints shipped

from sync.protocol.catalog.messages import message_text
from sync.protocol.catalog.text import Text

MAX_PATTERN = 200
# RE2's memory budget per pattern (its compiled program and lazy DFA cache). 1 MiB holds any
# sensible 200-character pattern; a pattern needing more is refused at load, and a DFA that
# fills its cache falls back to RE2's NFA, which is slower but still linear.
_MAX_MEM = 1 << 20
# Constructs RE2 lacks, named in the refusal so the catalog author knows what to change.
_BACKREF_RE = re.compile(r"\\[1-9]|\(\?P=")
_LOOKAROUND_RE = re.compile(r"\(\?<?[=!]")


class PatternError(ValueError):
    """A catalog pattern that cannot be run with a time bound; the message says why (in
    English; `text` says it in Khmer too)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        self.text: Text = message_text(code, **params)
        super().__init__(self.text.en)


def _options() -> Any:
    options = re2.Options()
    options.max_mem = _MAX_MEM
    options.log_errors = False  # the loader reports the refusal with the field's path
    return options


_OPTIONS = _options()


class CatalogPattern:
    """A compiled catalog pattern. Forms match whole answers only, so that is all it offers."""

    __slots__ = ("_rx", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        if len(source) > MAX_PATTERN:
            raise PatternError("pattern_too_long", max=MAX_PATTERN)
        if _BACKREF_RE.search(source):
            raise PatternError("pattern_backref")
        if _LOOKAROUND_RE.search(source):
            raise PatternError("pattern_lookaround")
        try:
            self._rx = re2.compile(source, _OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise PatternError("pattern_re2", reason=str(reason)) from None
        except UnicodeEncodeError:
            raise PatternError("pattern_surrogate") from None

    @property
    def engine(self) -> str:
        """The module that runs the pattern ("re2"): tests check the bound through it."""
        return str(type(self._rx).__module__).split(".")[0]

    def fullmatch(self, value: str) -> bool:
        """Whether the whole of `value` matches, in time linear in `len(value)`."""
        try:
            return self._rx.fullmatch(value) is not None
        except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: no pattern accepts it
            return False

    def __repr__(self) -> str:
        return f"CatalogPattern({self.source!r})"

"""The keyboard's key layouts as plain data: Khmer (NiDA), English (QWERTY) and numbers.

The Khmer rows come from `assets/keyboard/km_nida.json`, generated from xkeyboard-config's
`symbols/kh` by `ui/keyboard/gen_nida.py` (MIT/X11 source, see that file). Widths are in key
units; the widget turns a unit into pixels from its own width.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Action = Literal[
    "text",
    "backspace",
    "shift",
    "caps",
    "space",
    "clear",
    "layer",
    "more_subscripts",
    "gap",
    "left",
    "right",
    "next",
]
LAYERS = ("km", "en", "num", "sym")

DOTTED_CIRCLE = "\u25cc"


@dataclass(frozen=True)
class Key:
    """One key: what it types on the base and shift levels, or the function it performs."""

    base: str = ""
    shift: str | None = None
    action: Action = "text"
    width: float = 1.0
    arg: str = ""  # the layer name for "layer" keys

    def text(self, shifted: bool) -> str:
        """The text this key types on the current level (base when the shift level is empty)."""
        if shifted and self.shift:
            return self.shift
        return self.base


@dataclass(frozen=True)
class Layer:
    name: str
    rows: tuple[tuple[Key, ...], ...]

    @property
    def units(self) -> float:
        """Width of the widest row, in key units."""
        return max(sum(k.width for k in row) for row in self.rows)


def display_label(text: str) -> str:
    """What a key shows: combining marks sit on a dotted circle so they are legible alone."""
    if not text:
        return text
    if unicodedata.category(text[0]) in ("Mn", "Mc"):
        return DOTTED_CIRCLE + text
    return text


def _fn(action: Action, width: float = 1.5, arg: str = "") -> Key:
    return Key(action=action, width=width, arg=arg)


def _bottom_row() -> tuple[Key, ...]:
    """Layers, cursor keys (no other way to insert a surname before a given name, S2.9),
    space, clear, and Next (to the following text box: one may be under the keyboard)."""
    return (
        _fn("layer", 1.25, "km"),
        _fn("layer", 1.25, "en"),
        _fn("layer", 1.25, "num"),
        _fn("layer", 1.25, "sym"),
        _fn("left", 1.0),
        _fn("right", 1.0),
        _fn("space", 3.75),
        _fn("clear", 1.75),
        _fn("next", 2.0),
    )


@cache
def nida_rows() -> tuple[tuple[Key, ...], ...]:
    """The four character rows of the NiDA layout, base and shift levels."""
    raw = resources.files("assets").joinpath("keyboard/km_nida.json").read_text("utf-8")
    data = json.loads(raw)
    return tuple(
        tuple(Key(base=k["base"] or "", shift=k["shift"]) for k in row) for row in data["rows"]
    )


@cache
def khmer_layer() -> Layer:
    r0, r1, r2, r3 = nida_rows()
    return Layer(
        "km",
        (
            (*r0, _fn("backspace", 1.5)),
            (_fn("gap", 0.5), *r1, _fn("gap", 1.0)),
            (_fn("caps", 1.5), *r2, _fn("gap", 2.0)),
            (_fn("shift", 1.5), *r3, _fn("shift", 3.0)),
            _bottom_row(),
        ),
    )


def _chars(base: str, shift: str) -> tuple[Key, ...]:
    return tuple(Key(base=b, shift=s) for b, s in zip(base, shift, strict=True))


@cache
def english_layer() -> Layer:
    return Layer(
        "en",
        (
            (*_chars("1234567890-", "!@#$%^&*()_"), _fn("backspace", 1.5)),
            (_fn("gap", 0.5), *_chars("qwertyuiop'", 'QWERTYUIOP"'), _fn("gap", 1.0)),
            (_fn("caps", 1.5), *_chars("asdfghjkl", "ASDFGHJKL"), _fn("gap", 2.0)),
            (_fn("shift", 1.5), *_chars("zxcvbnm,./", "ZXCVBNM;:?"), _fn("shift", 2.0)),
            _bottom_row(),
        ),
    )


@cache
def number_layer() -> Layer:
    gap = _fn("gap", 0.5)
    return Layer(
        "num",
        (
            (*_chars("១២៣", "១២៣"), gap, *_chars("123", "123"), gap, _fn("backspace", 1.5)),
            (*_chars("៤៥៦", "៤៥៦"), gap, *_chars("456", "456"), gap, Key("+", width=1.5)),
            (*_chars("៧៨៩", "៧៨៩"), gap, *_chars("789", "789"), gap, Key("-", width=1.5)),
            (
                Key("០", width=2.0),
                Key("/"),
                gap,
                Key("0", width=2.0),
                Key("."),
                gap,
                Key(":", width=1.5),
            ),
            _bottom_row(),
        ),
    )


@cache
def symbol_layer() -> Layer:
    """Symbols on a layer of their own, so Caps never turns digits into symbols (S2.9)."""
    gap = _fn("gap", 0.5)
    return Layer(
        "sym",
        (
            (*_chars("!@#$%&*()", "!@#$%&*()"), gap, _fn("backspace", 1.5)),
            _chars("-_=+/\\:;\"'", "-_=+/\\:;\"'"),
            _chars(",.?«»<>[]", ",.?«»<>[]"),
            _chars("។៕ៗ៛៖~^|", "។៕ៗ៛៖~^|"),
            _bottom_row(),
        ),
    )


def layer(name: str) -> Layer:
    """The layer called `name` ("km", "en", "num" or "sym")."""
    if name == "km":
        return khmer_layer()
    if name == "en":
        return english_layer()
    if name == "num":
        return number_layer()
    if name == "sym":
        return symbol_layer()
    raise ValueError(f"unknown keyboard layer {name!r}; use one of {LAYERS}")

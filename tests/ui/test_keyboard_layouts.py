"""Layout data and subscript rules, without a display."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from ui.keyboard import coeng
from ui.keyboard.gen_nida import COMPOSE, SYMBOLS, build


def committed_nida() -> dict[str, object]:
    raw = resources.files("assets").joinpath("keyboard/km_nida.json").read_text("utf-8")
    return json.loads(raw)  # type: ignore[no-any-return]


@pytest.mark.skipif(
    not (SYMBOLS.exists() and COMPOSE.exists()), reason="xkb-data / libX11 data not installed"
)
def test_committed_nida_layout_matches_xkeyboard_config() -> None:
    assert build() == committed_nida()


def test_nida_layout_has_every_modern_consonant_and_vowel_sign() -> None:
    rows = committed_nida()["rows"]
    typed = {k[level] for row in rows for k in row for level in ("base", "shift")}  # type: ignore[attr-defined]
    consonants = {chr(c) for c in range(0x1780, 0x17A3)} - {"ឝ", "ឞ"}  # obsolete, level 3 only
    assert consonants <= typed
    assert {"ា", "ិ", "ី", "ឹ", "ឺ", "ុ", "ូ", "ួ", "ើ", "ឿ", "ៀ", "េ", "ែ", "ៃ", "ោ", "ៅ"} <= typed
    assert {"ាំ", "ោះ", "េះ", "ុំ", "ុះ", "\u17d2", "៌"} <= typed  # composed vowels, coeng, robat
    assert {"០", "៩"} <= typed


@pytest.mark.parametrize(
    ("before", "allowed"),
    [
        ("", False),
        ("ក", True),
        ("ស្ត", True),  # a second subscript is fine
        ("ស្ត្រ", False),  # a third is not
        ("កា", False),  # after a vowel sign
        ("ក្", False),  # after a bare coeng the next consonant is the subscript itself
        ("abc", False),
        ("ក្កក", True),  # a new syllable starts at the last consonant
    ],
)
def test_can_take_subscript(before: str, allowed: bool) -> None:
    assert coeng.can_take_subscript(before) is allowed


def test_subscript_is_coeng_plus_consonant() -> None:
    assert coeng.subscript("រ") == "\u17d2\u179a"
    with pytest.raises(ValueError):
        coeng.subscript("ា")

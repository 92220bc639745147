"""Khmer dependent vowels for the on-screen keyboard's vowel strip, kept free of Qt.

NiDA puts half the vowels (ី ួ ូ ែ ៅ ឿ ៃ ំ ះ …) on the Shift level, marked only by a small grey
corner glyph (issue 11, S2.9). The strip offers the common ones as one tap each, wherever a
vowel can follow: after a consonant, a subscript (which ends in a consonant) or, for the signs
ំ and ះ, after a vowel.
"""

from __future__ import annotations

from ui.keyboard.coeng import is_consonant

# In the order of the Khmer alphabet's vowel table, so a citizen who learnt it finds them.
VOWELS: tuple[str, ...] = tuple("ាិីឹឺុូួើឿៀេែៃោៅំះ")
SIGNS = frozenset("ំះ")  # may also follow a vowel: ាំ, ុំ, េះ, ោះ
FIRST_VOWEL = "\u17b6"  # ា
LAST_VOWEL = "\u17c5"  # ៅ


def is_vowel(ch: str) -> bool:
    """True for a Khmer dependent vowel sign ា…ៅ."""
    return len(ch) == 1 and FIRST_VOWEL <= ch <= LAST_VOWEL


def can_take_vowel(before_cursor: str, vowel: str) -> bool:
    """Whether `vowel` may be typed next, given the text just before the cursor."""
    if not before_cursor:
        return False
    last = before_cursor[-1]
    if is_consonant(last):
        return True
    return vowel in SIGNS and is_vowel(last)

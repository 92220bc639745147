"""Khmer subscript (coeng) rules for the on-screen keyboard, kept free of Qt so they test fast.

A Khmer subscript consonant is written as COENG (U+17D2) followed by the consonant. A syllable
carries at most two of them (ស្ត្រី = ស + ្ត + ្រ + ី), so the keyboard offers subscripts only
after a consonant whose cluster has fewer than two.
"""

from __future__ import annotations

COENG = "\u17d2"
FIRST_CONSONANT = "\u1780"  # ក
LAST_CONSONANT = "\u17a2"  # អ
MAX_SUBSCRIPTS = 2

# Most used subscripts first (rough order of frequency in everyday Khmer text and names);
# the strip above the Khmer keys shows the head of this list, the rest are one "more" tap away.
FREQUENT_SUBSCRIPTS: tuple[str, ...] = tuple("រយតកមនចលវពសទធដគងញខថភជហអណបឋឌឆឈផឃឍឡ")


def is_consonant(ch: str) -> bool:
    """True for the Khmer consonants ក…អ (the only letters that take a subscript)."""
    return len(ch) == 1 and FIRST_CONSONANT <= ch <= LAST_CONSONANT


def subscript(consonant: str) -> str:
    """The two code points that write `consonant` as a subscript."""
    if not is_consonant(consonant):
        raise ValueError(f"not a Khmer consonant: {consonant!r}")
    return COENG + consonant


def subscripts_in_cluster(before_cursor: str) -> int:
    """How many subscripts follow the base consonant that ends `before_cursor`."""
    count = 0
    i = len(before_cursor) - 1
    while i >= 2 and before_cursor[i - 1] == COENG and is_consonant(before_cursor[i - 2]):
        count += 1
        i -= 2
    return count


def can_take_subscript(before_cursor: str) -> bool:
    """Whether a subscript may be typed next, given the text just before the cursor."""
    if not before_cursor or not is_consonant(before_cursor[-1]):
        return False
    return subscripts_in_cluster(before_cursor) < MAX_SUBSCRIPTS

"""Application numbers and verification codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.store.appnumber import (
    VERIFICATION_ALPHABET,
    format_app_number,
    luhn_digit,
    normalise_app_number,
    validate_app_number,
    verification_code,
)


def test_luhn_reference_value() -> None:
    assert luhn_digit("7992739871") == "3"  # the textbook example


def test_format() -> None:
    assert format_app_number("120101", 1) == "120101-00001-" + luhn_digit("12010100001")
    assert format_app_number("010201", 123456).split("-")[1] == "123456"  # grows, stays valid
    assert validate_app_number(format_app_number("010201", 123456))
    with pytest.raises(ValueError):
        format_app_number("12010", 1)
    with pytest.raises(ValueError):
        format_app_number("120101", 0)


@given(
    commune=st.from_regex(r"\d{6}", fullmatch=True),
    seq=st.integers(1, 99_999),
    pos=st.integers(0, 10),
    delta=st.integers(1, 9),
)
def test_any_single_wrong_digit_is_caught(commune: str, seq: int, pos: int, delta: int) -> None:
    number = format_app_number(commune, seq)
    assert validate_app_number(number)
    digits = [c for c in number if c.isdigit()]
    idx = [i for i, c in enumerate(number) if c.isdigit()][pos]
    wrong = number[:idx] + str((int(digits[pos]) + delta) % 10) + number[idx + 1 :]
    assert not validate_app_number(wrong)


def test_typed_forms_are_accepted() -> None:
    number = format_app_number("120101", 42)
    assert normalise_app_number(number.replace("-", " ")) == number
    assert normalise_app_number(number.replace("-", "")) == number
    khmer = number.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    assert validate_app_number(khmer)
    for bad in ("", "hello", "120101-00001", "12-34-5", "120101-0001-x"):
        assert not validate_app_number(bad)


def test_verification_code_shape() -> None:
    codes = {verification_code(b"k" * 32, f"reg-{i}") for i in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 6 and set(code) <= set(VERIFICATION_ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(VERIFICATION_ALPHABET)
    assert verification_code(b"k" * 32, "reg-1") == verification_code(b"k" * 32, "reg-1")

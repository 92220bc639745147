"""Translations, digits, wrap points and text cleaning."""

from __future__ import annotations

import json
import logging
import re
import string
from importlib import resources

import pytest

from kiosk.i18n import clean_text, to_ascii_digits, to_khmer_digits, tr, tr_text, wrap_points
from kiosk.text import Text

OWN_FILES = ("core.json", "forms.json")


def _table(locale: str, name: str) -> dict[str, str]:
    data = (resources.files("assets") / "translations" / locale / name).read_text("utf-8")
    table: dict[str, str] = json.loads(data)
    return table


@pytest.mark.parametrize("name", OWN_FILES)
def test_km_and_en_have_the_same_keys_and_placeholders(name: str) -> None:
    km, en = _table("km", name), _table("en", name)
    assert km.keys() == en.keys()
    fields = string.Formatter()
    for key in km:
        km_names = {f for _, f, _, _ in fields.parse(km[key]) if f}
        en_names = {f for _, f, _, _ in fields.parse(en[key]) if f}
        assert km_names == en_names, key


@pytest.mark.parametrize("name", OWN_FILES)
def test_khmer_strings_carry_word_breaks(name: str) -> None:
    for key, value in _table("km", name).items():
        khmer_run = max(re.findall("[\u1780-\u17ff]+", value) or [""], key=len)
        assert len(khmer_run) <= 14, f"{key}: add U+200B between the words of {khmer_run!r}"


def test_tr_reads_merged_files_and_fills_placeholders() -> None:
    assert tr("forms.display.yes", "en") == "Yes"
    assert tr("forms.display.yes", "km") == "បាទ/ចាស"
    assert tr("forms.step_of", "en", n=3, total=8) == "Step 3 of 8"
    assert tr("core.fee", "en", amount="KHR 4,000") == "Fee: KHR 4,000"


def test_missing_key_falls_back_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.i18n"):
        assert tr("test.no.such.key", "km") == "test.no.such.key"
        assert tr("test.no.such.key", "km") == "test.no.such.key"
    assert len([r for r in caplog.records if "test.no.such.key" in r.getMessage()]) == 2  # km, en


def test_missing_placeholder_does_not_crash() -> None:
    assert tr("forms.step_of", "en", n=1) == "Step 1 of {total}"
    assert tr("forms.display.yes", "en", unused=1) == "Yes"


def test_tr_text_uses_text_arguments_per_locale() -> None:
    t = tr_text("core.fee", amount=Text("៤.០០០ ៛", "KHR 4,000"))
    assert t.en == "Fee: KHR 4,000" and "៤.០០០ ៛" in t.km


def test_text_get_falls_back_to_english() -> None:
    assert Text("ខ្មែរ", "English").get("km") == "ខ្មែរ"
    assert Text("ខ្មែរ", "English").get("en") == "English"
    assert Text("", "English").get("km") == "English"
    assert Text("ខ្មែរ", "English").get("fr") == "English"


def test_digits_both_ways() -> None:
    assert to_khmer_digits("2026-11-21") == "២០២៦-១១-២១"
    assert to_ascii_digits("០១២ ៣៤៥ ៦៧៨៩") == "012 345 6789"
    assert to_ascii_digits(to_khmer_digits("0123456789")) == "0123456789"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  សុខ\u200bដារា  ", "សុខដារា"),
        ("SOK\tDARA\n", "SOK DARA"),
        ("a\u0000b\u0085c\u200dd\ufeffe\u2060f", "a b cdef"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\u202esok\u202c", "sok"),  # bidi override
        ("\u200b \u200b", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_khmer_is_normalised_to_nfc() -> None:
    # ើ (U+17BE) is its own code point; the decomposed form has no NFC change in Khmer,
    # but cleaning must leave shaped clusters such as robat and coeng untouched.
    for word in ("ស្ត្រី", "ង្ខ្យ", "ធម៌", "កើត"):
        assert clean_text(word) == word


def test_wrap_points_adds_breaks_only_where_certain() -> None:
    assert wrap_points("SOK DARA") == "SOK DARA"  # no Khmer, nothing to do
    out = wrap_points("សូមបញ្ចូល ឈ្មោះ។ABC")
    assert out == "សូមបញ្ចូល \u200bឈ្មោះ។\u200bABC"
    assert "សូមបញ្ចូល" in out  # never inside a word
    assert wrap_points(out) == out


def test_wrap_points_keeps_hand_placed_breaks() -> None:
    s = tr("forms.error.phone", "km")
    assert wrap_points(s).count("\u200b") >= s.count("\u200b")
    assert clean_text(wrap_points(s)) == clean_text(s)


def test_one_owner_for_digits_money_and_dates() -> None:
    from datetime import UTC, date, datetime

    from kiosk.i18n import digits, format_date, format_datetime, format_khr

    assert digits(2026, "km") == "២០២៦" and digits(2026, "en") == "2026"
    assert format_khr(12000, "km") == "១២.០០០ រៀល"
    assert format_khr(12000, "en") == "12,000 riel"
    assert format_date(date(2026, 1, 15), "km") == "១៥ មករា ២០២៦"
    assert format_date(date(2026, 1, 15), "en") == "15 January 2026"
    when = datetime(2026, 11, 21, 5, 45, tzinfo=UTC)  # 12:45 in Phnom Penh
    assert format_datetime(when, "km") == "២១ វិច្ឆិកា ២០២៦ ម៉ោង ១២:៤៥"
    assert format_datetime(when, "en") == "21 November 2026, 12:45"
    assert format_datetime(datetime(2026, 12, 31, 20, 0), "en") == "1 January 2027, 03:00"


def test_every_month_has_a_name_in_both_languages() -> None:
    for month in range(1, 13):
        for locale in ("km", "en"):
            assert tr(f"core.month_{month}", locale) != f"core.month_{month}"

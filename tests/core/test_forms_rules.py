"""Field rules of the form engine, one field type at a time, on the bundled catalog's fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kiosk.catalog import Field, FieldType, Option, Text, load_bundled_catalog
from kiosk.forms import Issue, normalise, validate_field
from kiosk.gazetteer import load_gazetteer

TODAY = date(2026, 11, 21)
CATALOG = load_bundled_catalog()
ID_CARD = CATALOG.services["national_id_card"]


def field(fid: str, service: str = "national_id_card") -> Field:
    f = CATALOG.services[service].field(fid)
    assert f is not None
    return f


def check(f: Field, raw: Any, answers: dict[str, Any] | None = None) -> list[Issue]:
    return validate_field(f, normalise(f, raw), answers or {}, today=TODAY)


def codes(f: Field, raw: Any, answers: dict[str, Any] | None = None) -> list[str]:
    return [i.code for i in check(f, raw, answers)]


def test_required_message_tells_what_to_do_in_both_languages() -> None:
    [issue] = check(field("date_of_birth"), None)
    assert issue.field_id == "date_of_birth" and issue.code == "required"
    assert issue.message.en == "Enter your date of birth"
    assert issue.message.km.replace("\u200b", "") == "សូមបញ្ចូលថ្ងៃខែឆ្នាំកំណើតរបស់អ្នក"


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", " \t\n "])
def test_only_spaces_count_as_empty(raw: str) -> None:
    assert codes(field("name_km"), raw) == ["required"]


def test_label_fills_the_message_when_no_error_name() -> None:
    f = Field(id="nick", type=FieldType.TEXT_LATIN, label=Text("ឈ្មោះហៅក្រៅ", "Nickname"))
    [issue] = check(f, "")
    assert issue.message.en == "Enter nickname"
    assert "ឈ្មោះហៅក្រៅ" in issue.message.km and "{label}" not in issue.message.km


# --- Khmer and Latin text ---------------------------------------------------------------


@pytest.mark.parametrize("ok", ["សុខ ដារា", "ស្ត្រី", "ង្ខ្យ", "កើត ឿ ៀ ោ ៅ", "ធម៌", "សុខ\u200bដារា"])
def test_khmer_name_accepts_khmer_script(ok: str) -> None:
    assert codes(field("name_km"), ok) == []


@pytest.mark.parametrize("bad", ["Sok Dara", "សុខ Dara", "១២៣", "សុខ!", "សុខ😀"])
def test_khmer_name_rejects_other_scripts(bad: str) -> None:
    assert codes(field("name_km"), bad) == ["script_km"]


@pytest.mark.parametrize(
    "ok", ["SOK DARA", "Sok-Dara", "O'Neil", "Nguyễn Văn A".replace("ễ", "e").replace("ă", "a")]
)
def test_latin_name_accepts_latin_letters(ok: str) -> None:
    assert codes(field("name_latin"), ok) == []


def test_digits_in_a_latin_name_get_their_own_message() -> None:
    [issue] = check(field("name_latin"), "SOK DARA 2")
    assert issue.code == "latin_digits"
    assert "no numbers" in issue.message.en


def test_khmer_letters_in_a_latin_name_are_refused() -> None:
    assert codes(field("name_latin"), "សុខ") == ["script_latin"]


def test_very_long_text_is_a_length_error_not_a_crash() -> None:
    [issue] = check(field("name_latin"), "A" * 10_000)
    assert issue.code == "too_long"
    assert "100" in issue.message.en and "១០០" in issue.message.km


def test_default_max_length_applies_without_one_in_the_catalog() -> None:
    f = Field(id="x", type=FieldType.TEXT_LATIN, label=Text("ក", "X"))
    assert codes(f, "A" * 201) == ["too_long"] and codes(f, "A" * 200) == []


def test_min_length_and_pattern() -> None:
    f = Field(
        id="code",
        type=FieldType.TEXT_LATIN,
        label=Text("លេខកូដ", "Code"),
        min_length=3,
        pattern="[A-Z]{2}[0-9]{3}",
        pattern_hint=Text("ដូចជា AB123", "Like AB123"),
    )
    assert codes(f, "AB") == ["too_short"]
    [issue] = check(f, "ABC12")
    assert issue.code == "pattern" and "Like AB123" in issue.message.en
    assert codes(f, "AB123") == []


def test_pattern_is_checked_on_whole_value() -> None:
    f = field("old_passport_number", "passport_ordinary")
    assert codes(f, "N01234567") == []
    assert codes(f, "N012345678X") == ["pattern"]


# --- numbers ----------------------------------------------------------------------------


def test_number_range_and_khmer_digits() -> None:
    f = field("copies", "birth_certificate_copy")
    assert normalise(f, "៣") == 3
    assert codes(f, "៣") == []
    assert codes(f, "0") == ["number_min"]
    assert codes(f, 6) == ["number_max"]
    assert codes(f, "three") == ["number"]
    assert codes(f, True) == ["number"]
    assert codes(f, float("nan")) == ["number"]
    assert codes(f, float("inf")) == ["number"]


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2001-03-09", []),
        ("9/3/2001", []),
        ("០៩/០៣/២០០១", []),
        ("2001-02-31", ["date"]),
        ("31/02/2001", ["date"]),
        ("2001-13-01", ["date"]),
        ("yesterday", ["date"]),
        ("2027-01-01", ["date_future"]),
        ("2015-01-01", ["age_min"]),  # the ID card is for people aged 15 or over
        ("1890-01-01", ["age_max"]),
    ],
)
def test_date_of_birth(raw: str, expected: list[str]) -> None:
    assert codes(field("date_of_birth"), raw) == expected


def test_date_is_stored_iso() -> None:
    f = field("date_of_birth")
    assert normalise(f, "9/3/2001") == "2001-03-09"
    assert normalise(f, date(2001, 3, 9)) == "2001-03-09"


def test_age_boundary_is_the_birthday() -> None:
    f = field("date_of_birth")  # minimum age 15
    assert codes(f, "2011-11-21") == []
    assert codes(f, "2011-11-22") == ["age_min"]


def test_future_dates_allowed_without_date_past_only() -> None:
    assert codes(field("start_date", "business_registration"), "2027-01-31") == []


# --- choices ----------------------------------------------------------------------------


def test_choice_must_be_one_of_the_options() -> None:
    f = field("application_type")
    assert codes(f, "renewal") == []
    assert codes(f, "bribe") == ["choice"]
    assert codes(f, None) == ["choose"]


def test_multi_choice_counts_and_values() -> None:
    f = field("purposes", "residence_certificate")
    assert normalise(f, ["job", "job", " bank "]) == ["job", "bank"]
    assert codes(f, ["job", "bank"]) == []
    assert codes(f, []) == ["choose"]
    assert codes(f, ["job", "nope"]) == ["choice"]
    assert codes(f, ["job", "school", "bank", "utility"]) == ["choose_max"]
    assert codes(f, "job") == ["choice"]


def test_yes_no_and_consent() -> None:
    yn = field("wants_sms")
    assert codes(yn, False) == [] and codes(yn, True) == []
    assert codes(yn, None) == ["choose"]
    # A catalog may still have a consent question (the bundled one asks on the kiosk's screen).
    consent = Field(
        "consent", FieldType.CONSENT, Text("ខ្ញុំ​យល់ព្រម", "I agree"), error_name=Text("ក", "x")
    )
    assert codes(consent, True) == []
    [issue] = check(consent, False)
    assert issue.code == "consent" and "I agree" in issue.message.en


# --- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("012 345 678", "+85512345678"),
        ("012-345-678", "+85512345678"),
        ("+855 12 345 678", "+85512345678"),
        ("855 12 345 678", "+85512345678"),
        ("+855 012 345 678", "+85512345678"),
        ("០១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("097 123 4567", "+855971234567"),
        ("023 123 456", "+85523123456"),
    ],
)
def test_cambodian_phone_numbers_are_normalised_and_accepted(raw: str, stored: str) -> None:
    f = field("phone")
    assert normalise(f, raw) == stored
    assert codes(f, raw) == []


@pytest.mark.parametrize(
    "raw", ["12345", "020 123 456", "012 345 67890", "+66 81 234 5678", "phone", "023 123 4567"]
)
def test_bad_phone_numbers_say_what_to_enter(raw: str) -> None:
    [issue] = check(field("phone"), raw)
    assert issue.code == "phone" and "012 345 678" in issue.message.en


def test_phone_required_only_when_sms_wanted() -> None:
    f = field("phone")
    assert codes(f, None, {"wants_sms": False}) == []
    assert codes(f, None, {"wants_sms": True}) == ["required"]


# --- national ID ------------------------------------------------------------------------


def test_national_id_is_nine_digits() -> None:
    f = field("old_id_number")
    assert normalise(f, "0102 030 40") == "010203040"
    assert normalise(f, "០១០២០៣០៤០") == "010203040"
    assert codes(f, "010203040") == []
    for bad in ("01020304", "0102030405", "01020304X"):
        assert codes(f, bad) == ["national_id"]


# --- address ----------------------------------------------------------------------------

GOOD_ADDRESS = {"province": "12", "district": "1201", "commune": "120101", "village": "12010101"}


def test_address_with_a_consistent_parent_chain_is_accepted() -> None:
    assert codes(field("address"), GOOD_ADDRESS) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"village": "99999999"}, "address_invalid"),
        ({"district": "1202"}, "address_invalid"),  # village no longer under this district
        ({"province": "17"}, "address_invalid"),
        ({"village": "120101"}, "address_invalid"),  # a commune code in the village slot
        ({"village": ""}, "address_incomplete"),
        ({"commune": None}, "address_incomplete"),
    ],
)
def test_address_errors(change: dict[str, Any], code: str) -> None:
    assert codes(field("address"), {**GOOD_ADDRESS, **change}) == [code]


def test_address_not_a_dict() -> None:
    assert codes(field("address"), "Phnom Penh") == ["address_incomplete"]


def test_every_village_code_passes_address_validation() -> None:
    g = load_gazetteer()
    f = field("address")
    for province in g.provinces():
        district = g.children(province.code)[0]
        commune = g.children(district.code)[0]
        village = g.children(commune.code)[-1]
        value = {
            "province": province.code,
            "district": district.code,
            "commune": commune.code,
            "village": village.code,
        }
        assert codes(f, value) == [], value


# --- photo and documents ----------------------------------------------------------------


def test_photo_and_document_page_counts() -> None:
    photo = field("face_photo")
    assert codes(photo, 1) == [] and codes(photo, 0) == ["photo"]
    old_card = field("old_card")  # exactly 2 pages (front and back)
    assert codes(old_card, 2) == []
    assert codes(old_card, 1) == ["pages_min"]
    assert codes(old_card, 3) == ["pages_max"]
    assert codes(old_card, None) == ["pages_min"]


def test_optional_document_may_be_missing() -> None:
    assert codes(field("shop_front", "business_registration"), 0) == []


def test_choice_field_built_in_code() -> None:
    f = Field(
        id="colour",
        type=FieldType.CHOICE,
        label=Text("ពណ៌", "Colour"),
        options=(Option("red", Text("ក្រហម", "Red")),),
        required=False,
    )
    assert codes(f, None) == [] and codes(f, "red") == [] and codes(f, "blue") == ["choice"]


def test_address_in_a_commune_without_villages_ends_at_the_commune() -> None:
    f = field("address")
    value = {"province": "10", "district": "1004", "commune": "100409"}
    assert codes(f, value) == []
    assert codes(f, {**GOOD_ADDRESS, "village": None}) == ["address_incomplete"]


def test_address_with_a_reused_mef_village_code() -> None:
    f = field("address")
    base = {"province": "02", "district": "0214", "commune": "021405"}
    assert codes(f, {**base, "village": "02140401-2"}) == []
    assert codes(f, {**base, "village": "02140401"}) == ["address_invalid"]  # that one is 021404's

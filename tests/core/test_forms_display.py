"""How answers read back on the check-your-answers screen, in Khmer and English."""

from __future__ import annotations

from kiosk.catalog import Field, FieldType, Text, load_bundled_catalog
from kiosk.forms import display_value, format_khr
from kiosk.gazetteer import load_gazetteer

CATALOG = load_bundled_catalog()
ID_CARD = CATALOG.services["national_id_card"]
G = load_gazetteer()


def show(fid: str, value: object, locale: str, service: str = "national_id_card") -> str:
    f = CATALOG.services[service].field(fid)
    assert f is not None
    return display_value(f, value, locale, G)


def test_dates_with_month_names_and_khmer_digits() -> None:
    assert show("date_of_birth", "2001-03-09", "en") == "9 March 2001"
    assert show("date_of_birth", "2001-03-09", "km") == "៩ មីនា ២០០១"
    assert show("date_of_birth", "1999-12-31", "km") == "៣១ ធ្នូ ១៩៩៩"


def test_choices_show_their_labels() -> None:
    assert show("sex", "female", "en") == "Female"
    assert show("sex", "female", "km") == "ស្រី"
    purposes = show("purposes", ["job", "bank"], "en", "residence_certificate")
    assert purposes == "A job; A bank or loan"


def test_yes_no_and_consent_in_words() -> None:
    assert show("wants_sms", True, "en") == "Yes"
    assert show("wants_sms", False, "km") == "ទេ"
    # A catalog may still have a consent question (the bundled one asks on the kiosk's screen).
    consent = Field("consent", FieldType.CONSENT, Text("យល់ព្រម", "Agree"))
    assert display_value(consent, True, "en", G) == "Agreed"


def test_address_reads_as_place_names_smallest_first() -> None:
    value = {"province": "12", "district": "1201", "commune": "120101", "village": "12010101"}
    assert show("address", value, "en") == "Phum Muoy, Tonle Basak, Chamkar Mon, Phnom Penh"
    km = show("address", value, "km")
    assert km.endswith("រាជធានីភ្នំពេញ") and "ទន្លេបាសាក់" in km


def test_phone_numbers_and_digits() -> None:
    assert show("phone", "+85512345678", "en") == "012 345 678"
    assert show("phone", "+85512345678", "km") == "០១២ ៣៤៥ ៦៧៨"
    assert show("copies", 2, "km", "birth_certificate_copy") == "២"


def test_empty_answers_read_not_given() -> None:
    assert show("phone", None, "en") == "Not given"
    assert show("phone", "", "km").replace("\u200b", "") == "មិនបានផ្ដល់"


def test_fee_formatting() -> None:
    assert format_khr(400000, "en") == "400,000 riel"
    assert format_khr(400000, "km") == "៤០០.០០០ រៀល"
    assert format_khr(0, "km") == "០ រៀល"

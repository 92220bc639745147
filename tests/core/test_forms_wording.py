"""What the form engine says and counts, as a citizen reads it (issue 11, S2.7/S2.11/S3.15):
singular and plural pages, capitalised messages, an address error naming only what is
missing, a step count that does not jump, optional questions skipped when they no longer
apply, and passport names in capitals with surname and given name."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk import forms
from kiosk.catalog import load_bundled_catalog
from kiosk.gazetteer import load_gazetteer

TODAY = dt.date(2026, 11, 21)


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_bundled_catalog()


def messages(field, value, answers=None):  # type: ignore[no-untyped-def]
    return [
        i.message
        for i in forms.validate_field(
            field, value, answers or {}, today=TODAY, gazetteer=load_gazetteer()
        )
    ]


def test_pages_are_singular_or_plural(catalog) -> None:  # type: ignore[no-untyped-def]
    service = catalog.services["passport_ordinary"]
    one = service.field("family_book")  # min_pages 1
    two = service.field("id_card_copy")  # min_pages 2
    (m1,) = messages(one, 0)
    (m2,) = messages(two, 1)
    assert "page(s)" not in m1.en and "at least one page of" in m1.en
    assert "page(s)" not in m2.en and "at least 2 pages of" in m2.en
    assert forms.display_value(one, 1, "en", load_gazetteer()) == "1 page"
    assert forms.display_value(one, 3, "en", load_gazetteer()) == "3 pages"
    photo = service.field("face_photo")
    assert forms.display_value(photo, 1, "en", load_gazetteer()) == "Photo taken"
    assert forms.display_value(photo, 1, "km", load_gazetteer()) != "១ ទំព័រ"


def test_messages_start_with_a_capital(catalog) -> None:  # type: ignore[no-untyped-def]
    dob = catalog.services["passport_ordinary"].field("date_of_birth")
    (m,) = messages(dob, "2099-01-01")
    assert m.en[0].isupper(), m.en  # was "the date of birth must be in the past…"


def test_address_error_names_only_the_missing_levels(catalog) -> None:  # type: ignore[no-untyped-def]
    gz = load_gazetteer()
    field = catalog.services["passport_ordinary"].field("address")
    commune = {p.level: p.code for p in gz.path("120101")}
    (m,) = messages(field, commune)
    assert m.en == "Choose the village for the current address"
    assert "province" not in m.en and "district" not in m.en and "commune" not in m.en
    assert "ភូមិ" in m.km and "ខេត្ត" not in m.km
    district = {k: v for k, v in commune.items() if k != "commune"}
    (m2,) = messages(field, district)
    assert m2.en == "Choose the commune and village for the current address"
    (m3,) = messages(field, None)
    assert "province, district, commune and village" in m3.en


def test_step_count_does_not_jump_when_a_follow_up_appears(catalog) -> None:  # type: ignore[no-untyped-def]
    service = catalog.services["national_id_card"]
    first = forms.step_position(service, {}, "application_type")
    answers = {"application_type": "renewal"}
    follow_up = forms.step_position(service, answers, "old_id_number")
    after = forms.step_position(service, answers, "name")
    assert first[1] == follow_up[1] == after[1]  # the total stays
    assert follow_up[0] == first[0] and after[0] == first[0] + 1


def test_phone_is_not_asked_after_no_to_sms(catalog) -> None:  # type: ignore[no-untyped-def]
    for service in catalog.services.values():
        phone = service.field("phone")
        assert phone is not None
        shown = {f.id for f in forms.visible_fields(service, {"wants_sms": False})}
        assert "phone" not in shown, service.id
        shown = {f.id for f in forms.visible_fields(service, {"wants_sms": True})}
        assert "phone" in shown, service.id


def test_passport_latin_name_in_capitals_with_surname_and_given_name(catalog) -> None:  # type: ignore[no-untyped-def]
    field = catalog.services["passport_ordinary"].field("name_latin")
    assert forms.normalise(field, "  sok   dara ") == "SOK DARA"
    assert forms.normalise(field, forms.normalise(field, "sok dara")) == "SOK DARA"
    (m,) = messages(field, forms.normalise(field, "sokdara"))
    assert "surname, a space, then the given name" in m.en
    assert messages(field, forms.normalise(field, "sok dara")) == []
    assert "capital" in field.help.en  # says how to write it


def test_child_passport_does_not_say_your_family_book(catalog) -> None:  # type: ignore[no-untyped-def]
    service = catalog.services["passport_ordinary"]
    for f in service.fields:
        for text in (f.help, f.error_name):
            if text is not None:
                assert "your family book" not in text.en, f.id

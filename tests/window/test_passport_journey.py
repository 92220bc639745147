"""The passport application by taps only (issue 11), at every size and in both languages:
the Khmer name on the Khmer keys, the Latin name in capitals on the English keys (Caps once),
the ID number, places from the lists, no old passport, the optional SMS answered "No", the
photo and three papers from the demo camera, check answers, the consent screen with the fee in
view, send, and the confirmation with its application number.

No second taps: each tap is followed by a check that it did what it was for.
"""

from __future__ import annotations

from typing import Any

from tests.window.finger import wait_for
from tests.window.journeys import (
    capture,
    choose,
    choose_place,
    cont,
    field,
    in_view,
    named,
    on_screen,
    tap_next_key,
    tap_to_focus,
)

KM_NAME = "សុខ ដារា"
LATIN_NAME = "SOK DARA"


def test_passport_to_the_application_number_by_taps(running: Any, locale: str) -> None:
    k = running
    f = k.finger
    f.tap(named(k, "attractStart"))
    on_screen(k, "language")
    f.tap(named(k, f"choose_{locale}"))
    on_screen(k, "services")
    f.tap(named(k, "service_passport_ordinary"))
    on_screen(k, "service_detail")
    f.tap(named(k, "startService"))
    on_screen(k, "question", step="applicant")
    choose(k, "applicant", "self")
    name_km = cont(k, "name_km")
    name_latin = field(k, "name_latin")
    tap_to_focus(k, name_km.edit)
    f.type(KM_NAME)
    assert name_km.edit.text() == KM_NAME
    tap_next_key(k, name_latin.edit)
    f.type(LATIN_NAME)  # Caps once, then the capitals and the space
    assert name_latin.edit.text() == LATIN_NAME
    cont(k, "sex")
    choose(k, "sex", "male")
    dob = cont(k, "date_of_birth")
    tap_to_focus(k, dob.boxes["day"])
    f.type("15081988")
    assert [dob.boxes[p].text() for p in ("day", "month", "year")] == ["15", "08", "1988"]
    cont(k, "place_of_birth")
    choose_place(k, "place_of_birth")
    id_number = cont(k, "id_number")
    tap_to_focus(k, id_number.edit)
    wait_for(lambda: in_view(k, id_number.edit), what="the ID number box above the keyboard")
    f.type("123456789")
    cont(k, "address")
    choose_place(k, "address")
    cont(k, "has_old_passport")
    choose(k, "has_old_passport", "no")
    cont(k, "wants_sms")
    choose(k, "wants_sms", "no")  # the optional SMS: no phone question follows
    cont(k, "face_photo")
    capture(k, "face_photo", 1)
    cont(k, "id_card_copy")
    capture(k, "id_card_copy", 2)  # front and back
    cont(k, "birth_certificate")
    capture(k, "birth_certificate", 1)
    cont(k, "family_book")
    capture(k, "family_book", 1)
    f.tap(named(k, "continue"))
    on_screen(k, "check_answers")
    check = k.page()
    wait_for(lambda: not check.issues, what="check answers without problems")
    f.tap(named(k, "checkContinue"))
    on_screen(k, "consent")
    fee = named(k, "consentFeeAmount")
    amount = {"km": "៤០០.០០០", "en": "400,000"}[locale]
    wait_for(lambda: amount in fee.text(), what="the passport's fee")
    assert in_view(k, fee)
    f.tap(named(k, "agreeSubmit"))
    on_screen(k, "confirmation")
    number = named(k, "appNumber")
    session = k.kiosk.ctx.session
    wait_for(lambda: session.receipt is not None and number.text() == session.receipt.app_number)
    assert in_view(k, number)
    answers = session.answers
    assert answers["name_latin"] == LATIN_NAME
    assert answers["id_number"] == "123456789"
    assert answers["wants_sms"] is False and "phone" not in answers

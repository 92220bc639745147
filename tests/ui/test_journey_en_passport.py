"""An English-speaking citizen applies for a passport on the physical keyboard, makes
mistakes on the way (digits in a name, 31 February, a future date, a bad passport number, a
short phone number), corrects each one, and gets a receipt. Errors never clear the typing."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.model import State
from tests.ui.stall import StallMonitor

pytestmark = pytest.mark.qt


def error_of(j: Any, field_id: str) -> str:
    w = j.field(field_id)
    j.qtbot.waitUntil(w.error.isVisible, timeout=2000)
    return str(w.error.text())


def test_english_passport_with_mistakes_corrected(journey: Any, qtbot: Any) -> None:
    j = journey
    stall = StallMonitor()
    j.stall = stall
    stall.start()
    j.start("en")
    j.choose_service("passport_ordinary")
    header = j.find(QLabel, "stepHeader")
    assert header.text().startswith("Step 1 of ")

    j.cont()  # nothing chosen yet
    assert error_of(j, "applicant").startswith("Choose")
    j.choose("applicant", "self")
    j.cont()

    name = j.field("name_latin")
    j.type_into(j.field("name_km").edit, "សុខា")  # on-screen: QTest cannot type Khmer
    j.type_into(name.edit, "Dara 2", keyboard=False)
    j.cont()
    assert "no numbers" in error_of(j, "name_latin")
    assert name.edit.text() == "Dara 2"  # what was typed is still there
    assert j.field("name_km").edit.text() == "សុខា"
    name.edit.clear()
    j.type_into(name.edit, "  Dara   Chan ", keyboard=False)
    j.cont()
    j.choose("sex", "male")
    j.cont()

    j.date("date_of_birth", "31", "02", "1990", keyboard=False)
    j.cont()
    assert error_of(j, "date_of_birth") == (
        "That date does not exist. Check the day, month and year."
    )
    dob = j.field("date_of_birth")
    assert (dob.boxes["day"].text(), dob.boxes["month"].text()) == ("31", "02")
    dob.boxes["year"].clear()
    dob.boxes["day"].clear()
    j.date("date_of_birth", "28", "", "2030", keyboard=False)  # now in the future
    j.cont()
    assert "must be in the past" in error_of(j, "date_of_birth")
    dob.boxes["year"].clear()
    j.type_into(dob.boxes["year"], "1990", keyboard=False)
    j.cont()

    j.address_here("place_of_birth")
    j.cont()
    j.type_into(j.field("id_number").edit, "12345", keyboard=False)
    j.cont()
    assert "9-digit" in error_of(j, "id_number")
    j.type_into(j.field("id_number").edit, "6789", keyboard=False)
    j.cont()
    j.address_here("address")
    j.cont()
    j.choose("has_old_passport", "yes")
    j.cont()
    assert j.step_ids() == ["old_passport_number"]  # the condition added this question
    j.type_into(j.field("old_passport_number").edit, "passport", keyboard=False)
    j.cont()
    assert error_of(j, "old_passport_number").startswith("Check")
    j.field("old_passport_number").edit.clear()
    j.type_into(j.field("old_passport_number").edit, "N1234567", keyboard=False)
    j.cont()
    j.choose("wants_sms", "yes")
    j.cont()
    j.cont()  # phone is required now that SMS was asked for
    assert "phone" in error_of(j, "phone")
    j.type_into(j.field("phone").edit, "012 345", keyboard=False)
    j.cont()
    assert "Cambodian phone number" in error_of(j, "phone")
    j.type_into(j.field("phone").edit, " 678", keyboard=False)
    j.cont()

    j.attach_file("face_photo")
    j.cont()
    j.attach_file("id_card_copy")
    j.attach_file("id_card_copy", "#884400")
    j.cont()
    j.attach_file("birth_certificate")
    j.cont()
    j.attach_file("family_book")
    j.cont()
    j.attach_file("old_passport")
    j.cont()
    j.cont()
    assert error_of(j, "consent").startswith("Tap")
    j.choose("consent", "agree")
    j.cont()

    j.wait_screen("check_answers")
    check = j.w.screens["check_answers"]
    assert not check.issues
    shown = {r.field.id: r.value.text() for r in check.rows}
    assert shown["name_latin"] == "Dara Chan"  # spaces tidied by the form engine
    assert shown["phone"].replace(" ", "").endswith("12345678")
    j.click(j.find(QPushButton, "checkContinue"))
    j.wait_screen("consent")
    j.click(j.find(QPushButton, "agreeSubmit"))
    j.wait_screen("confirmation")
    j.settle()
    stall.stop()
    stall.assert_below(100)

    receipt = j.k.ctx.session.receipt
    reg = j.db(lambda store: store.get(receipt.registration_id))
    assert reg.state is State.SUBMITTED and reg.locale == "en"
    assert reg.answers["name_latin"] == "Dara Chan"
    assert reg.answers["date_of_birth"] == "1990-02-28"
    assert reg.answers["phone"] == "+85512345678"
    assert reg.answers["old_passport_number"] == "N1234567"
    assert reg.fee_khr == 400_000
    fee = [w for w in j.w.screens["confirmation"].findChildren(QLabel) if "400,000" in w.text()]
    assert fee, "the fee is shown on the confirmation"

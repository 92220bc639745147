"""Whole citizen journeys, tapped through a real kiosk by `tests.ui.conftest.Journey`.

One copy, used by the journey tests (which add their checks on what was stored) and by
tests/bench/journey_bench.py (which measures GUI stalls over them), so the benchmark always
drives exactly what the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.model import parse_qr_payload
from kiosk.store import validate_app_number

WAIT_MS = 30_000  # generous (a busy machine): a wait ends as soon as what it waits for is true
LONG_WAIT_MS = 60_000  # background work: images decoded, the QR drawn


@dataclass(frozen=True)
class Submitted:
    """What a journey leaves behind, for the caller's checks on the store."""

    app_number: str
    born: str = ""  # village codes chosen for place of birth and address
    lives: str = ""


def _mark(j: Any, where: str) -> None:
    if j.stall is not None:
        j.stall.mark(where)


def error_of(j: Any, field_id: str) -> str:
    """The error shown under a field (waits for it: validation answers asynchronously)."""
    w = j.field(field_id)
    j.qtbot.waitUntil(w.error.isVisible, timeout=WAIT_MS)
    return str(w.error.text())


def _wait_qr(j: Any) -> QLabel:
    qr: QLabel = j.find(QLabel, "qrCode")
    j.qtbot.waitUntil(
        lambda: qr.pixmap() is not None and not qr.pixmap().isNull(), timeout=LONG_WAIT_MS
    )
    return qr


def km_id_renewal(j: Any) -> Submitted:
    """A Khmer citizen renews their ID card on the on-screen keyboard, with photo and papers,
    up to the confirmation screen (the QR shown, no printer)."""
    _mark(j, "attract → services")
    j.start("km")
    assert j.k.ctx.session.locale == "km"
    _mark(j, "choose service")
    j.choose_service("national_id_card")
    header = j.find(QLabel, "stepHeader")
    assert header.text() == "ជំហាន\u200bទី ១ នៃ ៩"  # before the answer that adds two steps

    j.choose("application_type", "renewal")
    j.cont()
    assert j.step_ids() == ["old_id_number"]
    # renewal adds old ID number + old card: a follow-up shares its step's number, and the
    # total counts only the steps everyone is asked, so it never jumps mid-journey
    assert header.text() == "ជំហាន\u200bទី ១ នៃ ៩"

    old_id = j.field("old_id_number")
    j.type_into(old_id.edit, "012345678")
    assert old_id.edit.text() == "012345678"
    j.cont()

    assert j.step_ids() == ["name_km", "name_latin"]
    j.type_into(j.field("name_km").edit, "សុខ ស្រី")
    j.type_into(j.field("name_latin").edit, "SOK SREY")
    assert j.field("name_km").edit.text() == "សុខ ស្រី"
    j.cont()

    j.choose("sex", "female")
    j.cont()
    j.date("date_of_birth", "07", "03", "1990")
    j.cont()
    born = j.address_here("place_of_birth")
    j.cont()
    lives = j.address_here("address")
    j.cont()
    j.choose("wants_sms", "no")
    j.cont()
    assert j.step_ids() == ["face_photo"]  # no SMS wanted: the phone question is not asked
    j.attach_file("face_photo")
    j.cont()
    j.attach_file("family_book")
    j.cont()
    assert j.step_ids() == ["old_card"]
    j.cont()  # front and back are needed: an error, and we stay
    assert j.step_ids() == ["old_card"]
    j.qtbot.waitUntil(j.field("old_card").error.isVisible, timeout=WAIT_MS)
    j.attach_file("old_card", "#aa3300")
    j.attach_file("old_card", "#0033aa")
    j.cont()  # the last question: the agreement is the consent screen's, after the check

    j.wait_screen("check_answers")
    check = j.nav.screens["check_answers"]
    assert not check.issues
    values = {r.field.id: r.value.text() for r in check.rows}
    assert values["name_km"].replace("\u200b", "") == "សុខ ស្រី"
    assert values["old_id_number"] == "០១២៣៤៥៦៧៨"
    j.qtbot.waitUntil(
        lambda: (
            j.find(QLabel, "thumb_face_photo_0").pixmap() is not None
            and not j.find(QLabel, "thumb_face_photo_0").pixmap().isNull()
        ),
        timeout=LONG_WAIT_MS,
    )
    j.click(j.find(QPushButton, "checkContinue"))
    j.wait_screen("consent")
    j.click(j.find(QPushButton, "agreeSubmit"))
    j.wait_screen("confirmation")

    _mark(j, "confirmation")
    receipt = j.k.ctx.session.receipt
    number = j.find(QLabel, "appNumber").text()
    assert number == receipt.app_number and validate_app_number(number)
    assert number.startswith("120101-")
    qr = _wait_qr(j)
    assert parse_qr_payload(receipt.qr_payload) == (number, receipt.verification_code)
    # no printer configured: the screen says so, and the QR is big enough to photograph
    assert j.find(QLabel, "printState").isVisible()
    assert qr.width() >= 400
    j.settle()
    return Submitted(number, born, lives)


def en_passport(j: Any) -> Submitted:
    """An English speaker applies for a passport on the physical keyboard, makes mistakes (digits
    in a name, 31 February, a future date, a bad passport number, a short phone number) and
    corrects each one; errors never clear the typing. Ends on the confirmation screen."""
    _mark(j, "attract → services")
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
    assert error_of(j, "name_latin").startswith("Check the name in Latin letters")
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

    born = j.address_here("place_of_birth")
    j.cont()
    j.type_into(j.field("id_number").edit, "12345", keyboard=False)
    j.cont()
    assert "9-digit" in error_of(j, "id_number")
    j.type_into(j.field("id_number").edit, "6789", keyboard=False)
    j.cont()
    lives = j.address_here("address")
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

    j.wait_screen("check_answers")
    check = j.nav.screens["check_answers"]
    assert not check.issues
    shown = {r.field.id: r.value.text() for r in check.rows}
    assert shown["name_latin"] == "DARA CHAN"  # spaces tidied, capitals, by the form engine
    assert shown["phone"].replace(" ", "").endswith("12345678")
    j.click(j.find(QPushButton, "checkContinue"))
    j.wait_screen("consent")
    j.click(j.find(QPushButton, "agreeSubmit"))
    j.wait_screen("confirmation")
    _mark(j, "confirmation")
    _wait_qr(j)
    j.settle()
    return Submitted(j.k.ctx.session.receipt.app_number, born, lives)


def finish(j: Any) -> None:
    """Finish on the confirmation screen: back to the attract screen, the session wiped."""
    j.click(j.find(QPushButton, "finish"))
    j.wait_screen("attract")
    assert j.k.ctx.session.receipt is None and j.k.ctx.session.answers == {}

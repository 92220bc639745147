"""A Khmer citizen renews their ID card: attract screen to receipt, typing on the on-screen
keyboard (mouse clicks on its keys), with the event loop never blocked for long."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.model import State, parse_qr_payload
from kiosk.store import validate_app_number
from tests.ui.stall import StallMonitor

pytestmark = pytest.mark.qt
STALL_LIMIT_MS = 100


def test_khmer_id_card_renewal_to_receipt(journey: Any, qtbot: Any) -> None:
    j = journey
    stall = StallMonitor()
    j.stall = stall
    # Measured from here: the first show/polish of the window is excluded (start-up has its
    # own benchmark, tests/bench/startup_bench.py).
    stall.start()
    stall.mark("attract → services")
    j.start("km")
    assert j.k.ctx.session.locale == "km"
    stall.mark("choose service")
    j.choose_service("national_id_card")
    header = j.find(QLabel, "stepHeader")
    assert header.text() == "ជំហាន\u200bទី ១ នៃ ១១"  # before the answer that adds two steps

    stall.mark("application type")
    j.choose("application_type", "renewal")
    j.cont()
    assert j.step_ids() == ["old_id_number"]
    assert header.text() == "ជំហាន\u200bទី ២ នៃ ១៣"  # renewal adds old ID number + old card

    stall.mark("old id number")
    old_id = j.field("old_id_number")
    j.type_into(old_id.edit, "012345678")
    assert old_id.edit.text() == "012345678"
    j.cont()

    stall.mark("names")
    assert j.step_ids() == ["name_km", "name_latin"]
    j.type_into(j.field("name_km").edit, "សុខ ស្រី")
    j.type_into(j.field("name_latin").edit, "SOK SREY")
    assert j.field("name_km").edit.text() == "សុខ ស្រី"
    j.cont()

    j.choose("sex", "female")
    j.cont()
    stall.mark("date of birth")
    j.date("date_of_birth", "07", "03", "1990")
    j.cont()
    stall.mark("addresses")
    born = j.address_here("place_of_birth")
    j.cont()
    lives = j.address_here("address")
    j.cont()
    j.choose("wants_sms", "no")
    j.cont()
    assert j.step_ids() == ["phone"]  # optional when no SMS is wanted: Continue with nothing
    j.cont()

    stall.mark("photo and papers")
    assert j.step_ids() == ["face_photo"]
    j.attach_file("face_photo")
    j.cont()
    j.attach_file("family_book")
    j.cont()
    assert j.step_ids() == ["old_card"]
    j.cont()  # front and back are needed: an error, and we stay
    assert j.step_ids() == ["old_card"]
    qtbot.waitUntil(j.field("old_card").error.isVisible, timeout=2000)
    j.attach_file("old_card", "#aa3300")
    j.attach_file("old_card", "#0033aa")
    j.cont()
    j.choose("consent", "agree")
    j.cont()

    stall.mark("check answers")
    j.wait_screen("check_answers")
    check = j.w.screens["check_answers"]
    assert not check.issues
    values = {r.field.id: r.value.text() for r in check.rows}
    assert values["name_km"].replace("\u200b", "") == "សុខ ស្រី"
    assert values["old_id_number"] == "០១២៣៤៥៦៧៨"
    j.qtbot.waitUntil(
        lambda: (
            j.find(QLabel, "thumb_face_photo_0").pixmap() is not None
            and not j.find(QLabel, "thumb_face_photo_0").pixmap().isNull()
        )
    )
    j.click(j.find(QPushButton, "checkContinue"))
    j.wait_screen("consent")
    stall.mark("submit")
    j.click(j.find(QPushButton, "agreeSubmit"))
    j.wait_screen("confirmation")

    stall.mark("confirmation")
    receipt = j.k.ctx.session.receipt
    number = j.find(QLabel, "appNumber").text()
    assert number == receipt.app_number and validate_app_number(number)
    assert number.startswith("120101-")
    qr = j.find(QLabel, "qrCode")
    j.qtbot.waitUntil(lambda: qr.pixmap() is not None and not qr.pixmap().isNull())
    assert parse_qr_payload(receipt.qr_payload) == (number, receipt.verification_code)
    # no printer configured: the screen says so, and the QR is big enough to photograph
    assert j.find(QLabel, "printState").isVisible()
    assert qr.width() >= 400
    j.settle()
    stall.stop()
    stall.assert_below(STALL_LIMIT_MS)

    reg = j.db(lambda store: store.by_app_number(number))
    assert reg.state is State.SUBMITTED
    assert reg.locale == "km"
    assert reg.answers["name_km"] == "សុខ ស្រី"
    assert reg.answers["date_of_birth"] == "1990-03-07"
    assert reg.answers["address"]["village"] == lives
    assert reg.answers["place_of_birth"]["village"] == born
    assert "phone" not in reg.answers
    assert sorted((a.field_id, a.page) for a in reg.attachments) == [
        ("face_photo", 0),
        ("family_book", 0),
        ("old_card", 0),
        ("old_card", 1),
    ]
    assert j.db(lambda store: store.list_by_state(State.DRAFT)) == []

    j.click(j.find(QPushButton, "finish"))
    j.wait_screen("attract")
    assert j.k.ctx.session.receipt is None and j.k.ctx.session.answers == {}

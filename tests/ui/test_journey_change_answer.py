"""Check your answers → Change → the question, edited → straight back to check your answers;
a change that reveals a new question asks it first. Retake goes to the photo step."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk import forms
from kiosk.model import Attachment
from tests.ui.conftest import Journey, jpeg_bytes, valid_answers

pytestmark = pytest.mark.qt


def at_check(j: Journey, service_id: str) -> Any:
    service = j.k.ctx.catalog.services[service_id]
    j.start("en")
    j.citizen.start_service(service)
    s = j.k.ctx.session
    s.answers = valid_answers(service, j.k.ctx.gazetteer, "120101")
    for f in forms.visible_fields(service, s.answers):
        if str(f.type) in ("photo", "document"):
            for page in range(max(1, f.min_pages)):
                ref = j.db(lambda store: store.add_media(jpeg_bytes(), "image/jpeg"))
                kind = "photo" if str(f.type) == "photo" else "document"
                s.attachments.append(Attachment(f.id, kind, ref, page))
    j.nav.go("check_answers")
    return j.nav.screens["check_answers"]


def test_change_returns_to_check_answers(journey: Journey) -> None:
    j = journey
    check = at_check(j, "residence_certificate")
    j.click(j.find(QPushButton, "change_name_latin"))
    j.wait_screen("question")
    assert j.step_ids() == ["name_km", "name_latin"]
    assert j.field("name_latin").edit.text() == "SOK"  # the answer is there to edit
    assert j.find(QPushButton, "continue").text() == "Save and go back to check"
    j.field("name_latin").edit.clear()
    j.type_into(j.field("name_latin").edit, "SOK DARA", keyboard=False)
    j.cont()
    j.wait_screen("check_answers")
    values = {r.field.id: r.value.text() for r in check.rows}
    assert values["name_latin"] == "SOK DARA"
    assert j.k.ctx.session.answers["name_latin"] == "SOK DARA"


def test_a_change_that_reveals_a_question_asks_it_first(journey: Journey) -> None:
    j = journey
    at_check(j, "residence_certificate")
    j.click(j.find(QPushButton, "change_wants_sms"))
    j.wait_screen("question")
    j.choose("wants_sms", "yes")  # now the phone number is required
    j.cont()
    assert j.screen == "question" and j.step_ids() == ["phone"]
    j.type_into(j.field("phone").edit, "012345678", keyboard=False)
    j.cont()
    j.wait_screen("check_answers")
    assert j.k.ctx.session.answers["phone"] == "+85512345678"


def test_retake_opens_the_photo_step_with_the_thumbnail_shown(journey: Journey, qtbot: Any) -> None:
    j = journey
    check = at_check(j, "residence_certificate")
    row = next(r for r in check.rows if r.field.id == "face_photo")
    qtbot.waitUntil(
        lambda: (
            row.thumbs.count() > 0
            and row.thumbs.itemAt(0).widget() is not None
            and not row.thumbs.itemAt(0).widget().pixmap().isNull()
        )
    )
    retake = j.find(QPushButton, "change_face_photo")
    assert retake.text() == "Retake"
    j.click(retake)
    j.wait_screen("question")
    assert j.step_ids() == ["face_photo"]
    j.back()  # Back from a Change goes to check your answers, nothing lost
    j.wait_screen("check_answers")
    assert len(j.k.ctx.session.attachments_for("face_photo")) == 1

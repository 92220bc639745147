"""What check-your-answers and the top bar say (issue 11, S3.15): "Photo taken" and "1 page"
rather than "1 page(s)", back at the changed row after a Change, and a sync badge that looks
like a status, not a button."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton

from tests.ui.conftest import Journey, jpeg_bytes, valid_answers

pytestmark = pytest.mark.qt


def to_check(j: Journey, service_id: str = "residence_certificate") -> None:
    from kiosk import forms
    from kiosk.model import Attachment

    service = j.k.ctx.catalog.services[service_id]
    j.start("en")
    j.citizen.start_service(service)
    s = j.k.ctx.session
    s.answers = valid_answers(service, j.k.ctx.gazetteer, "120101")
    for f in forms.visible_fields(service, s.answers):
        if str(f.type) in ("photo", "document"):
            ref = j.db(lambda store: store.add_media(jpeg_bytes(), "image/jpeg"))
            kind = "photo" if str(f.type) == "photo" else "document"
            s.attachments.append(Attachment(f.id, kind, ref, 0))
    j.nav.go("check_answers")


def test_photo_and_pages_read_naturally(journey: Journey) -> None:
    j = journey
    to_check(j)
    assert j.find(QLabel, "value_face_photo").text() == "Photo taken"
    assert j.find(QLabel, "value_residence_book").text() == "1 page"


def test_change_returns_to_the_changed_row(journey: Journey, qtbot: Any) -> None:
    j = journey
    to_check(j)
    j.click(j.find(QPushButton, "change_copies"))  # a row far down the list
    j.wait_screen("question")
    j.cont()
    j.wait_screen("check_answers")
    screen = j.nav.screens["check_answers"]
    row = next(r for r in screen.rows if r.field.id == "copies")
    area = screen.scroll_area

    def row_on_screen() -> bool:
        y = row.mapTo(area.viewport(), row.rect().topLeft()).y()
        return 0 <= y < area.viewport().height() - 40

    qtbot.waitUntil(row_on_screen, timeout=3000)
    assert area.verticalScrollBar().value() > 0  # not back at the top


def test_sync_badge_is_a_status_not_a_pill(kiosk: Any, qtbot: Any) -> None:
    badge = kiosk.window.findChild(QLabel, "onlineBadge")
    badge.set_state("online", 0, "en")
    qtbot.waitUntil(badge.isVisible)
    image = badge.grab().toImage()
    middle = QColor(image.pixel(image.width() // 2, image.height() // 2))
    # the middle of the badge is the bar's own black, not a filled green button
    assert middle.red() < 40 and middle.green() < 40 and middle.blue() < 40, middle.name()
    from PySide6.QtCore import Qt

    assert badge.focusPolicy() == Qt.FocusPolicy.NoFocus

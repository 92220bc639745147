"""Signing out while the station's home shows, then in again (issue 12): the home screen's
"More" and "Clear search" buttons and its pooled rows outlive a sign-out, so the next clerk's
home and a language switch there touch no deleted widget (pytest-qt fails the test on an
exception in a Qt callback), and the next clerk sees none of the last one's rows."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_signin_support import Desk

pytestmark = pytest.mark.qt


def submit_many(desk: Desk, n: int, service_id: str = "national_id_card") -> list[str]:
    """`n` citizens' applications through the real store, in one db job (one real JPEG
    shared by all their photos and pages); returns their application numbers."""
    from kiosk import forms
    from kiosk.model import Attachment
    from tests.ui.conftest import jpeg_bytes, valid_answers

    ctx = desk.k.ctx
    service = ctx.catalog.services[service_id]
    given = valid_answers(service, ctx.gazetteer, "120101")
    media = [
        f for f in forms.visible_fields(service, given) if str(f.type) in ("photo", "document")
    ]

    def job(store: Any) -> list[str]:
        ref = store.add_media(jpeg_bytes(), "image/jpeg")
        numbers = []
        for i in range(n):
            draft = store.create_draft(service.id, service.version, "km")
            atts = [
                Attachment(f.id, "photo" if str(f.type) == "photo" else "document", ref, page)  # type: ignore[arg-type]
                for f in media
                for page in range(max(1, f.min_pages))
            ]
            answers = {**given, "name_latin": f"CITIZEN NUMBER {i}"}
            receipt = store.submit(
                draft.id,
                answers,
                atts,
                fee_khr=service.fee_khr,
                processing_days=service.processing_days,
                service=service,
            )
            numbers.append(receipt.app_number)
        return numbers

    result: list[str] = desk.db(job)
    return result


def test_sign_out_on_home_then_in_again_and_switch_language(kiosk: Any, qtbot: Any) -> None:
    from ui.clerk.home import PAGE

    desk = Desk(kiosk, qtbot, manual_clock=False)
    numbers = submit_many(desk, PAGE + 2)  # a full page: "More" shows under the list
    desk.sign_in()
    home = desk.page("clerk_home")
    qtbot.waitUntil(lambda: len(home.cards) == PAGE, timeout=LONG_WAIT_MS)
    qtbot.waitUntil(home.more.isVisible, timeout=LONG_WAIT_MS)
    # a search shows "Clear search" in the list too
    home.search_box.setText(numbers[0])
    desk.tap(home.search_button)
    qtbot.waitUntil(lambda: home.searching == numbers[0] and len(home.cards) == 1)
    desk.tap(home.clear_search)
    qtbot.waitUntil(lambda: not home.searching and len(home.cards) == PAGE, timeout=LONG_WAIT_MS)

    desk.tap(home.sign_out)
    assert desk.screen == "attract" and desk.clerk.session is None
    assert home.cards == [] and home.rows == []
    assert not any(c.isVisible() or c.reg_id or c.lines for c in home.pool)  # nobody's data
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what sign-out let go
    desk.settle()

    desk.sign_in()  # the home screen again: enter() retranslates it
    qtbot.waitUntil(lambda: len(home.cards) == PAGE, timeout=LONG_WAIT_MS)
    desk.tap(kiosk.window.toggle)  # the language switch, from the top bar
    assert kiosk.ctx.session.locale == "en"
    assert home.more.text() == home.tr("clerk.ui.home.more") and home.more.isVisible()
    assert home.sign_out.text() == home.tr("clerk.ui.home.sign_out")
    qtbot.waitUntil(lambda: len(home.cards) == PAGE)  # refilled in English, a slice a turn
    assert [c.shows for c in home.cards] == [(r, "en") for r in home.rows]
    assert len({c.reg_id for c in home.cards}) == PAGE
    desk.tap(home.sign_out)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    desk.settle()
    assert desk.screen == "attract" and home.cards == []

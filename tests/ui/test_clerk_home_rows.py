"""The station home's rows (issue 12): one painted card per application, from a pool made
ahead and refilled for each list or search (never rebuilt), spare cards hidden and holding
nobody's data; a card shows its lines in the stylesheet's card look, the officer's note wraps,
and a tap opens the row it shows now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_signin_support import Desk, submit_application

pytestmark = pytest.mark.qt

NOTE = "Please bring the original birth certificate and the family book of both parents " * 2


def _row(note: str | None = None) -> Any:
    from kiosk.clerk import QueueRow

    return QueueRow(
        reg_id="reg-1",
        app_number="120101-000123-1",
        service_id="national_id_card",
        name="SOK SREYPOV",
        submitted_at=datetime(2026, 11, 21, 3, 30, tzinfo=UTC),
        status="needs_papers",
        sync_state="sent",
        note=note,
    )


def test_a_card_paints_its_row_and_the_note_wraps(kiosk_app: Any, qtbot: Any) -> None:
    from kiosk.catalog import load_bundled_catalog
    from ui.clerk.rows import QueueRowCard, RowLook

    host = QWidget()
    qtbot.addWidget(host)
    box = QVBoxLayout(host)
    look = RowLook(host)
    card = QueueRowCard(look, host)
    box.addWidget(card)
    catalog = load_bundled_catalog()
    card.show_row(_row(), "en", catalog)
    service = catalog.services["national_id_card"].name.get("en")
    assert [text for _role, text in card.lines] == [
        "SOK SREYPOV",
        f"120101-000123-1 · {service}",
        card.lines[2][1],
    ]
    assert card.objectName() == "row_120101-000123-1" and "Sok" not in card.lines[2][1]
    plain = card.heightForWidth(1200)
    host.resize(900, card.sizeHint().height() + 40)
    host.show()
    qtbot.waitExposed(host)
    image = card.grab().toImage()
    title = look.colours["card_title"]
    top = card.contentsRect().top() + card.PAD_Y + look.metrics["card_title"].height() // 2
    row_colours = {QColor(image.pixel(x, top)).name() for x in range(image.width())}
    assert title.name() in row_colours  # the name is painted, in the title's colour

    long_name = replace(_row(), name="សុខ ស្រីពៅ " * 8)  # a long line wraps, never cut
    card.show_row(long_name, "km", catalog)
    assert card.heightForWidth(400) > card.heightForWidth(2000)
    card.show_row(_row(NOTE), "en", catalog)  # the officer's note wraps: narrower is taller
    assert card.note.startswith("Officer's note: Please bring")
    assert card.heightForWidth(500) > card.heightForWidth(1200) > plain

    with qtbot.waitSignal(card.clicked) as tapped:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(30, 20))
    assert tapped.args == ["reg-1"]
    card.clear()
    assert card.lines == [] and card.note == "" and card.objectName() == ""
    with qtbot.assertNotEmitted(card.clicked):
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(30, 20))


def test_lists_and_searches_refill_the_same_cards(kiosk: Any, qtbot: Any) -> None:
    from ui.clerk.home import PAGE

    desk = Desk(kiosk, qtbot, manual_clock=False)
    receipts = [
        submit_application(desk, name_km="សុខ ស្រីពៅ", name_latin="SOK SREYPOV"),
        submit_application(
            desk, "birth_certificate_copy", name_km="កែវ ណារី", name_latin="KEO NARY"
        ),
        submit_application(desk, name_km="ចាន់ ដារា", name_latin="CHAN DARA"),
    ]
    desk.sign_in()
    home = desk.page("clerk_home")
    qtbot.waitUntil(lambda: len(home.cards) == 2, timeout=LONG_WAIT_MS)  # originals first
    qtbot.waitUntil(lambda: len(home.pool) >= PAGE, timeout=LONG_WAIT_MS)  # made ahead
    pool = list(home.pool)
    desk.tap(home.chip["today"])
    qtbot.waitUntil(lambda: home.queue_name == "today" and len(home.cards) == 3)
    assert home.cards == pool[:3] and home.pool == pool  # refilled, none made or deleted
    assert [c.reg_id for c in home.cards] == [r.reg_id for r in home.rows]
    assert all(c.isVisible() for c in home.cards)
    assert not any(c.isVisible() or c.reg_id or c.lines for c in pool[3:])
    # a tap opens the row the card shows now, not the one it showed before
    desk.tap(home.cards[2])
    desk.wait_screen("clerk_application")
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=LONG_WAIT_MS)
    assert app.view.reg_id == home.rows[2].reg_id == receipts[0].registration_id
    desk.tap(app.back)
    desk.wait_screen("clerk_home")

    home.search_box.setText("nobody-at-all")
    desk.tap(home.search_button)
    qtbot.waitUntil(lambda: home.searching == "nobody-at-all")
    assert home.cards == [] and home.pool == pool
    assert not any(c.isVisible() or c.reg_id or c.lines for c in pool)
    assert home.clear_search.isVisible() and not home.more.isVisible()

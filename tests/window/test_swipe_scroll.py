"""S1.3: a finger drag scrolls the page and the village list; a tap still clicks.

Before the fix only the scrollbar and a mouse wheel scrolled: a drag on the content did
nothing (or, starting on a card, opened it).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import global_rect, named, on_screen

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


def _settled(viewport: Any) -> bool:
    from PySide6.QtWidgets import QScroller

    return (
        not QScroller.hasScroller(viewport)
        or QScroller.scroller(viewport).state() == QScroller.State.Inactive
    )


@SMALL
def test_a_drag_scrolls_the_services_and_a_tap_still_opens_one(running: Any, locale: str) -> None:
    k = running
    f = k.finger
    f.tap(named(k, "attractStart"))
    on_screen(k, "language")
    f.tap(named(k, f"choose_{locale}"))
    on_screen(k, "services")
    area = k.page().scroll_area
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0, "the services fit: nothing to scroll at this size"
    assert bar.value() == 0
    view = global_rect(area.viewport())
    start = view.center()
    f.drag(start.x(), start.y() + view.height() // 4, 0, -view.height() // 2)  # finger moves up
    wait_for(lambda: bar.value() > 0, what="the page to scroll")
    wait_for(lambda: _settled(area.viewport()), what="the scroll to settle")
    assert k.screen_name() == "services", "a drag that began on a card opened it"
    moved = bar.value()
    f.drag(start.x(), start.y() - view.height() // 4, 0, view.height() // 2)  # and back down
    wait_for(lambda: bar.value() < moved, what="the page to scroll back")
    wait_for(lambda: _settled(area.viewport()), what="the scroll to settle")
    last = k.page().cards[-1]
    f.tap(last)  # swiped into view if needed, then one tap
    on_screen(k, "service_detail")
    assert k.page().service.id == last.service_id


@SMALL
def test_a_drag_on_the_place_list_scrolls_and_a_tap_chooses(running: Any, locale: str) -> None:
    """The list of provinces is long: a drag that starts on its rows scrolls the page
    without choosing one, and a tap on a row then chooses that row, in one tap."""
    from PySide6.QtCore import Qt

    from tests.window.journeys import to_service

    k = running
    f = k.finger
    to_service(k, locale)
    k.kiosk.citizen.go("question", step_id="place_of_birth")  # set-up: skip the name and date
    on_screen(k, "question", step="place_of_birth")
    field = k.page().widgets[0]
    lst = field.list
    f.tap(named(k, "crumb_place_of_birth_province"))  # choose again from the 25 provinces
    wait_for(lambda: lst.isVisible() and lst.count() > 20, what="the provinces")
    area = k.page().scroll_area
    bar = area.verticalScrollBar()
    wait_for(lambda: _settled(area.viewport()), what="the page to settle")
    before_value, before_codes = bar.value(), dict(field.codes)
    view = global_rect(area.viewport()).intersected(global_rect(lst))
    mid = view.center()
    f.drag(mid.x(), mid.y() + view.height() // 4, 0, -view.height() // 2)
    wait_for(lambda: bar.value() > before_value, what="the page to scroll under the finger")
    wait_for(lambda: _settled(area.viewport()), what="the page to settle")
    assert field.codes == before_codes, "a drag chose a place"
    view = global_rect(area.viewport()).intersected(global_rect(lst))
    local = lst.viewport().mapFromGlobal(view.center())
    item = lst.itemAt(local)
    assert item is not None
    code = item.data(Qt.ItemDataRole.UserRole)
    centre = lst.viewport().mapToGlobal(lst.visualItemRect(item).center())
    f.tap_at(centre.x(), centre.y())
    wait_for(lambda: field.codes.get("province") == code, what="the tapped province, chosen")

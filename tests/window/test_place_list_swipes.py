"""The place list on the portrait kiosk (1080x1920): a swipe that starts on its rows, quick
or slow or after a held finger, scrolls the page and neither chooses a place nor rebuilds the
list under the finger; a tap then chooses the row under it, in one tap.

(The journeys once lost a list row between finding it and tapping it at this size; the
widget rebuilds its list only on a choice, a "change" crumb, "same as", a search or the
language, so a swipe must cause none of them.)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import count_rebuilds, global_rect, named, on_screen, to_service

PORTRAIT = pytest.mark.parametrize("size", [(1080, 1920)], ids=["1080x1920"])
PACES = {  # (steps, ms per step, ms held before moving)
    "quick": (4, 25, 60),
    "slow": (24, 45, 60),
    "held": (10, 25, 600),
}


def _settled(viewport: Any) -> bool:
    from PySide6.QtWidgets import QScroller

    return (
        not QScroller.hasScroller(viewport)
        or QScroller.scroller(viewport).state() == QScroller.State.Inactive
    )


@PORTRAIT
def test_swipes_on_the_place_rows_scroll_and_a_tap_chooses(running: Any, locale: str) -> None:
    from PySide6.QtCore import Qt

    k = running
    f = k.finger
    to_service(k, locale)
    k.kiosk.citizen.go("question", step_id="place_of_birth")  # set-up: skip name and date
    on_screen(k, "question", step="place_of_birth")
    field = k.page().widgets[0]
    lst = field.list
    f.tap(named(k, f"crumb_{field.field.id}_province"))  # the 25 provinces: a long list
    wait_for(lambda: lst.isVisible() and lst.count() > 20, what="the provinces")
    rebuilt = count_rebuilds(lst)
    area = k.page().scroll_area
    bar = area.verticalScrollBar()
    codes = dict(field.codes)
    for pace, (steps, step_ms, hold_ms) in PACES.items():
        for up in (True, False):
            wait_for(lambda: _settled(area.viewport()), what="the page to settle")
            view = global_rect(area.viewport()).intersected(global_rect(lst))
            third = view.height() // 3
            start = view.center()
            y = start.y() + (third // 2 if up else -third // 2)
            value = bar.value()
            f.drag(
                start.x(), y, 0, -third if up else third, steps, hold_ms=hold_ms, step_ms=step_ms
            )
            wait_for(lambda: _settled(area.viewport()), what="the page to settle")
            moved = bar.value() > value if up else bar.value() < value
            assert moved or (not up and value == 0), f"a {pace} swipe did not scroll"
            assert field.codes == codes and not rebuilt, f"a {pace} swipe chose {field.codes}"
    view = global_rect(area.viewport()).intersected(global_rect(lst))
    item = lst.itemAt(lst.viewport().mapFromGlobal(view.center()))
    assert item is not None
    code = item.data(Qt.ItemDataRole.UserRole)
    centre = lst.viewport().mapToGlobal(lst.visualItemRect(item).center())
    f.tap_at(centre.x(), centre.y())
    wait_for(lambda: field.codes.get("province") == code, what="the tapped province, chosen")
    assert len(rebuilt) == 1  # the choice: the province's districts now

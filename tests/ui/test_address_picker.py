"""The address picker (issue 11, S2.7): a search hint per level, an error naming only what is
missing, a list as tall as its items that is scrolled into view, and "Same as <the earlier
address question>"."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def to_step(j: Journey, service_id: str, step_id: str, locale: str = "en") -> None:
    j.start(locale)
    j.choose_service(service_id)
    j.nav.go("question", step_id=step_id)
    j.qtbot.waitUntil(lambda: j.question.step is not None and j.question.step.id == step_id)


def test_search_hint_follows_the_level(journey: Journey) -> None:
    j = journey
    to_step(j, "residence_certificate", "address")
    w = j.field("address")
    assert w.search.placeholderText() == "Search for a village"  # starts at this commune
    j.click(j.find(QPushButton, "crumb_address_district"))
    assert w.search.placeholderText() == "Search for a district"
    j.click(j.find(QPushButton, "crumb_address_province"))
    assert w.search.placeholderText() == "Search for a province"
    j.click(j.find(QPushButton, "languageToggle"))
    assert "ខេត្ត" in w.search.placeholderText() and "ភូមិ" not in w.search.placeholderText()


def test_error_names_only_the_village(journey: Journey) -> None:
    j = journey
    to_step(j, "residence_certificate", "address")
    j.cont()  # the commune is set (the kiosk's own), the village is not
    w = j.field("address")
    j.qtbot.waitUntil(w.error.isVisible, timeout=5000)
    assert w.error.text() == "Choose the village for your address"


def test_list_is_not_a_box_in_a_box_and_new_list_is_scrolled_into_view(
    make_kiosk: Any, qtbot: Any, tmp_path: Any
) -> None:
    j = Journey(make_kiosk(size=(1366, 768)), qtbot, tmp_path)
    to_step(j, "residence_certificate", "address")
    w = j.field("address")
    j.click(j.find(QPushButton, "crumb_address_province"))
    qtbot.waitUntil(lambda: w.list.count() > 20)
    # every province is laid out at full height: the page scrolls, not a small inner box
    assert w.list.verticalScrollBar().maximum() == 0
    assert w.list.height() >= sum(w.list.sizeHintForRow(i) for i in range(w.list.count()))
    bar = j.question.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())  # the citizen scrolled down to a province near the end
    item = w.list.item(w.list.count() - 1)
    w.list.scrollToItem(item)
    j.tap(w.list.viewport(), pos=w.list.visualItemRect(item).center())
    qtbot.waitUntil(lambda: "province" in w.codes)
    # the district list begins on screen, with its heading at the top of the page
    area = j.question.scroll_area
    qtbot.waitUntil(
        lambda: (
            0
            <= w.level_label.mapTo(area.viewport(), w.level_label.rect().topLeft()).y()
            < area.viewport().height() // 2
        ),
        timeout=3000,
    )


def test_same_as_place_of_birth(journey: Journey) -> None:
    j = journey
    to_step(j, "passport_ordinary", "place_of_birth")
    born = j.address_here("place_of_birth")
    j.cont()
    assert j.step_ids() == ["address"]
    same = j.field("address").same
    j.qtbot.waitUntil(same.isVisible, timeout=3000)
    assert same.text() == "Same as Place of birth"
    j.click(same)
    assert j.field("address").codes["village"] == born
    assert not same.isVisible()  # already the same: nothing more to offer
    j.cont()
    assert j.k.ctx.session.answers["address"]["village"] == born

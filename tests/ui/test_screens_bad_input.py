"""Bad input gets a clear message in the citizen's language, and nothing typed or saved is
lost: control characters, 10,000 characters, only spaces, digits in a name, a place code that
is not in the gazetteer, and a catalog field type this UI does not know."""

from __future__ import annotations

import copy
import json
import logging
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def paste(j: Journey, edit: Any, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    j.click(edit)
    edit.setFocus()
    edit.paste()


def at_names(j: Journey, locale: str = "en") -> None:
    j.start(locale)
    j.choose_service("residence_certificate")
    assert j.step_ids() == ["name_km", "name_latin"]


def test_pasted_control_characters_are_stripped(journey: Journey) -> None:
    j = journey
    at_names(j)
    paste(j, j.field("name_km").edit, "សុខ\u200b\x00\x07")
    paste(j, j.field("name_latin").edit, "SOK\tDARA\x1b\x7f\r\n")
    j.cont()
    assert j.step_ids() == ["sex"], "control characters are cleaned, not an error"
    answers = j.k.ctx.session.answers
    assert answers["name_km"] == "សុខ"
    assert answers["name_latin"] == "SOK DARA"


def test_ten_thousand_characters_are_kept_and_refused_plainly(journey: Journey, qtbot: Any) -> None:
    j = journey
    at_names(j)
    long = "A" * 10_000
    j.type_into(j.field("name_km").edit, "សុខ")
    paste(j, j.field("name_latin").edit, long)
    j.cont()
    w = j.field("name_latin")
    qtbot.waitUntil(w.error.isVisible)
    assert "Shorten" in w.error.text() and "100" in w.error.text()
    assert w.edit.text() == long  # nothing cut silently
    assert "name_latin" not in j.k.ctx.session.answers
    # the error fits on screen: the label wraps and is not wider than the window
    assert w.error.width() <= j.w.width()


def test_only_spaces_is_no_answer(journey: Journey, qtbot: Any) -> None:
    j = journey
    at_names(j, "km")
    j.type_into(j.field("name_km").edit, "   ")
    paste(j, j.field("name_latin").edit, "     ")
    j.cont()
    for fid in ("name_km", "name_latin"):
        w = j.field(fid)
        qtbot.waitUntil(w.error.isVisible)
        assert w.error.text()  # in Khmer: "enter …"
    assert j.field("name_km").edit.text() == "   "


def test_digits_in_a_name(journey: Journey, qtbot: Any) -> None:
    j = journey
    at_names(j)
    j.type_into(j.field("name_km").edit, "សុខ")
    j.type_into(j.field("name_latin").edit, "S0K", keyboard=False)
    j.cont()
    w = j.field("name_latin")
    qtbot.waitUntil(w.error.isVisible)
    assert "no numbers" in w.error.text()
    assert not j.field("name_km").error.isVisible()  # only the wrong answer is marked
    assert w.edit.text() == "S0K"


def test_address_code_not_in_the_gazetteer(journey: Journey, qtbot: Any) -> None:
    j = journey
    at_names(j)
    s = j.k.ctx.session
    s.answers["address"] = {
        "province": "99",
        "district": "9999",
        "commune": "999999",
        "village": "99999999",
    }  # e.g. a draft from an older gazetteer
    j.nav.go("question", step_id="address")
    w = j.field("address")
    qtbot.waitUntil(w.error.isVisible)
    assert w.error.text() == "That place is not in the list. Choose it again from the lists."
    assert w.codes.get("commune") == "120101"  # the lists start at this commune again
    village = j.address_here("address")
    j.cont()
    assert s.answers["address"]["village"] == village
    assert j.step_ids() != ["address"]


def test_address_search_finds_a_village_elsewhere(journey: Journey, qtbot: Any) -> None:
    j = journey
    at_names(j)
    j.nav.go("question", step_id="address")
    w = j.field("address")
    gz = j.k.ctx.gazetteer
    far = next(p for p in gz.children(gz.provinces()[-1].code))  # another province's district
    target = gz.children(gz.children(far.code)[0].code)[0]
    j.type_into(w.search, target.name.en, keyboard=False)
    qtbot.waitUntil(lambda: w.list.count() > 0)
    assert w.choose(target.code)
    assert w.codes["village"] == target.code and w.codes["province"] == gz.provinces()[-1].code


def test_unknown_field_type_hides_the_service_and_the_kiosk_keeps_working(
    make_kiosk: Any, qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk.catalog import CatalogManager

    raw = json.loads((resources.files("assets") / "catalog" / "services.json").read_text("utf-8"))
    odd = copy.deepcopy(raw["services"][0])
    odd["id"] = "fingerprint_service"
    odd["fields"][0] = {**odd["fields"][0], "type": "fingerprint"}
    raw["services"].append(odd)
    raw["version"] = raw["version"] + "-test"
    data_dir = tmp_path / "data"
    CatalogManager(data_dir).install(json.dumps(raw).encode())

    with caplog.at_level(logging.WARNING):
        j = Journey(make_kiosk(data_dir=data_dir), qtbot, tmp_path)
    assert "fingerprint_service" in j.k.ctx.catalog.hidden
    assert any("fingerprint_service" in r.getMessage() for r in caplog.records)
    j.start("en")
    shown = [c.service_id for c in j.nav.screens["services"].cards]
    assert "fingerprint_service" not in shown and len(shown) == len(raw["services"]) - 1
    j.choose_service(shown[0])  # the others still work
    assert j.find(QLabel, "stepHeader").text().startswith("Step 1 of")


def test_status_check_with_a_bad_or_unknown_number(journey: Journey) -> None:
    j = journey
    j.start("en")
    j.click(j.find(QPushButton, "checkStatus"))
    j.wait_screen("status_check")
    screen = j.nav.screens["status_check"]
    j.type_into(screen.edit, "hello", keyboard=False)
    j.click(j.find(QPushButton, "statusCheck"))
    assert "for example" in screen.error.text()
    screen.edit.clear()
    j.type_into(screen.edit, "120101-99999-3", keyboard=False)
    j.click(j.find(QPushButton, "statusCheck"))
    j.qtbot.waitUntil(lambda: "could not find" in screen.error.text(), timeout=5000)

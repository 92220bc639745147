"""Switching language mid-journey keeps every answer and everything typed but not yet sent."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

pytestmark = pytest.mark.qt


def test_language_switch_keeps_answers_and_typing(journey: Any, qtbot: Any) -> None:
    j = journey
    j.start("km")
    j.choose_service("residence_certificate")
    toggle = j.find(QPushButton, "languageToggle")
    assert toggle.text().replace("\u200b", "") == "English"

    name_km, name_latin = j.field("name_km"), j.field("name_latin")
    j.type_into(name_km.edit, "ចាន់ ធី")
    j.type_into(name_latin.edit, "CHAN", keyboard=False)
    km_label = name_km.label.text()
    j.click(toggle)  # to English, in the middle of a step
    assert j.k.ctx.session.locale == "en"
    assert name_km.label.text() != km_label and "Khmer" in name_km.label.text()
    assert name_km.edit.text() == "ចាន់ ធី" and name_latin.edit.text() == "CHAN"
    assert j.find(QLabel, "stepHeader").text() == "Step 1 of 11"  # consent: its own screen
    assert j.find(QPushButton, "continue").text() == "Continue"
    j.cont()

    j.choose("sex", "female")
    j.cont()
    j.date("date_of_birth", "1", "1", "2099", keyboard=False)
    j.cont()  # an error in English …
    w = j.field("date_of_birth")
    qtbot.waitUntil(w.error.isVisible)
    assert "past" in w.error.text()
    j.click(toggle)  # … follows the switch to Khmer, and the typing stays
    assert j.k.ctx.session.locale == "km"
    assert w.error.isVisible() and "past" not in w.error.text()
    assert (w.boxes["day"].text(), w.boxes["year"].text()) == ("1", "2099")

    j.back()
    j.back()  # back through the steps: earlier answers are still there
    assert j.field("name_km").edit.text() == "ចាន់ ធី"
    assert j.k.ctx.session.answers["name_latin"] == "CHAN"
    assert j.k.ctx.session.answers["sex"] == "female"
    j.click(toggle)
    assert j.field("name_km").edit.text() == "ចាន់ ធី"
    assert j.w.keyboard.ui_locale() == "en"  # the keyboard's own words follow too


def test_language_choice_is_kept_for_the_session_and_reset_after(journey: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("birth_certificate_copy")
    j.choose("for_whom", j.field("for_whom").field.options[0].value)
    j.cont()
    assert j.k.ctx.session.locale == "en"
    assert j.find(QLabel, "stepHeader").text().startswith("Step 2 of")
    j.citizen.end_session()
    j.wait_screen("attract")
    assert j.k.ctx.session.locale == "km"  # the next citizen starts in Khmer

"""Small input faults on the question screens (issue 11, S2.6, S2.11, S3.15): focus survives a
language switch, date parts advance by themselves, a chosen option carries a check mark and
the first option is not focused on arrival, the step total stays put, optional questions say
so, and a passport name is kept in capitals."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def test_language_switch_keeps_focus_in_the_field(journey: Journey, qtbot: Any) -> None:
    j = journey
    j.start("km")
    j.choose_service("residence_certificate")
    edit = j.field("name_latin").edit
    j.type_into(edit, "SOK")
    j.click(j.find(QPushButton, "languageToggle"))
    assert j.k.ctx.session.locale == "en"
    assert edit.hasFocus()  # the next key taps still land here
    assert j.w.keyboard.isVisible()
    j.keyboard_type(" DARA")
    assert edit.text() == "SOK DARA"


def test_date_parts_advance_day_month_year(journey: Journey, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("residence_certificate")
    j.type_into(j.field("name_km").edit, "សុខ")
    j.type_into(j.field("name_latin").edit, "SOK", keyboard=False)
    j.cont()
    j.choose("sex", "male")
    j.cont()
    w = j.field("date_of_birth")
    j.type_into(w.boxes["day"], "07")  # taps on the number keys only, no aiming at boxes
    qtbot.waitUntil(w.boxes["month"].hasFocus, timeout=2000)
    j.keyboard_type("3")  # "3" cannot start a two-digit month
    qtbot.waitUntil(w.boxes["year"].hasFocus, timeout=2000)
    j.keyboard_type("1990")
    assert (w.boxes["day"].text(), w.boxes["month"].text(), w.boxes["year"].text()) == (
        "07",
        "3",
        "1990",
    )
    assert w.raw_value() == "1990-03-07"


def test_chosen_option_has_a_check_mark_and_nothing_is_focused_on_arrival(
    journey: Journey,
) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    w = j.field("applicant")
    assert not any(b.hasFocus() for b in w.buttons)  # focus must not look like a choice
    j.choose("applicant", "self")
    chosen = j.find(QPushButton, "choice_applicant_self")
    other = j.find(QPushButton, "choice_applicant_child")
    assert chosen._label.text().startswith("✓")  # a shape, not only a fill colour
    assert not other._label.text().startswith("✓")
    assert chosen.text() == "For me"  # the option's own words are unchanged
    j.choose("applicant", "child")
    assert not chosen._label.text().startswith("✓") and other._label.text().startswith("✓")


def test_step_total_does_not_change_mid_journey(journey: Journey) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    header = j.find(QLabel, "stepHeader")
    total = header.text().split(" of ")[1]
    j.choose("applicant", "child")  # reveals the parent's questions
    j.cont()
    assert j.step_ids() == ["parent_name_km", "parent_id_number"]
    assert header.text().split(" of ")[1] == total


def test_optional_question_says_so_and_phone_is_skipped_after_no(journey: Journey) -> None:
    j = journey
    j.start("en")
    j.choose_service("birth_certificate_copy")
    service = j.k.ctx.session.service
    steps = [s.id for s in j.question.all_steps()]
    j.nav.go("question", step_id="certificate_number")
    assert j.field("certificate_number").label.text().endswith("(optional)")
    j.k.ctx.session.answers["wants_sms"] = False
    assert "phone" not in [s.id for s in j.question.all_steps()]
    j.k.ctx.session.answers["wants_sms"] = True
    assert "phone" in [s.id for s in j.question.all_steps()]
    assert service.field("phone").show_if is not None and "phone" not in steps


def test_passport_latin_name_needs_surname_and_given_name(journey: Journey) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    j.choose("applicant", "self")
    j.cont()
    name = j.field("name_latin")
    assert "capital letters" in name.help.text()  # says how to write it
    j.type_into(j.field("name_km").edit, "សុខ")
    j.type_into(name.edit, "dara", keyboard=False)
    j.cont()
    j.qtbot.waitUntil(name.error.isVisible, timeout=5000)
    assert "surname, a space, then the given name" in name.error.text()
    j.type_into(name.edit, " sok", keyboard=False)
    j.cont()
    assert j.k.ctx.session.answers["name_latin"] == "DARA SOK"


def test_restored_choice_shows_mark_and_readable_text(journey: Journey) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    j.choose("applicant", "self")
    j.cont()
    j.back()  # the stored answer is shown again (set without the toggled signal)
    chosen = j.field("applicant").buttons[0]  # this step's own widget, not a retired one
    assert chosen.value == "self"
    assert chosen.isChecked() and chosen._label.text().startswith("✓")
    assert chosen._label.property("checked") is True  # white on blue, not black on blue

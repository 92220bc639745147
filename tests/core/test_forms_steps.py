"""Conditional questions, steps and whole-form validation (cross-field rules)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.catalog import Condition, Field, FieldType, Service, Text, load_bundled_catalog
from kiosk.forms import condition_holds, steps, validate_all, validate_step, visible_fields
from kiosk.model import Attachment, AttachmentKind, MediaRef

TODAY = date(2026, 11, 21)
CATALOG = load_bundled_catalog()
ID_CARD = CATALOG.services["national_id_card"]
ADDRESS = {"province": "12", "district": "1201", "commune": "120101", "village": "12010101"}


def ids(fields: list[Field]) -> list[str]:
    return [f.id for f in fields]


def test_renewal_shows_old_card_questions_first_issue_does_not() -> None:
    first = ids(visible_fields(ID_CARD, {"application_type": "first"}))
    renewal = ids(visible_fields(ID_CARD, {"application_type": "renewal"}))
    assert "old_id_number" not in first and "old_card" not in first
    assert "old_id_number" in renewal and "old_card" in renewal
    assert len(renewal) == len(first) + 2


def test_step_count_stays_honest_when_an_answer_changes() -> None:
    answers: dict[str, Any] = {"application_type": "renewal"}
    n_renewal = len(steps(ID_CARD, answers))
    answers["application_type"] = "first"
    n_first = len(steps(ID_CARD, answers))
    assert n_renewal == n_first + 2
    # Every step's fields are visible ones.
    visible = set(ids(visible_fields(ID_CARD, answers)))
    assert all(f.id in visible for s in steps(ID_CARD, answers) for f in s.fields)


def test_a_chain_of_conditions_collapses_when_its_first_link_is_hidden() -> None:
    answers = {"application_type": "replacement", "old_id_number_known": True}
    assert "lost_id_number" in ids(visible_fields(ID_CARD, answers))
    answers["application_type"] = "first"  # old_id_number_known is hidden now...
    # ...so the question that depended on it is hidden too, even though the answer remains.
    assert "lost_id_number" not in ids(visible_fields(ID_CARD, answers))


def test_grouped_fields_share_one_step_with_the_group_title() -> None:
    name_steps = [s for s in steps(ID_CARD, {}) if s.id == "name"]
    assert len(name_steps) == 1
    assert ids(list(name_steps[0].fields)) == ["name_km", "name_latin"]
    assert name_steps[0].title is not None and name_steps[0].title.en == "Your name"
    single = [s for s in steps(ID_CARD, {}) if s.id == "sex"]
    assert len(single) == 1 and single[0].title is None


def test_in_operator_on_a_choice() -> None:
    licence = CATALOG.services["driving_licence_renewal"]
    assert "medical_certificate" in ids(visible_fields(licence, {"category": "D"}))
    assert "medical_certificate" not in ids(visible_fields(licence, {"category": "B"}))


def test_equals_on_a_multi_choice_means_one_of_the_chosen() -> None:
    residence = CATALOG.services["residence_certificate"]
    assert "purpose_other" in ids(visible_fields(residence, {"purposes": ["job", "other"]}))
    assert "purpose_other" not in ids(visible_fields(residence, {"purposes": ["job"]}))


def test_condition_operators() -> None:
    visible = {"a"}
    assert condition_holds(Condition("a", "equals", "x"), {"a": "x"}, visible)
    assert condition_holds(Condition("a", "not_equals", "x"), {"a": "y"}, visible)
    assert not condition_holds(Condition("a", "not_equals", "x"), {"a": "x"}, visible)
    assert not condition_holds(Condition("a", "not_equals", "x"), {}, visible)
    assert condition_holds(Condition("a", "in", ("x", "y")), {"a": "y"}, visible)
    assert not condition_holds(Condition("a", "equals", True), {"a": 1}, visible)
    assert not condition_holds(Condition("a", "equals", "x"), {"a": "x"}, set())


def _full_first_issue() -> dict[str, Any]:
    return {
        "application_type": "first",
        "name_km": "សុខ ដារា",
        "name_latin": "SOK DARA",
        "sex": "male",
        "date_of_birth": "2001-03-09",
        "place_of_birth": ADDRESS,
        "address": ADDRESS,
        "wants_sms": True,
        "phone": "+85512345678",
        "consent": True,
    }


def _pages(field_id: str, n: int) -> list[Attachment]:
    ref = MediaRef(sha256="0" * 64, size=1, mime="image/jpeg")
    kind: AttachmentKind = "photo" if field_id == "face_photo" else "document"
    return [Attachment(field_id=field_id, kind=kind, media=ref, page=i) for i in range(n)]


def test_a_complete_first_issue_application_is_valid() -> None:
    attachments = _pages("face_photo", 1) + _pages("family_book", 2)
    assert validate_all(ID_CARD, _full_first_issue(), today=TODAY, attachments=attachments) == []
    # Without attachments given, photo/document fields are not checked at all.
    assert validate_all(ID_CARD, _full_first_issue(), today=TODAY) == []


def test_validate_all_reports_missing_attachments() -> None:
    issues = validate_all(ID_CARD, _full_first_issue(), today=TODAY, attachments=[])
    assert {i.field_id for i in issues} == {"face_photo", "family_book"}


def test_renewal_needs_the_old_card_number_cross_field() -> None:
    answers = {**_full_first_issue(), "application_type": "renewal"}
    issues = validate_all(ID_CARD, answers, today=TODAY)
    assert [(i.field_id, i.code) for i in issues] == [("old_id_number", "required")]
    assert issues[0].message.en == "Enter your old ID card number"
    answers["old_id_number"] = "010203040"
    assert validate_all(ID_CARD, answers, today=TODAY) == []


def test_required_if_phone_when_sms_wanted() -> None:
    answers = _full_first_issue()
    del answers["phone"]
    assert [i.field_id for i in validate_all(ID_CARD, answers, today=TODAY)] == ["phone"]
    answers["wants_sms"] = False
    assert validate_all(ID_CARD, answers, today=TODAY) == []


def test_answers_to_hidden_fields_are_not_validated() -> None:
    answers = {**_full_first_issue(), "old_id_number": "garbage"}
    assert validate_all(ID_CARD, answers, today=TODAY) == []


def test_validate_step_checks_only_that_screen() -> None:
    name_step = next(s for s in steps(ID_CARD, {}) if s.id == "name")
    issues = validate_step(name_step, {"name_km": "Sok"}, today=TODAY)
    assert [(i.field_id, i.code) for i in issues] == [
        ("name_km", "script_km"),
        ("name_latin", "required"),
    ]
    photo_step = next(s for s in steps(ID_CARD, {}) if s.id == "face_photo")
    assert validate_step(photo_step, {}, today=TODAY) == []
    assert [i.code for i in validate_step(photo_step, {}, today=TODAY, attachments=[])] == ["photo"]


def test_steps_of_a_service_built_in_code() -> None:
    t = Text("ក", "A")
    service = Service(
        id="s",
        version="1",
        name=t,
        description=t,
        fee_khr=0,
        processing_days=1,
        papers=(),
        fields=(
            Field(id="a", type=FieldType.YES_NO, label=t),
            Field(id="b", type=FieldType.TEXT_LATIN, label=t, group="g"),
            Field(
                id="c", type=FieldType.TEXT_LATIN, label=t, group="g",
                show_if=Condition("a", "equals", True),
            ),
            Field(id="d", type=FieldType.TEXT_LATIN, label=t, group="g"),
        ),
    )  # fmt: skip
    assert [s.id for s in steps(service, {"a": True})] == ["a", "g"]
    assert [len(s.fields) for s in steps(service, {"a": False})] == [1, 2]

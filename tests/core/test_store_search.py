"""The clerk's search: Khmer names by any part, Latin names, phone, application number."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from kiosk.store import Store
from kiosk.store.search import SearchIndex, fields_to_index, is_searchable, query_terms

PEOPLE = [
    {"name_km": "សុខ ដារា", "name_latin": "Sok Dara", "phone": "+85512345678"},
    {"name_km": "ចាន់ ស្រីពៅ", "name_latin": "Chan Sreypov", "phone": "+85597111222"},
    {
        "given_name_km": "វណ្ណា",
        "family_name_km": "ហេង",
        "family_name_latin": "Heng",
        "phone": "+85516000333",
    },
    {"name_km": "សុខា", "name_latin": "Sokha", "occupation": "farmer 012345"},
]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[str]]]:
    """One store for the read-only search tests (opening one per case costs fsyncs)."""
    root = tmp_path_factory.mktemp("search")
    store = Store.open(root / "data", commune_code="120101", secret_dir=root / "secret")
    numbers = []
    for answers in PEOPLE:
        reg = store.create_draft("s", "1", "km")
        numbers.append(store.submit(reg.id, answers, [], fee_khr=0).app_number)
    yield store, numbers
    store.close()


def _names(store: Store, query: str) -> list[str]:
    return sorted(
        r.answers.get("name_latin") or r.answers.get("family_name_latin", "")
        for r in store.search(query)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ដារា", ["Sok Dara"]),
        ("ដា", ["Sok Dara"]),  # Khmer prefix of two characters
        ("ស្រី", ["Chan Sreypov"]),  # Khmer with a subscript consonant, inside a word
        ("សុខ", ["Sok Dara", "Sokha"]),
        ("សុខ ដា", ["Sok Dara"]),  # every word must match
        ("វណ្ណា ហេង", ["Heng"]),
        ("sok", ["Sok Dara", "Sokha"]),
        ("DARA", ["Sok Dara"]),
        ("sreyp", ["Chan Sreypov"]),
        ("012 345 678", ["Sok Dara"]),  # local phone form
        ("+855 97 111", ["Chan Sreypov"]),
        ("111222", ["Chan Sreypov"]),
        ("012345", ["Sok Dara"]),  # not the occupation field, which is not indexed
        ("zzz", []),
        ("x", []),  # too short to search
        ("", []),
        ("'; DROP TABLE registrations; --", []),
        ('"NEAR(', []),
    ],
)
def test_search_finds(filled: tuple[Store, list[str]], query: str, expected: list[str]) -> None:
    store, _ = filled
    assert _names(store, query) == expected


def test_search_by_application_number(filled: tuple[Store, list[str]]) -> None:
    store, numbers = filled
    assert [r.app_number for r in store.search(numbers[2])] == [numbers[2]]
    assert [r.app_number for r in store.search(numbers[2].replace("-", ""))] == [numbers[2]]


def test_newest_first_and_limit(filled: tuple[Store, list[str]]) -> None:
    store, numbers = filled
    found = store.search("សុខ")
    assert [r.app_number for r in found] == [numbers[3], numbers[0]]
    assert len(store.search("សុខ", limit=1)) == 1


def test_drafts_are_not_searchable(store: Store) -> None:
    reg = store.create_draft("s", "1", "km")
    store.save_draft(reg.id, {"name_km": "ដារា"})
    assert store.search("ដារា") == []


def test_service_fields_marked_searchable_are_indexed(store: Store) -> None:
    service = SimpleNamespace(
        fields=[
            SimpleNamespace(id="mother_km", type="text_km", searchable=True),
            SimpleNamespace(id="contact", type="phone", searchable=True),
            SimpleNamespace(id="note", type="text_latin", searchable=False),
            SimpleNamespace(id="age", type="number"),
        ]
    )
    assert fields_to_index(service) == {"mother_km", "contact"}
    reg = store.create_draft("s", "1", "km")
    store.submit(
        reg.id,
        {"mother_km": "នារី", "contact": "097 555 1234", "note": "Hidden", "age": 5},
        [],
        fee_khr=0,
        service=service,
    )
    assert [r.id for r in store.search("នារី")] == [reg.id]
    assert [r.id for r in store.search("5551234")] == [reg.id]
    assert store.search("hidden") == []


def _bundled(service_id: str) -> Any:
    from kiosk.catalog import load_bundled_catalog

    return load_bundled_catalog().services[service_id]


def test_clerk_finds_a_licence_renewal_by_the_licence_number(store: Store) -> None:
    """The catalog marks licence_number searchable: the clerk finds it by the number, with or
    without its letters, in Latin or Khmer digits."""
    service = _bundled("driving_licence_renewal")
    reg = store.create_draft(service.id, service.version, "km")
    answers = {"licence_number": "KH 0123456789", "name_latin": "Sok Dara", "category": "B"}
    store.submit(reg.id, answers, [], fee_khr=service.fee_khr, service=service)
    for query in ("0123456789", "KH 0123456789", "kh 01234", "២៣៤៥៦៧"):
        assert [r.id for r in store.search(query)] == [reg.id], query


def test_clerk_finds_other_paper_numbers(store: Store) -> None:
    passport = _bundled("passport_ordinary")
    birth = _bundled("birth_certificate_copy")
    a = store.create_draft(passport.id, passport.version, "en")
    store.submit(a.id, {"old_passport_number": "N 00917345"}, [], fee_khr=0, service=passport)
    b = store.create_draft(birth.id, birth.version, "en")
    store.submit(b.id, {"certificate_number": "4471 B/2019"}, [], fee_khr=0, service=birth)
    assert [r.id for r in store.search("00917345")] == [a.id]
    assert [r.id for r in store.search("4471")] == [b.id]


def test_a_field_not_marked_searchable_is_not_found(store: Store) -> None:
    service = _bundled("residence_certificate")
    assert not service.field("purpose_other").searchable
    reg = store.create_draft(service.id, service.version, "km")
    answers = {"name_km": "សុខ ដារា", "purpose_other": "កសិដ្ឋាន ៧៧៨៨៩៩"}
    store.submit(reg.id, answers, [], fee_khr=0, service=service)
    assert [r.id for r in store.search("ដារា")] == [reg.id]
    assert store.search("កសិដ្ឋាន") == []
    assert store.search("778899") == []


def test_tokens_are_opaque_and_key_specific() -> None:
    a, b = SearchIndex(b"a" * 32), SearchIndex(b"b" * 32)
    doc = a.doc({"name_latin": "Sok Dara"}, None)
    assert "sok" not in doc and "dara" not in doc
    assert doc != b.doc({"name_latin": "Sok Dara"}, None)
    assert is_searchable("given_name_latin") and is_searchable("father_name_km")
    assert not is_searchable("occupation")
    assert query_terms("០១២ ៣៤៥") == ["#012345"]  # Khmer digits as typed on the keyboard

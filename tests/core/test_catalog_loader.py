"""The catalog loader: the bundled catalog's content, and what a bad or hostile file does."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import (
    CatalogError,
    FieldType,
    load_bundled_catalog,
    load_catalog,
    parse_catalog,
)
from kiosk.catalog.loader import MAX_BYTES, compile_pattern

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"
ZWSP = "\u200b"


def _minimal() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "minimal.json").read_text(encoding="utf-8"))
    return data


def _parse(data: Any) -> Any:
    return parse_catalog(json.dumps(data, ensure_ascii=False).encode(), "test.json")


# --- the bundled catalog -----------------------------------------------------------------


def test_bundled_catalog_offers_the_required_services() -> None:
    catalog = load_bundled_catalog()
    assert catalog.hidden == {}
    assert set(catalog.services) == {
        "national_id_card",
        "birth_certificate_copy",
        "passport_ordinary",
        "residence_certificate",
        "driving_licence_renewal",
        "business_registration",
    }
    assert catalog.note is not None and "example" in catalog.note.en.lower()
    assert catalog.note.km


@pytest.mark.parametrize("service_id", sorted(load_bundled_catalog().services))
def test_each_bundled_service_is_complete_and_bilingual(service_id: str) -> None:
    s = load_bundled_catalog().services[service_id]
    assert s.example_only
    assert s.fee_khr >= 0 and s.processing_days > 0
    assert s.name.km and s.name.en and s.description.km and s.description.en
    assert s.papers and all(p.km and p.en for p in s.papers)
    types = {f.type for f in s.fields}
    for needed in (FieldType.DATE, FieldType.PHONE, FieldType.DOCUMENT):
        assert needed in types, f"{service_id} lacks a {needed} field"
    assert FieldType.ADDRESS in types
    if service_id != "birth_certificate_copy":  # a copy of a record needs no face photo
        assert FieldType.PHOTO in types
    for f in s.fields:
        assert f.label.km and f.label.en
        # Khmer labels of more than one word carry hand-placed U+200B word breaks.
        if len(f.label.km) > 12:
            assert "\u200b" in f.label.km, f.id
        if f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            assert f.options and all(o.label.km and o.label.en for o in f.options)
    # Consent is asked once, by the kiosk's own screen before sending (issue 11 S3.14).
    assert FieldType.CONSENT not in types
    # What to do next is the service's own (not "bring your ID card" for a first ID card).
    assert s.next_steps is not None and ZWSP in s.next_steps.km
    assert s.what_next() == s.next_steps


def test_id_card_renewal_asks_for_the_old_card_number() -> None:
    s = load_bundled_catalog().services["national_id_card"]
    old = s.field("old_id_number")
    assert old is not None and old.type is FieldType.NATIONAL_ID and old.required
    assert old.show_if is not None and old.show_if.field == "application_type"
    assert old.show_if.value == "renewal"


def test_bundled_catalog_papers_use_cambodian_documents() -> None:
    papers = " ".join(p.km for s in load_bundled_catalog().services.values() for p in s.papers)
    plain = papers.replace("\u200b", "")
    assert "សៀវភៅគ្រួសារ" in plain and "សៀវភៅស្នាក់នៅ" in plain


# --- unknown and unsupported field types hide one service only ------------------------------


def test_unknown_field_type_hides_only_that_service(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.catalog.loader"):
        catalog = load_catalog(FIXTURES / "unknown_type.json")
    assert set(catalog.services) == {"alpha", "gamma"}
    assert "fingerprint" in catalog.hidden["beta"]
    assert "services[1].fields[3].type" in catalog.hidden["beta"]
    assert any("beta" in r.getMessage() for r in caplog.records)


def test_supported_types_hides_services_the_ui_cannot_show() -> None:
    supported = {t.value for t in FieldType} - {"yes_no"}
    catalog = load_catalog(FIXTURES / "minimal.json", supported_types=supported)
    assert set(catalog.services) == {"beta"}
    assert "not supported" in catalog.hidden["alpha"]


def test_condition_on_a_hidden_field_hides_the_service_instead_of_failing() -> None:
    data = _minimal()
    fields = data["services"][0]["fields"]
    fields.insert(0, {"id": "scan", "type": "iris_scan", "label": {"km": "ក", "en": "Scan"}})
    fields.append(
        {
            "id": "later",
            "type": "text_latin",
            "label": {"km": "ក", "en": "Later"},
            "show_if": {"field": "scan", "equals": "x"},
        }
    )
    catalog = _parse(data)
    assert "alpha" in catalog.hidden and "beta" in catalog.services


# --- malformed files raise CatalogError naming file and field ------------------------------


def test_bad_field_type_names_the_file_and_field_path() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(FIXTURES / "bad_field_type.json")
    assert info.value.field == "services[2].fields[5].type"
    assert info.value.path.endswith("bad_field_type.json")
    assert "services[2].fields[5].type" in str(info.value)


def test_catastrophic_pattern_is_refused() -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(FIXTURES / "evil_pattern.json")
    assert info.value.field == "services[0].fields[1].pattern"


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["services"][0].pop("name"), "services[0].name"),
        (lambda d: d["services"][0]["name"].pop("km"), "services[0].name"),
        (lambda d: d["services"][0].update(fee_khr=-5), "services[0].fee_khr"),
        (lambda d: d["services"][0].update(fee_khr=True), "services[0].fee_khr"),
        (lambda d: d["services"][0].update(fee_khr="1000"), "services[0].fee_khr"),
        (lambda d: d["services"][1].update(id="Bad Id"), "services[1].id"),
        (lambda d: d["services"][2].update(id="alpha"), "services[2].id"),
        (lambda d: d["services"][0]["fields"][1].update(id="name_km"), "services[0].fields[1].id"),
        (
            lambda d: d["services"][0]["fields"][0].update(colour="red"),
            "services[0].fields[0].colour",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(pattern="x" * 500),
            "services[0].fields[0].pattern",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(pattern="(unclosed"),
            "services[0].fields[0].pattern",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(pattern=r"(a)\1"),
            "services[0].fields[0].pattern",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(min_length=9, max_length=3),
            "services[0].fields[0].min_length",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(
                show_if={"field": "consent", "equals": True}
            ),
            "services[0].fields[0].show_if.field",
        ),
        (
            lambda d: d["services"][0]["fields"][1].update(show_if={"field": "name_km"}),
            "services[0].fields[1].show_if",
        ),
        (
            lambda d: d["services"][0]["fields"].append(
                {"id": "c", "type": "choice", "label": {"km": "ក", "en": "C"}}
            ),
            "services[0].fields[6].options",
        ),
        (
            lambda d: d["services"][0]["fields"][0].update(searchable="yes"),
            "services[0].fields[0].searchable",
        ),
        (lambda d: d["services"][0].update(fields=[]), "services[0].fields"),
        (lambda d: d.update(format=2), "format"),
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.update(services={}), "services"),
    ],
)
def test_malformed_catalog_names_the_field(mutate: Any, where: str) -> None:
    data = _minimal()
    mutate(data)
    with pytest.raises(CatalogError) as info:
        _parse(data)
    assert info.value.field == where
    assert info.value.path == "test.json"
    assert info.value.message


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"[]",
        b"null",
        b'{"format": 1',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": 1, "version": "x", "services": [' + b"[" * 50 + b"]" * 50 + b"]}",
        b'{"format": 1e999, "version": "x", "services": []}',
        b'{"format": ' + b"9" * 5000 + b', "version": "x", "services": []}',
    ],
)
def test_hostile_bytes_raise_catalog_error_only(raw: bytes) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(raw, "hostile.json")


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_BYTES + 10))
    with pytest.raises(CatalogError, match="larger than"):
        load_catalog(big)


def test_missing_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "nope.json")
    assert info.value.path.endswith("nope.json")


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*", r"(\w+\s?)+$", "(x+){2,}"])
def test_compile_pattern_refuses_nested_quantifiers(pattern: str) -> None:
    with pytest.raises(ValueError):
        compile_pattern(pattern)


def test_compile_pattern_accepts_ordinary_patterns() -> None:
    assert compile_pattern("[A-Za-z]{0,2} ?[0-9]{6,9}").fullmatch("N 0123456")
    assert compile_pattern("(ab)?[0-9]+").fullmatch("ab12")


def test_catalog_is_deep_copied_not_shared() -> None:
    data = _minimal()
    snapshot = copy.deepcopy(data)
    _parse(data)
    assert data == snapshot


# --- next steps per service (issue 11 S3.13) -----------------------------------------------


def test_next_steps_absent_gives_a_general_text_that_promises_no_papers() -> None:
    service = next(iter(_parse(_minimal()).services.values()))
    assert service.next_steps is None
    general = service.what_next()
    assert general.km and general.en and ZWSP in general.km
    assert "ID card" not in general.en and "អត្តសញ្ញាណ" not in general.km
    assert "receipt" in general.en


def test_next_steps_are_read_per_service() -> None:
    data = _minimal()
    data["services"][0]["next_steps"] = {"km": "មក​យក", "en": "Come and collect it."}
    service = next(iter(_parse(data).services.values()))
    assert service.what_next().en == "Come and collect it."


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("Come back", "services[0].next_steps"),
        ({"en": "Come back"}, "services[0].next_steps"),
        ({"km": "ក", "en": "x" * 5000}, "services[0].next_steps.en"),
        ({"km": "ក", "en": "x", "fr": "y"}, "services[0].next_steps.fr"),
        ({"km": " ", "en": "x"}, "services[0].next_steps.km"),
    ],
)
def test_bad_next_steps_name_the_field(value: Any, where: str) -> None:
    data = _minimal()
    data["services"][0]["next_steps"] = value
    with pytest.raises(CatalogError) as err:
        _parse(data)
    assert err.value.field == where


# --- the JSON Schema for catalog authors agrees with the loader ----------------------------


def _schema() -> dict[str, Any]:
    from importlib import resources

    raw = (resources.files("assets") / "catalog" / "services.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(raw)
    return schema


def test_bundled_catalog_and_fixtures_match_the_json_schema() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    from importlib import resources

    validator = jsonschema_rs.validator_for(_schema())
    bundled = json.loads((resources.files("assets") / "catalog" / "services.json").read_bytes())
    assert validator.is_valid(bundled)
    assert validator.is_valid(_minimal())
    assert not validator.is_valid(json.loads((FIXTURES / "bad_field_type.json").read_bytes()))


def test_json_schema_lists_the_keys_the_loader_reads() -> None:
    from kiosk.catalog.loader import _FIELD_KEYS, _SERVICE_KEYS

    defs = _schema()["$defs"]
    assert set(defs["field"]["properties"]) == _FIELD_KEYS
    assert set(defs["service"]["properties"]) == _SERVICE_KEYS


def test_catalog_marks_the_fields_the_clerk_searches_by() -> None:
    """Names, phones and the numbers on papers are searchable; nothing else is."""
    services = load_bundled_catalog().services
    searchable = {f.id for s in services.values() for f in s.fields if f.searchable}
    assert {"name_km", "name_latin", "phone", "licence_number", "certificate_number"} <= (
        searchable
    )
    assert {"old_passport_number", "business_name_latin", "id_number"} <= searchable
    assert "purpose_other" not in searchable and "date_of_birth" not in searchable
    for service in services.values():
        for f in service.fields:
            if f.searchable:
                assert f.type.value in {"text_km", "text_latin", "phone", "national_id"}


def test_only_typed_answers_can_be_searchable() -> None:
    data = _minimal()
    data["services"][0]["fields"][2]["searchable"] = True  # date_of_birth
    with pytest.raises(CatalogError, match="cannot be searched") as info:
        _parse(data)
    assert info.value.field == "services[0].fields[2].searchable"

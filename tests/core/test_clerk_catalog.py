"""The catalog's `originals_check` per service: read, defaulted, and a bad value refused with
the file and path named (the last good catalog stays)."""

from __future__ import annotations

import json

import pytest

from kiosk.catalog import CatalogError, load_bundled_catalog, parse_catalog
from kiosk.i18n import assets_root


def _raw() -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (assets_root() / "catalog" / "services.json").read_text("utf-8")
    )
    return data


def test_bundled_services_say_when_originals_are_checked() -> None:
    rules = {s.id: s.originals_check for s in load_bundled_catalog().services.values()}
    assert rules["national_id_card"] == "before_upload"
    assert rules["residence_certificate"] == "at_pickup"
    assert rules["business_registration"] == "none"
    assert set(rules.values()) <= {"before_upload", "at_pickup", "none"}


def test_absent_means_none_and_a_bad_value_is_refused() -> None:
    raw = _raw()
    services = raw["services"]
    assert isinstance(services, list)
    del services[0]["originals_check"]
    first = parse_catalog(json.dumps(raw).encode(), "x").services[services[0]["id"]]
    assert first.originals_check == "none"
    services[0]["originals_check"] = "sometimes"
    with pytest.raises(CatalogError) as err:
        parse_catalog(json.dumps(raw).encode(), "new.json")
    assert err.value.field == "services[0].originals_check" and err.value.path == "new.json"


def test_schema_documents_it() -> None:
    schema = json.loads((assets_root() / "catalog" / "services.schema.json").read_text("utf-8"))
    prop = schema["$defs"]["service"]["properties"]["originals_check"]
    assert prop["enum"] == ["before_upload", "at_pickup", "none"]

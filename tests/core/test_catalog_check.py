"""The one catalog validator (`sync.protocol.catalog`), as the kiosk uses it: the kiosk's import
paths reach the very same classes, `check_catalog` reports every problem where `parse_catalog`
(and so `CatalogManager.install`) stops at the first, and each problem has Khmer and English
words. The back office's use is in tests/console/test_console_catalogs.py.
"""

from __future__ import annotations

import copy
import json
import re
import string
from pathlib import Path
from typing import Any

import pytest

import kiosk.catalog as kc
import kiosk.text
import sync.protocol.catalog.schema as shared
from kiosk.catalog import CatalogError, CatalogManager, parse_catalog
from kiosk.catalog.loader import bundled_catalog_bytes
from sync.protocol.catalog.messages import MESSAGES
from sync.protocol.catalog.reader import MAX_ERRORS
from sync.protocol.catalog.text import Text
from sync.protocol.catalog.validate import check_catalog

BUNDLED: dict[str, Any] = json.loads(bundled_catalog_bytes())
KHMER = re.compile("[\u1780-\u17ff]")


def raw(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def broken(*changes: tuple[str, Any]) -> dict[str, Any]:
    """The bundled catalog with `(path, value)` changes: "services.1.fee_khr" etc."""
    doc = copy.deepcopy(BUNDLED)
    for path, value in changes:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return doc


def test_the_kiosk_names_are_the_shared_classes() -> None:
    assert kiosk.text.Text is Text is kc.Text
    for name in ("Catalog", "CatalogError", "Condition", "Field", "FieldType", "Option", "Service"):
        assert getattr(kc, name) is getattr(shared, name)


def test_every_problem_is_reported_in_file_order() -> None:
    doc = broken(
        ("services.0.fields.1.type", 5),
        ("services.1.fee_khr", "free"),
        ("services.2.fields.4.pattern", "(a|a)*\\1"),
        ("services.3.name", {"en": "Residence"}),
        ("format", 2),
    )
    found = check_catalog(raw(doc), "new.json")
    assert found.catalog is None and not found.ok
    assert [(e.path, e.field, e.code) for e in found.errors] == [
        ("new.json", "format", "bad_format"),
        ("new.json", "services[0].fields[1].type", "not_string"),
        ("new.json", "services[1].fee_khr", "not_integer"),
        ("new.json", "services[2].fields[4].pattern", "unsafe_pattern"),
        ("new.json", "services[3].name", "needs_km_en"),
    ]
    pattern = found.errors[3]
    assert "back-reference" in pattern.text.en and "back-reference" in pattern.message
    assert "RE2" in pattern.text.km and KHMER.search(pattern.text.km)


def test_the_kiosk_refuses_with_the_first_of_them(tmp_path: Path) -> None:
    """Same file, same first error: what the back office shows first is what the kiosk says."""
    cases = [
        broken(("services.2.processing_days", -1), ("services.4.papers", "ID")),
        broken(("services.0.fields.0.options", [])),
        broken(("note", {"km": "ក"})),
        broken(("services.5.id", "national_id_card")),
        {"format": 1, "version": "x", "services": []},
    ]
    manager = CatalogManager(tmp_path)
    before = manager.current().version
    for doc in cases:
        found = check_catalog(raw(doc), "feed.json")
        with pytest.raises(CatalogError) as refused:
            manager.install(raw(doc), name="feed.json")
        first = found.errors[0]
        assert (refused.value.field, refused.value.message) == (first.field, first.message)
        assert refused.value.text == first.text
        assert manager.current().version == before


def test_a_broken_question_does_not_make_its_follow_ups_errors_too() -> None:
    """national_id_card's later questions ask "only when application_type is …": one error."""
    found = check_catalog(raw(broken(("services.0.fields.0.type", None))), "x.json")
    assert [e.field for e in found.errors] == ["services[0].fields[0].type"]


def test_valid_catalog_has_no_errors_and_parses_the_same() -> None:
    found = check_catalog(bundled_catalog_bytes(), "bundled.json")
    assert found.ok and found.errors == []
    assert found.catalog == parse_catalog(bundled_catalog_bytes(), "bundled.json")


def test_the_report_is_capped() -> None:
    doc = copy.deepcopy(BUNDLED)
    for service in doc["services"]:
        for f in service["fields"]:
            f["required"] = "yes"
    doc["services"] = doc["services"] * 4  # ids repeat too
    found = check_catalog(raw(doc), "many.json")
    assert len(found.errors) == MAX_ERRORS


def test_every_message_has_khmer_and_english_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for code, (km, en) in MESSAGES.items():
        assert KHMER.search(km), code
        assert not KHMER.search(en), code
        names_km = {f for _t, f, _s, _c in fields.parse(km) if f}
        names_en = {f for _t, f, _s, _c in fields.parse(en) if f}
        assert names_km == names_en, code


def test_catalog_error_made_by_hand_keeps_its_message() -> None:
    """Older callers give an English message only: both languages then carry it."""
    error = CatalogError("a.json", "services", "no such thing")
    assert str(error) == "a.json: services: no such thing"
    assert error.text == Text("no such thing", "no such thing") and error.code == ""

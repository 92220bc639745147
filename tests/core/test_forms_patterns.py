"""Catalog patterns run with a hard time bound (issue 10, item 3).

`^(\\d|\\d)*[A-Z]$` passed the old nested-quantifier screen and took 8.6 s on a 26-digit answer,
doubling per digit, on the GUI thread. The bound is asserted through the engine (RE2, which does
not backtrack) and by making sure Python's `re` never sees a catalog pattern, not with a clock.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import CatalogError, Field, FieldType, Text, parse_catalog
from kiosk.catalog.loader import compile_pattern
from kiosk.forms import normalise, validate_field
from kiosk.forms import validate as validate_module

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"
EVIL = r"^(\d|\d)*[A-Z]$"
TODAY = __import__("datetime").date(2026, 11, 21)


def _catalog_with_pattern(pattern: str) -> bytes:
    data: dict[str, Any] = json.loads((FIXTURES / "minimal.json").read_text(encoding="utf-8"))
    data["services"][0]["fields"][1]["pattern"] = pattern
    return json.dumps(data).encode()  # ASCII: a lone surrogate travels as \ud800


@pytest.fixture
def no_python_re_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly (instead of hanging) if Python's backtracking `re` is handed EVIL."""
    validate_module._compiled.cache_clear()
    for name in ("compile", "fullmatch", "match", "search"):
        real = getattr(re, name)

        def guard(pattern: Any, *args: Any, _real: Any = real, **kw: Any) -> Any:
            assert pattern != EVIL, "a catalog pattern reached Python's backtracking re"
            return _real(pattern, *args, **kw)

        monkeypatch.setattr(re, name, guard)


@pytest.mark.usefixtures("no_python_re_for")
def test_exponential_alternation_is_refused_or_runs_in_linear_time() -> None:
    try:
        catalog = parse_catalog(_catalog_with_pattern(EVIL), "evil.json")
    except CatalogError as exc:  # refusing it is a bound too
        assert exc.field == "services[0].fields[1].pattern"
        return
    field = catalog.services["alpha"].fields[1]
    assert field.pattern == EVIL
    assert compile_pattern(EVIL).engine == "re2"  # an automaton: no backtracking, ever
    answer = "1" * 26
    issues = validate_field(field, normalise(field, answer), {}, today=TODAY)
    assert [i.code for i in issues] == ["pattern"]
    assert validate_module._compiled(EVIL) is not None
    assert validate_module._compiled(EVIL).engine == "re2"  # type: ignore[union-attr]


@pytest.mark.usefixtures("no_python_re_for")
def test_the_longest_answer_a_catalog_allows_is_matched_by_re2() -> None:
    field = Field(
        id="code", type=FieldType.TEXT_LATIN, label=Text("ក", "Code"), max_length=4000, pattern=EVIL
    )
    assert compile_pattern(EVIL).engine == "re2"  # checked first: Python's re would never end
    assert [i.code for i in validate_field(field, "7" * 4000, {}, today=TODAY)] == ["pattern"]
    assert validate_field(field, "7" * 3999 + "X", {}, today=TODAY) == []


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("(?=A)[A-Z]+", "lookahead"),
        ("(?!X)[A-Z]+", "lookahead"),
        ("(?<=A)B", "lookbehind"),
        ("(?<!A)B", "lookbehind"),
        (r"(a)\1", "back-reference"),
        ("(?P<x>a)(?P=x)", "back-reference"),
        ("[0-9]++", "RE2"),
        (r"[0-9]+\Z", "RE2"),
    ],
)
def test_patterns_re2_cannot_run_are_refused_naming_the_field(pattern: str, says: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(_catalog_with_pattern(pattern), "test.json")
    assert info.value.field == "services[0].fields[1].pattern"
    assert says in str(info.value)


def test_a_lone_surrogate_is_refused_in_a_pattern_and_fails_an_answer() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(_catalog_with_pattern("[A-Z]\ud800"), "test.json")
    assert info.value.field == "services[0].fields[1].pattern"
    field = Field(id="c", type=FieldType.TEXT_LATIN, label=Text("ក", "C"), pattern="[A-Z]+.")
    assert [i.code for i in validate_field(field, "AB\ud800", {}, today=TODAY)] == ["pattern"]


def test_ordinary_patterns_keep_their_meaning() -> None:
    rx = compile_pattern("[A-Za-z]{0,3} ?[0-9]{5,12}")
    assert rx.engine == "re2"
    assert rx.fullmatch("N 0123456") and rx.fullmatch("0123456")
    assert not rx.fullmatch("N 0123456 ") and not rx.fullmatch("ABCD 12345")
    khmer = compile_pattern("[\u1780-\u17ff]+")
    assert khmer.fullmatch("សុខ") and not khmer.fullmatch("sok")

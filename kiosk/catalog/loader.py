"""Read and validate a catalog JSON file into `Catalog`.

The catalog comes from the ministry server later, so it is treated as hostile: size and
nesting are capped, every value is type-checked, and nothing in it is ever executed. Regex
patterns are compiled by RE2 (catalog/patterns.py), which matches in linear time whatever the
pattern; one RE2 cannot run (back-references, lookaround) is refused here. The old screen for
nested quantifiers stays as a hint to authors, not as the bound. Any problem raises
`CatalogError` with the file name and the path of the bad value
(e.g. `services[2].fields[5].type`). A field type this program does not know (or the UI
does not support) hides only that service, with the reason in `Catalog.hidden`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, cast

from kiosk.catalog.patterns import MAX_PATTERN, CatalogPattern, PatternError
from kiosk.catalog.schema import (
    ORIGINALS_CHECKS,
    Catalog,
    CatalogError,
    Condition,
    ConditionOp,
    Field,
    FieldType,
    Option,
    OriginalsCheck,
    Service,
)
from kiosk.text import Text

log = logging.getLogger(__name__)

FORMAT = 1
MAX_BYTES = 2_000_000
MAX_DEPTH = 12
MAX_SERVICES = 200
MAX_FIELDS = 200
MAX_OPTIONS = 300
MAX_STRING = 4000
MAX_PAGES = 50
_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# A group with a quantifier inside, itself quantified: (a+)+, (a*)*, (\w+){2,} …
_NESTED_QUANTIFIER_RE = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

_SERVICE_KEYS = {
    "id", "version", "name", "description", "fee_khr", "processing_days", "papers", "fields",
    "example_only", "groups", "next_steps", "originals_check",
}  # fmt: skip
_FIELD_KEYS = {
    "id", "type", "label", "help", "required", "options", "min_length", "max_length", "pattern",
    "minimum", "maximum", "date_past_only", "show_if", "group", "min_pages", "max_pages",
    "required_if", "error_name", "pattern_hint", "searchable",
}  # fmt: skip


class _Hide(Exception):
    """A service the program cannot offer (unknown/unsupported field type)."""


class _Reader:
    """Checks values at a path and raises CatalogError naming it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, message: str) -> CatalogError:
        return CatalogError(self.name, where, message)

    def obj(self, v: Any, where: str, keys: Collection[str] | None = None) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(where, "must be an object")
        if keys is not None:
            for k in v:
                if k not in keys:
                    raise self.fail(f"{where}.{k}", "is not a known key")
        return cast(dict[str, Any], v)

    def lst(self, v: Any, where: str, cap: int) -> list[Any]:
        if not isinstance(v, list):
            raise self.fail(where, "must be a list")
        if len(v) > cap:
            raise self.fail(where, f"has more than {cap} entries")
        return v

    def string(self, v: Any, where: str, *, empty: bool = False) -> str:
        if not isinstance(v, str):
            raise self.fail(where, "must be a string")
        if len(v) > MAX_STRING:
            raise self.fail(where, f"is longer than {MAX_STRING} characters")
        if not empty and not v.strip():
            raise self.fail(where, "must not be empty")
        return v

    def ident(self, v: Any, where: str) -> str:
        s = self.string(v, where)
        if not _ID_RE.fullmatch(s):
            raise self.fail(where, "must be lower-case letters, digits and _ (max 64)")
        return s

    def boolean(self, v: Any, where: str) -> bool:
        if not isinstance(v, bool):
            raise self.fail(where, "must be true or false")
        return v

    def integer(self, v: Any, where: str, lo: int = 0, hi: int = 10**12) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(where, "must be a whole number")
        if not lo <= v <= hi:
            raise self.fail(where, f"must be between {lo} and {hi}")
        return v

    def number(self, v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(where, "must be a number")
        f = float(v)
        if f != f or abs(f) > 1e15:
            raise self.fail(where, "must be a finite number")
        return f

    def text(self, v: Any, where: str) -> Text:
        d = self.obj(v, where, {"km", "en"})
        if "km" not in d or "en" not in d:
            raise self.fail(where, "needs both km and en")
        return Text(km=self.string(d["km"], f"{where}.km"), en=self.string(d["en"], f"{where}.en"))


def _check_depth(data: Any) -> None:
    """Reject deeper nesting than any real catalog has (json recursion limits are far higher)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_DEPTH}")
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)


def compile_pattern(pattern: str) -> CatalogPattern:
    """Compile a catalog pattern for RE2; PatternError (a ValueError) says why it cannot be."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"pattern longer than {MAX_PATTERN} characters")
    if _NESTED_QUANTIFIER_RE.search(pattern):
        raise PatternError("pattern has a quantified group containing a quantifier")
    return CatalogPattern(pattern)


def _condition(r: _Reader, v: Any, where: str, earlier: Mapping[str, Field | None]) -> Condition:
    d = r.obj(v, where, {"field", "equals", "not_equals", "in"})
    ref = r.ident(d.get("field"), f"{where}.field")
    if ref not in earlier:
        raise r.fail(f"{where}.field", f"must name an earlier field (no {ref!r} before this one)")
    if earlier[ref] is None:
        raise _Hide(f"{where}.field: refers to {ref!r}, a field this kiosk cannot show")
    all_ops: tuple[ConditionOp, ...] = ("equals", "not_equals", "in")
    ops = [k for k in all_ops if k in d]
    if len(ops) != 1:
        raise r.fail(where, "needs exactly one of equals, not_equals, in")
    op = ops[0]
    raw = d[op]
    if op == "in":
        items = r.lst(raw, f"{where}.in", MAX_OPTIONS)
        value: Any = tuple(_scalar(r, x, f"{where}.in[{i}]") for i, x in enumerate(items))
    else:
        value = _scalar(r, raw, f"{where}.{op}")
    return Condition(field=ref, op=op, value=value)


def _scalar(r: _Reader, v: Any, where: str) -> str | bool | float:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return r.number(v, where)
    return r.string(v, where, empty=True)


def _field(
    r: _Reader,
    v: Any,
    where: str,
    earlier: Mapping[str, Field | None],
    supported: Collection[str],
) -> Field:
    d = r.obj(v, where, _FIELD_KEYS)
    fid = r.ident(d.get("id"), f"{where}.id")
    if fid in earlier:
        raise r.fail(f"{where}.id", f"{fid!r} is used twice")
    type_name = r.string(d.get("type"), f"{where}.type")
    try:
        ftype = FieldType(type_name)
    except ValueError:
        raise _Hide(f"{where}.type: unknown field type {type_name!r}") from None
    if type_name not in supported:
        raise _Hide(f"{where}.type: field type {type_name!r} is not supported by this kiosk")

    def opt_text(key: str) -> Text | None:
        return r.text(d[key], f"{where}.{key}") if d.get(key) is not None else None

    def opt_int(key: str, lo: int, hi: int) -> int | None:
        return r.integer(d[key], f"{where}.{key}", lo, hi) if d.get(key) is not None else None

    def opt_num(key: str) -> float | None:
        return r.number(d[key], f"{where}.{key}") if d.get(key) is not None else None

    options: list[Option] = []
    seen: set[str] = set()
    for i, o in enumerate(r.lst(d.get("options", []), f"{where}.options", MAX_OPTIONS)):
        ow = f"{where}.options[{i}]"
        od = r.obj(o, ow, {"value", "label"})
        value = r.string(od.get("value"), f"{ow}.value")
        if value in seen:
            raise r.fail(f"{ow}.value", f"{value!r} is used twice")
        seen.add(value)
        options.append(Option(value=value, label=r.text(od.get("label"), f"{ow}.label")))
    if ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not options:
        raise r.fail(f"{where}.options", "a choice field needs at least one option")

    pattern = d.get("pattern")
    if pattern is not None:
        pattern = r.string(pattern, f"{where}.pattern")
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            raise r.fail(f"{where}.pattern", f"is not a safe regular expression: {exc}") from None

    min_length = opt_int("min_length", 0, MAX_STRING)
    max_length = opt_int("max_length", 1, MAX_STRING)
    if min_length is not None and max_length is not None and min_length > max_length:
        raise r.fail(f"{where}.min_length", "is greater than max_length")
    minimum, maximum = opt_num("minimum"), opt_num("maximum")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise r.fail(f"{where}.minimum", "is greater than maximum")
    min_pages = opt_int("min_pages", 0, MAX_PAGES)
    max_pages = opt_int("max_pages", 1, MAX_PAGES)
    min_pages = 1 if min_pages is None else min_pages
    max_pages = max(min_pages, 1) if max_pages is None else max_pages
    if min_pages > max_pages:
        raise r.fail(f"{where}.min_pages", "is greater than max_pages")

    return Field(
        id=fid,
        type=ftype,
        label=r.text(d.get("label"), f"{where}.label"),
        help=opt_text("help"),
        required=r.boolean(d.get("required", True), f"{where}.required"),
        options=tuple(options),
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        minimum=minimum,
        maximum=maximum,
        date_past_only=r.boolean(d.get("date_past_only", False), f"{where}.date_past_only"),
        show_if=(
            _condition(r, d["show_if"], f"{where}.show_if", earlier)
            if d.get("show_if") is not None
            else None
        ),
        group=r.ident(d["group"], f"{where}.group") if d.get("group") is not None else None,
        min_pages=min_pages,
        max_pages=max_pages,
        required_if=(
            _condition(r, d["required_if"], f"{where}.required_if", earlier)
            if d.get("required_if") is not None
            else None
        ),
        error_name=opt_text("error_name"),
        pattern_hint=opt_text("pattern_hint"),
        searchable=_searchable(r, d, ftype, f"{where}.searchable"),
    )


# Only a typed-in answer can be indexed for the clerk's search.
_SEARCHABLE_TYPES = frozenset(
    {FieldType.TEXT_KM, FieldType.TEXT_LATIN, FieldType.PHONE, FieldType.NATIONAL_ID}
)


def _searchable(r: _Reader, d: Mapping[str, Any], ftype: FieldType, where: str) -> bool:
    searchable = r.boolean(d.get("searchable", False), where)
    if searchable and ftype not in _SEARCHABLE_TYPES:
        raise r.fail(where, f"a {ftype.value} answer cannot be searched")
    return searchable


def _originals_check(r: _Reader, v: Any, where: str) -> OriginalsCheck:
    value = r.string(v, f"{where}.originals_check")
    for allowed in ORIGINALS_CHECKS:
        if value == allowed:
            return allowed
    raise r.fail(f"{where}.originals_check", f"must be one of {', '.join(ORIGINALS_CHECKS)}")


def _service(r: _Reader, v: Any, where: str, supported: Collection[str]) -> Service:
    d = r.obj(v, where, _SERVICE_KEYS)
    fields: dict[str, Field | None] = {}  # None: a field this kiosk cannot show
    hide: str | None = None
    for i, fv in enumerate(r.lst(d.get("fields"), f"{where}.fields", MAX_FIELDS)):
        try:
            f = _field(r, fv, f"{where}.fields[{i}]", fields, supported)
        except _Hide as exc:
            # Keep checking the rest so a malformed file is still reported as such.
            hide = hide or str(exc)
            fid = fv.get("id") if isinstance(fv, dict) else None
            if isinstance(fid, str) and fid not in fields:
                fields[fid] = None
            continue
        fields[f.id] = f
    if not d.get("fields"):
        raise r.fail(f"{where}.fields", "a service needs at least one field")
    groups = {
        r.ident(k, f"{where}.groups.{k}"): r.text(t, f"{where}.groups.{k}")
        for k, t in r.obj(d.get("groups", {}), f"{where}.groups").items()
    }
    service = Service(
        id=r.ident(d.get("id"), f"{where}.id"),
        version=r.string(d.get("version"), f"{where}.version"),
        name=r.text(d.get("name"), f"{where}.name"),
        description=r.text(d.get("description"), f"{where}.description"),
        fee_khr=r.integer(d.get("fee_khr"), f"{where}.fee_khr", 0, 10**10),
        processing_days=r.integer(d.get("processing_days"), f"{where}.processing_days", 0, 3650),
        papers=tuple(
            r.text(p, f"{where}.papers[{i}]")
            for i, p in enumerate(r.lst(d.get("papers", []), f"{where}.papers", MAX_OPTIONS))
        ),
        fields=tuple(f for f in fields.values() if f is not None),
        example_only=r.boolean(d.get("example_only", False), f"{where}.example_only"),
        groups=groups,
        next_steps=(
            r.text(d["next_steps"], f"{where}.next_steps")
            if d.get("next_steps") is not None
            else None
        ),
        originals_check=_originals_check(r, d.get("originals_check", "none"), where),
    )
    if hide is not None:
        raise _Hide(hide)
    return service


def parse_catalog(
    raw: bytes, name: str, *, supported_types: Collection[str] | None = None
) -> Catalog:
    """Validate `raw` (the bytes of a catalog file called `name`) into a Catalog."""
    r = _Reader(name)
    if len(raw) > MAX_BYTES:
        raise r.fail("", f"file is larger than {MAX_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
        _check_depth(data)
    except UnicodeDecodeError:
        raise r.fail("", "is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise r.fail("", f"is not valid JSON: {exc}") from None
    top = r.obj(data, "(top)", {"format", "version", "note", "services"})
    fmt = r.integer(top.get("format"), "format", 1, 1000)
    if fmt != FORMAT:
        raise r.fail("format", f"is {fmt}; this program reads format {FORMAT}")
    supported = (
        {t.value for t in FieldType}
        if supported_types is None
        else {str(t) for t in supported_types}
    )
    services: dict[str, Service] = {}
    hidden: dict[str, str] = {}
    for i, sv in enumerate(r.lst(top.get("services"), "services", MAX_SERVICES)):
        where = f"services[{i}]"
        try:
            service = _service(r, sv, where, supported)
        except _Hide as exc:
            sid = sv.get("id") if isinstance(sv, dict) else None
            key = sid if isinstance(sid, str) and sid else where
            hidden[key] = str(exc)
            log.warning("catalog %s: service %r hidden: %s", name, key, exc)
            continue
        if service.id in services or service.id in hidden:
            raise r.fail(f"{where}.id", f"{service.id!r} is used twice")
        services[service.id] = service
    return Catalog(
        version=r.string(top.get("version"), "version"),
        services=services,
        hidden=hidden,
        note=r.text(top["note"], "note") if top.get("note") is not None else None,
    )


def load_catalog(path: Path, *, supported_types: Collection[str] | None = None) -> Catalog:
    """Read and validate a catalog file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CatalogError(str(path), "", f"cannot be read: {exc.strerror or exc}") from None
    return parse_catalog(raw, str(path), supported_types=supported_types)


def bundled_catalog_bytes() -> bytes:
    return (resources.files("assets") / "catalog" / "services.json").read_bytes()


def load_bundled_catalog(*, supported_types: Collection[str] | None = None) -> Catalog:
    """The catalog shipped in assets/catalog/services.json."""
    return parse_catalog(
        bundled_catalog_bytes(), "assets/catalog/services.json", supported_types=supported_types
    )

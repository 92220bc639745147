"""Validate a catalog JSON file into `Catalog`: the one judge of a catalog, kiosk and server.

The kiosk installs a catalog only if `parse_catalog` accepts it; the back office runs
`check_catalog` on an upload, so an admin sees before publishing exactly what a kiosk would
refuse. Every problem is a `CatalogError` with the file name, the path of the bad value (e.g.
`services[2].fields[5].type`) and its words in Khmer and English. One pass reports every broken
field, service attribute and top-level value (a field stops at its first problem: its later
checks depend on the earlier ones); `parse_catalog` raises the first, as it always did.

A field type this program does not know (or the kiosk's UI does not support) hides only that
service, with the reason in `Catalog.hidden`; it is not an error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol.catalog.reader import (
    FORMAT,
    MAX_BYTES,
    MAX_FIELDS,
    MAX_OPTIONS,
    MAX_PAGES,
    MAX_SERVICES,
    MAX_STRING,
    Reader,
    check_depth,
)
from sync.protocol.catalog.schema import (
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
from sync.protocol.catalog.text import Text

__all__ = [
    "FIELD_KEYS",
    "SERVICE_KEYS",
    "CatalogCheck",
    "check_catalog",
    "no_usable_service",
    "parse_catalog",
]

log = logging.getLogger(__name__)

SERVICE_KEYS = {
    "id", "version", "name", "description", "fee_khr", "processing_days", "papers", "fields",
    "example_only", "groups", "next_steps", "originals_check",
}  # fmt: skip
FIELD_KEYS = {
    "id", "type", "label", "help", "required", "options", "min_length", "max_length", "pattern",
    "minimum", "maximum", "date_past_only", "show_if", "group", "min_pages", "max_pages",
    "required_if", "error_name", "pattern_hint", "searchable",
}  # fmt: skip
# Only a typed-in answer can be indexed for the clerk's search.
_SEARCHABLE_TYPES = frozenset(
    {FieldType.TEXT_KM, FieldType.TEXT_LATIN, FieldType.PHONE, FieldType.NATIONAL_ID}
)
# Stands for a field that had an error, so later conditions naming it are not errors too.
_BROKEN = Field(id="", type=FieldType.TEXT_LATIN, label=Text("", ""))


class _Hide(Exception):
    """A service the program cannot offer (unknown/unsupported field type)."""


class _Broken(Exception):
    """A service with errors (already kept by the reader): left out of the catalog."""


@dataclass(frozen=True)
class CatalogCheck:
    """What `check_catalog` found: the catalog when there is no error, and every error."""

    catalog: Catalog | None
    errors: list[CatalogError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.catalog is not None and not self.errors


def _scalar(r: Reader, v: Any, where: str) -> str | bool | float:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return r.number(v, where)
    return r.string(v, where, empty=True)


def _condition(r: Reader, v: Any, where: str, earlier: Mapping[str, Field | None]) -> Condition:
    d = r.obj(v, where, {"field", "equals", "not_equals", "in"})
    ref = r.ident(d.get("field"), f"{where}.field")
    if ref not in earlier:
        raise r.fail(f"{where}.field", "not_earlier", ref=repr(ref))
    if earlier[ref] is None:
        raise _Hide(f"{where}.field: refers to {ref!r}, a field this kiosk cannot show")
    all_ops: tuple[ConditionOp, ...] = ("equals", "not_equals", "in")
    ops = [k for k in all_ops if k in d]
    if len(ops) != 1:
        raise r.fail(where, "one_op")
    op = ops[0]
    raw = d[op]
    if op == "in":
        items = r.lst(raw, f"{where}.in", MAX_OPTIONS)
        value: Any = tuple(_scalar(r, x, f"{where}.in[{i}]") for i, x in enumerate(items))
    else:
        value = _scalar(r, raw, f"{where}.{op}")
    return Condition(field=ref, op=op, value=value)


def _options(r: Reader, d: Mapping[str, Any], where: str, ftype: FieldType) -> tuple[Option, ...]:
    options: list[Option] = []
    seen: set[str] = set()
    for i, o in enumerate(r.lst(d.get("options", []), f"{where}.options", MAX_OPTIONS)):
        ow = f"{where}.options[{i}]"
        od = r.obj(o, ow, {"value", "label"})
        value = r.string(od.get("value"), f"{ow}.value")
        if value in seen:
            raise r.fail(f"{ow}.value", "used_twice", value=repr(value))
        seen.add(value)
        options.append(Option(value=value, label=r.text(od.get("label"), f"{ow}.label")))
    if ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not options:
        raise r.fail(f"{where}.options", "no_options")
    return tuple(options)


def _field(
    r: Reader,
    v: Any,
    where: str,
    earlier: Mapping[str, Field | None],
    supported: Collection[str],
) -> Field:
    d = r.obj(v, where, FIELD_KEYS)
    fid = r.ident(d.get("id"), f"{where}.id")
    if fid in earlier:
        raise r.fail(f"{where}.id", "used_twice", value=repr(fid))
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

    def opt_condition(key: str) -> Condition | None:
        if d.get(key) is None:
            return None
        return _condition(r, d[key], f"{where}.{key}", earlier)

    options = _options(r, d, where, ftype)
    pattern = r.pattern(d["pattern"], f"{where}.pattern") if d.get("pattern") is not None else None
    min_length = opt_int("min_length", 0, MAX_STRING)
    max_length = opt_int("max_length", 1, MAX_STRING)
    if min_length is not None and max_length is not None and min_length > max_length:
        raise r.fail(f"{where}.min_length", "greater_than", other="max_length")
    minimum, maximum = opt_num("minimum"), opt_num("maximum")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise r.fail(f"{where}.minimum", "greater_than", other="maximum")
    min_pages = opt_int("min_pages", 0, MAX_PAGES)
    max_pages = opt_int("max_pages", 1, MAX_PAGES)
    min_pages = 1 if min_pages is None else min_pages
    max_pages = max(min_pages, 1) if max_pages is None else max_pages
    if min_pages > max_pages:
        raise r.fail(f"{where}.min_pages", "greater_than", other="max_pages")

    return Field(
        id=fid,
        type=ftype,
        label=r.text(d.get("label"), f"{where}.label"),
        help=opt_text("help"),
        required=r.boolean(d.get("required", True), f"{where}.required"),
        options=options,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        minimum=minimum,
        maximum=maximum,
        date_past_only=r.boolean(d.get("date_past_only", False), f"{where}.date_past_only"),
        show_if=opt_condition("show_if"),
        group=r.ident(d["group"], f"{where}.group") if d.get("group") is not None else None,
        min_pages=min_pages,
        max_pages=max_pages,
        required_if=opt_condition("required_if"),
        error_name=opt_text("error_name"),
        pattern_hint=opt_text("pattern_hint"),
        searchable=_searchable(r, d, ftype, f"{where}.searchable"),
    )


def _searchable(r: Reader, d: Mapping[str, Any], ftype: FieldType, where: str) -> bool:
    searchable = r.boolean(d.get("searchable", False), where)
    if searchable and ftype not in _SEARCHABLE_TYPES:
        raise r.fail(where, "not_searchable", type=ftype.value)
    return searchable


def _originals_check(r: Reader, v: Any, where: str) -> OriginalsCheck:
    value = r.string(v, f"{where}.originals_check")
    for allowed in ORIGINALS_CHECKS:
        if value == allowed:
            return allowed
    raise r.fail(f"{where}.originals_check", "one_of", choices=", ".join(ORIGINALS_CHECKS))


def _fields(
    r: Reader, d: Mapping[str, Any], where: str, supported: Collection[str]
) -> tuple[dict[str, Field | None], str | None]:
    """Every field of a service (None: one this kiosk cannot show, `_BROKEN`: one with an
    error, kept by the reader) and the first reason to hide the service, if any."""
    fields: dict[str, Field | None] = {}
    hide: str | None = None
    for i, fv in enumerate(r.lst(d.get("fields"), f"{where}.fields", MAX_FIELDS)):
        fid = fv.get("id") if isinstance(fv, dict) else None
        try:
            f = _field(r, fv, f"{where}.fields[{i}]", fields, supported)
        except _Hide as exc:
            # Keep checking the rest so a malformed file is still reported as such.
            hide = hide or str(exc)
            if isinstance(fid, str) and fid not in fields:
                fields[fid] = None
            continue
        except CatalogError as exc:
            r.keep(exc)
            if isinstance(fid, str) and fid not in fields:
                fields[fid] = _BROKEN
            continue
        fields[f.id] = f
    return fields, hide


def _service(r: Reader, v: Any, where: str, supported: Collection[str]) -> Service:
    d = r.obj(v, where, SERVICE_KEYS)
    before = len(r.errors)
    nothing: tuple[dict[str, Field | None], str | None] = ({}, None)
    fields, hide = r.attempt(lambda: _fields(r, d, where, supported), nothing)
    if d.get("fields") == []:  # anything else that is not a list is already an error
        r.keep(r.fail(f"{where}.fields", "no_fields"))

    def text_at(key: str) -> Text:
        return r.attempt(lambda: r.text(d.get(key), f"{where}.{key}"), Text("", ""))

    def opt_text_at(key: str) -> Text | None:
        if d.get(key) is None:
            return None
        return r.attempt(lambda: r.text(d[key], f"{where}.{key}"), None)

    groups: dict[str, Text] = r.attempt(
        lambda: {
            r.ident(k, f"{where}.groups.{k}"): r.text(t, f"{where}.groups.{k}")
            for k, t in r.obj(d.get("groups", {}), f"{where}.groups").items()
        },
        dict[str, Text](),
    )
    service = Service(  # the arguments are checked in this order, so errors come in it too
        id=r.attempt(lambda: r.ident(d.get("id"), f"{where}.id"), ""),
        version=r.attempt(lambda: r.string(d.get("version"), f"{where}.version"), ""),
        name=text_at("name"),
        description=text_at("description"),
        fee_khr=r.attempt(lambda: r.integer(d.get("fee_khr"), f"{where}.fee_khr", 0, 10**10), 0),
        processing_days=r.attempt(
            lambda: r.integer(d.get("processing_days"), f"{where}.processing_days", 0, 3650), 0
        ),
        papers=r.attempt(
            lambda: tuple(
                r.text(p, f"{where}.papers[{i}]")
                for i, p in enumerate(r.lst(d.get("papers", []), f"{where}.papers", MAX_OPTIONS))
            ),
            (),
        ),
        fields=tuple(f for f in fields.values() if f is not None and f is not _BROKEN),
        example_only=r.attempt(
            lambda: r.boolean(d.get("example_only", False), f"{where}.example_only"), False
        ),
        groups=groups,
        next_steps=opt_text_at("next_steps"),
        originals_check=r.attempt(
            lambda: _originals_check(r, d.get("originals_check", "none"), where), "none"
        ),
    )
    if len(r.errors) > before:
        raise _Broken()
    if hide is not None:
        raise _Hide(hide)
    return service


def _services(
    r: Reader, top: Mapping[str, Any], supported: Collection[str]
) -> tuple[dict[str, Service], dict[str, str]]:
    services: dict[str, Service] = {}
    hidden: dict[str, str] = {}
    for i, sv in enumerate(r.lst(top.get("services"), "services", MAX_SERVICES)):
        where = f"services[{i}]"
        try:
            service = _service(r, sv, where, supported)
        except _Broken:
            continue
        except CatalogError as exc:
            r.keep(exc)
            continue
        except _Hide as exc:
            sid = sv.get("id") if isinstance(sv, dict) else None
            key = sid if isinstance(sid, str) and sid else where
            hidden[key] = str(exc)
            log.warning("catalog %s: service %r hidden: %s", r.name, key, exc)
            continue
        if service.id in services or service.id in hidden:
            r.keep(r.fail(f"{where}.id", "used_twice", value=repr(service.id)))
            continue
        services[service.id] = service
    return services, hidden


def _check(r: Reader, raw: bytes, supported_types: Collection[str] | None) -> Catalog | None:
    """The catalog, or None; every problem found is in `r.errors`."""
    if len(raw) > MAX_BYTES:
        r.keep(r.fail("", "too_large", max=MAX_BYTES))
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        check_depth(data)
    except UnicodeDecodeError:
        r.keep(r.fail("", "not_utf8"))
        return None
    except (ValueError, RecursionError) as exc:
        r.keep(r.fail("", "bad_json", detail=str(exc)))
        return None
    try:
        top = r.obj(data, "(top)", {"format", "version", "note", "services"})
    except CatalogError as exc:
        r.keep(exc)
        return None

    def fmt() -> None:
        found = r.integer(top.get("format"), "format", 1, 1000)
        if found != FORMAT:
            raise r.fail("format", "bad_format", found=found, want=FORMAT)

    r.attempt(fmt, None)
    supported = (
        {t.value for t in FieldType}
        if supported_types is None
        else {str(t) for t in supported_types}
    )
    none: tuple[dict[str, Service], dict[str, str]] = ({}, {})
    services, hidden = r.attempt(lambda: _services(r, top, supported), none)
    version = r.attempt(lambda: r.string(top.get("version"), "version"), "")
    note = (
        r.attempt(lambda: r.text(top["note"], "note"), None)
        if top.get("note") is not None
        else None
    )
    if r.errors:
        return None
    return Catalog(version=version, services=services, hidden=hidden, note=note)


def parse_catalog(
    raw: bytes, name: str, *, supported_types: Collection[str] | None = None
) -> Catalog:
    """Validate `raw` (the bytes of a catalog file called `name`) into a Catalog; raises the
    first CatalogError found."""
    r = Reader(name)
    catalog = _check(r, raw, supported_types)
    if r.errors or catalog is None:
        raise r.errors[0]
    return catalog


def no_usable_service(catalog: Catalog, name: str) -> CatalogError | None:
    """The error of a valid catalog that offers nothing (every service hidden), else None: a
    kiosk keeps its old catalog rather than install such a one."""
    if catalog.services:
        return None
    reasons = "; ".join(f"{k}: {v}" for k, v in list(catalog.hidden.items())[:3])
    return CatalogError(name, "services", code="no_usable_service", params={"reasons": reasons})


def check_catalog(
    raw: bytes, name: str, *, supported_types: Collection[str] | None = None
) -> CatalogCheck:
    """Every reason a kiosk would refuse `raw` (at most `reader.MAX_ERRORS`), and the catalog
    when there is none; never raises CatalogError."""
    r = Reader(name)
    catalog = _check(r, raw, supported_types)
    if catalog is not None:
        useless = no_usable_service(catalog, name)
        if useless is not None:
            return CatalogCheck(None, [useless])
    return CatalogCheck(catalog if not r.errors else None, list(r.errors))

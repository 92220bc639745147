"""Communes as the back office names them: the MEF code, and its Khmer and English names when
the server has a published gazetteer that lists them.

The server holds gazetteers only as documents it relays to kiosks (`documents`, kind
`gazetteer`); their shape is the publisher's. This reads the newest one leniently: a
`communes` list of `{"code", "name": {"km", "en"}}` objects, or a `communes` object of code →
name. Without one, a commune is known by its code alone, and a code is checked for its form and
its province (01 to 25, the MEF's provinces).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select

from sync import protocol as p
from sync.server import db

PROVINCES = range(1, 26)
_cache: dict[str, tuple[str, dict[str, dict[str, str]]]] = {}


def _name(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict) and isinstance(value.get("name"), dict):
        value = value["name"]
    if isinstance(value, dict):
        km, en = value.get("km"), value.get("en")
        if isinstance(km, str) or isinstance(en, str):
            return {"km": str(km or en), "en": str(en or km)}
    return None


def names(conn: Connection) -> dict[str, dict[str, str]]:
    """Commune code → {"km", "en"} from the newest published gazetteer; {} without one."""
    docs = db.documents
    newest = (
        select(docs.c.version)
        .where(docs.c.kind == "gazetteer")
        .order_by(docs.c.published_at.desc())
        .limit(1)
    )
    version = conn.execute(newest).scalar()
    if version is None:
        return {}
    key = str(conn.engine.url)
    cached = _cache.get(key)
    if cached and cached[0] == str(version):
        return cached[1]  # the (large) body is read only when a new gazetteer is published
    body = conn.execute(
        select(docs.c.body).where(docs.c.kind == "gazetteer").where(docs.c.version == version)
    ).scalar()
    try:
        communes = json.loads(body or "").get("communes")
    except (ValueError, AttributeError):
        communes = None
    found: dict[str, dict[str, str]] = {}
    items: list[tuple[Any, Any]] = []
    if isinstance(communes, dict):
        items = list(communes.items())
    elif isinstance(communes, list):
        items = [(c.get("code"), c) for c in communes if isinstance(c, dict)]
    for code, value in items:
        name = _name(value)
        if p.is_ascii_digits(str(code), 6) and name:
            found[str(code)] = name
    _cache[key] = (str(version), found)
    return found


def problem(code: str, known: dict[str, dict[str, str]]) -> str:
    """Why `code` is not a commune ("" if it is): an i18n key, `st_bad_commune` (its form) or
    `st_unknown_commune` (not in the gazetteer, or no such province)."""
    if not p.is_ascii_digits(code, 6):
        return "st_bad_commune"
    if known:
        return "" if code in known else "st_unknown_commune"
    return "" if int(code[:2]) in PROVINCES else "st_unknown_commune"


def in_use(conn: Connection) -> set[str]:
    """Communes the server deals with: those with a kiosk enrolled or staff on the roster."""
    devices = conn.execute(select(db.devices.c.commune_code).distinct()).scalars()
    staff = conn.execute(select(db.staff.c.commune_code).distinct()).scalars()
    return {str(c) for c in (*devices, *staff)}


def active_staff(conn: Connection) -> dict[str, int]:
    """Commune code → how many active staff it has on the roster."""
    rows = conn.execute(
        select(db.staff.c.commune_code, func.count())
        .where(db.staff.c.status == "active")
        .group_by(db.staff.c.commune_code)
    )
    return {str(code): int(n) for code, n in rows}

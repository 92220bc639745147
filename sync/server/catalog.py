"""Published catalog and gazetteer versions, and which (service id, form version) pairs are known.

The server only needs ids and versions from a catalog: a commit for a pair it does not know is
kept with `review = "unknown_service"` for a supervisor. Every published version counts, since a
kiosk may still be on an older one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from sync.server import db

KINDS = ("catalog", "gazetteer")


def services_of(doc: Any) -> set[tuple[str, str]]:
    """(id, version) pairs in a catalog document: `services` as a list of objects or a mapping."""
    if not isinstance(doc, dict):
        return set()
    services = doc.get("services", [])
    items = services.values() if isinstance(services, dict) else services
    pairs = set()
    if isinstance(services, dict):
        for key, svc in services.items():
            if isinstance(svc, dict):
                pairs.add((str(svc.get("id", key)), str(svc.get("version", ""))))
    elif isinstance(items, list):
        for svc in items:
            if isinstance(svc, dict) and "id" in svc:
                pairs.add((str(svc["id"]), str(svc.get("version", ""))))
    return pairs


_known_cache: dict[str, tuple[int, frozenset[tuple[str, str]]]] = {}


def known_services(conn: Connection) -> frozenset[tuple[str, str]]:
    """Union over all published catalogs; re-parsed only when a new version was published
    (documents are never deleted, so their count says whether the cache is current)."""
    count = (
        conn.execute(
            select(func.count()).select_from(db.documents).where(db.documents.c.kind == "catalog")
        ).scalar()
        or 0
    )
    key = str(conn.engine.url)
    cached = _known_cache.get(key)
    if cached and cached[0] == count:
        return cached[1]
    pairs: set[tuple[str, str]] = set()
    rows = conn.execute(select(db.documents.c.body).where(db.documents.c.kind == "catalog"))
    for body in rows.scalars():
        try:
            pairs |= services_of(json.loads(body))
        except ValueError:
            continue
    _known_cache[key] = (int(count), frozenset(pairs))
    return _known_cache[key][1]


def publish(conn: Connection, kind: str, raw: bytes) -> str:
    """Store a new catalog/gazetteer version and announce it in the feed; returns the version.

    Raises ValueError with a sentence if the document is not JSON or has no string `version`.
    """
    from sync.server.feed import append_change

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"The {kind} is not valid JSON: {exc}.") from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version or len(version) > 100:
        raise ValueError(f'The {kind} needs a string "version" (at most 100 characters).')
    exists = conn.execute(
        select(db.documents.c.version)
        .where(db.documents.c.kind == kind)
        .where(db.documents.c.version == version)
    ).first()
    if exists:
        raise FileExistsError(f"{kind} version {version} is already published.")
    conn.execute(
        db.documents.insert().values(
            kind=kind, version=version, body=raw.decode("utf-8"), published_at=db.now()
        )
    )
    db.set_setting(conn, f"{kind}_version", version)
    append_change(conn, kind, None, {"version": version, "url": f"/v1/{kind}/{version}"})
    return version


def import_initial(engine: Engine, path: Path | None) -> None:
    """On first start, publish the given (or bundled) catalog so known services are known."""
    candidates = (
        [path]
        if path
        else [Path(__file__).resolve().parents[2] / "assets" / "catalog" / "services.json"]
    )
    for candidate in candidates:
        if candidate is None or not candidate.is_file():
            continue
        with engine.begin() as conn:
            if db.get_setting(conn, "catalog_version") is not None:
                return
            try:
                publish(conn, "catalog", candidate.read_bytes())
            except FileExistsError:
                return


def fetch(conn: Connection, kind: str, version: str) -> str | None:
    return conn.execute(
        select(db.documents.c.body)
        .where(db.documents.c.kind == kind)
        .where(db.documents.c.version == version)
    ).scalar()

"""What the application page shows beyond the commit itself: the capture checks the kiosk
measured on each photo and page and any override of them, the clerk's counter record (originals
checked, fee, hand-over, photo overrides), and the supplements with what each one changed.

Why apart from application.py: that module decides; this one only reads. The page's cost stays
flat: one query per section (supplements, counter events, staff names, kiosks), never one per
row. The same list of pages (the commit's and every supplement's) is what the media route may
serve, so a supplement's page opens and no other file does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from sync import protocol as p
from sync.server import db
from sync.server.clerk_events import events_of
from sync.server.media import is_sha256
from sync.server.tables.clerk import registration_versions
from sync.server.versions import versions_of

AnswersOf = Callable[[dict[str, Any], dict[str, Any] | None], list[dict[str, Any]]]
Pair = dict[str, str]  # {"km": ..., "en": ...}
NOT_CHECKS = ("override", "found", "aspect", "paper")  # keys of `checks` that are not measures


@dataclass
class Page:
    field_id: str
    kind: str
    page: int
    sha256: str
    mime: str
    version: int  # 1: the commit's; n: supplement n's


@dataclass
class Measure:
    name: str
    value: str
    low: str
    high: str
    passed: bool | None  # None: the kiosk sent a bare number, no range


@dataclass
class Captured:
    page: Page
    measures: list[Measure]


@dataclass
class Override:
    field_id: str
    reason: str  # a protocol.PHOTO_OVERRIDE_REASONS code (free text is refused at the kiosk)
    staff: Pair | None
    at: float | None  # the kiosk's clock; None for one recorded in the capture checks
    source: str  # "capture" (in the attachment's checks) | "clerk" (a counter event)


@dataclass
class Original:
    document_id: str
    label: Pair
    seen: bool
    number: str
    issued_on: str
    page_sha256: str
    staff: Pair | None
    at: float | None


@dataclass
class CounterEvent:
    kind: str  # originals_unchecked | fee_received | collected
    staff: Pair | None
    at: float | None
    amount_riel: int | None = None
    receipt_book_no: str = ""
    id_checked: bool | None = None


@dataclass
class Change:
    id: str
    label: Pair
    before: Pair
    after: Pair


@dataclass
class Version:
    version: int
    received_at: float
    at: float | None
    staff: Pair | None
    device: str
    changes: list[Change]
    pages: list[Page]


@dataclass
class Extra:
    captured: list[Captured] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    originals: list[Original] = field(default_factory=list)
    counter: list[CounterEvent] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    current: dict[str, tuple[int, Pair]] = field(default_factory=dict)  # answers changed since
    labels: dict[str, Pair] = field(default_factory=dict)  # the catalog's field labels


def _pages(attachments: Any, version: int) -> list[Page]:
    out: list[Page] = []
    for a in attachments if isinstance(attachments, list) else []:
        if isinstance(a, dict) and is_sha256(str(a.get("sha256", ""))):
            page = a.get("page")
            out.append(
                Page(
                    str(a.get("field_id", "")),
                    str(a.get("kind", "")),
                    page if isinstance(page, int) else 0,
                    str(a["sha256"]),
                    str(a.get("mime", "")),
                    version,
                )
            )
    return out


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)[:40]
    return f"{value:g}" if isinstance(value, float) else str(value)


def measures(checks: Any) -> list[Measure]:
    """The kiosk's `Check.as_dict` values ({value, low, high, passed}) or bare numbers."""
    out: list[Measure] = []
    for name, check in checks.items() if isinstance(checks, dict) else ():
        if name in NOT_CHECKS:
            continue
        if isinstance(check, dict):
            passed = check.get("passed")
            out.append(
                Measure(
                    str(name)[:60],
                    _number(check.get("value")),
                    _number(check.get("low")),
                    _number(check.get("high")),
                    passed if isinstance(passed, bool) else None,
                )
            )
        elif isinstance(check, int | float) and not isinstance(check, bool):
            out.append(Measure(str(name)[:60], _number(check), "", "", None))
    return out


def _override_of(checks: Any) -> tuple[str, str] | None:
    """(reason, staff id) of an override kept in the capture checks, as the kiosk keeps it."""
    found = checks.get("override") if isinstance(checks, dict) else None
    if isinstance(found, dict) and isinstance(found.get("reason"), str):
        return found["reason"], str(found.get("staff_id") or "")
    if isinstance(found, str) and found:
        return found, ""
    return None


def _ts(text: Any) -> float | None:
    try:
        return p.parse_date(str(text)).timestamp()
    except ValueError:
        return None


def field_labels(service: dict[str, Any] | None) -> dict[str, Pair]:
    out: dict[str, Pair] = {}
    for f in (service or {}).get("fields", []):
        if isinstance(f, dict) and isinstance(f.get("label"), dict):
            out[str(f.get("id"))] = {k: str(v) for k, v in f["label"].items()}
    return out


def read(
    conn: Connection,
    row: Any,
    doc: dict[str, Any],
    service: dict[str, Any] | None,
    answers_of: AnswersOf,
) -> Extra:
    """Everything above for one registration (four queries, whatever its size)."""
    versions = versions_of(conn, row.id)
    events = events_of(conn, row.id)
    staff_ids = {str(v["staff_id"]) for v in versions} | {str(e["staff_id"]) for e in events}
    devices = {str(v["device_id"]) for v in versions}
    for pair in (_override_of(a.get("checks")) for a in _attachments(doc, versions)):
        if pair and pair[1]:
            staff_ids.add(pair[1])
    names = _staff_names(conn, staff_ids)
    kiosks = _kiosk_labels(conn, devices)
    labels = field_labels(service)
    extra = Extra(labels=labels)
    for a, version in _attachments_with_version(doc, versions):
        pages = _pages([a], version)
        if not pages:
            continue
        found = measures(a.get("checks"))
        if found:
            extra.captured.append(Captured(pages[0], found))
        override = _override_of(a.get("checks"))
        if override:
            who = names.get(override[1]) if override[1] else None
            extra.overrides.append(Override(pages[0].field_id, override[0], who, None, "capture"))
    _counter(extra, events, names, labels)
    _versions(extra, doc, versions, service, answers_of, names, kiosks)
    return extra


def _attachments(doc: dict[str, Any], versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a, _ in _attachments_with_version(doc, versions)]


def _attachments_with_version(
    doc: dict[str, Any], versions: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], int]]:
    out: list[tuple[dict[str, Any], int]] = []
    bodies = [(doc, 1), *((v["body"], int(v["version"])) for v in versions)]
    for body, version in bodies:
        listed = body.get("attachments") if isinstance(body, dict) else None
        for a in listed if isinstance(listed, list) else []:
            if isinstance(a, dict):
                out.append((a, version))
    return out


def _counter(
    extra: Extra, events: list[dict[str, Any]], names: dict[str, Pair], labels: dict[str, Pair]
) -> None:
    for e in events:
        data, who, at = e["data"], names.get(str(e["staff_id"])), _ts(e["at"])
        kind = e["kind"]
        if kind == p.ClerkEvent.ORIGINALS_CHECKED:
            if data.get("unchecked_sent"):
                extra.counter.append(CounterEvent("originals_unchecked", who, at))
            for c in data.get("checks", []):
                doc_id = str(c.get("document_id", ""))
                extra.originals.append(
                    Original(
                        doc_id,
                        labels.get(doc_id, {"km": doc_id, "en": doc_id}),
                        bool(c.get("seen")),
                        str(c.get("number") or ""),
                        str(c.get("issued_on") or ""),
                        str(c.get("page_sha256") or ""),
                        who,
                        at,
                    )
                )
        elif kind == p.ClerkEvent.PHOTO_OVERRIDE:
            extra.overrides.append(
                Override(str(data.get("field_id", "")), str(data.get("reason")), who, at, "clerk")
            )
        elif kind == p.ClerkEvent.FEE_RECEIVED:
            amount = data.get("amount_riel")
            extra.counter.append(
                CounterEvent(
                    kind,
                    who,
                    at,
                    amount_riel=amount if isinstance(amount, int) else None,
                    receipt_book_no=str(data.get("receipt_book_no", "")),
                )
            )
        elif kind == p.ClerkEvent.COLLECTED:
            checked = data.get("id_checked")
            extra.counter.append(
                CounterEvent(
                    kind, who, at, id_checked=checked if isinstance(checked, bool) else None
                )
            )


def _versions(
    extra: Extra,
    doc: dict[str, Any],
    versions: list[dict[str, Any]],
    service: dict[str, Any] | None,
    answers_of: AnswersOf,
    names: dict[str, Pair],
    kiosks: dict[str, str],
) -> None:
    """Each supplement with its changes shown against the answer just before it."""
    held = doc.get("answers")
    answers: dict[str, Any] = dict(held) if isinstance(held, dict) else {}
    for v in versions:
        body, n = v["body"], int(v["version"])
        changed = body.get("answers") if isinstance(body.get("answers"), dict) else {}
        after = {a["id"]: a for a in answers_of({"answers": changed}, service)}
        before = {
            a["id"]: a["value"]
            for a in answers_of(
                {"answers": {k: answers[k] for k in changed if k in answers}}, service
            )
        }
        changes = [
            Change(
                key,
                after[key]["label"],
                before.get(key, {"km": "—", "en": "—"}),
                after[key]["value"],
            )
            for key in changed
            if key in after
        ]
        for key in changed:
            if key in after:
                extra.current[key] = (n, after[key]["value"])
        answers.update(changed)
        extra.versions.append(
            Version(
                n,
                float(v["received_at"]),
                _ts(body.get("at")),
                names.get(str(v["staff_id"])),
                kiosks.get(str(v["device_id"]), str(v["device_id"])),
                changes,
                _pages(body.get("attachments"), n),
            )
        )


def _staff_names(conn: Connection, ids: set[str]) -> dict[str, Pair]:
    if not ids:
        return {}
    s = db.staff
    rows = conn.execute(select(s.c.id, s.c.name_km, s.c.name_en).where(s.c.id.in_(sorted(ids))))
    return {r.id: {"km": r.name_km, "en": r.name_en} for r in rows}


def _kiosk_labels(conn: Connection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    d = db.devices
    rows = conn.execute(select(d.c.id, d.c.label, d.c.kiosk_number).where(d.c.id.in_(sorted(ids))))
    return {r.id: f"{r.label} (#{r.kiosk_number})" if r.kiosk_number else r.label for r in rows}


def attachment_named(conn: Connection, row: Any, sha256: str) -> Page | None:
    """The page `sha256` if the commit or one of its supplements lists it, else None (the
    supplements are read only when the commit does not list it)."""
    for page in _pages(json.loads(row.body).get("attachments"), 1):
        if page.sha256 == sha256:
            return page
    v = registration_versions
    for n, body in conn.execute(
        select(v.c.version, v.c.body).where(v.c.registration_id == row.id).order_by(v.c.version)
    ):
        for page in _pages(json.loads(body).get("attachments"), int(n)):
            if page.sha256 == sha256:
                return page
    return None

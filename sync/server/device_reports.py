"""`POST /v1/device-report`: each kiosk's self-test for the back office's fleet view.

The body is `kiosk.diagnostics.fleet_report` (ids, statuses and measured values, no texts or
personal data); the server checks that shape strictly, so a report can never smuggle free text
into the fleet page, and keeps only the latest per device with the time it arrived (the last
contact). The answer carries the ministry's signed USB key (usb_import.key_certificate), so an
online kiosk is always ready to export to a stick. A kiosk whose last update was rolled back
says so in the check `update_rollback` (from, to, reason, at, outcome), which the fleet page
shows (`FleetRow.rollback`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.errors import ApiError, json_body
from sync.server.tables.device_reports import device_reports

router = APIRouter(prefix="/v1", tags=["devices"])
STATUSES = ("ok", "warn", "fail", "skipped")
MAX_CHECKS = 64
MAX_VALUES = 16
MAX_WORD = 64  # a string value: a short word, a timestamp or the server URL
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# Bounds (PROTOCOL.md): every real clock, however wrong (a dead RTC reads 1970 or 2000), is
# inside; nothing near datetime's or float's limits, so the fleet page's arithmetic holds.
MOMENT_MIN = datetime(1900, 1, 1, tzinfo=UTC)
MOMENT_MAX = datetime(2200, 1, 1, tzinfo=UTC)
NUMBER_MAX = 2**53  # |integer| at most this: exact as a float, like every measured value
# The check values that are timestamps (PROTOCOL.md "device report": what kiosk.diagnostics and
# kiosk.update.spool write): only these are held to the bounds above when they read as a date.
# Any other string is a word, however date-like ("01010101", a printer's serial, stays).
MOMENT_VALUES = frozenset({"at", "now", "last_success", "last_error_at", "measured_at"})


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=40)
    status: str = Field(pattern="^(ok|warn|fail|skipped)$")
    values: dict[str, Any] = Field(default_factory=dict)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    v: int = Field(ge=1, le=1)
    at: str | None = Field(default=None, max_length=40)
    summary: dict[str, int]
    checks: list[CheckIn] = Field(max_length=MAX_CHECKS)


class ReportOut(BaseModel):
    usb_key: dict[str, Any] = Field(description="the ministry's USB key, signed by the server key")


ROLLBACK_CHECK = "update_rollback"  # as kiosk.update.spool.ROLLBACK_CHECK makes it


@dataclass(frozen=True)
class Rollback:
    """A kiosk's last update, rolled back: the version that failed, the one running again."""

    from_version: str
    to_version: str
    reason: str
    at: str  # the kiosk's clock, as reported
    outcome: str  # rolled_back | rollback_failed | rollback_unavailable


def rollback_of(report: dict[str, Any] | None) -> Rollback | None:
    for check in (report or {}).get("checks", []):
        if isinstance(check, dict) and check.get("id") == ROLLBACK_CHECK:
            v = check.get("values") or {}
            return Rollback(
                *(str(v.get(k) or "") for k in ("from", "to", "reason", "at", "outcome"))
            )
    return None


@dataclass(frozen=True)
class FleetRow:
    device_id: str
    commune_code: str
    kiosk_number: int | None
    label: str
    revoked: bool
    last_contact: float | None  # server clock, epoch seconds; None: never reported
    report: dict[str, Any] | None

    @property
    def rollback(self) -> Rollback | None:
        return rollback_of(self.report)


def moment(text: Any) -> datetime | None:
    """A timestamp a kiosk wrote (data, not trusted), UTC, or None if it is not one or lies
    outside MOMENT_MIN..MOMENT_MAX. Without an offset it is taken as UTC (kiosks keep UTC)."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_WORD:
        return None
    try:
        when = p.parse_date(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            return None
    except OverflowError:  # "0001-01-01T00:00:00+01:00": before year 1 in UTC
        return None
    return when if MOMENT_MIN <= when < MOMENT_MAX else None


def _looks_like_moment(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _refuse(why: str) -> ApiError:
    return ApiError(422, "report_invalid", f"Device report refused: {why}.")


def _check_values(values: dict[str, Any]) -> None:
    if len(values) > MAX_VALUES:
        raise _refuse("too many values in one check")
    for name, value in values.items():
        if not (0 < len(name) <= 40 and set(name) <= _ID_CHARS):
            raise _refuse(f"value name {name[:40]!r} is not an identifier")
        if value is None or isinstance(value, bool | float):
            continue
        if isinstance(value, int):
            if abs(value) > NUMBER_MAX:
                raise _refuse(f"value {name} is beyond ±2^53")
            continue
        if (
            not isinstance(value, str)
            or len(value) > MAX_WORD
            or any(c.isspace() and c != " " for c in value)
        ):
            raise _refuse(f"value {name} is not a number, a boolean or a short word")
        if name in MOMENT_VALUES and _looks_like_moment(value) and moment(value) is None:
            raise _refuse(f"timestamp {name} is not within 1900-2199")


def check_report(doc: Any) -> dict[str, Any]:
    """The report as stored, or ApiError 422 `report_invalid`: only what fleet_report makes."""
    report = ReportIn.model_validate(doc)
    if report.at is not None and moment(report.at) is None:
        raise _refuse("at is not a timestamp within 1900-2199")
    for check in report.checks:
        if not set(check.id) <= _ID_CHARS:
            raise _refuse(f"check id {check.id!r} is not an identifier")
        _check_values(check.values)
    if set(report.summary) - set(STATUSES):
        raise _refuse("the summary counts only ok, warn, fail and skipped")
    if any(not 0 <= n <= MAX_CHECKS for n in report.summary.values()):
        raise _refuse(f"a summary count is not 0 to {MAX_CHECKS}")
    return {
        "v": report.v,
        "at": report.at,
        "summary": {k: int(report.summary.get(k, 0)) for k in STATUSES},
        "checks": [c.model_dump() for c in report.checks],
    }


def store_report(engine: Engine, device: Device, report: dict[str, Any]) -> None:
    """Replace the device's latest report; its arrival is the device's last contact."""
    row = {
        "report": p.canonical_text(report),
        "report_at": report.get("at"),
        "received_at": db.now(),
        "fail": report["summary"]["fail"],
        "warn": report["summary"]["warn"],
    }
    with engine.begin() as conn:
        done = conn.execute(
            device_reports.update().where(device_reports.c.device_id == device.id).values(**row)
        )
        if done.rowcount == 0:
            conn.execute(device_reports.insert().values(device_id=device.id, **row))


def latest_reports(conn: Connection, commune_prefix: str = "") -> list[FleetRow]:
    """Every device (reported or not) under `commune_prefix`, worst first: failing checks,
    then warnings, then the longest silent. For the back office's fleet page."""
    d, r = db.devices, device_reports
    rows = conn.execute(
        select(
            d.c.id,
            d.c.commune_code,
            d.c.kiosk_number,
            d.c.label,
            d.c.revoked_at,
            r.c.report,
            r.c.received_at,
            r.c.fail,
            r.c.warn,
        )
        .select_from(d.outerjoin(r, r.c.device_id == d.c.id))
        .where(d.c.commune_code.startswith(commune_prefix))
    ).all()
    out = [
        FleetRow(
            device_id=x.id,
            commune_code=x.commune_code,
            kiosk_number=x.kiosk_number,
            label=x.label or "",
            revoked=x.revoked_at is not None,
            last_contact=x.received_at,
            report=_stored(x.report),
        )
        for x in rows
    ]
    out.sort(key=_worst_first)
    return out


def _stored(text: str | None) -> dict[str, Any] | None:
    """A stored report as the page reads it; one that is not a JSON object, as none."""
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _worst_first(f: FleetRow) -> tuple[bool, int, int, float, str]:
    """Failing checks, then warnings, then the longest silent; a stored summary that is not
    a count (a row from before the bounds) sorts as none."""
    summary = (f.report or {}).get("summary")
    counts = summary if isinstance(summary, dict) else {}

    def n(key: str) -> int:
        v = counts.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    return (f.revoked, -n("fail"), -n("warn"), f.last_contact or 0.0, f.device_id)


@router.post("/device-report", response_model=ReportOut, summary="this kiosk's latest self-test")
async def post_device_report(
    ctx: Ctx, req: Signed, body: Annotated[ReportIn, Body()]
) -> dict[str, Any]:
    from sync.server.usb_import import key_certificate

    del body  # validated shape; the checks below are stricter
    report = check_report(json_body(req.body))
    await run_in_threadpool(store_report, ctx.engine, req.device, report)
    return {"usb_key": await run_in_threadpool(key_certificate, ctx)}

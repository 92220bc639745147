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


def _refuse(why: str) -> ApiError:
    return ApiError(422, "report_invalid", f"Device report refused: {why}.")


def _check_values(values: dict[str, Any]) -> None:
    if len(values) > MAX_VALUES:
        raise _refuse("too many values in one check")
    for name, value in values.items():
        if not (0 < len(name) <= 40 and set(name) <= _ID_CHARS):
            raise _refuse(f"value name {name[:40]!r} is not an identifier")
        if value is None or isinstance(value, bool | int | float):
            continue
        if (
            not isinstance(value, str)
            or len(value) > MAX_WORD
            or any(c.isspace() and c != " " for c in value)
        ):
            raise _refuse(f"value {name} is not a number, a boolean or a short word")


def check_report(doc: Any) -> dict[str, Any]:
    """The report as stored, or ApiError 422 `report_invalid`: only what fleet_report makes."""
    report = ReportIn.model_validate(doc)
    for check in report.checks:
        if not set(check.id) <= _ID_CHARS:
            raise _refuse(f"check id {check.id!r} is not an identifier")
        _check_values(check.values)
    if set(report.summary) - set(STATUSES):
        raise _refuse("the summary counts only ok, warn, fail and skipped")
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
            report=json.loads(x.report) if x.report else None,
        )
        for x in rows
    ]
    out.sort(
        key=lambda f: (
            f.revoked,
            -(f.report or {}).get("summary", {}).get("fail", 0),
            -(f.report or {}).get("summary", {}).get("warn", 0),
            f.last_contact or 0.0,
            f.device_id,
        )
    )
    return out


@router.post("/device-report", response_model=ReportOut, summary="this kiosk's latest self-test")
async def post_device_report(
    ctx: Ctx, req: Signed, body: Annotated[ReportIn, Body()]
) -> dict[str, Any]:
    from sync.server.usb_import import key_certificate

    del body  # validated shape; the checks below are stricter
    report = check_report(json_body(req.body))
    await run_in_threadpool(store_report, ctx.engine, req.device, report)
    return {"usb_key": await run_in_threadpool(key_certificate, ctx)}

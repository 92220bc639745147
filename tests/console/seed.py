"""Applications with chosen answers, times and photos, committed over the signed protocol by a
test kiosk (only sync.protocol: these run in the server-only job), for the filters, flags and
dashboards tests. Plus small helpers to read a console page, and the kiosk's submission times
relative to the day the tests run (the server clamps a submission more than 90 days before its
upload, sync/server/kiosk_clock.py, so a fixed date would change what the tests count).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import httpx

from sync import protocol as p
from tests.console.conftest import Console, form_csrf, png
from tests.sync.conftest import Kiosk

ICT = timezone(timedelta(hours=7))  # Cambodia, no daylight saving (the server's scope.ICT)


def cambodia_today() -> date:
    return datetime.now(ICT).date()


def last_week(weekday: int) -> date:
    """That weekday (Monday = 0) of the week before this one in Cambodia: 1 to 13 days ago, so
    a submission on it is past and well within the server's clamp whenever the tests run."""
    today = cambodia_today()
    return today - timedelta(days=today.weekday() + 7 - weekday)


def kiosk_at(day: date, hhmm: str) -> str:
    """`submitted_at` as a kiosk in Cambodia sends it at `hhmm` local time on `day`."""
    return p.format_date(datetime.combine(day, time.fromisoformat(hhmm), ICT))


def days_ago(days: int, hhmm: str = "09:00") -> str:
    """`submitted_at` of a kiosk at `hhmm` Cambodia time, `days` days before today there."""
    return kiosk_at(cambodia_today() - timedelta(days=days), hhmm)


MONDAY_9 = kiosk_at(last_week(0), "09:00")  # within the hall's default hours (flags.HOURS)

SERVICE_OF = {  # a service per ministry of the bundled catalog (db.SERVICE_MINISTRIES)
    "interior": "birth_certificate_copy",
    "mpwt": "driving_licence_renewal",
}


def submit(
    kiosk: Kiosk,
    *,
    name: str = "SOK DARA",
    born: str = "1990-01-01",
    phone: str = "",
    at: str = MONDAY_9,
    photo: bytes | None = None,
    service: str = "birth_certificate_copy",
    override: str = "",
) -> tuple[str, str]:
    """Commit one application; returns (registration id, application number)."""
    photo = photo or png(40, 50, tuple(uuid.uuid4().bytes[:3]))  # type: ignore[arg-type]
    loc = kiosk.upload(photo)
    att: dict[str, Any] = {
        "field_id": "face_photo",
        "kind": "photo",
        "page": 0,
        "sha256": hashlib.sha256(photo).hexdigest(),
        "size": len(photo),
        "mime": "image/png",
        "upload": loc,
    }
    if override:
        att["checks"] = {"sharpness": 12.5, "override": override}
    answers: dict[str, Any] = {"name_latin": name, "name_km": "សុខ", "date_of_birth": born}
    if phone:
        answers["phone"] = phone
    number = f"{kiosk.commune}-{uuid.uuid4().int % 10**12:012d}-3"
    doc = {
        "service_id": service,
        "form_version": "1",
        "app_number": number,
        "commune_code": kiosk.commune,
        "locale": "km",
        "submitted_at": at,
        "answers": answers,
        "attachments": [att],
    }
    reg_id = str(uuid.uuid4())
    r = kiosk.commit(reg_id, doc)
    assert r.status_code == 201, r.text
    return reg_id, number


def listed(html: str) -> set[str]:
    """Registration ids linked from a queue page's table."""
    return set(re.findall(r'href="/console/applications/([0-9a-f-]{36})"', html))


def csrf_of(client: httpx.Client) -> str:
    return form_csrf(client.get("/console/queue").text)


def db(console: Console) -> sqlite3.Connection:
    return sqlite3.connect(console.server.data_dir / "server.db")


def audit(console: Console, action: str) -> list[tuple[str, str, str]]:
    """(officer, subject, outcome) of each audit row of `action`, oldest first."""
    with db(console) as conn:
        return list(
            conn.execute(
                "SELECT officer, subject, outcome FROM officer_audit WHERE action = ? ORDER BY id",
                (action,),
            )
        )

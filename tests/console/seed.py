"""Applications with chosen answers, times and photos, committed over the signed protocol by a
test kiosk (only sync.protocol: these run in the server-only job), for the filters, flags and
dashboards tests. Plus small helpers to read a console page.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from typing import Any

import httpx

from tests.console.conftest import Console, form_csrf, png
from tests.sync.conftest import Kiosk

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
    at: str = "2026-11-16T02:00:00Z",  # a Monday, 09:00 in Cambodia
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

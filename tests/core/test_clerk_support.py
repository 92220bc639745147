"""Shared pieces of the clerk tests (no tests of its own): a real store with the staff roster,
a signed-in clerk's `ClerkDesk`, submitted applications with real JPEG pages, and the
ministry's status changes as the change feed brings them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from kiosk.catalog import Catalog, load_bundled_catalog
from kiosk.clerk import ClerkDesk
from kiosk.model import Attachment, Receipt
from kiosk.staff import StaffDesk, StaffSession
from kiosk.store import Store
from tests.core.test_staff_support import CHEAP, CLERK, CLERK_PIN, standard_roster

CATALOG: Catalog = load_bundled_catalog()

# before_upload, 60,000 riel; its ID number field is `id_number`
LICENCE = "driving_licence_renewal"
# at_pickup, 5,000 riel
RESIDENCE = "residence_certificate"
# none, 100,000 riel
BUSINESS = "business_registration"


def jpeg(seed: int = 0, size: tuple[int, int] = (120, 90)) -> bytes:
    """A real small JPEG (a different picture per seed)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    cv2.putText(img, str(seed), (10, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf.tobytes())


def answers_for(service_id: str, n: int = 0, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name_km": ["សុខ ដារា", "ចាន់ សុភា", "ហេង វណ្ណា"][n % 3],
        "name_latin": ["SOK DARA", "CHAN SOPHEA", "HENG VANNA"][n % 3],
        "date_of_birth": "1990-05-17",
        "id_number": f"{100200300 + n:09d}",
        "address": {"province": "12", "district": "1201", "commune": "120101", "village": ""},
        "wants_sms": True,
        "phone": f"+85512{345000 + n:06d}",
        "sex": "female",
    }
    if service_id == LICENCE:
        base |= {
            "category": "B",
            "licence_number": f"DL {7654320 + n}",
            "expiry_date": "2026-01-01",
        }
    base.update(extra)
    return base


def submit(
    store: Store, service_id: str, n: int = 0, *, photo: bool = True, **extra: Any
) -> Receipt:
    service = CATALOG.services[service_id]
    draft = store.create_draft(service_id, service.version, "km")
    atts: list[Attachment] = []
    if photo:
        atts.append(
            Attachment(
                "face_photo",
                "photo",
                store.add_media(jpeg(n), "image/jpeg"),
                checks={"sharpness": 212.5, "eyes_open": 0.9},
            )
        )
    doc = next(f.id for f in service.fields if f.type == "document")
    atts.append(Attachment(doc, "document", store.add_media(jpeg(1000 + n), "image/jpeg")))
    return store.submit(
        draft.id,
        answers_for(service_id, n, **extra),
        atts,
        fee_khr=service.fee_khr,
        processing_days=service.processing_days,
        service=service,
    )


def status_change(reg_id: str, status: str, seq: int, note: str | None = None) -> dict[str, Any]:
    return {
        "kind": "status",
        "registration_id": reg_id,
        "status": status,
        "note": note,
        "at": "2026-03-01T09:00:00+00:00",
        "seq": seq,
    }


def accept(store: Store, reg_id: str) -> None:
    """As the sync worker does: claim, then the server's receipt."""
    store.mark_uploading(reg_id)
    store.mark_accepted(reg_id, {"id": reg_id, "status": "received"})


def set_status(store: Store, reg_id: str, status: str, note: str | None = None) -> None:
    seq = int(store.feed_cursor() or 100) + 1
    store.apply_changes([status_change(reg_id, status, seq, note)], str(seq))


@dataclass
class Counter:
    """The clerk station on a real store: the roster applied, a clerk signed in."""

    store: Store
    staff: StaffDesk
    session: StaffSession
    desk: ClerkDesk


def counter(store: Store, clock: Callable[[], datetime]) -> Counter:
    store.apply_changes(standard_roster(), "10")
    staff = StaffDesk(store, clock=clock, params=CHEAP)
    session = staff.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    desk = ClerkDesk(store, CATALOG, session, now=clock, locale="en", staff_desk=staff)
    return Counter(store, staff, session, desk)


def sign_in_again(c: Counter) -> None:
    """The clerk signs in again (after a wait longer than the idle limit)."""
    session = c.staff.sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    c.session = c.desk.session = session


def audit_actions(store: Store, subject: str) -> list[str]:
    return [e.action for e in reversed(store.audit.entries(subject=subject, limit=1000))]


def snapshot(store: Store) -> tuple[Any, ...]:
    """Everything saved about registrations and staff work, to show a refusal changed nothing."""
    c = store._conn
    return tuple(
        c.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in (
            "registrations",
            "attachments",
            "registration_versions",
            "staff_events",
            "end_of_day",
            "outbox",
        )
    )

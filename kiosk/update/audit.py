"""The technician's update actions in the staff audit chain: the store's hash-chained log that
the clerk actions write (`store.audit.append(actor, action, subject, details)`) and the server
receives. A hold-back (`update.deferred`), an install asked from a USB stick
(`update.usb_requested`) and a stick's release refused (`update.usb_refused`), each with the
version as its subject; versions, days and reason codes only.

The actor is the signed-in staff member (a technician's `StaffSession`, with their role), or
"technician" when nobody is signed in: the command line (`sala update`), run at the machine's
own shell, or the technician screen reached with a setup code. The Updates page records on the
db worker after its io job; the command line opens the store itself (`record_in`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.staff import StaffSession

log = logging.getLogger(__name__)
TECHNICIAN = "technician"  # the actor when nobody is signed in


def record(
    store: Any, action: str, version: str, details: dict[str, Any], by: StaffSession | None = None
) -> None:
    """Append `update.<action>` for `version` to the store's audit chain."""
    actor, role = (by.staff_id, str(by.role)) if by is not None else (TECHNICIAN, TECHNICIAN)
    store.audit.append(actor, f"update.{action}", version or "-", {**details, "role": role})


def deferred(held: Any, days: int, now: datetime) -> tuple[str, str, dict[str, Any]]:
    """(action, version, details) of a hold-back made (`deferral.defer_offer`'s `Hold`)."""
    until = held.until.isoformat() if held.until is not None else None
    return "deferred", str(held.version), {"days": days, "until": until, "at": now.isoformat()}


def record_in(data_dir: Path, action: str, version: str, details: dict[str, Any]) -> bool:
    """`record` from the command line: opens the kiosk's store (its commune from the config);
    False, logged, when there is none yet (a machine not set up: nothing to audit into)."""
    try:
        from kiosk.config import load_config
        from kiosk.store import Store
        from kiosk.store.db import DB_FILE

        if not (Path(data_dir) / DB_FILE).is_file():  # never make a store just for this
            raise FileNotFoundError(DB_FILE)
        store = Store.open(data_dir, commune_code=load_config(data_dir).commune_code)
    except Exception as exc:
        log.warning("update.%s not audited (no store): %s", action, exc)
        return False
    try:
        record(store, action, version, details)
    finally:
        store.close()
    return True

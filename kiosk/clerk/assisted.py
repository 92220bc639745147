"""Who helped with an application, for the paper: the receipt of an assisted application says
"assisted by <clerk>" when it is first printed and on every reprint (issue 12).

The store keeps the clerk's staff id on the record (`registrations.assisted_by`, set by
`Store.set_assisted_by`); the name comes from the roster, where accounts are disabled but never
deleted, so a reprint names the same clerk as the first print. Blocking: the db worker.
"""

from __future__ import annotations

from typing import Any

from kiosk.store.errors import NotFound
from kiosk.text import Text


def assisted_by_name(store: Any, reg_id: str) -> Text | None:
    """The name of the clerk who assisted `reg_id` (both languages), or None when the citizen
    applied alone (or the record or the account is not on this kiosk)."""
    try:
        staff_id = store.clerk_record(reg_id).assisted_by
    except NotFound:
        return None
    if not staff_id:
        return None
    row = store.staff_row(staff_id)
    if row is None:
        return None
    return Text(km=row.name_km, en=row.name_en)

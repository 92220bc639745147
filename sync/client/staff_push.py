"""`push_staff_changes`: report what supervisors did to the roster here (`POST /v1/staff-changes`).

A plain synchronous function, like `push_pending`. The server applies a batch all or nothing and
takes each change id once, so a batch whose answer was lost is simply sent again. A refusal
names the change (`index`, `id`): that one is set aside with its code (the roster the server
sends back decides) and the rest go in the next request. A refusal that names no change is
noted as a sync error and the queue waits for the next round; it never stops the round, so
registrations and the feed keep moving.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.staff import changes_body
from sync.client.api import Api, error_code

log = logging.getLogger(__name__)

BATCH = 100  # the server's limit per request (PROTOCOL.md "Staff roster")
STAFF_ERROR_SETTING = "sync.staff_error"  # the last refusal that named no change, for `status`


def _refused_id(answer: Any, ids: list[str]) -> str | None:
    """The change a refusal names: its `id`, else its `index`; else a 422's `loc`
    (`body.changes.<i>…`, the shape check that runs before the batch is read)."""
    if not isinstance(answer, dict):
        return None
    if answer.get("id") in ids:
        return str(answer["id"])
    index = answer.get("index")
    if isinstance(index, int) and 0 <= index < len(ids):
        return ids[index]
    for item in answer.get("detail") or []:
        loc = item.get("loc") if isinstance(item, dict) else None
        if not (isinstance(loc, list) and len(loc) > 2 and loc[:2] == ["body", "changes"]):
            continue
        if str(loc[2]).isdigit() and int(loc[2]) < len(ids):
            return ids[int(loc[2])]
    return None


def push_staff_changes(store: Any, api: Api, *, batch: int = BATCH) -> int:
    """Send the queued local staff changes, oldest first; returns how many the server took.

    Raises `Offline`/`ServerBusy` (the link or the server; the round's backoff handles them)."""
    taken = 0
    for _ in range(10_000):  # each turn marks or sets aside at least one change
        pending = store.staff_changes_pending(limit=batch)
        if not pending:
            break
        ids = [c.id for c in pending]
        resp = api.request("POST", "/v1/staff-changes", json_body=changes_body(pending))
        if resp.status_code == 200:
            store.mark_staff_changes_sent(ids)
            taken += len(ids)
            continue
        code, message = error_code(resp)
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        refused = _refused_id(answer, ids)
        if refused is None:
            detail = f"POST /v1/staff-changes: {resp.status_code} {code}: {message}"
            log.error("staff changes not sent: %s", detail)
            store.set_setting(STAFF_ERROR_SETTING, {"at": api.now().isoformat(), "error": detail})
            break
        log.warning("staff change %s refused: %s %s", refused, code, message)
        store.set_aside_staff_change(refused, code or f"http_{resp.status_code}")
    if taken:
        log.info("staff: %d local changes reported", taken)
    return taken

"""`push_audit`: upload the kiosk's hash-chained audit to the server (`POST /v1/audit`).

Once an entry is on the server, whoever controls the kiosk can no longer rewrite it unseen.
Entries go exactly as stored, oldest first: the server recomputes each hash with
`protocol.audit_entry_hash` over the canonical details text, so nothing may be re-spelled.

- Where to resume: the last seq the server acknowledged, kept in a store setting per device
  id; `GET /v1/audit/head` only when that is unknown (first upload, a new enrolment), and a
  409 `audit_gap` (the server lost entries) resyncs to the head it names, once.
- Batches hold at most `protocol`'s 1000 entries and `MAX_BATCH_BYTES` of JSON, so one
  request stays short on a slow link.
- A 409 `audit_chain_broken` means the local chain was altered (or differs from what the
  server holds). The server keeps the good entries before it and flags it for the back office;
  here it is a sync error in the log and the settings, never a stop for registrations. Later
  rounds send only the refused entry again (a few hundred bytes), which the server counts on
  its open flag, until the chain fits again.
- No personal data: audit details carry ids, counts and reason codes by design (the server
  refuses details over `protocol.AUDIT_DETAILS_MAX_BYTES`). An entry cannot be left out or
  redacted (the chain would break), so the rule is kept where entries are written.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from kiosk.store.audit import AuditLink
from sync import protocol
from sync.client.api import Api, Refused, error_code

log = logging.getLogger(__name__)

MAX_ENTRIES = 1000  # the server's limit per upload (PROTOCOL.md "Audit upload")
MAX_BATCH_BYTES = 256 * 1024
SENT_SETTING = "sync.audit_sent"  # {"device_id", "seq", "hash"}: the server's acknowledged head
REFUSED_SETTING = "sync.audit_refused"  # {"device_id", "seq", "code", "at", "message"}


def wire_entry(link: AuditLink) -> dict[str, Any]:
    """One entry as `POST /v1/audit` takes it. Details that no longer parse (a damaged file)
    go as `{}`: the server's hash check then refuses and flags that entry, and the unreadable
    text itself never leaves the kiosk."""
    try:
        details = json.loads(link.details, parse_constant=protocol.refuse_constant)
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {}
    return {
        "seq": link.seq,
        "at": link.at,
        "actor": link.actor,
        "action": link.action,
        "subject": link.subject,
        "details": details,
        "prev_hash": link.prev_hash,
        "hash": link.hash,
    }


def _batch(links: list[AuditLink], stop_at: int | None) -> list[dict[str, Any]]:
    """Entries in order up to the byte cap (at least one), and not past `stop_at`."""
    out: list[dict[str, Any]] = []
    size = 0
    for link in links:
        if stop_at is not None and link.seq > stop_at:
            break
        entry = wire_entry(link)
        size += len(protocol.canonical_json(entry)) + 1
        if out and size > MAX_BATCH_BYTES:
            break
        out.append(entry)
    return out


def _server_head(api: Api) -> tuple[int, str]:
    resp = api.request("GET", "/v1/audit/head")
    if resp.status_code != 200:
        code, message = error_code(resp)
        raise Refused(
            f"GET /v1/audit/head: {resp.status_code} {code}: {message}",
            status=resp.status_code,
            code=code,
        )
    body = resp.json()
    return int(body["head_seq"]), str(body["head_hash"])


def _answer(resp: Any) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def push_audit(store: Any, api: Api) -> int:
    """Send the audit entries the server does not hold yet; returns how many it stored.

    A refusal is recorded (log, `sync.audit_refused`, `sync.last_error`) and ends this step
    only. Raises `Offline`/`ServerBusy` (the link or the server), like the other steps."""
    audit = store.audit
    if audit.head() == 0:
        return 0
    sent = store.get_setting(SENT_SETTING) or {}
    if sent.get("device_id") == api.device_id:
        head = int(sent["seq"])
    else:
        head = _server_head(api)[0]
    refused = store.get_setting(REFUSED_SETTING) or {}
    stop_at = int(refused["seq"]) if refused.get("device_id") == api.device_id else None
    stored = 0
    resynced = False
    while head < audit.head():
        entries = _batch(audit.after(head, limit=MAX_ENTRIES), stop_at)
        if not entries:
            break
        resp = api.request("POST", "/v1/audit", json_body={"entries": entries})
        body = _answer(resp)
        if isinstance(body.get("head_seq"), int) and isinstance(body.get("head_hash"), str):
            if body["head_seq"] != head or resp.status_code == 200:
                head = body["head_seq"]
                mark = {"device_id": api.device_id, "seq": head, "hash": body["head_hash"]}
                store.set_setting(SENT_SETTING, mark)
        if resp.status_code == 200:
            stored += int(body.get("stored") or 0)
            if stop_at is not None:
                store.set_setting(REFUSED_SETTING, None)
                stop_at = None
            if head < entries[-1]["seq"]:  # the server kept less than it said yes to
                break
            continue
        code, message = error_code(resp)
        if code == protocol.ERR_AUDIT_GAP and not resynced:
            resynced = True  # the server holds less than we thought: go on from its head
            continue
        _refused(store, api, resp.status_code, code, message, body.get("seq"))
        break
    return stored


def _refused(
    store: Any, api: Api, status: int, code: str | None, message: str, seq: object
) -> None:
    """Note an upload refusal for the technician; the back office sees the server's flag."""
    detail = f"POST /v1/audit: {status} {code}: {message}"
    log.error("audit upload refused: %s", detail)
    now = api.now().isoformat()
    if isinstance(seq, int):
        store.set_setting(
            REFUSED_SETTING,
            {"device_id": api.device_id, "seq": seq, "code": code, "at": now, "message": message},
        )
    store.set_setting("sync.last_error", {"at": now, "message": detail, "kind": "audit"})

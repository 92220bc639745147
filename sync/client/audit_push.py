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
from kiosk.store.outbox import LAST_ERROR
from sync import protocol
from sync.client.api import Api, error_code

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
    """Entries in order up to the byte cap (at least one), and not past `stop_at`. Details
    the server will refuse as too large travel alone, so the entries before them get in."""
    out: list[dict[str, Any]] = []
    size = 0
    for link in links:
        if stop_at is not None and link.seq > stop_at:
            break
        entry = wire_entry(link)
        size += len(protocol.canonical_json(entry)) + 1
        too_large = len(link.details.encode("utf-8")) > protocol.AUDIT_DETAILS_MAX_BYTES
        if out and (size > MAX_BATCH_BYTES or too_large):
            break
        out.append(entry)
        if too_large:
            break
    return out


def _server_head(store: Any, api: Api) -> int | None:
    """Where the server's copy of this device's chain ends; None (noted) if it won't say,
    e.g. a server from before the audit upload (404)."""
    resp = api.request("GET", "/v1/audit/head")
    head = _answer(resp).get("head_seq")
    if resp.status_code == 200 and isinstance(head, int):
        return head
    code, message = error_code(resp)
    _note(store, api, f"GET /v1/audit/head: {resp.status_code} {code}: {message}")
    return None


def _answer(resp: Any) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def push_audit(store: Any, api: Api) -> int:
    """Send the audit entries the server does not hold yet; returns how many it stored.

    A refusal is noted (log, `sync.audit_refused`, `sync.last_error`) and ends this step
    only. Raises `Offline`/`ServerBusy` (the link or the server), like the other steps."""
    audit = store.audit
    if audit.head() == 0:
        return 0
    sent = store.get_setting(SENT_SETTING) or {}
    if sent.get("device_id") == api.device_id:
        head = int(sent["seq"])
    else:
        found = _server_head(store, api)
        if found is None:
            return 0
        head = found
    refused = store.get_setting(REFUSED_SETTING) or {}
    stop_at = int(refused["seq"]) if refused.get("device_id") == api.device_id else None
    if stop_at is not None and stop_at <= head:  # the server holds that seq: nothing to redo
        stop_at = None
    stored = 0
    resynced = False
    while head < audit.head():
        entries = _batch(audit.after(head, limit=MAX_ENTRIES), stop_at)
        if not entries:
            break
        resp = api.request("POST", "/v1/audit", json_body={"entries": entries})
        body = _answer(resp)
        if isinstance(body.get("head_seq"), int) and isinstance(body.get("head_hash"), str):
            head = body["head_seq"]  # also on a 409: the good entries before it were kept
            mark = {"device_id": api.device_id, "seq": head, "hash": body["head_hash"]}
            store.set_setting(SENT_SETTING, mark)
        if resp.status_code == 200:
            stored += int(body.get("stored") or 0)
            if stop_at is not None and head >= stop_at:  # it fits now (the file was mended)
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
    if stored:
        log.info("audit: %d entries uploaded; the server holds up to %d", stored, head)
    return stored


def _refused(
    store: Any, api: Api, status: int, code: str | None, message: str, seq: object
) -> None:
    """Note an upload refusal; later rounds resend only up to the refused entry."""
    if isinstance(seq, int):
        now = api.now().isoformat()
        store.set_setting(
            REFUSED_SETTING,
            {"device_id": api.device_id, "seq": seq, "code": code, "at": now, "message": message},
        )
    _note(store, api, f"POST /v1/audit: {status} {code}: {message}")


def _note(store: Any, api: Api, detail: str) -> None:
    """A sync error for the technician (log, `sala status`); the back office sees the
    server's flag."""
    log.error("audit upload: %s", detail)
    store.set_setting(LAST_ERROR, {"at": api.now().isoformat(), "message": detail, "kind": "audit"})

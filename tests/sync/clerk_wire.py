"""Helpers for the clerk station's server tests (tests/sync/test_server_clerk_*.py): commit a
registration, move it as an officer, and send supplements, counter events and end-of-day
reports signed as a kiosk. Imports only the protocol and the test tools (server-only job)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc

STAFF = "0b9e3c1a-5d2f-4e8a-9c7b-1f2e3d4c5b6a"
AT = "2026-12-06T03:00:00Z"


def committed(kiosk: Kiosk, **extra: Any) -> str:
    reg_id = str(uuid.uuid4())
    r = kiosk.commit(reg_id, registration_doc(kiosk, **extra))
    assert r.status_code == 201, r.text
    return reg_id


def move(server: ServerProcess, token: str, reg_id: str, *statuses: str, note: str = "") -> None:
    """Officer status moves over HTTP, in order."""
    for status in statuses:
        r = httpx.post(
            f"{server.url}/v1/registrations/{reg_id}/status",
            json={"status": status, "note": note},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text


def supplement_doc(
    n: int,
    answers: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "version": n,
        "base_version": n - 1,
        "answers": {} if answers is None else answers,
        "attachments": attachments or [],
        "staff_id": STAFF,
        "at": AT,
        **extra,
    }


def put_version(kiosk: Kiosk, reg_id: str, n: int, doc: dict[str, Any]) -> httpx.Response:
    return kiosk.request("PUT", p.supplement_path(reg_id, n), json_body=doc)


def event_doc(kind: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "at": AT, "staff_id": STAFF, "data": data, **extra}


def put_event(kiosk: Kiosk, reg_id: str, doc: dict[str, Any], event_id: str = "") -> httpx.Response:
    return kiosk.request("PUT", p.event_path(reg_id, event_id or str(uuid.uuid4())), json_body=doc)


def feed_statuses(kiosk: Kiosk, reg_id: str) -> list[tuple[str, str]]:
    changes = kiosk.request("GET", "/v1/changes?limit=1000").json()["changes"]
    return [
        (c["status"], c["note"])
        for c in changes
        if c["kind"] == "status" and c["registration_id"] == reg_id
    ]


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls on threads released together, as two kiosks at one moment."""
    barrier = threading.Barrier(len(calls))
    out: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]

"""The kiosk's hash-chained audit reaches the server in the sync round (PROTOCOL.md "Audit
upload"): whole, once, in byte-capped batches; an entry altered in the kiosk's file is refused
and flagged there while registrations still go; and a damaged registration row is reported to
the back office through its `damaged` entry (issue 10 item 2)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from kiosk.store.db import DB_FILE
from sync.client import audit_push
from sync.client.api import Api
from sync.client.audit_push import REFUSED_SETTING, SENT_SETTING, push_audit
from sync.client.worker import sync_once
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_push import server_rows
from tests.sync.test_client_store_hardening import _flip_answers_bit

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]

PERSONAL = ("សុខ ដារ៉ា", "+85512345678")  # what KioskSide.submit answers


def server_db(server: ServerProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def held(side: KioskSide, device_id: str) -> list[tuple[Any, ...]]:
    """The server's copy of the device's chain: (seq, hash, action, subject, details)."""
    return server_db(
        side.server,
        "SELECT seq, hash, action, subject, details FROM device_audit WHERE device_id = ? "
        "ORDER BY seq",
        device_id,
    )


def local(side: KioskSide) -> list[tuple[Any, ...]]:
    """The kiosk's chain, in the same shape (details as the canonical text it hashed)."""
    return [
        (e.seq, e.hash, e.action, e.subject, e.details)
        for e in side.store.audit.after(0, limit=100_000)
    ]


def flags(side: KioskSide, device_id: str) -> list[tuple[Any, ...]]:
    return server_db(
        side.server,
        "SELECT kind, seq, count FROM device_audit_flags WHERE device_id = ? AND "
        "resolved_at IS NULL",
        device_id,
    )


def audit_uploads(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The seqs of each `POST /v1/audit` the api sends from now on."""
    sent: list[list[int]] = []
    real = api.request

    def spy(method: str, path: str, **kw: Any) -> Any:
        if (method, path) == ("POST", "/v1/audit"):
            sent.append([e["seq"] for e in kw["json_body"]["entries"]])
        return real(method, path, **kw)

    monkeypatch.setattr(api, "request", spy)
    return sent


def rewrite_details(side: KioskSide, seq: int, old: str, new: str) -> None:
    """Alter one entry's details with another tool, as an attacker would: the trigger that
    refuses UPDATE is dropped for it and put back."""
    conn = sqlite3.connect(side.data_dir / DB_FILE)
    sql = dict(
        conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'audit_no_update'")
    )
    conn.execute("DROP TRIGGER audit_no_update")
    (details,) = conn.execute("SELECT details FROM audit WHERE seq = ?", (seq,)).fetchone()
    conn.execute(
        "UPDATE audit SET details = ? WHERE seq = ?",
        (details.replace(old, new), seq),
    )
    conn.execute(sql["audit_no_update"])
    conn.commit()
    conn.close()


def test_the_whole_chain_goes_up_once_in_capped_batches(
    kiosk_side: KioskSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    for seed in range(3):
        kiosk_side.submit(pages=0, seed=seed)
    details = {"reason": "glasses_glare", "failed": ["sharp"], "values": {"sharp": 0.1 + 0.2}}
    kiosk_side.store.audit.append("clerk", "photo_override", "", details)  # floats, no subject
    monkeypatch.setattr(audit_push, "MAX_BATCH_BYTES", 600)  # ~2 entries a request
    api = kiosk_side.api()
    uploads = audit_uploads(api, monkeypatch)
    results, _, _ = sync_once(kiosk_side.store, api)
    assert all(r.ok for r in results) and len(results) == 3

    chain = local(kiosk_side)
    assert held(kiosk_side, api.device_id) == chain  # byte for byte, details as hashed
    assert len(uploads) > 2 and [s for u in uploads for s in u] == [c[0] for c in chain]  # once
    assert kiosk_side.store.get_setting(SENT_SETTING)["seq"] == chain[-1][0]
    text = "\n".join(str(r) for r in held(kiosk_side, api.device_id))
    assert not any(word in text for word in PERSONAL)

    # again: nothing to send, not even a request
    before = api.stats["requests"]
    assert push_audit(kiosk_side.store, api) == 0
    assert api.stats["requests"] == before
    # the acknowledged head forgotten (a restored settings table): the server's head says
    # where to go on, and entries sent again are harmless duplicates
    kiosk_side.store.set_setting(SENT_SETTING, None)
    assert push_audit(kiosk_side.store, api) == 0
    kiosk_side.store.set_setting(SENT_SETTING, {"device_id": api.device_id, "seq": 2, "hash": ""})
    assert push_audit(kiosk_side.store, api) == 0
    assert len(held(kiosk_side, api.device_id)) == len(chain)
    assert flags(kiosk_side, api.device_id) == []
    # new entries follow on
    kiosk_side.store.audit.append("kiosk", "purged", "y", {"retention_days": 90})
    assert push_audit(kiosk_side.store, api) == 1


def test_a_tampered_entry_is_flagged_and_registrations_still_go(
    kiosk_side: KioskSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = kiosk_side.api()
    kiosk_side.submit(pages=0, seed=1)
    sync_once(kiosk_side.store, api)
    uploaded = kiosk_side.store.audit.head()
    late = kiosk_side.submit(pages=0, seed=2)  # audit entry uploaded + 1
    rewrite_details(kiosk_side, uploaded + 1, '"attachments":1', '"attachments":2')
    assert kiosk_side.store.audit.verify() == uploaded + 1
    later = kiosk_side.submit(pages=0, seed=3)

    results, _, _ = sync_once(kiosk_side.store, api)

    assert [r.ok for r in results] == [True, True]
    assert server_rows(kiosk_side.server, late.id) and server_rows(kiosk_side.server, later.id)
    assert flags(kiosk_side, api.device_id) == [("chain_broken", uploaded + 1, 1)]
    assert [r[0] for r in held(kiosk_side, api.device_id)][-1] == uploaded  # good ones kept
    refused = kiosk_side.store.get_setting(REFUSED_SETTING)
    assert (refused["seq"], refused["code"]) == (uploaded + 1, "audit_chain_broken")
    assert "audit_chain_broken" in kiosk_side.store.get_setting("sync.last_error")["message"]
    listed = kiosk_side.server.cli("audit-flags").stdout
    assert api.device_id in listed and "chain_broken" in listed

    # the next round sends the refused entry alone; the server counts it on its open flag
    kiosk_side.submit(pages=0, seed=4)
    uploads = audit_uploads(api, monkeypatch)
    results, _, _ = sync_once(kiosk_side.store, api)
    assert [r.ok for r in results] == [True]
    assert uploads == [[uploaded + 1]]
    assert flags(kiosk_side, api.device_id) == [("chain_broken", uploaded + 1, 2)]

    # put back as it was: the chain fits again and the rest goes up
    rewrite_details(kiosk_side, uploaded + 1, '"attachments":2', '"attachments":1')
    assert push_audit(kiosk_side.store, api) == kiosk_side.store.audit.head() - uploaded
    assert held(kiosk_side, api.device_id) == local(kiosk_side)
    assert kiosk_side.store.get_setting(REFUSED_SETTING) is None


def test_a_damaged_row_reaches_the_back_office_through_the_audit(kiosk_side: KioskSide) -> None:
    regs = [kiosk_side.submit(pages=0, seed=i) for i in range(2)]
    _flip_answers_bit(kiosk_side, regs[1].id)

    done = kiosk_side.run_sync()  # `sala sync --once`, a separate process like the kiosk's

    assert "sent 1 of 1" in done.stdout, done.stdout + done.stderr
    device_id = kiosk_side.api().device_id
    damaged = [r for r in held(kiosk_side, device_id) if r[2] == "damaged"]
    assert [r[3] for r in damaged] == [regs[1].id]
    details = json.loads(damaged[0][4])
    assert details["app_number"] == regs[1].app_number and "decrypt" in details["why"]
    assert not any(word in damaged[0][4] for word in PERSONAL)

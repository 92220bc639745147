"""Issue 12 "Audit goes to the ministry": a kiosk's hash-chained audit is uploaded append-only;
the server verifies that each upload continues the chain it holds, and flags a break or a gap
for the back office. Entries are made here with the protocol's own formula, as the kiosk does."""

from __future__ import annotations

from typing import Any

import httpx

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess


def chain(count: int, start: int = 1, prev: str = p.AUDIT_GENESIS, tag: str = "") -> list[dict]:
    """`count` linked entries from seq `start`, as kiosk/store/audit.py makes them."""
    out: list[dict[str, Any]] = []
    for seq in range(start, start + count):
        entry = {
            "seq": seq,
            "at": f"2026-12-06T09:{seq % 60:02d}:00+07:00",
            "actor": "staff:5b1f0c2e",
            "action": "signed_in" if seq % 2 else "viewed_application",
            "subject": f"reg-{seq}{tag}",
            "details": {"n": seq, "ok": True},
        }
        details = p.canonical_text(entry["details"])
        fields = (entry["at"], entry["actor"], entry["action"], entry["subject"], details)
        entry["prev_hash"] = prev
        entry["hash"] = prev = p.audit_entry_hash(prev, seq, *fields)
        out.append(entry)
    return out


def _upload(kiosk: Kiosk, entries: list[dict[str, Any]]) -> httpx.Response:
    return kiosk.request("POST", "/v1/audit", json_body={"entries": entries})


def _flags(server: ServerProcess, kiosk: Kiosk) -> list[list[str]]:
    out = server.cli("audit-flags").stdout.splitlines()
    return [line.split("\t") for line in out if kiosk.device_id in line]


def test_a_good_chain_is_stored_and_a_resend_is_harmless(backend_server: ServerProcess) -> None:
    kiosk = Kiosk(backend_server).enrol()
    start = kiosk.request("GET", "/v1/audit/head").json()
    assert start == {"head_seq": 0, "head_hash": p.AUDIT_GENESIS}
    entries = chain(8)
    first = _upload(kiosk, entries[:5])
    assert first.status_code == 200, first.text
    assert first.json() == {
        "head_seq": 5,
        "head_hash": entries[4]["hash"],
        "stored": 5,
        "duplicates": 0,
    }
    again = _upload(kiosk, entries[:5])
    assert again.status_code == 200 and again.json()["stored"] == 0
    assert again.json()["duplicates"] == 5
    overlap = _upload(kiosk, entries[3:])  # the response to the last upload was lost
    assert overlap.json() == {
        "head_seq": 8,
        "head_hash": entries[7]["hash"],
        "stored": 3,
        "duplicates": 2,
    }
    head = kiosk.request("GET", "/v1/audit/head").json()
    assert head == {"head_seq": 8, "head_hash": entries[7]["hash"]}
    assert _flags(backend_server, kiosk) == []


def test_a_tampered_entry_is_refused_and_flagged(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    entries = chain(6)
    assert _upload(kiosk, entries[:3]).status_code == 200

    edited = [dict(e) for e in entries[3:]]
    edited[1]["details"] = {"n": 99, "ok": True}  # entry 5 changed, its hash left as it was
    r = _upload(kiosk, edited)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == p.ERR_AUDIT_CHAIN_BROKEN and body["seq"] == 5
    assert (body["head_seq"], body["head_hash"], body["stored"]) == (4, entries[3]["hash"], 1)
    assert _upload(kiosk, edited).status_code == 409  # the kiosk retries: one flag, counted
    flags = _flags(server, kiosk)
    assert len(flags) == 1 and flags[0][3:6] == ["chain_broken", "seq 5", "x2"]

    # The kiosk rewrites history it already sent, hashes recomputed: the server keeps its own.
    rewritten = chain(4, tag="-rewritten")
    r = _upload(kiosk, rewritten)
    assert r.status_code == 409 and r.json()["seq"] == 1, r.text
    assert r.json()["error"] == p.ERR_AUDIT_CHAIN_BROKEN
    assert kiosk.request("GET", "/v1/audit/head").json()["head_hash"] == entries[3]["hash"]
    relinked = chain(2, start=5, prev=rewritten[3]["hash"])
    r = _upload(kiosk, relinked)
    assert r.status_code == 409 and r.json()["seq"] == 5  # does not link to the held head
    assert _upload(kiosk, entries[4:]).status_code == 200  # the true chain still continues


def test_a_gap_is_refused_and_flagged(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    entries = chain(6)
    r = _upload(kiosk, entries[1:3])  # the first upload must start at 1
    assert r.status_code == 409 and r.json()["error"] == p.ERR_AUDIT_GAP, r.text
    assert (r.json()["expected_seq"], r.json()["seq"]) == (1, 2)
    assert _upload(kiosk, entries[:2]).status_code == 200
    r = _upload(kiosk, [entries[2], entries[4], entries[5]])  # 4 is missing
    assert r.status_code == 409 and r.json()["error"] == p.ERR_AUDIT_GAP
    assert (r.json()["seq"], r.json()["expected_seq"], r.json()["head_seq"]) == (5, 4, 3)
    kinds = sorted((f[3], f[4]) for f in _flags(server, kiosk))
    assert kinds == [("gap", "seq 2"), ("gap", "seq 5")]


def test_each_device_has_its_own_chain(server: ServerProcess) -> None:
    one, two = Kiosk(server).enrol(), Kiosk(server).enrol()
    entries = chain(4)
    assert _upload(one, entries[:2]).status_code == 200
    assert _upload(two, entries).status_code == 200  # the same entries, its own chain
    assert one.request("GET", "/v1/audit/head").json()["head_seq"] == 2
    r = _upload(one, chain(1, start=5, prev=entries[3]["hash"]))  # two's head is not one's
    assert r.status_code == 409 and r.json()["error"] == p.ERR_AUDIT_GAP


def test_bad_batches_are_refused_without_a_flag(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    entries = chain(3)
    unordered = _upload(kiosk, [entries[1], entries[0]])
    assert unordered.status_code == 422 and unordered.json()["error"] == "audit_batch_unordered"
    big = chain(1)
    big[0]["details"] = {"blob": "x" * p.AUDIT_DETAILS_MAX_BYTES}
    r = _upload(kiosk, big)
    assert r.status_code == 422 and r.json()["error"] == "audit_details_too_large"
    for bad in ({**entries[0], "seq": "1"}, {**entries[0], "hash": "XYZ"}, {**entries[0], "x": 1}):
        r = _upload(kiosk, [bad])
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text
    for raw in (b"NaN", b'"\\ud800"'):  # not JSON, or no UTF-8 to hash: 400, never a 500
        body = p.canonical_json({"entries": entries[:1]}).replace(b"true", raw)
        r = kiosk.request("POST", "/v1/audit", body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] == "bad_json", r.text
    assert _flags(server, kiosk) == []
    assert kiosk.request("GET", "/v1/audit/head").json()["head_seq"] == 0

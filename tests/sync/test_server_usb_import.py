"""`sala server import BUNDLE` against a real server process and database, server-side only.

The bundles are built here with `sync.protocol.usb` and the test kiosk's own Ed25519 key (no
kiosk code): the format is the contract, PROTOCOL.md "USB bundles and the device report".
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from sync import protocol as p
from sync.protocol import usb as fmt
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc

pytestmark = pytest.mark.server

REPORT = {"v": 1, "at": "2026-12-01T08:00:00Z", "summary": {"ok": 1}, "checks": []}


def usb_public_key(kiosk: Kiosk) -> str:
    """The ministry's USB key as an online kiosk gets it: in the device report's answer."""
    r = kiosk.request("POST", "/v1/device-report", json_body=REPORT)
    assert r.status_code == 200, r.text
    return fmt.verify_key_certificate(r.json()["usb_key"], kiosk.server_public_key)


def make_bundle(
    kiosk: Kiosk,
    regs: list[tuple[str, dict[str, Any]]],
    media: list[bytes],
    *,
    cursor: str | None = None,
    signer: Any = None,
) -> bytes:
    index = {
        "registrations": [{"id": rid, "body": body, "uploads": {}} for rid, body in regs],
        "media": [{"sha256": hashlib.sha256(m).hexdigest(), "size": len(m)} for m in media],
        "feed_cursor": cursor,
        "audit": [],
    }
    enc, body = fmt.encrypt(fmt.pack_payload(index, media), usb_public_key(kiosk))
    manifest = fmt.new_manifest(
        fmt.KIND_EXPORT, kiosk.device_id, kiosk.commune, "2026-12-01T08:00:00Z"
    )
    manifest["enc"] = enc
    return fmt.seal(manifest, body, signer or kiosk.key)


def run_import(server: ServerProcess, path: Path, *args: str) -> Any:
    return server.cli("import", str(path), *args, check=False)


def read_return(server: ServerProcess, directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    (path,) = sorted(directory.glob("*" + fmt.RETURN_SUFFIX))
    parsed = fmt.parse(path.read_bytes())
    fmt.check_signature(parsed, server.server_public_key)
    index, media = fmt.unpack_payload(parsed.body)
    assert media == {}
    path.unlink()
    return parsed.manifest, index


@pytest.fixture
def kiosk(server: ServerProcess) -> Any:
    k = Kiosk(server).enrol()
    yield k
    k.close()


def test_import_commits_through_the_network_rules_and_twice_changes_nothing(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path
) -> None:
    photo, paper = b"\xff\xd8photo" * 500, b"\xff\xd8paper" * 800
    regs = [
        (str(uuid.uuid4()), registration_doc(kiosk, [(photo, ""), (paper, "")])),
        (str(uuid.uuid4()), registration_doc(kiosk, [(photo, "")])),
    ]
    bundle = tmp_path / "k.salabundle"
    bundle.write_bytes(make_bundle(kiosk, regs, [photo, paper]))
    out = run_import(server, bundle)
    assert out.returncode == 0, out.stderr
    assert "2 new registration(s) received" in out.stdout
    manifest, index = read_return(server, tmp_path)
    assert manifest["kind"] == "return" and manifest["device_id"] == kiosk.device_id
    receipts = {r["registration_id"]: r for r in index["receipts"]}
    assert set(receipts) == {rid for rid, _ in regs} and index["refused"] == []
    for r in receipts.values():
        assert p.verify_receipt(server.server_public_key, r["receipt"], r["signature"])
    statuses = [c for c in index["changes"] if c["kind"] == "status"]
    assert {c["registration_id"] for c in statuses} == set(receipts)
    assert fmt.verify_key_certificate(index["usb_key"], server.server_public_key)

    again = run_import(server, bundle)  # a second import: the same receipts, nothing new
    assert again.returncode == 0 and "Nothing new" in again.stdout
    _, index2 = read_return(server, tmp_path)
    assert {r["registration_id"]: r["receipt"] for r in index2["receipts"]} == {
        k: v["receipt"] for k, v in receipts.items()
    }

    # The same record later over the network: the upload dedups to the imported file, so
    # the commit body is the same content and gets the original receipt (no duplicate).
    rid, doc = regs[1]
    location = kiosk.upload(photo)
    assert location == receipts[rid]["uploads"][hashlib.sha256(photo).hexdigest()]
    online = kiosk.commit(
        rid, {**doc, "attachments": [{**doc["attachments"][0], "upload": location}]}
    )
    assert online.status_code == 200, online.text
    assert online.json()["receipt"] == receipts[rid]["receipt"]


def test_other_content_under_the_same_id_is_refused_as_a_conflict(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path
) -> None:
    rid, doc = str(uuid.uuid4()), registration_doc(kiosk)
    (tmp_path / "a.salabundle").write_bytes(make_bundle(kiosk, [(rid, doc)], []))
    assert run_import(server, tmp_path / "a.salabundle").returncode == 0
    read_return(server, tmp_path)
    changed = {**doc, "answers": {"name_km": "other"}}
    (tmp_path / "b.salabundle").write_bytes(make_bundle(kiosk, [(rid, changed)], []))
    out = run_import(server, tmp_path / "b.salabundle")
    assert out.returncode == 1 and "conflict" in out.stderr
    _, index = read_return(server, tmp_path)
    assert index["receipts"] == []
    assert index["refused"][0]["registration_id"] == rid
    assert index["refused"][0]["error"] == p.ERR_CONFLICT


def test_the_return_bundle_carries_the_feed_since_the_kiosks_cursor(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path
) -> None:
    rid, doc = str(uuid.uuid4()), registration_doc(kiosk)
    (tmp_path / "a.salabundle").write_bytes(make_bundle(kiosk, [(rid, doc)], []))
    run_import(server, tmp_path / "a.salabundle")
    _, first = read_return(server, tmp_path)
    server.cli("set-status", rid, "in_review", "--note", "checked")
    bundle = make_bundle(kiosk, [], [], cursor=first["next"])
    (tmp_path / "b.salabundle").write_bytes(bundle)
    assert run_import(server, tmp_path / "b.salabundle").returncode == 0
    _, second = read_return(server, tmp_path)
    mine = [c for c in second["changes"] if c.get("registration_id") == rid]
    assert [c["status"] for c in mine] == ["in_review"]  # nothing from before the cursor
    assert int(second["next"]) > int(first["next"])


@pytest.mark.parametrize(
    "damage", ["truncated", "tampered", "other_signer", "unknown_device", "bad_bundle_id"]
)
def test_a_damaged_or_foreign_bundle_is_refused_and_changes_nothing(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path, damage: str
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    rid, doc = str(uuid.uuid4()), registration_doc(kiosk)
    blob = make_bundle(kiosk, [(rid, doc)], [b"x" * 5000])
    expect = {"truncated": "truncated", "tampered": "tampered", "other_signer": "bad_signature"}
    if damage == "truncated":
        blob = blob[: len(blob) // 2]
    elif damage == "tampered":
        blob = blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:]
    elif damage == "other_signer":
        blob = make_bundle(kiosk, [(rid, doc)], [], signer=Ed25519PrivateKey.generate())
    elif damage == "bad_bundle_id":  # signed by the kiosk, but it would name the return file
        parsed = fmt.parse(blob)
        manifest = {**json.loads(parsed.manifest_bytes), "bundle_id": "../../../x"}
        for k in ("body_size", "body_sha256"):
            manifest.pop(k)
        blob = fmt.seal(manifest, parsed.body, kiosk.key)
        expect[damage] = "tampered"
    else:
        parsed = fmt.parse(blob)
        manifest = {**json.loads(parsed.manifest_bytes), "device_id": str(uuid.uuid4())}
        for k in ("body_size", "body_sha256"):
            manifest.pop(k)
        blob = fmt.seal(manifest, parsed.body, kiosk.key)
        expect[damage] = "unknown_device"
    (tmp_path / "x.salabundle").write_bytes(blob)
    out = run_import(server, tmp_path / "x.salabundle")
    assert out.returncode == 2
    assert f"refused ({expect[damage]})" in out.stderr and "Nothing was changed" in out.stderr
    assert not list(tmp_path.glob("*" + fmt.RETURN_SUFFIX))
    assert kiosk.commit(rid, doc).status_code == 201  # the id was never taken

"""The whole USB story with real parts: kiosk export -> `sala server import` in a real server
database -> return bundle -> `sala import` -> the kiosk holds the receipts and statuses, and
the network, when it returns, sends nothing twice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.model import State
from kiosk.staff import Argon2Params, FirstSignIn, StaffDesk
from sync.client.audit_push import SENT_SETTING
from sync.client.pull import pull_changes
from sync.client.push import commit_body, flagged, push_pending
from sync.client.usb_export import CARRIED_SETTING, export
from sync.client.usb_key import UsbError
from sync.client.usb_return import apply_return
from sync.protocol import usb as fmt
from tests.sync.conftest import COMMUNE, ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import ROOT, KioskSide, make_kiosk_side  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def server_count(server: ServerProcess, device_id: str) -> int:
    path = server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT COUNT(*) FROM registrations WHERE device_id = ?", (device_id,))
        return int(row.fetchone()[0])


def server_audit_head(server: ServerProcess, device_id: str) -> int:
    path = server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT MAX(seq) FROM device_audit WHERE device_id = ?", (device_id,))
        return int(row.fetchone()[0] or 0)


def device_id(side: KioskSide) -> str:
    from sync.client.enrol import load_identity

    identity = load_identity(side.data_dir)
    assert identity is not None
    return identity.device_id


def carry(side: KioskSide, server: ServerProcess, stick: Path) -> Path:
    """Export, take the stick to the ministry, import there; returns the return bundle."""
    stick.mkdir(exist_ok=True)
    server.cli("usb-key", "--out", str(stick))
    result = export(side.store, side.data_dir, stick)
    out = server.cli("import", str(result.path), check=False)
    assert out.returncode in (0, 1), out.stderr
    (back,) = sorted(stick.glob(f"*{result.bundle_id[:8]}{fmt.RETURN_SUFFIX}"))
    return back


def sala_import(side: KioskSide, path: Path) -> subprocess.CompletedProcess[str]:
    side.store.close()  # the CLI opens its own store, as on a kiosk
    argv = [sys.executable, "-m", "ui.cli", "--data-dir", str(side.data_dir), "import", str(path)]
    done = subprocess.run(
        [*argv, "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=side.env(),
        timeout=60,
    )
    from kiosk.store import Store

    side.store = Store.open(
        side.data_dir, commune_code=side.store.commune_code, secret_dir=side.secret_dir
    )
    return done


def test_usb_round_trip_then_the_network_sends_nothing_twice(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    regs = [kiosk_side.submit(pages=1, size=6000, seed=i) for i in range(4)]
    back = carry(kiosk_side, server, tmp_path / "stick")
    assert server_count(server, device_id(kiosk_side)) == 4

    done = sala_import(kiosk_side, back)
    assert done.returncode == 0, done.stderr
    assert "4 applications are now accepted" in done.stdout
    store = kiosk_side.store
    for reg in regs:
        got = store.get(reg.id)
        assert got.state is State.ACCEPTED
        assert [h[0] for h in store.status_history(reg.id)] == ["received"]
    assert store.outbox_count() == 0 and store.get_setting(CARRIED_SETTING) == {}
    held = server_audit_head(server, device_id(kiosk_side))  # the audit went by stick too
    assert held > 0 and store.get_setting(SENT_SETTING)["seq"] == held

    again = sala_import(kiosk_side, back.parent)  # the stick again: a no-op, said so
    assert again.returncode == 1 and "already imported" in again.stdout

    # the network returns: nothing to push, and the feed brings no status a second time
    api = kiosk_side.api()
    assert push_pending(kiosk_side.store, api) == []
    pull_changes(kiosk_side.store, api)
    for reg in regs:
        assert len(kiosk_side.store.status_history(reg.id)) == 1
    assert server_count(server, device_id(kiosk_side)) == 4

    # a decision made at the ministry comes back on the next stick
    server.set_status(regs[0].id, "in_review")
    server.set_status(regs[0].id, "rejected", "papers")
    kiosk_side.submit(size=5000, seed=9)
    back2 = carry(kiosk_side, server, tmp_path / "stick")
    result = apply_return(kiosk_side.store, kiosk_side.data_dir, back2.read_bytes())
    assert len(result.accepted) == 1
    assert kiosk_side.store.get(regs[0].id).state is State.DECIDED


def test_a_carried_bundle_whose_answer_never_came_back_goes_online_harmlessly(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    regs = [kiosk_side.submit(pages=2, size=7000, seed=20 + i) for i in range(2)]
    carry(kiosk_side, server, tmp_path / "stick")  # imported at the ministry; return lost
    results = push_pending(kiosk_side.store, kiosk_side.api())
    assert [r.ok for r in results] == [True, True] and not flagged(kiosk_side.store)
    assert server_count(server, device_id(kiosk_side)) == 2
    assert all(kiosk_side.store.get(r.id).state is State.ACCEPTED for r in regs)


def test_a_return_bundle_for_another_kiosk_or_damaged_is_refused(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = kiosk_side.submit(size=4000, seed=30)
    blob = carry(kiosk_side, server, tmp_path / "stick").read_bytes()
    other = make_kiosk_side(tmp_path / "other", server, monkeypatch)
    try:
        with pytest.raises(UsbError) as wrong:
            apply_return(other.store, other.data_dir, blob)
        assert wrong.value.key == "usb.error.wrong_device"
    finally:
        other.close()
    cases = {
        "usb.error.truncated": blob[: len(blob) - 7],
        "usb.error.tampered": blob[:-3] + bytes([blob[-3] ^ 0x20]) + blob[-2:],
        "usb.error.version": _resealed_as_v2(server, blob),
        "usb.error.wrong_kind": (tmp_path / "stick").glob("*.salabundle").__next__().read_bytes(),
    }
    for key, damaged in cases.items():
        with pytest.raises(UsbError) as exc:
            apply_return(kiosk_side.store, kiosk_side.data_dir, damaged)
        assert exc.value.key == key
    assert kiosk_side.store.get(reg.id).state is State.SUBMITTED  # nothing changed
    assert kiosk_side.store.outbox_count() == 1


def _resealed_as_v2(server: ServerProcess, blob: bytes) -> bytes:
    """A well-signed bundle from a newer format (the real server key signs it)."""
    key = serialization.load_pem_private_key(
        (server.data_dir / "server_key.pem").read_bytes(), None
    )
    assert isinstance(key, Ed25519PrivateKey)
    parsed = fmt.parse(blob)
    manifest = {k: v for k, v in parsed.manifest.items() if not k.startswith("body_")}
    return fmt.seal({**manifest, "v": 2}, parsed.body, key)


def test_a_registration_the_ministry_holds_otherwise_is_set_aside_for_a_clerk(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    reg = kiosk_side.submit(size=4000, seed=40)
    other = commit_body(reg, {a.media.sha256: "" for a in reg.attachments})
    other.update(attachments=[], answers={"name_km": "other"})  # the same id, other content
    api = kiosk_side.api()
    assert api.request("PUT", f"/v1/registrations/{reg.id}", json_body=other).status_code == 201
    back = carry(kiosk_side, server, tmp_path / "stick")
    result = apply_return(kiosk_side.store, kiosk_side.data_dir, back.read_bytes())
    assert result.refused == [reg.id] and result.accepted == []
    assert reg.id in flagged(kiosk_side.store)  # never retried alone; a clerk looks first
    assert push_pending(kiosk_side.store, api) == []


def test_a_supervisors_staff_changes_travel_by_stick_too(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    names = ("--name-km", "ស្រី មាលា", "--name-en", "Srey Mealea")
    out = server.cli("staff", "add", "--commune", COMMUNE, *names, "--role", "supervisor")
    supervisor, code = out.stdout.strip().split("\t")
    pull_changes(kiosk_side.store, kiosk_side.api())  # the roster came while online
    desk = StaffDesk(kiosk_side.store, params=Argon2Params(2, 19 * 1024, 1))
    ticket = desk.sign_in(supervisor, code)
    assert isinstance(ticket, FirstSignIn)
    desk.finish_first_sign_in(ticket, "482913", "482913")  # queues a `reset_pin` change
    assert len(kiosk_side.store.staff_changes_pending()) == 1
    kiosk_side.submit(size=3000, seed=60)
    back = carry(kiosk_side, server, tmp_path / "stick")
    apply_return(kiosk_side.store, kiosk_side.data_dir, back.read_bytes())
    assert kiosk_side.store.staff_changes_pending() == []
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "SELECT body FROM staff_changes WHERE device_id = ?", (device_id(kiosk_side),)
        )
        assert [json.loads(r[0])["action"] for r in rows] == ["reset_pin"]

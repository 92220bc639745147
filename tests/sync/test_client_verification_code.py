"""Issue 13 end to end: a real kiosk store takes an application, the sync client commits it
(network, both modes, or a USB stick) and the partner API checks the printed receipt's number
and code as `genuine`. A commit made before the kiosk sent codes (its answer lost) is re-sent
with the code by the upgraded kiosk: original receipt, and the receipt becomes checkable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kiosk.model import State, parse_qr_payload
from sync.client.push import push_pending, send_registration
from sync.client.tus import Media
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_usb_roundtrip import carry
from tests.sync.test_server_partner import check, make_key

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


_KEYS: dict[str, str] = {}  # partner key per server data dir


def receipt_check(server: ServerProcess, side: KioskSide, reg_id: str) -> dict[str, object]:
    """What a bank learns from the citizen's paper receipt: its QR, checked with a partner key
    (the test service has no owning ministry, so an all-ministries key)."""
    parsed = parse_qr_payload(side.store.receipt(reg_id).qr_payload)
    assert parsed is not None
    key = _KEYS.get(str(server.data_dir))
    if key is None:  # one key per server: each `partner add` is a CLI process (~2 CPU-s)
        key, _ = make_key(server, "--ministry", "all")
        _KEYS[str(server.data_dir)] = key
    r = check(server, key, *parsed)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_synced_receipt_is_genuine_for_the_partner_api(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    reg = kiosk_side.submit(size=3000, seed=1)
    [result] = push_pending(kiosk_side.store, kiosk_side.api())
    assert result.ok, result.error
    answer = receipt_check(server, kiosk_side, reg.id)
    assert answer["result"] == "genuine" and answer["status"] == "received"
    assert answer["app_number"] == kiosk_side.store.receipt(reg.id).app_number


def test_the_concurrent_push_sends_each_records_own_code(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    regs = [kiosk_side.submit(size=2000, seed=10 + i) for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        results = push_pending(kiosk_side.store, kiosk_side.api(), executor=pool)
    assert sorted(r.registration_id for r in results if r.ok) == sorted(r.id for r in regs)
    assert [receipt_check(server, kiosk_side, r.id)["result"] for r in regs] == ["genuine"] * 3


def test_an_old_commit_resent_by_the_upgraded_kiosk_becomes_checkable(
    kiosk_side: KioskSide, server: ServerProcess
) -> None:
    reg = kiosk_side.submit(size=3000, seed=2)
    store, api = kiosk_side.store, kiosk_side.api()
    medias = [
        Media(reg.id, a.media.sha256, store.read_media(a.media.sha256)) for a in reg.attachments
    ]
    # what the kiosk sent before this change: the commit without a code; its answer was lost
    before = send_registration(api, reg, medias, report=lambda e: None, is_cancelled=lambda: False)
    assert receipt_check(server, kiosk_side, reg.id)["result"] == "unverifiable"

    [result] = push_pending(store, api)  # the upgraded kiosk sends it again, with its code
    assert result.ok, result.error
    assert result.receipt is not None and result.receipt["receipt"] == before["receipt"]
    assert store.get(reg.id).state == State.ACCEPTED
    assert receipt_check(server, kiosk_side, reg.id)["result"] == "genuine"


def test_a_receipt_carried_on_a_stick_is_genuine_too(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    reg = kiosk_side.submit(size=3000, seed=3)
    carry(kiosk_side, server, tmp_path / "stick")  # export, and `sala server import` there
    assert receipt_check(server, kiosk_side, reg.id)["result"] == "genuine"
    [result] = push_pending(kiosk_side.store, kiosk_side.api())  # the link back: same commit
    assert result.ok, result.error

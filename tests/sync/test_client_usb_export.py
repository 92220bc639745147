"""`sala export`: a real Store, a real bundle on a tmp "stick", the ministry's key from a real
server process; refusals leave the kiosk and the stick as they were."""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.i18n import error_text
from kiosk.store import Store
from kiosk.usb_sticks import mounted_sticks
from sync.client import usb_key
from sync.client.enrol import load_key
from sync.client.usb_export import CARRIED_SETTING, export
from sync.client.usb_key import UsbError
from sync.client.usb_writer import write_bundle
from sync.protocol import usb as fmt
from tests.sync.conftest import COMMUNE, ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import ROOT, KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def stick_with_key(tmp_path: Path, server: ServerProcess) -> Path:
    stick = tmp_path / "stick"
    stick.mkdir()
    server.cli("usb-key", "--out", str(stick))
    return stick


def bundles(stick: Path) -> list[Path]:
    return sorted(p for p in stick.iterdir() if p.name != fmt.KEY_FILE)


def test_export_writes_one_encrypted_signed_bundle_and_keeps_the_outbox(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    regs = [kiosk_side.submit(pages=1, size=8000, seed=i + 2) for i in range(3)]
    stick = stick_with_key(tmp_path, server)
    result = export(kiosk_side.store, kiosk_side.data_dir, stick)
    assert result.registrations == 3 and result.media == 6
    (path,) = bundles(stick)
    assert path == result.path and path.suffix == fmt.EXPORT_SUFFIX
    blob = path.read_bytes()
    parsed = fmt.parse(blob)
    fmt.check_signature(parsed, load_key(kiosk_side.data_dir).public_key())  # the device's
    assert parsed.manifest["enc"]["alg"] == fmt.ENC_ALG
    for reg in regs:  # a lost stick reveals nothing: no answers, no app numbers, no photos
        assert reg.app_number is not None and reg.app_number.encode() not in blob
        assert kiosk_side.store.read_media(reg.attachments[0].media.sha256)[:64] not in blob
    assert "សុខ".encode() not in blob
    assert kiosk_side.store.outbox_count() == 3  # nothing leaves the outbox before a receipt
    carried = kiosk_side.store.get_setting(CARRIED_SETTING)
    assert set(carried) == {r.id for r in regs} and set(carried.values()) == {result.bundle_id}
    assert (kiosk_side.data_dir / usb_key.KEY_FILE).exists()  # the key was verified and kept
    assert not list(kiosk_side.data_dir.glob(".usb-export-*"))  # the local ciphertext is gone


def test_no_key_and_a_foreign_key_file_are_refused_with_a_clear_message(
    kiosk_side: KioskSide, tmp_path: Path
) -> None:
    kiosk_side.submit(size=3000)
    stick = tmp_path / "stick"
    stick.mkdir()
    with pytest.raises(UsbError) as no_key:
        export(kiosk_side.store, kiosk_side.data_dir, stick)
    assert no_key.value.key == "usb.error.no_key"
    assert "sala-usb-key.json" in error_text(no_key.value, "en")
    assert error_text(no_key.value, "km") != error_text(no_key.value, "en")
    # a key file signed by someone else than the pinned server (a swapped stick)
    rogue = fmt.key_certificate(
        Ed25519PrivateKey.generate(), fmt.x25519_public_b64(X25519PrivateKey.generate()), "now"
    )
    (stick / fmt.KEY_FILE).write_text(json.dumps(rogue))
    with pytest.raises(UsbError) as bad:
        export(kiosk_side.store, kiosk_side.data_dir, stick)
    assert bad.value.key == "usb.error.bad_key"
    assert bundles(stick) == [] and kiosk_side.store.get_setting(CARRIED_SETTING) is None
    assert not (kiosk_side.data_dir / usb_key.KEY_FILE).exists()


def test_a_stick_pulled_mid_write_leaves_no_bundle_that_imports(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    for i in range(3):
        kiosk_side.submit(pages=2, size=250_000, seed=10 + i)
    stick = stick_with_key(tmp_path, server)

    def pulled(written: int) -> None:
        raise OSError(errno.EIO, "Input/output error")  # the stick went away after 1 MiB

    with pytest.raises(UsbError) as exc:
        export(kiosk_side.store, kiosk_side.data_dir, stick, on_chunk=pulled)
    assert exc.value.key == "usb.error.write_failed"
    assert bundles(stick) == []  # neither the final name nor the hidden temp file
    assert kiosk_side.store.get_setting(CARRIED_SETTING) is None
    assert kiosk_side.store.outbox_count() == 3
    done = export(kiosk_side.store, kiosk_side.data_dir, stick)  # the next try works
    assert done.registrations == 3 and bundles(stick) == [done.path]


def test_a_half_written_file_never_parses_as_a_bundle(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    manifest = fmt.new_manifest(fmt.KIND_EXPORT, "d", "120101", "now")
    blob = fmt.seal(manifest, b"\x01" * 300_000, key)
    for cut in (0, 5, 40, len(blob) // 2, len(blob) - 1):
        with pytest.raises(fmt.BundleError) as exc:
            fmt.parse(blob[:cut])
        assert exc.value.code == "truncated"
    fmt.check_signature(fmt.parse(blob), key.public_key())


def test_a_full_stick_is_named_as_such(tmp_path: Path) -> None:
    def full(written: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(UsbError) as exc:
        write_bundle(tmp_path / "b.salabundle", b"x" * 10, on_chunk=full)
    assert exc.value.key == "usb.error.no_space"
    assert "2 MB" in error_text(exc.value, "en")
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_send_says_so(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    stick = stick_with_key(tmp_path, server)
    with pytest.raises(UsbError) as exc:
        export(kiosk_side.store, kiosk_side.data_dir, stick)
    assert exc.value.key == "usb.error.nothing"
    assert bundles(stick) == []


def test_mounted_sticks_are_found_under_the_media_folders(tmp_path: Path) -> None:
    stick = tmp_path / "media" / "KINGSTON"  # without mounts, a folder under a root is a stick
    stick.mkdir(parents=True)
    (tmp_path / "run-media").mkdir()
    found = mounted_sticks([tmp_path / "media", tmp_path / "run-media", tmp_path / "absent"],
                           need_mount=False)  # fmt: skip
    assert found == [stick]
    assert mounted_sticks([tmp_path / "media"]) == []  # a plain folder is not a mounted stick


def test_sala_export_on_the_command_line_speaks_the_technicians_language(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    kiosk_side.submit(size=3000, seed=50)
    kiosk_side.store.close()  # the command opens its own store, as on a kiosk
    stick = stick_with_key(tmp_path, server)

    def sala(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "ui.cli", "--data-dir", str(kiosk_side.data_dir), *args]
        return subprocess.run(
            argv, capture_output=True, text=True, cwd=ROOT, env=kiosk_side.env(), timeout=60
        )

    missing = sala("export", "--to", str(tmp_path / "no-stick"))  # Khmer first
    assert missing.returncode == 2 and "USB" in missing.stderr
    assert re.search("[\u1780-\u17ff]", missing.stderr)
    done = sala("export", "--to", str(stick), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "1 applications were written to the USB stick" in done.stdout
    assert len(bundles(stick)) == 1
    kiosk_side.store = Store.open(
        kiosk_side.data_dir, commune_code=COMMUNE, secret_dir=kiosk_side.secret_dir
    )

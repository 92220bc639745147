"""The kiosk reads a return bundle as a stream (`sync.client.usb_return` through
`usb_reader.BundleReader`): a bundle carrying a ~60 MB release, made by a real server process
(`sala server release publish`, then `sala server import` of the kiosk's export), is applied
from its file on the stick in about a segment of memory, its .deb streamed into the updater's
spool; the same bundle with one byte of the .deb flipped on the stick is refused whole, with
nothing applied and nothing written for the updater.

In its own module: the published release goes into every later return bundle of its server.
"""

from __future__ import annotations

import filecmp
import gc
import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

from kiosk.i18n import error_text
from kiosk.model import State
from kiosk.update import spool
from sync.client.usb_key import UsbError
from sync.client.usb_return import apply_return
from sync.protocol import usb as fmt
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_release_fetch import Ministry
from tests.sync.test_client_usb_roundtrip import carry

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
MB = 1024 * 1024


def _request(data_dir: Path) -> dict[str, str] | None:
    path = spool.update_dir(data_dir) / spool.SPOOL_DIR / spool.REQUEST
    return json.loads(path.read_text()) if path.exists() else None


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def test_a_return_bundle_with_a_60_mb_release_is_applied_in_about_a_segment(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ministry").mkdir()
    ministry = Ministry(tmp_path / "ministry", server)
    monkeypatch.setenv("SALA_RELEASE_KEY", str(ministry.pub))  # the kiosk's pinned release key
    version, deb = ministry.publish(size=60 * MB)
    reg = kiosk_side.submit(size=4000, seed=70)
    back = carry(kiosk_side, server, tmp_path / "stick")
    assert back.stat().st_size > 60 * MB
    store, data_dir = kiosk_side.store, kiosk_side.data_dir
    update = spool.update_dir(data_dir)

    damaged = back.with_name(f"damaged{fmt.RETURN_SUFFIX}")
    shutil.copyfile(back, damaged)
    _flip(damaged, damaged.stat().st_size - 30 * MB)  # deep in the .deb, past the index
    with pytest.raises(UsbError) as refused:
        apply_return(store, data_dir, damaged)
    assert refused.value.key == "usb.error.tampered"
    assert error_text(refused.value, "km") != error_text(refused.value, "en")
    assert store.get(reg.id).state is State.SUBMITTED  # nothing applied
    assert _request(data_dir) is None and not list(update.glob(".usb-*"))
    damaged.unlink()

    gc.collect()
    tracemalloc.start()
    try:
        result = apply_return(store, data_dir, back)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.accepted == [reg.id] and result.release == version, result
    assert store.get(reg.id).state is State.ACCEPTED
    assert _request(data_dir) == {"version": version, "deb": deb.name}
    spooled = update / spool.SPOOL_DIR / deb.name
    assert filecmp.cmp(spooled, deb, shallow=False)  # the .deb, whole, as the ministry signed it
    assert not list(update.glob(".usb-*"))  # no temp left
    # from the format: one segment read from the file and its slice on the way to the spool,
    # plus the index and the store's own work; the bundle (60 MB) is never held
    bound = 3 * fmt.SEGMENT
    print(f"peak={peak} bundle={back.stat().st_size} bound={bound}")
    assert peak < bound, f"apply peaked at {peak / MB:.1f} MB (bound {bound / MB:.1f} MB)"

"""Return bundles are read from a stick someone else made, on the db worker: a FIFO named like
a return bundle (whose open never returns), a link to /dev/zero (a read that never ends) or a
file larger than any return bundle are refused in the technician's words, at once, and the
real bundle beside them still goes in (`sync.client.usb_return.open_return_file`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk.i18n import error_text
from kiosk.model import State
from sync.client.usb_key import UsbError
from sync.client.usb_return import RETURN_MAX_BYTES, ReturnResult, import_file
from sync.protocol import usb as fmt
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_usb_roundtrip import carry, device_id

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
HANG_GUARD_S = 60  # not a timing: a read that blocks for ever must fail the test, not hang it


def _in_thread(fn: object, *args: object) -> object:
    """`fn(*args)`'s result or exception; fails if it is still blocked after the guard."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(fn(*args))  # type: ignore[operator]
        except BaseException as exc:
            out.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), f"{fn} blocked on a stick file"
    return out[0]


def test_fifo_dev_zero_and_oversized_return_files_are_refused_and_the_real_one_goes_in(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    reg = kiosk_side.submit(size=4000, seed=41)
    stick = tmp_path / "stick"
    real = carry(kiosk_side, server, stick)
    prefix = f"sala-return-{device_id(kiosk_side)[:8]}"
    fifo = stick / f"{prefix}-fifo{fmt.RETURN_SUFFIX}"
    os.mkfifo(fifo)  # nobody writes to it
    zero = stick / f"{prefix}-zero{fmt.RETURN_SUFFIX}"
    zero.symlink_to("/dev/zero")
    big = stick / f"{prefix}-big{fmt.RETURN_SUFFIX}"
    with big.open("wb") as f:  # sparse: costs no disk
        f.truncate(RETURN_MAX_BYTES + 1)

    store, data_dir = kiosk_side.store, kiosk_side.data_dir
    for path, key in ((fifo, "usb.error.not_a_bundle"), (zero, "usb.error.not_a_bundle"),
                      (big, "usb.error.too_large")):  # fmt: skip
        refused = _in_thread(import_file, store, data_dir, path)
        assert isinstance(refused, UsbError) and refused.key == key, (path.name, refused)
    assert store.get(reg.id).state is State.SUBMITTED  # nothing changed

    too_large = _in_thread(import_file, store, data_dir, big)
    assert isinstance(too_large, UsbError)
    assert "512 MB" in error_text(too_large, "en")
    assert "៥១២" in error_text(too_large, "km")

    done = _in_thread(import_file, store, data_dir, stick)  # the stick: the others skipped
    assert isinstance(done, ReturnResult), done
    assert done.accepted == [reg.id] and store.get(reg.id).state is State.ACCEPTED
    assert sorted(e.key for e in done.skipped) == [
        "usb.error.not_a_bundle",
        "usb.error.not_a_bundle",
        "usb.error.too_large",
    ]
    assert real.exists()

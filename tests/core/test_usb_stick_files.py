"""`kiosk.usb_sticks.read_stick_file`: the one way to read a small file from a stick someone
else made (`open_stick_file` for a big one read as a stream). A FIFO, a link to /dev/zero, a
folder or an oversized file give None at once (without it, opening the FIFO never returns and
/dev/zero is read until memory runs out)."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.usb_sticks import open_stick_file, read_stick_file


def test_a_small_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.manifest.json"
    path.write_bytes(b'{"manifest": {}}')
    assert read_stick_file(path, 100) == b'{"manifest": {}}'
    link = tmp_path / "b.manifest.json"
    link.symlink_to(path)  # a link to a regular file is that file
    assert read_stick_file(link, 100) == b'{"manifest": {}}'


def test_what_is_not_a_small_regular_file_gives_none(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 101)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open would wait forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    for path in (big, fifo, zero, folder, tmp_path / "missing.json"):
        assert read_stick_file(path, 100) is None, path.name
        assert open_stick_file(path, 100) is None, path.name
    assert read_stick_file(big, 101) == b"x" * 101


def test_a_big_regular_file_is_opened_to_be_read_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "a.salareturn"
    path.write_bytes(bytes(range(256)) * 1000)
    opened = open_stick_file(path, 256_000)
    assert opened is not None
    with opened:
        assert opened.read(3) == b"\x00\x01\x02"
        opened.seek(0)
        assert opened.read() == path.read_bytes()

"""`kiosk.durable.write_atomic`: the one way config, keys, catalogs are written."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.durable import write_atomic


def test_replaces_the_file_and_leaves_no_temp_behind(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    target.write_bytes(b"old")
    write_atomic(target, b"new" * 100_000)
    assert target.read_bytes() == b"new" * 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_secrets_are_0600_from_the_start(tmp_path: Path) -> None:
    target = tmp_path / "device.key"
    write_atomic(target, b"secret", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_exclusive_never_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "machine.secret"
    write_atomic(target, b"first", mode=0o600, exclusive=True)
    write_atomic(target, b"second", mode=0o600, exclusive=True)  # a concurrent creator lost
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["machine.secret"]


def test_a_failed_rename_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "catalog"
    target.mkdir()  # a directory where the file should go: os.replace fails
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert (target / "keep").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]

"""The console's USB return bundles expire: a real server's sweep at start removes those
downloaded more than 7 days ago, those never downloaded after 30 days, markers whose bundle is
gone and temp files an interrupted upload left; everything younger stays. (The upload path and
the download marker: tests/console/test_console_usb_returns.py.)"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.sync.conftest import ServerProcess

DAY = 86400.0


def _file(path: Path, age_days: float, now: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SALA-USB\n")
    os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    return path


def test_the_sweep_at_start_expires_old_return_bundles(tmp_path: Path) -> None:
    now = time.time()
    returns, incoming = tmp_path / "usb-returns" / "120101", tmp_path / "usb-uploads"
    name = "sala-return-{}-0000abcd.salareturn".format
    gone = [
        _file(returns / name("aaaaaaaa"), 31, now),  # never downloaded, 31 days
        _file(returns / name("bbbbbbbb"), 10, now),  # downloaded 8 days ago
        _file(returns / (name("bbbbbbbb") + ".fetched"), 8, now),
        _file(returns / (name("cccccccc") + ".fetched"), 1, now),  # its bundle is gone
        _file(incoming / "tmpq1w2e3", 2, now),  # an upload that never finished
    ]
    kept = [
        _file(returns / name("dddddddd"), 29, now),  # never downloaded, 29 days
        _file(returns / name("eeeeeeee"), 25, now),  # downloaded 6 days ago
        _file(returns / (name("eeeeeeee") + ".fetched"), 6, now),
        _file(returns / "notes.txt", 90, now),  # not ours to judge
        _file(incoming / "tmpa9s8d7", 0.05, now),  # an upload under way
    ]
    server = ServerProcess(tmp_path).start()
    try:
        assert [p.name for p in gone if p.exists()] == []
        assert [p.name for p in kept if not p.exists()] == []
    finally:
        server.stop()

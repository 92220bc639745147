"""The shared checks (kiosk/diagnostics) on real stores in tmp dirs; clock, disk and camera
passed in."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.config import Config, load_config, save_config
from kiosk.diagnostics import CHECKS, CameraSample, Context, fleet_report, judge_frames, run_checks
from kiosk.diagnostics.store_checks import IDENTITY_FILE
from kiosk.logs import log_path, redact, remove_logging, setup_logging
from kiosk.store import Store
from tests.core.conftest import ManualClock

ROOT = Path(__file__).resolve().parents[2]


def _statvfs(free: int) -> Any:
    def fake(path: Path) -> os.statvfs_result:
        return os.statvfs_result((4096, 4096, 10**6, free // 4096, free // 4096, 0, 0, 0, 0, 255))

    return fake


def _live(config: Config | None) -> CameraSample:
    rng = np.random.default_rng(1)
    return CameraSample(
        "camera 0", False, [rng.integers(40, 200, (64, 64, 3), np.uint8) for _ in range(4)]
    )


def _ctx(data_dir: Path, clock: ManualClock, **kw: Any) -> Context:
    kw.setdefault("statvfs", _statvfs(10**10))
    return Context(data_dir, now=clock, **kw)


def _by_id(results: list[Any]) -> dict[str, Any]:
    return {r.id: r for r in results}


def test_a_healthy_kiosk_runs_every_check_in_order(
    store: Store, data_dir: Path, clock: ManualClock
) -> None:
    store.close()
    results = run_checks(_ctx(data_dir, clock, camera=_live))
    assert [r.id for r in results] == [cid for cid, _ in CHECKS]
    got = {r.id: r.status for r in results}
    assert all(
        got[c] == "ok"
        for c in (
            "data_dir",
            "free_space",
            "database",
            "applications",
            "audit",
            "media",
            "catalog",
            "fonts",
            "camera",
            "backlog",
            "version",
        )
    ), got
    assert got["printer"] == "skipped" and got["scanner"] == "skipped" and got["clock"] == "skipped"
    assert got["server"] == "warn" and got["sync"] == "skipped"  # not enrolled
    for r in results:  # every text exists in both languages and says something
        assert not r.text("en").startswith("diagnostics.") and not r.text("km").startswith(
            "diagnostics."
        )


def test_the_camera_black_frozen_demo_missing_and_skipped(
    data_dir: Path, clock: ManualClock
) -> None:
    black = [np.zeros((64, 64, 3), np.uint8)] * 5
    frozen = [np.full((64, 64, 3), 120, np.uint8)] * 5
    assert (
        judge_frames(black) == "black"
        and judge_frames(frozen) == "frozen"
        and judge_frames([]) == "none"
    )

    def run(probe: Any) -> Any:
        return run_checks(_ctx(data_dir, clock, camera=probe), only=["camera"])[0]

    assert run(lambda c: CameraSample("camera 0", False, black)).message_key.endswith("black")
    assert run(lambda c: CameraSample("camera 0", False, frozen)).status == "fail"
    assert run(lambda c: CameraSample("demo", True, _live(c).frames)).status == "warn"

    def absent(config: Any) -> CameraSample:
        raise RuntimeError("no camera")

    missing = run(absent)
    assert missing.status == "fail" and "cable" in missing.text("en")
    assert run(None).status == "skipped"


def _set(data_dir: Path, **changes: Any) -> None:
    from dataclasses import replace

    save_config(replace(load_config(data_dir), **changes))


def test_the_printer_is_opened_never_printed_on(
    data_dir: Path, clock: ManualClock, tmp_path: Path
) -> None:
    def printer() -> Any:
        return run_checks(_ctx(data_dir, clock), only=["printer"])[0]

    _set(data_dir, printer="none")
    assert printer().status == "skipped" and "not set up" in printer().text("en")
    _set(data_dir, printer="system")
    assert printer().status == "skipped"
    dev = tmp_path / "lp0"
    dev.write_bytes(b"")
    _set(data_dir, printer=f"escpos:file:{dev}")
    assert printer().status == "ok" and dev.read_bytes() == b""
    _set(data_dir, printer=f"escpos:file:{tmp_path / 'absent'}")
    assert printer().status == "fail" and "is on" in printer().text("en")
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        _set(data_dir, printer=f"escpos:network:127.0.0.1:{port}")
        assert printer().status == "ok"
    _set(data_dir, printer=f"escpos:network:127.0.0.1:{port}")  # now closed
    assert printer().status == "fail"
    (data_dir / "config.json").write_text(json.dumps({"printer": "escpos:usb:zz"}))
    assert printer().message_key == "diagnostics.printer.bad_setting"


def test_the_scanner_folder(data_dir: Path, clock: ManualClock, tmp_path: Path) -> None:
    def scanner() -> Any:
        return run_checks(_ctx(data_dir, clock), only=["scanner"])[0]

    assert scanner().status == "skipped"
    _set(data_dir, scan_folder=tmp_path / "scans")
    assert scanner().status == "fail" and "does not exist" in scanner().text("en")
    (tmp_path / "scans").mkdir()
    assert scanner().status == "ok" and not list((tmp_path / "scans").iterdir())


def test_server_clock_backlog_and_sync_read_what_the_sync_client_stored(
    store: Store, data_dir: Path, clock: ManualClock
) -> None:
    reg = store.create_draft("s", "1", "km")
    store.submit(reg.id, {"name": "x"}, [], fee_khr=0)
    ident = {
        "server_url": "https://ministry.example",
        "device_id": "d1",
        "commune_code": "120101",
        "server_public_key": "AAAA",
    }
    (data_dir / IDENTITY_FILE).write_text(json.dumps(ident))
    clock.advance(hours=100)
    store.set_setting("sync.clock_offset", {"seconds": -600.0, "at": clock().isoformat()})
    store.record_sync_error(reg.id, "401 device_revoked: this device was revoked")
    store.close()
    got = _by_id(run_checks(_ctx(data_dir, clock)))
    assert got["server"].message_key == "diagnostics.server.no_pin"  # https without the CA copy
    (data_dir / "ca.pem").write_text("PEM")
    (data_dir / IDENTITY_FILE).write_text(
        json.dumps({**ident, "ca_file": str(data_dir / "ca.pem")})
    )
    got = _by_id(run_checks(_ctx(data_dir, clock)))
    assert got["server"].status == "fail" and got["server"].values["revoked"] is True
    assert got["clock"].status == "warn" and got["clock"].values["offset_seconds"] == -600.0
    assert got["backlog"].status == "warn" and got["backlog"].values == {
        "pending": 1,
        "oldest_hours": 100.0,
    }
    assert got["sync"].status == "warn" and got["sync"].message_key == "diagnostics.sync.error"


def test_a_locked_or_damaged_store_fails_the_database_and_skips_what_needs_it(
    data_dir: Path, clock: ManualClock
) -> None:
    data_dir.mkdir()
    (data_dir / "sala.db").write_bytes(b"not a database" * 100)
    got = _by_id(run_checks(_ctx(data_dir, clock)))
    assert got["database"].status == "fail"
    # damage has its own text in each language (not the store's English message inside Khmer),
    # naming the file and the copy kept aside
    assert got["database"].message_key == "diagnostics.database.corrupt"
    assert got["database"].params["path"] == str(data_dir / "sala.db")
    assert Path(str(got["database"].params["copy"])).read_bytes() == b"not a database" * 100
    assert got["audit"].message_key == "diagnostics.audit.no_database"


def test_fleet_report_has_ids_statuses_and_values_only(
    store: Store, data_dir: Path, clock: ManualClock
) -> None:
    reg = store.create_draft("s", "1", "km")
    store.submit(reg.id, {"name": "ZZTESTNAME", "phone": "+85512999888"}, [], fee_khr=0)
    store.close()
    report = fleet_report(run_checks(_ctx(data_dir, clock, camera=_live)), at=clock().isoformat())
    text = json.dumps(report)
    assert "ZZTESTNAME" not in text and "12999888" not in text and str(data_dir) not in text
    assert report["summary"]["fail"] == 0 and len(report["checks"]) == len(CHECKS)
    assert all(set(c) == {"id", "status", "values"} for c in report["checks"])


def test_every_diagnostics_text_is_in_both_languages_with_the_same_placeholders() -> None:
    tables = {
        loc: json.loads(
            (ROOT / "assets" / "translations" / loc / "diagnostics.json").read_text("utf-8")
        )
        for loc in ("en", "km")
    }
    assert set(tables["en"]) == set(tables["km"])
    for key, en in tables["en"].items():
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", tables["km"][key])), (
            key
        )
    for cid, _ in CHECKS:
        assert f"diagnostics.{cid}.title" in tables["en"]


# -- logs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("call +85512999888 now", False),
        ("phone 012 999 888", False),
        ("id ៩៩៩៨៨៨៧៧៧", False),
        ("national id 999888777.", False),
        ("app 120101-01-00042-7", True),
        ("reg 3f2c1d4e-0000-4000-8000-426614174000", True),
        ("at 2026-03-01T08:30:00", True),
        ("sha ab12345678901234cd", True),
    ],
)
def test_redact(text: str, kept: bool) -> None:
    assert (redact(text) == text) is kept, redact(text)


def test_the_log_rotates_in_the_data_dir_and_redacts(data_dir: Path) -> None:
    path = setup_logging(data_dir, max_bytes=2000, backups=3)
    try:
        assert setup_logging(data_dir) == path == log_path(data_dir)  # once per dir
        log = logging.getLogger("sala.test")
        log.warning("citizen phone %s for %s", "+85512999888", "120101-01-00042-7")
        try:
            raise ValueError("bad id 999888777")
        except ValueError:
            log.exception("failed")
        for i in range(50):
            log.warning("filler line %d to rotate the file", i)
    finally:
        remove_logging(data_dir)
    files = sorted(path.parent.iterdir())
    assert 2 <= len(files) <= 4 and all(f.stat().st_size <= 2000 for f in files)
    text = "".join(f.read_text() for f in files)
    assert "12999888" not in text and "999888777" not in text
    assert "120101-01-00042-7" in text and "[redacted]" in text


def test_the_names_read_here_are_the_ones_the_sync_client_writes() -> None:
    """The kiosk layer may not import the sync client, so it repeats two names."""
    from kiosk.diagnostics.queue import SYNC_SETTINGS
    from sync.client.enrol import IDENTITY_FILE as written
    from sync.client.worker import CLOCK_OFFSET_SETTING

    assert written == IDENTITY_FILE and CLOCK_OFFSET_SETTING in SYNC_SETTINGS

"""`sala status` and `sala self-test` on real data dirs."""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import MIN_FREE_BYTES, check_font, cmd_status, read_status, run_self_test
from kiosk.model import Attachment
from kiosk.store import Store
from kiosk.store.db import DB_FILE
from kiosk.store.migrations import SCHEMA_VERSION
from tests.core.conftest import ManualClock
from ui.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _fill(data_dir: Path, clock: ManualClock) -> None:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        for _ in range(2):
            s.create_draft("s", "1", "km")
        reg = s.create_draft("s", "1", "km")
        s.submit(reg.id, {"name_km": "ដារា"}, [], fee_khr=0)
        s.record_sync_error(reg.id, "server unreachable")


def test_status_counts_and_sync_state(
    data_dir: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(data_dir, clock)
    assert main(["--data-dir", str(data_dir), "status"]) == 0
    out = capsys.readouterr().out
    assert "draft      2" in out and "submitted  1" in out
    assert "Waiting to upload: 1" in out and "server unreachable" in out
    assert main(["--data-dir", str(data_dir), "status", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["draft"] == 2 and info["outbox_pending"] == 1
    assert info["schema_version"] == SCHEMA_VERSION


def test_status_of_an_empty_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "none"), "status"]) == 0
    assert "No kiosk database here yet" in capsys.readouterr().out
    assert not (tmp_path / "none").exists()


def test_status_and_self_test_work_without_qt(data_dir: Path, clock: ManualClock) -> None:
    core_python = ROOT / ".venv-core" / "bin" / "python"
    python = str(core_python) if core_python.exists() else sys.executable
    _fill(data_dir, clock)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for cmd in ("status", "self-test"):
        done = subprocess.run(
            [python, "-m", "ui.cli", "--data-dir", str(data_dir), cmd],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "PySide6" not in done.stderr
    assert "checks passed" in done.stdout


def test_self_test_passes_on_a_healthy_kiosk(data_dir: Path, clock: ManualClock) -> None:
    _fill(data_dir, clock)
    out = io.StringIO()
    assert run_self_test(data_dir, out) == 0, out.getvalue()
    text = out.getvalue()
    for name in ("data dir writable", "database", "audit chain", "media vault", "catalog", "fonts"):
        assert f"PASS {name}" in text


def test_self_test_explains_a_damaged_database(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / DB_FILE).write_bytes(b"not sqlite" * 500)
    out = io.StringIO()
    assert run_self_test(data_dir, out) == 1
    text = out.getvalue()
    assert "FAIL database" in text and "backup" in text
    assert "FAIL audit chain: skipped" in text


def test_self_test_finds_a_tampered_audit_log(data_dir: Path, clock: ManualClock) -> None:
    _fill(data_dir, clock)
    conn = sqlite3.connect(data_dir / DB_FILE)
    conn.executescript("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'x';")
    conn.close()
    out = io.StringIO()
    assert run_self_test(data_dir, out) == 1
    assert "FAIL audit chain: the audit log was altered at entry 1" in out.getvalue()


def test_self_test_rejects_broken_fonts(data_dir: Path, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    real = ROOT / "assets" / "fonts" / "NotoSansKhmer-Regular.ttf"
    (fonts / "NotoSansKhmer-Regular.ttf").write_bytes(real.read_bytes())
    (fonts / "NotoSansKhmer-Bold.ttf").write_bytes(real.read_bytes()[:5000])  # cut short
    (fonts / "NotoSans-Regular.ttf").write_bytes(b"<html>404 Not Found</html>")
    out = io.StringIO()
    assert run_self_test(data_dir, out, fonts_dir=fonts) == 1
    text = out.getvalue()
    assert "FAIL fonts" in text
    assert check_font(fonts / "NotoSansKhmer-Regular.ttf").endswith("ok")
    for name in ("NotoSansKhmer-Bold.ttf", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"):
        with pytest.raises(Exception, match=name):
            check_font(fonts / name)


# -- issue 10: damaged rows and media named, free space, the catalog in use, schema damage ------
def _statvfs(free: int) -> Any:
    def fake(path: Path) -> os.statvfs_result:
        return os.statvfs_result((4096, 4096, 10**6, free // 4096, free // 4096, 0, 0, 0, 0, 255))

    return fake


def _three_with_one_damaged(data_dir: Path, clock: ManualClock) -> tuple[list[str], str]:
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        ids, numbers, shas = [], [], []
        for name in ("សុខ", "ដារា", "ធីតា"):
            reg = s.create_draft("s", "1", "km")
            att = Attachment("photo", "photo", s.add_media(os.urandom(400), "image/jpeg"))
            numbers.append(s.submit(reg.id, {"name_km": name}, [att], fee_khr=0).app_number)
            ids.append(reg.id)
            shas.append(att.media.sha256)
        media = s.vault.path(shas[2])
    conn = sqlite3.connect(data_dir / DB_FILE)
    blob = bytearray(
        conn.execute("SELECT answers FROM registrations WHERE id = ?", (ids[1],)).fetchone()[0]
    )
    blob[-3] ^= 0x01
    conn.execute("UPDATE registrations SET answers = ? WHERE id = ?", (bytes(blob), ids[1]))
    conn.commit()
    conn.close()
    raw = bytearray(media.read_bytes())
    raw[-1] ^= 0x80
    media.write_bytes(bytes(raw))
    return [ids[1], numbers[1]], shas[2]


def test_self_test_names_every_damaged_row_and_media_file(
    data_dir: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    (bad_id, bad_number), bad_sha = _three_with_one_damaged(data_dir, clock)
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(10**10)) == 1
    text = out.getvalue()
    assert "FAIL applications: 1 application(s) cannot be decrypted" in text
    assert bad_id in text and bad_number in text
    assert "FAIL media vault" in text and bad_sha in text
    assert "PASS database" in text and "PASS audit chain" in text
    assert main(["--data-dir", str(data_dir), "status"]) == 0
    status = capsys.readouterr().out
    assert "Damaged applications (skipped, not sent): 1" in status and bad_number in status
    assert "Waiting to upload: 2" in status


def test_free_space_under_the_margin_fails_and_status_shows_it(
    data_dir: Path, clock: ManualClock
) -> None:
    _fill(data_dir, clock)
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(0)) == 1
    assert "FAIL free space: only 0 MB free" in out.getvalue()
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(MIN_FREE_BYTES + 4096)) == 0
    assert "PASS free space" in out.getvalue()
    info = read_status(data_dir, _statvfs(50 * 1024 * 1024))
    assert info["free_bytes"] == 50 * 1024 * 1024
    status = io.StringIO()
    args = argparse.Namespace(data_dir=str(data_dir), json=False, statvfs=_statvfs(0))
    assert cmd_status(args, status) == 0
    assert "Free space: 0 MB (needs at least 200 MB)  LOW" in status.getvalue()


def test_a_damaged_installed_catalog_fails_self_test_and_shows_in_status(
    data_dir: Path, clock: ManualClock
) -> None:
    _fill(data_dir, clock)
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(10**10)) == 0
    assert "PASS catalog: bundled" in out.getvalue()
    installed = data_dir / "catalog" / "services.json"
    installed.parent.mkdir()
    installed.write_bytes(b'{"version": "2026.3", "services": [')  # cut short
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(10**10)) == 1
    assert "FAIL catalog: the installed catalog" in out.getvalue()
    info = read_status(data_dir)
    assert info["catalog"]["source"] == "bundled" and info["catalog"]["installed_error"]
    status = io.StringIO()
    assert cmd_status(argparse.Namespace(data_dir=str(data_dir), json=False), status) == 0
    assert "installed catalog is damaged" in status.getvalue()


def test_status_on_a_damaged_schema_page_says_damaged_without_a_traceback(
    data_dir: Path, clock: ManualClock
) -> None:
    _fill(data_dir, clock)
    path = data_dir / DB_FILE
    raw = bytearray(path.read_bytes())
    at = raw.find(b"CREATE TABLE attachments")
    raw[at + 7 : at + 9] = b"\xff\xfe"
    path.write_bytes(bytes(raw))
    out = io.StringIO()
    assert cmd_status(argparse.Namespace(data_dir=str(data_dir), json=False), out) == 1
    assert "The database is damaged" in out.getvalue()
    out = io.StringIO()
    assert run_self_test(data_dir, out, statvfs=_statvfs(10**10)) == 1
    assert "FAIL database: The database" in out.getvalue() and "copy was kept" in out.getvalue()

"""`sala status` and `sala self-test` on real data dirs."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import check_font, run_self_test
from kiosk.store import Store
from kiosk.store.db import DB_FILE
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
    assert info["schema_version"] == 2


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

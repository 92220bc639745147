"""`sala kiosk` starts, paints the attract screen, and has not imported OpenCV, numpy or the
store's SQLite layer by then (they load after the first paint, off the GUI thread)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.qt
ROOT = Path(__file__).resolve().parents[2]


def first_paint(args: list[str], **env: str) -> dict[str, str]:
    """Run `sala ARGS` offscreen until its first paint (SALA_EXIT_WHEN_SHOWN) and return the
    fields of the line it prints then (SHOWN_AT, CPU, HEAVY, QT_NAMESPACE, …)."""
    proc = subprocess.run(
        [sys.executable, "-c", f"from ui.cli import main; raise SystemExit(main({args!r}))"],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", SALA_EXIT_WHEN_SHOWN="1", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("SHOWN_AT="))
    return dict(part.split("=", 1) for part in line.split())


def test_sala_kiosk_paints_the_attract_screen_without_heavy_imports(tmp_path: Path) -> None:
    fields = first_paint(
        ["kiosk"], SALA_DATA_DIR=str(tmp_path / "data"), SALA_SECRET_DIR=str(tmp_path / "s")
    )
    heavy = fields["HEAVY"].split(",")
    assert not {"cv2", "numpy", "sqlite_utils"} & set(heavy), heavy

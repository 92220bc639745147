"""Quitting the app while a camera read blocks: `aboutToQuit` joins the camera thread (bounded),
the camera is closed on its own thread, and Qt never destroys a running QThread.

Runs in a child interpreter, because the point is what happens when the application ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.qt
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys, threading
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from tests.fixtures.capture import scenes as S
from tests.ui.test_capture_stop_nonblocking import Camera, slow_camera, write_video
from ui.capture.frame_worker import live_workers
from ui.capture.qr_scan import QrScanner

app = QApplication(sys.argv)
video = write_video(Path(sys.argv[1]) / "camera.avi", S.face_frame())
camera, sources = Camera(), []
scanner = QrScanner(None, locale="en", source=slow_camera(video, camera, sources, block_s=0.8))
scanner.show()

def quit_when_blocked():
    if sources and sources[0].blocking.is_set():
        app.quit()  # the scanner is still showing: nobody asked its thread to stop
    else:
        QTimer.singleShot(10, quit_when_blocked)

QTimer.singleShot(10, quit_when_blocked)
app.exec()
running = [w for w in live_workers() if w.isRunning()]
main = threading.get_ident()
print(f"RUNNING={len(running)} OPEN={camera.open_now} "
      f"CLOSED_ON_WORKER={int(bool(camera.closed_on) and camera.closed_on[0] != main)}")
"""


def test_quitting_while_a_camera_read_blocks_joins_the_thread(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RUNNING=0 OPEN=0 CLOSED_ON_WORKER=1" in proc.stdout, proc.stdout + proc.stderr
    assert "QThread" not in proc.stderr, proc.stderr  # no "Destroyed while thread is running"
    assert "Traceback" not in proc.stderr, proc.stderr

"""Start-up benchmark: process start → attract screen painted, against a bare PySide6 window
measured in the same run; plus the peak memory of a full citizen journey.

    python tests/bench/startup_bench.py [--runs 5]

Each run spawns a fresh interpreter (offscreen Qt). The kiosk prints `SHOWN_AT=<unix time>`
on its first paint when SALA_EXIT_WHEN_SHOWN=1, and the modules that must not be imported
before it (cv2, numpy, sqlite_utils, requests). The bare baseline creates QApplication and
a QWidget, shows it and prints the time of its first paint. Medians are compared; the goal
is ratio <= 1.5 (`sala kiosk --windowed`); fullscreen_ratio is the same for `sala kiosk` as a
commune hall runs it (frameless, full-screen, no cursor); cpu_ratio compares the CPU seconds
used by the first paint (steadier than wall time on a busy machine). The journey is
tests/ui/test_journey_km_id_renewal.py run in a child process; its peak RSS comes from
resource.getrusage(RUSAGE_CHILDREN) (goal <= 350 MB).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
class W(QWidget):
    done = False
    def paintEvent(self, e):
        super().paintEvent(e)
        if not self.done:
            self.done = True
            print(f"SHOWN_AT={time.time():.6f} HEAVY=- CPU={time.process_time():.4f}", flush=True)
            QTimer.singleShot(0, app.quit)
app = QApplication(sys.argv)
w = W(); w.resize(1366, 768); w.show()
app.exec()
"""

KIOSK = "from ui.cli import main; raise SystemExit(main(['kiosk', '--windowed']))"
# What a commune hall runs: full-screen and frameless, covering the (offscreen) screen.
KIOSK_FULLSCREEN = "from ui.cli import main; raise SystemExit(main(['kiosk']))"
# The same kiosk without building the whole `sala` parser (which imports every layer's CLI):
# shows what the UI itself costs, apart from the other commands' import time.
KIOSK_DIRECT = """
import argparse
from ui import commands
parser = argparse.ArgumentParser()
commands.register(parser.add_subparsers())
args = parser.parse_args(['kiosk', '--windowed'])
args.data_dir = None
raise SystemExit(args.func(args))
"""

# The floor the kiosk's own code can reach: the attract screen alone (bundled fonts, the
# stylesheet, the screen's modules) in a bare window, without the kiosk's plumbing (config, task
# helper, top bar, sala parser). What is left of the ratio here belongs to those widgets (the
# enums of the classes they use; not the `Qt` namespace's, which ui/app.py keeps until after
# the first paint), the fonts, the stylesheet and the Khmer text itself.
ATTRACT_ONLY = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from ui.app import load_fonts, stylesheet
from ui.screens.attract import AttractScreen
from ui.screens.base import AppContext
from ui.session import Session
class W(QWidget):
    done = False
    def paintEvent(self, e):
        super().paintEvent(e)
        if not self.done:
            self.done = True
            print(f"SHOWN_AT={time.time():.6f} HEAVY=- CPU={time.process_time():.4f}", flush=True)
            QTimer.singleShot(0, app.quit)
app = QApplication(sys.argv)
load_fonts()
app.setStyleSheet(stylesheet())
w = W()
QVBoxLayout(w).addWidget(AttractScreen(AppContext(tasks=None, session=Session()), None))
w.resize(1366, 768); w.show()
app.exec()
"""


def configure(data_dir: Path) -> None:
    """A data dir whose setup is done (kiosk.config writes config.json with the defaults):
    without it `sala kiosk` opens first-run setup, and the run would time that screen instead
    of the citizen's attract screen."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kiosk.config import Config, save_config

    save_config(Config(data_dir=data_dir))


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SALA_EXIT_WHEN_SHOWN="1",
        SALA_DATA_DIR=str(tmp / "data"),
        SALA_SECRET_DIR=str(tmp / "secret"),
        SALA_PRINTER="none",
        PYTHONDONTWRITEBYTECODE="0",
    )
    return env


def shown_fields(stdout: str, what: str, stderr: str, code: int) -> dict[str, str]:
    """The `SHOWN_AT=… HEAVY=… CPU=… QT_NAMESPACE=…` line's fields (ui/app.py prints it on the
    first paint; a bare window's has no QT_NAMESPACE)."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith("SHOWN_AT=")), None)
    if line is None:
        raise RuntimeError(f"{what}: no SHOWN_AT line (exit {code}):\n{stderr[-2000:]}")
    return dict(part.split("=", 1) for part in line.split())


def one_run(code: str, tmp: Path) -> tuple[float, str, float]:
    """Seconds from process start to the first paint, the heavy modules imported by then, and
    the CPU seconds the process had used by then (steadier than wall time on a busy machine)."""
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=120,
    )
    fields = shown_fields(proc.stdout, "python", proc.stderr, proc.returncode)
    return float(fields["SHOWN_AT"]) - start, fields.get("HEAVY", "-"), float(fields["CPU"])


def journey_peak_rss_mb(tmp: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SALA_SECRET_DIR=str(tmp / "jsecret"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/ui/test_journey_km_id_renewal.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:  # the start-up figures still count: say so, and go on
        print(f"the journey failed, no peak memory figure:\n{proc.stdout[-3000:]}", flush=True)
        return float("nan")
    # ru_maxrss of the largest child so far, in KiB on Linux: run this before the others.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-journey", action="store_true", help="skip the memory journey")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sala-bench-") as tmpname:
        tmp = Path(tmpname)
        configure(tmp / "data")
        peak = journey_peak_rss_mb(tmp) if not args.no_journey else float("nan")
        one_run(KIOSK, tmp)  # warm the OS file cache and .pyc files for both, not measured
        one_run(BARE, tmp)
        kiosk: list[float] = []
        full: list[float] = []
        direct: list[float] = []
        bare: list[float] = []
        floor: list[float] = []
        heavy: set[str] = set()
        kiosk_cpu: list[float] = []
        bare_cpu: list[float] = []
        for _ in range(args.runs):  # interleaved, so all see the same machine load
            for code, times in ((KIOSK, kiosk), (KIOSK_FULLSCREEN, full)):
                t, h, cpu = one_run(code, tmp)
                times.append(t)
                if code is KIOSK:
                    kiosk_cpu.append(cpu)
                heavy.update(x for x in h.split(",") if x and x != "-")
            direct.append(one_run(KIOSK_DIRECT, tmp)[0])
            t, _, cpu = one_run(BARE, tmp)
            bare.append(t)
            bare_cpu.append(cpu)
            floor.append(one_run(ATTRACT_ONLY, tmp)[0])
    kc, bc = statistics.median(kiosk_cpu), statistics.median(bare_cpu)
    k, d, b = statistics.median(kiosk), statistics.median(direct), statistics.median(bare)
    f, fs = statistics.median(floor), statistics.median(full)
    print(f"kiosk runs: {', '.join(f'{x:.3f}' for x in kiosk)}")
    print(f"kiosk full-screen: {', '.join(f'{x:.3f}' for x in full)}")
    print(f"kiosk without the sala parser: {', '.join(f'{x:.3f}' for x in direct)}")
    print(f"bare  runs: {', '.join(f'{x:.3f}' for x in bare)}")
    print(f"attract screen alone: {', '.join(f'{x:.3f}' for x in floor)}")
    print(f"heavy modules imported before the attract screen: {sorted(heavy) or 'none'}")
    print(
        f"RESULT startup_s={k:.3f} bare_qt_s={b:.3f} ratio={k / b:.2f} "
        f"ui_only_s={d:.3f} ui_only_ratio={d / b:.2f} attract_only_ratio={f / b:.2f} "
        f"peak_rss_mb={peak:.0f} heavy_before_shown={len(heavy)} "
        f"fullscreen_ratio={fs / b:.2f} cpu_s={kc:.3f} bare_cpu_s={bc:.3f} cpu_ratio={kc / bc:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Journey stall benchmark: how long the GUI thread is unavailable during whole citizen journeys.

    .venv/bin/python tests/bench/journey_bench.py [--runs 5] [--where]

Each run is a fresh interpreter (offscreen Qt, a fresh data dir), as after a kiosk boots: one
kiosk takes a Khmer ID card renewal with photo and papers on the on-screen keyboard, then an
English passport on the physical keyboard (tests/ui/journeys.py, the journeys the UI tests
check). tests/ui/stall.py's monitor ticks every 10 ms; a gap is the time between two ticks,
net of the time the kernel kept the GUI thread waiting for a CPU (other processes).
stall_max_ms is the median over runs of the longest gap; stall_p95_ms the median of the 95th
percentile of each tap's longest gap. The baseline, measured in the same process just before the
journeys, is the same kiosk's event loop left idle on the attract screen. Goal: stall_max_ms <= 50.

`--where` samples the GUI thread's Python stack whenever a tick is 25 ms late and prints the
places where it was found, to tell what blocked it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IDLE_S = 2.0
PAUSE_MS = 40  # the event loop runs this long after each tap, as between a person's taps
LATE_MS = 25.0  # --where: a tick this late counts as a stall being sampled


class StackSampler(threading.Thread):
    """While the GUI thread is late for a tick, note where its Python code is (our files)."""

    def __init__(self, monitor: Any, gui_ident: int) -> None:
        super().__init__(daemon=True)
        self.monitor, self.gui_ident = monitor, gui_ident
        self.places: Counter[str] = Counter()
        self.running = True

    def run(self) -> None:
        while self.running:
            time.sleep(0.005)
            if (time.perf_counter() - self.monitor._last) * 1000 < LATE_MS:
                continue
            frame = sys._current_frames().get(self.gui_ident)
            stack: list[str] = []
            while frame is not None and len(stack) < 4:
                name = frame.f_code.co_filename
                if str(ROOT) in name and "/tests/" not in name:
                    rel = Path(name).relative_to(ROOT)
                    stack.append(f"{rel}:{frame.f_lineno}({frame.f_code.co_name})")
                frame = frame.f_back
            self.places[" < ".join(stack) or "(Qt / C code)"] += 1


class Bot:
    """The part of pytest-qt's `qtbot` that `Journey` uses, without pytest."""

    def __init__(self) -> None:
        from PySide6.QtTest import QTest

        self.mouseClick, self.keyClicks = QTest.mouseClick, QTest.keyClicks

    @staticmethod
    def wait(ms: int) -> None:
        from PySide6.QtTest import QTest

        QTest.qWait(ms)

    def waitUntil(self, check: Any, timeout: int = 5000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while True:
            try:
                result = check()
            except AssertionError:  # pytest-qt's style: a callback may assert until true
                result = False
            if result is None or result is True:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout} ms for {check}")
            self.wait(10)


def child(where: bool) -> dict[str, Any]:
    """One run in this process: idle baseline, then both journeys; returns the figures."""
    from tests.ui.conftest import TODAY, Journey
    from tests.ui.journeys import en_passport, finish, km_id_renewal
    from tests.ui.stall import StallMonitor, percentile
    from ui.app import Kiosk, KioskOptions, ensure_app, load_fonts, stylesheet

    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    base = Path(os.environ.get("XDG_DATA_HOME") or tempfile.gettempdir())  # the run's home
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="sala-journey-bench-", dir=base))
    opts = KioskOptions(
        data_dir=tmp / "data",
        idle_seconds=600,
        grace_seconds=30,
        today=lambda: TODAY,
        printer="none",
        scan_folder=tmp,
    )
    kiosk = Kiosk(opts)
    qtbot = Bot()
    kiosk.window.resize(1366, 768)
    kiosk.window.show()
    kiosk.start()
    qtbot.waitUntil(lambda: all(kiosk.ready.values()), timeout=60_000)

    idle = StallMonitor()
    idle.start()
    qtbot.wait(int(IDLE_S * 1000))
    idle.stop()

    class PacedJourney(Journey):
        """Lets the event loop idle after each tap, so a gap is the kiosk's work, not the
        driver's (which taps the next widget at once)."""

        def tap(self, widget: Any, **kw: Any) -> None:
            super().tap(widget, **kw)
            qtbot.wait(PAUSE_MS)

    j = PacedJourney(kiosk, qtbot, tmp)
    j.stall = stall = StallMonitor()
    sampler = StackSampler(stall, threading.get_ident()) if where else None
    started = time.perf_counter()
    stall.start()
    if sampler is not None:
        sampler.start()
    km_id_renewal(j)
    finish(j)
    en_passport(j)
    finish(j)
    stall.stop()
    took = time.perf_counter() - started
    if sampler is not None:
        sampler.running = False
    kiosk.shutdown()
    kiosk.window.close()
    return {
        "max": stall.max_gap_ms,
        "wall_max": stall.max_wall_gap_ms,
        "p95": percentile(stall.step_maxima(), 95),
        "steps": len(stall.by_mark),
        "worst": stall.worst(5),
        "idle_max": idle.max_gap_ms,
        "idle_p95": percentile(idle.gaps, 95),
        "journey_s": took,
        "places": sampler.places.most_common(12) if sampler is not None else [],
        "steps_ms": {k: round(v[0], 1) for k, v in stall.by_mark.items()} if where else {},
    }


def one_run(where: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sala-bench-home-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALA_")}
        env.update(
            QT_QPA_PLATFORM=os.environ["QT_QPA_PLATFORM"],
            SALA_SECRET_DIR=f"{home}/secret",
            SALA_DATA_DIR=f"{home}/data",
            XDG_CONFIG_HOME=f"{home}/config",
            XDG_DATA_HOME=f"{home}/share",
        )
        args = [sys.executable, __file__, "--child"] + (["--where"] if where else [])
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("CHILD ")), None)
    if line is None:
        raise RuntimeError(f"journey run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return dict(json.loads(line[len("CHILD ") :]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--where", action="store_true", help="sample the GUI stack in stalls")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("CHILD " + json.dumps(child(args.where)), flush=True)
        return 0
    one_run(False)  # warm the OS file cache and .pyc files, not measured
    runs = []
    for i in range(args.runs):
        r = one_run(args.where)
        runs.append(r)
        print(
            f"run {i + 1}: max {r['max']:.1f} ms (wall {r['wall_max']:.1f}), "
            f"p95 {r['p95']:.1f} ms over {r['steps']} steps, idle max {r['idle_max']:.1f} ms, "
            f"journeys {r['journey_s']:.1f} s; worst: {r['worst']}",
            flush=True,
        )
        for place, n in r["places"]:
            print(f"    {n:4d} × {place}")
        for step, ms in sorted(r["steps_ms"].items(), key=lambda kv: -kv[1]):
            print(f"    {ms:6.1f} ms  {step}")

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    stall_max, idle_max = med("max"), med("idle_max")
    print(
        f"RESULT stall_max_ms={stall_max:.1f} stall_p95_ms={med('p95'):.1f} "
        f"stall_wall_max_ms={med('wall_max'):.1f} idle_max_ms={idle_max:.1f} "
        f"idle_p95_ms={med('idle_p95'):.1f} vs_idle={stall_max / max(idle_max, 1.0):.2f} "
        f"runs={len(runs)} goal_max_ms=50 load_avg={os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

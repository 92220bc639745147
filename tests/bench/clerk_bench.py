"""Clerk station benchmark: the queue and search with 100,000 registrations, 2,000 of today.

    .venv/bin/python tests/bench/clerk_bench.py [--rows 100000] [--today 2000] [--no-stall]

What is timed goes through `ClerkDesk` (session check, SQL, decrypting the page's rows):
- queue open: what the home screen asks when it opens, `counts()` (six counts) and the first
  page of today's list, worst of `--opens` opens (the first one cold);
- search: `search()` with names (Khmer prefix, Latin), phones, national id numbers, whole
  application numbers and receipt QR payloads, p95.
Baseline in the same run: a plain indexed SELECT of today's first 50 rows (ids only) on the
same file. Goals: queue_open_ms <= 300, search_p95_ms <= 50.

stall_max_ms: the worst GUI-thread gap while the Qt clerk home screen (`ui/clerk`, UI-A's)
opens on this store (then today's list, Sign out, a second sign-in), with tests/ui/stall.py's
monitor, when PySide6 and ui/clerk are importable (run it with .venv, QT_QPA_PLATFORM=offscreen
is set); else, or with `--no-stall`, `na`. `stall_idle_ms` is the idle loop's worst gap, the
baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.catalog import load_bundled_catalog
from kiosk.clerk import ClerkDesk, Queue
from kiosk.model import new_id
from kiosk.staff import StaffDesk, StaffSession
from kiosk.store import Store, fields_to_index
from kiosk.store.appnumber import format_app_number, verification_code
from kiosk.store.registrations import encrypt_answers
from tests.bench.store_bench import person

NOW = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # noon in Phnom Penh


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def answers(rng: random.Random, n: int) -> dict[str, Any]:
    p = person(rng)
    return {
        "name_km": p["name_km"],
        "name_latin": p["name_latin"].upper(),
        "phone": p["phone"],
        "id_number": f"{100000000 + n:09d}",
        "date_of_birth": p["birth_date"],
    }


def build(store: Store, rng: random.Random, rows: int, today: int) -> list[dict[str, Any]]:
    """Rows straight into the tables (one transaction): older ones sent and mostly decided,
    some waiting for papers or pick-up, a few problems; today's waiting, some held."""
    catalog = load_bundled_catalog()
    services = list(catalog.services.values())
    fields = {s.id: fields_to_index(s) for s in services}
    conn = store._conn
    start = conn.execute("SELECT value FROM counters WHERE name='app_number'").fetchone()[0]
    seq0 = (conn.execute("SELECT MAX(seq) FROM registrations").fetchone()[0] or 0) + 1
    regs, receipts, search, people = [], [], [], []
    for i in range(rows):
        svc = services[i % len(services)]
        rid, a = new_id(), answers(rng, i)
        app = format_app_number("120101", start + i + 1, 1)
        is_today = i >= rows - today
        at = (
            (NOW - timedelta(seconds=(rows - i) * 20))
            if is_today
            else (NOW - timedelta(days=1 + (rows - i) * 365 / rows))
        )
        state, status = "submitted", None
        if not is_today:
            state, status = "decided", "rejected"
            roll = i % 100
            if roll < 2:
                state, status = "accepted", "needs_papers"
            elif roll < 5:
                state, status = "decided", "ready_for_pickup"
            elif roll < 40:
                state, status = "accepted", "in_review"
        iso = at.isoformat()
        regs.append(
            (
                seq0 + i,
                rid,
                svc.id,
                svc.version,
                state,
                "km",
                "120101",
                iso,
                iso,
                encrypt_answers(store._keys.answers, rid, a),
                app,
                iso,
                svc.fee_khr,
                status,
                "problem" if i % 2000 == 7 else None,
            )
        )
        receipts.append(
            (
                rid,
                app,
                verification_code(store._keys.verification, rid),
                svc.id,
                svc.version,
                "120101",
                svc.fee_khr,
                iso,
            )
        )
        search.append((seq0 + i, store._search.doc(a, app, fields[svc.id])))
        people.append({**a, "app_number": app, "qr": f"SALA1:{app}:{receipts[-1][2]}"})
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO registrations (seq, id, service_id, form_version, state, locale, "
        "commune_code, created_at, updated_at, answers, app_number, submitted_at, fee_khr, "
        "server_status, problem) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        regs,
    )
    conn.executemany(
        "INSERT INTO receipts (registration_id, app_number, verification_code, service_id, "
        "form_version, commune_code, fee_khr, submitted_at) VALUES (?,?,?,?,?,?,?,?)",
        receipts,
    )
    conn.executemany("INSERT INTO search_tokens (rowid, tokens) VALUES (?,?)", search)
    conn.execute("UPDATE counters SET value = ? WHERE name='app_number'", (start + rows,))
    conn.execute("COMMIT")
    conn.execute("INSERT INTO search_tokens(search_tokens) VALUES('optimize')")
    conn.execute("ANALYZE")
    return people


def queries(rng: random.Random, people: list[dict[str, Any]], n: int) -> list[str]:
    out = []
    for i in range(n):
        p = rng.choice(people)
        kind = i % 6
        if kind == 0:
            given = p["name_km"].split()[1]
            out.append(given[: rng.randint(2, len(given))])
        elif kind == 1:
            out.append(p["name_latin"].split()[1][:5].lower())
        elif kind == 2:
            out.append("0" + p["phone"][4:])
        elif kind == 3:
            out.append(p["id_number"])
        elif kind == 4:
            out.append(p["app_number"])
        else:
            out.append(p["qr"])
    return out


def clerk_desk(store: Store) -> ClerkDesk:
    """The roster as the change feed brings it (the UI tests' too), a clerk signed in."""
    from tests.core.test_staff_support import CHEAP, CLERK, CLERK_PIN, standard_roster

    store.apply_changes(standard_roster(), "10")
    session = StaffDesk(store, clock=lambda: NOW, params=CHEAP).sign_in(CLERK, CLERK_PIN)
    assert isinstance(session, StaffSession)
    return ClerkDesk(store, load_bundled_catalog(), session, now=lambda: NOW)


def baseline(path: Path, n: int) -> list[float]:
    from kiosk.store.clerk_reports import day_bounds

    start, end = day_bounds(NOW.date())
    conn = sqlite3.connect(path)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.execute(
            "SELECT seq, id, app_number FROM registrations WHERE submitted_at >= ? AND "
            "submitted_at < ? ORDER BY seq DESC LIMIT 50",
            (start, end),
        ).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times


def stall_max(data_dir: Path) -> tuple[str, str]:
    """Worst GUI gap while clerk_home opens (and the idle loop's), or "na" when the UI part
    cannot run here (no PySide6 or no ui/clerk)."""
    try:
        from tests.bench.clerk_stall import measure_home
        from tests.core.test_staff_support import CLERK, CLERK_PIN
    except ImportError as exc:
        print(f"stall: not measured ({exc})")
        return "na", "na"
    worst, idle = measure_home(data_dir, CLERK, CLERK_PIN)
    return f"{worst:.1f}", f"{idle:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--today", type=int, default=2_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--opens", type=int, default=20)
    ap.add_argument("--no-stall", action="store_true", help="skip opening the Qt clerk home screen")
    args = ap.parse_args()
    rng = random.Random(12)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        os.environ["SALA_SECRET_DIR"] = str(root / "secret")
        store = Store.open(root / "data", commune_code="120101", clock=lambda: NOW)
        t0 = time.perf_counter()
        people = build(store, rng, args.rows, args.today)
        print(f"built {args.rows} rows ({args.today} today) in {time.perf_counter() - t0:.1f} s")
        desk = clerk_desk(store)
        base = baseline(root / "data" / "sala.db", args.opens)
        opens = []
        for _ in range(args.opens):
            t0 = time.perf_counter()
            counts = desk.counts()
            rows = desk.queue(Queue.TODAY)
            opens.append((time.perf_counter() - t0) * 1000)
        assert counts[Queue.TODAY] == args.today and len(rows) == 50, counts
        print("counts:", {q.value: n for q, n in counts.items()})
        times, found = [], 0
        kinds: dict[int, list[float]] = {}
        for i, q in enumerate(queries(rng, people, args.queries)):
            t0 = time.perf_counter()
            hits = desk.search(q)
            times.append((time.perf_counter() - t0) * 1000)
            kinds.setdefault(i % 6, []).append(times[-1])
            found += bool(hits)
        names = ("khmer prefix", "latin", "phone", "id number", "app number", "qr")
        print("search p95 by kind:", {names[k]: round(pct(v, 95), 1) for k, v in kinds.items()})
        print(
            f"queue open: first {opens[0]:.1f} ms, p50 {pct(opens, 50):.1f}, max {max(opens):.1f}"
            f"; baseline indexed SELECT p50 {pct(base, 50):.2f} ms"
        )
        print(
            f"search: p50 {pct(times, 50):.1f} p95 {pct(times, 95):.1f} max {max(times):.1f} ms"
            f"; {found}/{len(times)} found someone"
        )
        store.close()
        stall, idle = ("na", "na") if args.no_stall else stall_max(root / "data")
    print(
        f"RESULT queue_open_ms={max(opens):.1f} search_p95_ms={pct(times, 95):.1f} "
        f"stall_max_ms={stall} stall_idle_ms={idle} baseline_select_ms={pct(base, 50):.2f} "
        f"search_p50_ms={pct(times, 50):.1f}"
    )


if __name__ == "__main__":
    main()

"""Store benchmark: durable submit with media, metadata-only autosave, search at 100k rows.

    .venv/bin/python tests/bench/store_bench.py [--rows 100000] [--saves 40]

Baseline in the same run: raw sqlite3 (WAL, synchronous=FULL) writing the same bytes as one
row, plus the three files written and fsynced, with no encryption and no Sala code.
Goals: save p95 <= 300 ms, metadata-only p95 <= 50 ms, search p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.model import Attachment, new_id
from kiosk.store import Store
from kiosk.store.appnumber import format_app_number
from kiosk.store.registrations import encrypt_answers

KM_SYL = [
    "សុខ",
    "ដា",
    "រា",
    "ចាន់",
    "ស្រី",
    "ពៅ",
    "វណ្ណា",
    "ហេង",
    "គឹម",
    "លី",
    "ម៉ៅ",
    "សុភ",
    "ណា",
    "រី",
    "ធី",
    "តា",
    "បុ",
    "ប្រាក់",
    "ចិន្តា",
    "សំ",
    "អូន",
    "នី",
    "ពិ",
    "សិទ្ធ",
]
LA_SYL = [
    "sok",
    "da",
    "ra",
    "chan",
    "srey",
    "pov",
    "vanna",
    "heng",
    "kim",
    "ly",
    "mao",
    "sophea",
    "na",
    "ri",
    "thi",
    "ta",
    "bo",
    "prak",
    "chenda",
    "sam",
    "oun",
    "ni",
    "pi",
    "seth",
]
MEDIA_SIZES = (50_000, 250_000, 250_000)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def person(rng: random.Random) -> dict[str, str]:
    idx = [rng.randrange(len(KM_SYL)) for _ in range(rng.randint(3, 4))]
    family, given = idx[:1], idx[1:]
    return {
        "name_km": "".join(KM_SYL[i] for i in family) + " " + "".join(KM_SYL[i] for i in given),
        "name_latin": (LA_SYL[family[0]] + " " + "".join(LA_SYL[i] for i in given)).title(),
        "phone": f"+855{rng.choice(['12', '16', '77', '97'])}{rng.randrange(10**6, 10**7)}",
        "birth_date": f"{rng.randint(1950, 2020)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "village": f"{rng.randrange(10**7, 10**8)}",
    }


def bench_baseline(root: Path, n: int) -> list[float]:
    conn = sqlite3.connect(root / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, answers BLOB)")
    media = root / "baseline-media"
    media.mkdir()
    times = []
    for i in range(n):
        blobs = [os.urandom(size) for size in MEDIA_SIZES]
        t0 = time.perf_counter()
        for j, blob in enumerate(blobs):
            with open(media / f"{i}-{j}", "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (?, ?)", (new_id(), b"{}" * 200))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times


def bench_saves(store: Store, rng: random.Random, n: int) -> tuple[list[float], list[float]]:
    saves, metas = [], []
    for _ in range(n):
        answers = person(rng)
        blobs = [os.urandom(size) for size in MEDIA_SIZES]
        reg = store.create_draft("birth_certificate", "2026.1", "km")
        for step in range(5):  # autosave as the citizen answers
            t0 = time.perf_counter()
            store.save_draft(reg.id, dict(list(answers.items())[: step + 1]))
            metas.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        refs = [store.add_media(b, "image/jpeg") for b in blobs]
        atts = [Attachment("photo", "photo", refs[0])] + [
            Attachment("papers", "document", r, page=i) for i, r in enumerate(refs[1:])
        ]
        store.submit(reg.id, answers, atts, fee_khr=4000)
        saves.append((time.perf_counter() - t0) * 1000)
    return saves, metas


def build_rows(store: Store, rng: random.Random, rows: int) -> list[dict[str, str]]:
    """Insert `rows` submitted registrations straight into the tables (executemany)."""
    conn = store._conn
    start = conn.execute("SELECT value FROM counters WHERE name='app_number'").fetchone()[0]
    people, regs, search = [], [], []
    seq0 = (conn.execute("SELECT MAX(seq) FROM registrations").fetchone()[0] or 0) + 1
    now = "2026-03-01T08:00:00+00:00"
    for i in range(rows):
        p = person(rng)
        rid = new_id()
        app = format_app_number("120101", start + i + 1)
        people.append({**p, "app_number": app})
        regs.append(
            (
                seq0 + i,
                rid,
                "birth_certificate",
                "2026.1",
                "submitted",
                "km",
                "120101",
                now,
                now,
                encrypt_answers(store._keys.answers, rid, p),
                app,
                now,
                4000,
            )
        )
        search.append((seq0 + i, store._search.doc(p, app)))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO registrations (seq, id, service_id, form_version, state, locale, "
        "commune_code, created_at, updated_at, answers, app_number, submitted_at, fee_khr) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        regs,
    )
    conn.executemany("INSERT INTO search_tokens (rowid, tokens) VALUES (?,?)", search)
    conn.execute("UPDATE counters SET value = ? WHERE name='app_number'", (start + rows,))
    conn.execute("COMMIT")
    conn.execute("INSERT INTO search_tokens(search_tokens) VALUES('optimize')")
    return people


def queries(rng: random.Random, people: list[dict[str, str]], n: int) -> list[tuple[str, str]]:
    """(query, the app number of the person it was made from)."""
    out: list[tuple[str, str]] = []
    for _ in range(n):
        p = rng.choice(people)
        q = ""
        kind = rng.randrange(5)
        if kind == 0:
            given = p["name_km"].split()[1]
            q = given[: rng.randint(2, len(given))]  # Khmer prefix
        elif kind == 1:
            q = p["name_km"]
        elif kind == 2:
            q = p["name_latin"].split()[1][:5].lower()
        elif kind == 3:
            q = "0" + p["phone"][4:][: rng.randint(5, 9)]
        else:
            q = p["app_number"]
        out.append((q, p["app_number"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--saves", type=int, default=40)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        baseline = bench_baseline(root, args.saves)
        store = Store.open(root / "data", commune_code="120101", secret_dir=root / "secret")
        saves, metas = bench_saves(store, rng, args.saves)
        print(
            f"baseline raw sqlite+fsync of same bytes: p50={pct(baseline, 50):.1f} "
            f"p95={pct(baseline, 95):.1f} ms"
        )
        print(
            f"submit with 50KB+2x250KB media:        p50={pct(saves, 50):.1f} "
            f"p95={pct(saves, 95):.1f} ms"
        )
        print(
            f"metadata-only autosave:                p50={pct(metas, 50):.1f} "
            f"p95={pct(metas, 95):.1f} ms"
        )
        t0 = time.perf_counter()
        people = build_rows(store, rng, args.rows)
        print(f"built {args.rows} rows in {time.perf_counter() - t0:.1f} s")
        qs = queries(rng, people, args.queries)
        times, hits, person_hits = [], 0, 0
        for q, app in qs:
            t0 = time.perf_counter()
            found = store.search(q)
            times.append((time.perf_counter() - t0) * 1000)
            hits += bool(found)
            person_hits += app in {r.app_number for r in found}
        print(
            f"search among {args.rows}: p50={pct(times, 50):.1f} p95={pct(times, 95):.1f} "
            f"max={max(times):.1f} ms; {hits}/{len(qs)} queries found someone, "
            f"{person_hits} had their person in the first 50 (short Khmer prefixes match "
            "many people)"
        )
        store.close()
    print(
        f"RESULT save_p50_ms={pct(saves, 50):.1f} save_p95_ms={pct(saves, 95):.1f} "
        f"meta_p95_ms={pct(metas, 95):.1f} search_p95_ms={pct(times, 95):.1f} "
        f"baseline_fsync_p95_ms={pct(baseline, 95):.1f} "
        f"search_mean_ms={statistics.fmean(times):.1f}"
    )


if __name__ == "__main__":
    main()

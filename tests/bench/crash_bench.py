"""Crash benchmark: SIGKILL a writer at random moments; nothing reported saved may be lost.

    .venv/bin/python tests/bench/crash_bench.py --kills 200

A forked writer opens the store and submits registrations with media in a loop, printing each
id and application number only AFTER `submit` returned. The parent kills it with SIGKILL at a
random moment (during open, autosave, media write or submit), then opens the store and checks:
`PRAGMA integrity_check` is ok; every reported registration is there, submitted, complete, with
its receipt and outbox row, and its media decrypt to their hash; application numbers are never
reused; the audit chain verifies. After the orphan sweep (age 0 here, as no writer runs) there
must be no media file without an attachment row, no attachment row without its file and no
half-written temp file. Baseline in the same run: time per cycle of fork + open + kill alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.model import Attachment, State
from kiosk.store import Store, StoreError
from kiosk.store.vault import TMP_PREFIX


def writer(data: Path, secret: Path, seed: int, out_fd: int) -> None:
    """Child: submit forever; report each registration once submit has returned."""
    rng = random.Random(seed)
    store = Store.open(data, commune_code="120101", secret_dir=secret)
    os.write(out_fd, b"ready\n")
    n = 0
    while True:
        n += 1
        name = f"Writer {seed} number {n}"
        reg = store.create_draft("birth_certificate", "2026.1", "km")
        store.save_draft(reg.id, {"name_latin": name})
        atts = []
        for page in range(rng.randint(1, 3)):
            ref = store.add_media(os.urandom(rng.randint(2_000, 40_000)), "image/jpeg")
            atts.append(Attachment("papers", "document", ref, page=page))
        receipt = store.submit(reg.id, {"name_latin": name, "name_km": "ដារា"}, atts, fee_khr=4000)
        line = json.dumps(
            {
                "id": reg.id,
                "app": receipt.app_number,
                "name": name,
                "media": [a.media.sha256 for a in atts],
            }
        )
        os.write(out_fd, line.encode() + b"\n")


def run_cycle(data: Path, secret: Path, seed: int, max_delay: float) -> tuple[list[dict], bool]:
    """Fork a writer, kill it after a random delay; return what it reported and whether it
    was killed before the store had opened."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            writer(data, secret, seed, w)
        finally:
            os._exit(1)
    os.close(w)
    rng = random.Random(seed)
    # One kill in five lands while the writer is still opening the store (migrations, keys,
    # sweep); the rest a random moment after it is ready, i.e. inside the save loop.
    during_open = rng.random() < 0.2
    delay = rng.uniform(0, 0.1 if during_open else max_delay)
    buf = b""
    deadline = time.monotonic() + (delay if during_open else 5.0)
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
            if not during_open and b"ready\n" in buf and deadline - time.monotonic() > delay:
                deadline = time.monotonic() + delay
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(r, 65536):
        buf += chunk
    os.close(r)
    lines = buf.decode().splitlines()
    return [json.loads(x) for x in lines if x.startswith("{")], "ready" not in lines


def check(store: Store, saved: dict[str, dict], deep: list[dict]) -> tuple[int, int]:
    """(lost, corrupt) for everything reported so far; `deep` ones also read their media."""
    lost = corrupt = 0
    if store.integrity_check() != ["ok"] or store.audit.verify() is not None:
        corrupt += 1
    ids = list(saved)
    found = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for rid, state, app in store._conn.execute(
            f"SELECT id, state, app_number FROM registrations WHERE id IN ({marks})", chunk
        ):
            found[rid] = (state, app)
    in_outbox = {row[0] for row in store._conn.execute("SELECT registration_id FROM outbox")}
    for rid, rec in saved.items():
        if found.get(rid) != (State.SUBMITTED.value, rec["app"]) or rid not in in_outbox:
            lost += 1
    for rec in deep:
        try:
            reg = store.get(rec["id"])
            ok = (
                reg.answers.get("name_latin") == rec["name"]
                and sorted(a.media.sha256 for a in reg.attachments) == sorted(rec["media"])
                and store.receipt(rec["id"]).app_number == rec["app"]
            )
            for sha in rec["media"]:
                store.read_media(sha)  # decrypts and checks the hash
        except StoreError:
            ok = False
        lost += not ok
    return lost, corrupt


def orphans(store: Store) -> int:
    """After a sweep: files without rows, rows without files, leftover temp files."""
    store.sweep_orphans(older_than_hours=0)
    referenced = {r[0] for r in store._conn.execute("SELECT DISTINCT sha256 FROM attachments")}
    files = {sha for sha, _ in store.vault}
    temps = [p for p in store.vault.root.rglob(f"{TMP_PREFIX}*")]
    return len(files - referenced) + len(referenced - files) + len(temps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--max-delay", type=float, default=0.15, help="seconds before the kill")
    args = ap.parse_args()
    lost = corrupt = orphan = dup = in_open = 0
    saved: dict[str, dict] = {}
    apps: set[str] = set()
    cycle_ms: list[float] = []
    base_ms: list[float] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        data, secret = Path(tmp) / "data", Path(tmp) / "secret"
        Store.open(data, commune_code="120101", secret_dir=secret).close()
        for k in range(args.kills):
            t0 = time.perf_counter()
            reported, before_ready = run_cycle(data, secret, seed=k, max_delay=args.max_delay)
            in_open += before_ready
            for rec in reported:
                dup += rec["app"] in apps
                apps.add(rec["app"])
                saved[rec["id"]] = rec
            store = Store.open(data, commune_code="120101", secret_dir=secret)
            sample = random.Random(k).sample(list(saved.values()), min(10, len(saved)))
            lo, co = check(store, saved, reported + sample)
            orphan += orphans(store)
            store.close()
            lost += lo
            corrupt += co
            cycle_ms.append((time.perf_counter() - t0) * 1000)
            if k % 20 == 0:  # baseline: fork + open + kill with nothing written after open
                t0 = time.perf_counter()
                run_cycle(data, secret, seed=10**6 + k, max_delay=0.0)
                base_ms.append((time.perf_counter() - t0) * 1000)
        store = Store.open(data, commune_code="120101", secret_dir=secret)
        lo, co = check(store, saved, list(saved.values()))  # everything, media included
        counts = store.counts_by_state()
        store.close()
        lost += lo
        corrupt += co + dup
    print(f"{in_open} of {args.kills} kills landed while the writer was opening the store")
    print(
        f"{len(saved)} registrations reported saved over {args.kills} kills; "
        f"{counts[State.DRAFT]} drafts left by killed writers (kept, like an idle kiosk)"
    )
    print(
        f"cycle mean {sum(cycle_ms) / len(cycle_ms):.0f} ms (fork+kill alone: "
        f"{sum(base_ms) / max(1, len(base_ms)):.0f} ms); duplicate app numbers: {dup}"
    )
    print(
        f"RESULT kills={args.kills} lost={lost} corrupt={corrupt} orphans={orphan} "
        f"saved={len(saved)} cycle_ms={sum(cycle_ms) / len(cycle_ms):.0f}"
    )


if __name__ == "__main__":
    main()

"""Random faults over many sync rounds; afterwards nothing is lost, doubled or corrupted.

    python tests/bench/sync_faults.py --rounds 200 [--seed 1]

Each round submits one or two small registrations on a real kiosk Store, then syncs through our
fault proxy with one fault drawn at random: none, a cut mid-request, a response lost after the
server committed, a flipped bit, a 503 with Retry-After, the client (`sala sync --once`) killed
with SIGKILL, or the server killed with SIGKILL and restarted. An officer moves random accepted
registrations along their status path. At the end the faults stop, the kiosk syncs until its
outbox is empty, and the bench checks the server's database and media files against the kiosk:
`RESULT rounds=... registrations=... lost=0 duplicates=0 corrupt=0 status_missed=0`.
The baseline is the same checks on the kiosk's own records (every one must be on the server).

    python tests/bench/sync_faults.py --scale-out [--rounds 200]

Scale-out: the same scenario against TWO server processes on one PostgreSQL (sharing the data
dir: key, media, tus partial files), behind the round-robin proxy (rrproxy.py) that the fault
proxy forwards to; `server_kill` kills one of the two at random, the officer's moves go to
either. The RESULT line then ends with `servers=2 backend=postgresql`.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync import protocol
from sync.client.api import SyncError
from sync.client.enrol import api_for
from sync.client.pull import pull_changes
from sync.client.push import push_pending
from tests.bench.benchkit import (
    CATALOG,
    COMMUNE,
    ROOT,
    Server,
    env_with,
    free_port,
    jpeg_like,
    open_kiosk,
    submit,
)
from tests.bench.linkemu import Link
from tests.bench.rrproxy import RoundRobinProxy
from tests.sync.conftest import ServerProcess
from tests.sync.faultproxy import FaultProxy
from tests.sync.pg import PgCluster

FAULTS = ("none", "cut", "drop_response", "flip_bit", "busy", "client_kill", "server_kill")


def sync_in_process(store: Any, api: Any) -> None:
    try:
        push_pending(store, api)
        pull_changes(store, api)
    except SyncError:
        pass  # the next round tries again, like the worker would after its backoff


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale-out", action="store_true", help="2 servers, PostgreSQL, RR proxy")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    counts: collections.Counter[str] = collections.Counter()
    started = time.monotonic()
    cluster: PgCluster | None = None
    rr: RoundRobinProxy | None = None
    with tempfile.TemporaryDirectory(prefix="sala-faults-") as tmpdir, Link("proxy") as link:
        tmp = Path(tmpdir)
        servers: list[ServerProcess]
        if args.scale_out:
            cluster = PgCluster().start()
            url = cluster.create_database("sala_faults")
            servers = [scaled(link, tmp / "shared", url) for _ in range(2)]
            for one in servers:
                one.start()  # one after the other: the first makes the signing key
            rr = RoundRobinProxy([one.port for one in servers]).start()
            entry = rr.port
        else:
            servers = [Server(link, tmp / "server").start()]
            entry = servers[0].port
        server = servers[0]
        proxy: FaultProxy = link.proxy_to(entry)
        kiosk = open_kiosk(tmp / "kiosk", proxy.url, server.enrolment_code(COMMUNE))
        session = requests.Session()
        api = api_for(kiosk.data_dir, session)
        officer = server.officer_token("bench officer")
        statuses: dict[str, str] = {}  # what the officer set, by registration id
        report: dict[str, int] = {}
        ids: list[str] = []
        sala = [
            sys.executable,
            "-m",
            "ui.cli",
            "--data-dir",
            str(kiosk.data_dir),
            "sync",
            "--once",
            "--parallel",
            str(rng.choice([1, 3])),
        ]
        env = env_with(SALA_SECRET_DIR=str(kiosk.secret_dir))
        try:
            for _round in range(args.rounds):
                for _ in range(rng.choice([1, 1, 2])):
                    pages = rng.randint(0, 2)
                    files = [("photo", "photo", 0, jpeg_like(rng.randint(2_000, 12_000), len(ids)))]
                    files += [
                        (
                            "birth_paper",
                            "document",
                            p,
                            jpeg_like(rng.randint(5_000, 40_000), 1000 * len(ids) + p),
                        )
                        for p in range(pages)
                    ]
                    ids.append(submit(kiosk.store, files))
                fault = rng.choice(FAULTS)
                counts[fault] += 1
                if fault == "cut":
                    proxy.cut_after(rng.randint(1, 60_000))
                elif fault == "drop_response":
                    proxy.drop_response(b"PUT /v1/registrations/")
                elif fault == "flip_bit":
                    proxy.flip_bit(
                        rng.choice([b"PATCH /v1/uploads/", b"POST /v1/uploads"]),
                        body_offset=rng.randint(0, 1500),
                    )
                elif fault == "busy":
                    proxy.respond(503, retry_after="0", count=rng.randint(1, 3))
                if fault == "client_kill":
                    proxy.set_link(up_bps=800_000)
                    proc = subprocess.Popen(
                        sala,
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(rng.uniform(0.3, 2.0))  # random moment: starting, mid-upload…
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(10)
                    proxy.set_link()
                elif fault == "server_kill":
                    proxy.set_link(up_bps=2_000_000)
                    worker = threading.Thread(target=sync_in_process, args=(kiosk.store, api))
                    worker.start()
                    time.sleep(rng.uniform(0.0, 0.3))
                    victim = rng.choice(servers)
                    victim.kill()
                    worker.join(120)
                    proxy.set_link()
                    victim.start()
                else:
                    sync_in_process(kiosk.store, api)
                proxy.clear()
                for reg_id in rng.sample(ids, min(len(ids), 2)):
                    move(rng.choice(servers), officer, reg_id, statuses, rng)
            # Faults stop: the kiosk catches up, then everything is compared.
            for _ in range(30):
                sync_in_process(kiosk.store, api)
                if not kiosk.store.outbox() and not pull_changes(kiosk.store, api):
                    break
            report = verify(server, kiosk.store, ids, statuses)
        finally:
            kiosk.store.close()
            session.close()
            for one in servers:
                one.stop()
            if rr is not None:
                rr.stop()
            if cluster is not None:
                cluster.stop()
    elapsed = time.monotonic() - started
    print(
        f"faults: {dict(counts)}; {len(statuses)} registrations got officer statuses; "
        f"{elapsed:.0f} s",
        flush=True,
    )
    if rr is not None:
        print(f"round-robin: connections per server {rr.connections}, refused {rr.refused}")
    scale = " servers=2 backend=postgresql" if args.scale_out else ""
    print(
        f"RESULT rounds={args.rounds} registrations={len(ids)} lost={report['lost']} "
        f"duplicates={report['duplicates']} corrupt={report['corrupt']} "
        f"status_missed={report['status_missed']} seconds={elapsed:.0f}{scale}"
    )
    return 0 if not any(report.values()) else 1


def scaled(link: Link, data_dir: Path, db_url: str) -> ServerProcess:
    """One of the scale-out pair: benchkit.Server's process on PostgreSQL, sharing `data_dir`."""
    return ServerProcess(
        data_dir,
        db_url,
        port=free_port(link),
        prefix=link.server_prefix(),
        probe=link.server_side,
        catalog=CATALOG,
    )


def move(
    server: ServerProcess, token: str, reg_id: str, statuses: dict[str, str], rng: random.Random
) -> None:
    """One officer step along the allowed status path, if the server has the registration."""
    current = statuses.get(reg_id, "received")
    options = sorted(protocol.STATUS_TRANSITIONS.get(current, ()))
    if not options:
        return
    new = rng.choice(options)
    try:
        r = requests.post(
            f"http://127.0.0.1:{server.port}/v1/registrations/{reg_id}/status",
            json={"status": new, "note": f"bench {new}"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except requests.RequestException:
        return
    if r.status_code // 100 == 2:
        statuses[reg_id] = new


def verify(
    server: ServerProcess, store: Any, ids: list[str], statuses: dict[str, str]
) -> dict[str, int]:
    engine = create_engine(server.db_url)  # SQLite or PostgreSQL, whichever the server used
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, app_number, body, status FROM registrations")).all()
    engine.dispose()
    by_id = {r[0]: r for r in rows}
    apps = collections.Counter(r[1] for r in rows)
    media_dir = server.data_dir / "media"
    lost = duplicates = corrupt = missed = 0
    duplicates += sum(c - 1 for c in apps.values() if c > 1)
    duplicates += sum(1 for r in rows if r[0] not in set(ids))
    for reg_id in ids:
        reg = store.get(reg_id)
        row = by_id.get(reg_id)
        if row is None or reg.state.value in ("submitted", "uploading"):
            lost += 1
            continue
        body = json.loads(row[2])
        want = sorted(a.media.sha256 for a in reg.attachments)
        got = sorted(a["sha256"] for a in body["attachments"])
        files_ok = all(
            (media_dir / sha[:2] / sha).is_file()
            and hashlib.sha256((media_dir / sha[:2] / sha).read_bytes()).hexdigest() == sha
            for sha in got
        )
        if want != got or not files_ok or body["app_number"] != reg.app_number:
            corrupt += 1
        if reg_id in statuses and reg.server_status != row[3]:
            missed += 1
    return {"lost": lost, "duplicates": duplicates, "corrupt": corrupt, "status_missed": missed}


if __name__ == "__main__":
    sys.exit(main())

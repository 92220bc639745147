"""The back office at scale: a real `sala server` on PostgreSQL with a year of applications,
and 20 officers working at once in the console.

    python tests/bench/backoffice_bench.py            # 1,000,000 applications
    python tests/bench/backoffice_bench.py --small    # 20,000, for a quick run
    python tests/bench/backoffice_bench.py --pgdata /tmp/my-pg  # seed once, then reuse it

A throwaway PostgreSQL cluster (tests/sync/pg.py, as the postgres test job starts it) is seeded
through COPY (backoffice_seed.py) with applications over all 1,661 communes and the bundled
catalog's services, with status histories, assignments, the console's facts and keys, and a view
in the audit per worked application. Then a real server process runs on it, and 20 accounts made
by `sala server officer add` sign in through the form with password + TOTP (like tests/console),
each with its own ministry and jurisdiction (a province, a district, or the whole country for
two ministries' headquarters). Each officer, with a think time between clicks, opens queue pages
(several queues, filters, pages 2..n), applications from them, and (supervisors) the dashboards
and the processing times (/console/performance: the whole country for headquarters).

Baseline, under the same load in the same run: an authenticated round trip that runs no queue
SQL (a non-admin's GET /console/officers: session check, then the 403 page).

Scale-out (`--servers N`, default 1): N server processes on the same database and data dir,
behind the tests' round-robin proxy (tests/bench/rrproxy.py, in this process), as a ministry
scales out; each officer's keep-alive connection stays on the process it was given. With one
server the officers talk to it directly.

    RESULT applications=… queue_p95_ms=… application_p95_ms=… dashboard_p95_ms=…
    baseline_p95_ms=… seed_s=… servers=N

Goals: queue and application p95 <= 150 ms, dashboards p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import backoffice_keep as keep  # noqa: E402
from tests.bench.backoffice_seed import MINISTRY, Seeded, seed  # noqa: E402
from tests.bench.rrproxy import RoundRobinProxy  # noqa: E402
from tests.console.conftest import CATALOG, PASSWORD, form_csrf, totp_code  # noqa: E402
from tests.sync.conftest import ServerProcess  # noqa: E402
from tests.sync.pg import PgCluster, find_bindir  # noqa: E402

QUEUES = ("new", "mine", "in_review", "needs_papers", "due_soon", "overdue", "decided")
# (username, role, ministry, jurisdiction): 20 officers as a ministry would staff them.
OFFICERS = [
    ("pp.interior.1", "officer", "interior", "12"),
    ("pp.interior.2", "officer", "interior", "12"),
    ("pp.interior.3", "officer", "interior", "1201,1202"),
    ("sr.interior.1", "officer", "interior", "17"),
    ("btb.interior.1", "officer", "interior", "02"),
    ("kc.interior.1", "officer", "interior", "03"),
    ("kd.interior.1", "officer", "interior", "08"),
    ("pv.interior.1", "officer", "interior", "14"),
    ("tk.interior.1", "officer", "interior", "21"),
    ("kp.interior.1", "officer", "interior", "04"),
    ("pp.mpwt.1", "officer", "mpwt", "12"),
    ("sr.mpwt.1", "officer", "mpwt", "17"),
    ("pp.commerce.1", "officer", "commerce", "12"),
    ("btb.commerce.1", "officer", "commerce", "02,03"),
    ("pp.interior.sup", "supervisor", "interior", "12"),
    ("sr.interior.sup", "supervisor", "interior", "17"),
    ("hq.interior.sup", "supervisor", "interior", "*"),
    ("hq.mpwt.sup", "supervisor", "mpwt", "*"),
    ("pp.commerce.sup", "supervisor", "commerce", "12"),
    ("kd.mpwt.sup", "supervisor", "mpwt", "08"),
]
APP_LINK = re.compile(r'href="/console/applications/([0-9a-f-]{36})"')


@dataclass
class Timings:
    lock: threading.Lock = field(default_factory=threading.Lock)
    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.ms.setdefault(kind, []).append(ms)

    def p95(self, kind: str) -> float:
        values = sorted(self.ms.get(kind, [])) or [float("nan")]
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def communes() -> list[str]:
    """Every commune code of the gazetteer the kiosks ship (1,661)."""
    from kiosk.gazetteer import load_gazetteer

    g = load_gazetteer()
    return sorted(
        c.code for p in g.provinces() for d in g.children(p.code) for c in g.children(d.code)
    )


def add_officer(
    server: ServerProcess, username: str, role: str, ministry: str, where: str
) -> tuple[str, str]:
    """`sala server officer add`, as tests/console make accounts; returns (id, TOTP secret)."""
    out = subprocess.run(
        [
            *server._base(),
            "officer",
            "add",
            "--username",
            username,
            "--display-name",
            username,
            "--role",
            role,
            "--ministry",
            ministry,
            "--jurisdiction",
            where,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    lines = out.stdout.splitlines()
    secret = re.search(r"secret=([A-Z2-7]+)", lines[1])
    assert secret, out.stdout
    return lines[0].split("\t")[0], secret.group(1)


def sign_in(url: str, username: str, secret: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    csrf = form_csrf(client.get("/console/signin").text)
    r = client.post(
        "/console/signin",
        data={"csrf": csrf, "username": username, "password": PASSWORD, "totp": totp_code(secret)},
    )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {username} failed: {r.status_code} {r.text[-300:]}")
    return client


def officer_loop(
    client: httpx.Client,
    role: str,
    where: str,
    sample: list[str],
    timings: Timings,
    until: float,
    warm_until: float,
    think: float,
    rng: random.Random,
) -> None:
    """Click like an officer until `until`: a queue (a filter now and then, a later page),
    an application from it or from the scope's sample, the baseline, and dashboards."""
    seen: list[str] = list(sample)
    areas = [c for c in where.split(",") if c != "*"]

    def get(kind: str, path: str, params: dict[str, str] | None = None) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            r = client.get(path, params=params)
        except httpx.HTTPError as exc:
            timings.errors.append(f"{kind}: {exc!r}")
            return None
        ms = (time.perf_counter() - started) * 1000
        want = 403 if kind == "baseline" else 200
        if r.status_code != want:
            timings.errors.append(f"{kind} {path}: {r.status_code}")
        elif time.perf_counter() > warm_until:
            timings.add(kind, ms)
            if kind == "queue" and params:  # each queue's own tail, to see which one is slow
                timings.add(f"  queue={params['queue']}", ms)
        return r

    step = 0
    while time.perf_counter() < until:
        step += 1
        params = {"queue": rng.choice(QUEUES)}
        if rng.random() < 0.5:
            params["page"] = str(rng.randint(2, 8))
        if rng.random() < 0.3 and areas:
            area = rng.choice(areas)
            params["district" if len(area) == 4 else "province"] = area
        if rng.random() < 0.2:
            params["flag"] = rng.choice(("same_phone", "outside_hours"))
        r = get("queue", "/console/queue", params)
        if r is not None:
            seen.extend(APP_LINK.findall(r.text)[:5])
        time.sleep(rng.uniform(0.5, 1.5) * think)
        if seen:
            get("application", f"/console/applications/{rng.choice(seen[-200:])}")
            time.sleep(rng.uniform(0.5, 1.5) * think)
        if step % 3 == 0:
            get("baseline", "/console/officers")
        if role == "supervisor" and step % 3 == 1:
            params = {"area": rng.choice(areas)} if areas and rng.random() < 0.5 else {}
            get("dashboard", "/console/dashboards", params)
            time.sleep(rng.uniform(0.5, 1.5) * think)
            group = rng.choice(("service", "province", "commune"))  # the scope's processing times
            get("dashboard", "/console/performance", {**params, "group": group})
            time.sleep(rng.uniform(0.5, 1.5) * think)


def url_db(url: str) -> str:
    return url.rsplit("/", 1)[1]


def cpu_seconds(*servers: ServerProcess, db: str) -> tuple[float, float]:
    """CPU seconds used so far by the server processes, and by the PostgreSQL backends of
    database `db` alive now (the pools keep theirs), from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    ours = sum(used(s.proc.pid) for s in servers if s.proc is not None)
    backends = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and f" {db} ".encode() in title:
                backends += used(int(entry.name))
    return ours, backends


def run(args: argparse.Namespace) -> int:
    # SIGTERM unwinds like Ctrl-C, so the finally below stops the server and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    n = 20_000 if args.small else args.applications
    kept = args.pgdata  # a seeded cluster kept between runs (backoffice_keep.py)
    tmp = kept or Path(tempfile.mkdtemp(prefix="sala-backoffice-"))
    cluster = (keep.KeptCluster(kept) if kept else PgCluster()).start()
    state = keep.load(kept, n) if kept else None
    server: ServerProcess | None = None
    more: list[ServerProcess] = []  # `--servers` beyond the first, on the same data dir
    proxy: RoundRobinProxy | None = None
    try:
        if state is not None:
            url = cluster.url(state["db"])
            made = [tuple(m) for m in state["made"]]
            seeded = Seeded(applications=n, seconds=0.0)
            seeded.sample = {tuple(k.split(":")): v for k, v in state["sample"].items()}
            server = ServerProcess(tmp / "server", url, ("--catalog", str(CATALOG)))
        else:
            url = cluster.create_database(f"sala_{uuid.uuid4().hex[:10]}")
            server = ServerProcess(tmp / "server", url, ("--catalog", str(CATALOG)))
            server.start()  # migrates the schema and publishes the bundled catalog
            with ThreadPoolExecutor(4) as pool:
                made = list(pool.map(lambda o: add_officer(server, *o), OFFICERS))
            bench = [
                (aid, ministry, prov)
                for (aid, _s), (_u, _r, ministry, where) in zip(made, OFFICERS, strict=True)
                for prov in {c[:2] for c in where.split(",") if c != "*"}
            ]
            print(f"seeding {n:,} applications over the gazetteer's communes…", flush=True)
            db = url.rsplit("/", 1)[1]
            dsn = f"host=127.0.0.1 port={cluster.port} user=postgres dbname={db}"
            seeded = seed(dsn, communes(), n, bench, seed=args.seed)
            print(
                f"seeded {seeded.applications:,} applications, {seeded.history:,} history rows "
                f"over {len(seeded.communes)} communes in {seeded.seconds:.1f} s",
                flush=True,
            )
            server.stop()
            if kept:
                sample = {f"{m}:{p}": v for (m, p), v in seeded.sample.items()}
                keep.save(kept, {"applications": n, "db": db, "made": made, "sample": sample})
        keep.upgrade(url)  # tables and indexes declared since the seed; counts made once
        server.start()  # a fresh process: no caches from before the seed
        url = server.url
        if args.servers > 1:
            more = [
                ServerProcess(tmp / "server", server.db_url, ("--catalog", str(CATALOG))).start()
                for _ in range(args.servers - 1)
            ]
            proxy = RoundRobinProxy([s.port for s in (server, *more)]).start()
            url = proxy.url
        clients = [
            sign_in(url, u, secret)
            for (u, _r, _m, _w), (_aid, secret) in zip(OFFICERS, made, strict=True)
        ]
        timings = Timings()
        start = time.perf_counter()
        warm_until, until = start + args.warmup, start + args.warmup + args.seconds
        threads = []
        for i, (client, (_u, role, ministry, where)) in enumerate(
            zip(clients, OFFICERS, strict=True)
        ):
            sample = [
                reg
                for (m, prov), regs in seeded.sample.items()
                if m == ministry and (where == "*" or any(c[:2] == prov for c in where.split(",")))
                for reg in regs
            ]
            if any(len(c) != 2 for c in where.split(",") if c != "*"):
                sample = []  # a district officer opens only what their queues list
            thread = threading.Thread(
                target=officer_loop,
                args=(client, role, where, sample, timings, until, warm_until, args.think),
                kwargs={"rng": random.Random(args.seed * 100 + i)},
            )
            threads.append(thread)
            thread.start()
        time.sleep(max(0.0, warm_until - time.perf_counter()))
        db = url_db(server.db_url)
        before = cpu_seconds(server, *more, db=db)
        for thread in threads:
            thread.join()
        after = cpu_seconds(server, *more, db=db)
        used = (after[0] - before[0], after[1] - before[1])
        for client in clients:
            client.close()
    finally:
        if proxy is not None:
            proxy.stop()
        for other in more:
            other.stop()
        if server is not None:
            server.stop()
        cluster.stop()
        if not kept:
            shutil.rmtree(tmp, ignore_errors=True)
    for kind in ("queue", "application", "dashboard", "baseline"):
        values = timings.ms.get(kind, [])
        if values:
            print(
                f"  {kind:12} n={len(values):5} median={statistics.median(values):7.1f} ms "
                f"p95={timings.p95(kind):7.1f} ms max={max(values):7.1f} ms"
            )
    for kind in sorted(k for k in timings.ms if k.startswith("  queue=")):
        values = timings.ms[kind]
        print(
            f"  {kind:12} n={len(values):5} median={statistics.median(values):7.1f} ms "
            f"p95={timings.p95(kind):7.1f} ms"
        )
    done = sum(len(v) for k, v in timings.ms.items() if not k.startswith(" "))
    print(  # per measured request: the machine's load from elsewhere moves these less
        f"  cpu per request: servers {used[0] * 1000 / max(1, done):.1f} ms, "
        f"PostgreSQL {used[1] * 1000 / max(1, done):.1f} ms"
    )
    if timings.errors:
        print(f"FAIL {len(timings.errors)} errors, e.g. {timings.errors[:5]}")
        return 1
    print(
        f"RESULT applications={n} queue_p95_ms={timings.p95('queue'):.0f} "
        f"application_p95_ms={timings.p95('application'):.0f} "
        f"dashboard_p95_ms={timings.p95('dashboard'):.0f} "
        f"baseline_p95_ms={timings.p95('baseline'):.0f} seed_s={seeded.seconds:.0f} "
        f"servers={args.servers}"
    )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--small", action="store_true", help="20,000 applications, a quick run")
    ap.add_argument("--applications", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=60.0, help="measured load, after warm-up")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between clicks")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--servers", type=int, default=1, help="server processes behind a round-robin proxy"
    )
    ap.add_argument(
        "--pgdata", type=Path, help="keep the seeded cluster in DIR and reuse it (same size)"
    )
    args = ap.parse_args()
    if find_bindir() is None:
        print("PostgreSQL is not installed (apt-get install -y postgresql)", file=sys.stderr)
        return 2
    assert set(MINISTRY.values()) >= {m for _u, _r, m, _w in OFFICERS}
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

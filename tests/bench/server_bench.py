"""Ministry server benchmarks against real server processes on 127.0.0.1.

Kiosks enrol as in the field: 50 to a commune at most (the server hands out kiosk numbers 1..99
per commune), in real Phnom Penh communes from the gazetteer, and number their applications
CCCCCC-KK-NNNNN-D with their own kiosk number. Every commit answer is counted, and afterwards the
server's database must hold exactly the registrations it acknowledged (200/201), or the bench
fails with a `FAIL` line and no RESULT.

1. commits/s: 50 concurrent simulated kiosks (asyncio + httpx), each enrolled, each uploading a
   small attachment (tus creation-with-upload) then committing, on PostgreSQL (fsync on) and on
   SQLite (WAL, synchronous=FULL) as the in-run baseline.
   -> RESULT commits_per_s=… backend=postgresql sqlite_commits_per_s=…
2. outage: 1,000 simulated kiosks in 20 communes run the client's sync round (ping, push pending
   registrations, pull changes from their cursor; every 60 s) with the client's own backoff as
   sync/client/worker.py uses it: `link_failed()` (quick probes while the outage is young, then
   the long window) on transport errors, `failed()` (full jitter, floor 60 s, cap 10 min,
   Retry-After) on 5xx/429. The server is SIGKILLed for 10 virtual minutes, then restarted; we
   compare the request rate the server receives in the first minute after its return with the
   steady rate before the outage. Time is compressed (a virtual clock, several virtual seconds per
   real second, which the backoffs read too; frozen while the server restarts). Registrations
   keep their id across retries, so one whose answer the kill lost is answered 200 later; what is
   still pending after the measurement is pushed before the count.
   -> RESULT outage_peak_rps=… steady_rps=… ratio=…   (peak = busiest 10 s window of that minute)

Usage: python tests/bench/server_bench.py [--only commits|outage] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import random
import ssl
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sync.client.backoff import (  # noqa: E402
    PROBE_CAP_SECONDS,
    Backoff,
    parse_retry_after,
)
from tests.bench.simkiosk import (  # noqa: E402
    BACKOFF_SOURCE,
    KIOSKS_PER_COMMUNE,
    BenchFailure,
    SimKiosk,
    Tally,
    check_stored,
    enrol_all,
)
from tests.sync.conftest import ServerProcess  # noqa: E402
from tests.sync.pg import PgCluster, find_bindir  # noqa: E402

# --- 1. commits per second ---------------------------------------------------------------------


async def commits_per_second(
    server: ServerProcess, n_kiosks: int = 50, seconds: float = 10.0
) -> float:
    limits = httpx.Limits(max_connections=n_kiosks + 10)
    tally = Tally()
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        kiosks = await enrol_all(server, client, n_kiosks)
        done, errors = 0, 0
        warmup_end = time.monotonic() + 1.0
        stop = warmup_end + seconds

        async def loop(kiosk: SimKiosk) -> None:
            nonlocal done, errors
            while time.monotonic() < stop:
                reg = kiosk.new_registration()
                responses = await kiosk.push_one(client, reg)
                ok = len(responses) == 2 and tally.record(reg, responses[1])
                if len(responses) == 1:
                    tally.statuses[responses[0].status_code] += 1
                    tally.refused.append(f"upload {responses[0].status_code}")
                if time.monotonic() > warmup_end:
                    done += ok
                    errors += not ok

        await asyncio.gather(*(loop(k) for k in kiosks))
    if errors:
        print(f"  {errors} commits failed", file=sys.stderr)
    check_stored(server, tally, f"commits ({n_kiosks} kiosks)")
    return done / seconds


# --- 2. 1,000 kiosks come back after an outage -------------------------------------------------


class VirtualClock:
    """Virtual seconds advancing `rate` times faster than real ones; rate 0 freezes time.

    Time moves only when the driver loop calls `tick()`, and by at most `max_step` virtual
    seconds a tick: when a busy box stalls the loop, virtual time waits for it instead of
    skipping ahead and releasing many kiosks' rounds at once. Every reader sees the same,
    never decreasing time.
    """

    def __init__(self, rate: float, max_step: float = 1.0) -> None:
        self.t, self.real, self.rate, self.max_step = 0.0, time.monotonic(), rate, max_step

    def now(self) -> float:
        return self.t

    def tick(self) -> float:
        real = time.monotonic()
        self.t += min((real - self.real) * self.rate, self.max_step)
        self.real = real
        return self.t

    def set_rate(self, rate: float) -> None:
        self.tick()
        self.rate = rate


def _busy(r: httpx.Response) -> bool:
    """An answer the client's api.py raises as `ServerBusy`: the long jittered window."""
    return r.status_code == 429 or r.status_code >= 500


async def outage(
    server: ServerProcess,
    n_kiosks: int = 1000,
    rate: float = 1.5,
    interval: float = 60.0,
    registration_every: float = 600.0,
    steady_s: float = 75.0,
    down_s: float = 600.0,
    after_s: float = 60.0,
    policy: str = "client",
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
        kiosks = await enrol_all(server, client, n_kiosks)
    clock = VirtualClock(rate)
    for k in kiosks:  # the client's Backoff on the virtual clock (it times the young outage)
        k.backoff = Backoff(floor=0.0) if policy == "nofloor" else Backoff()
        k.backoff.clock = clock.now
    # One connection per kiosk, as in the field (a shared pool wedges when its server vanishes).
    tls = ssl.create_default_context()
    clients = [
        httpx.AsyncClient(
            base_url=server.url, timeout=30, verify=tls, limits=httpx.Limits(max_connections=1)
        )
        for _ in kiosks
    ]
    tally = Tally()
    try:
        events: list[tuple[float, int, int]] = []
        for i, k in enumerate(kiosks):
            heapq.heappush(events, (random.uniform(0, interval), i, i))
            k.next_registration = random.expovariate(1 / registration_every)
        received: list[float] = []  # virtual time of every request the server answered
        refused = 0  # transport errors: refused, reset, timed out
        lag = 0.0  # the most a round started after its virtual due time, in the current phase
        stopping = False
        tie = len(kiosks)

        def schedule(i: int, at: float) -> None:
            nonlocal tie
            tie += 1
            heapq.heappush(events, (at, tie, i))

        async def attempt(k: SimKiosk, client: httpx.AsyncClient) -> float | None:
            """One round as sync/client/worker.py runs it: ping, push the outbox, pull the
            feed. Returns the backoff's wait after a failure, None after a success."""
            nonlocal refused
            try:
                r = await client.get("/v1/ping")
                received.append(clock.now())
                if _busy(r):
                    return k.backoff.failed(parse_retry_after(r.headers.get("Retry-After")))
                if r.status_code // 100 != 2:  # probe() is False: the worker calls it offline
                    return k.backoff.link_failed()
                while k.pending:
                    reg = k.pending[0]
                    sent = await k.push_one(client, reg)
                    received.extend(clock.now() for _ in sent)
                    if len(sent) == 2 and tally.record(reg, sent[1]):
                        k.pending.pop(0)
                        continue
                    last = sent[-1]
                    if len(sent) == 1:
                        tally.statuses[last.status_code] += 1
                        if not _busy(last):
                            tally.refused.append(f"upload {last.status_code} {last.text[:200]}")
                    if not _busy(last):  # refused for good: the client flags it, so do we
                        k.pending.pop(0)
                    return k.backoff.failed(parse_retry_after(last.headers.get("Retry-After")))
                while True:
                    since = f"&since={k.cursor}" if k.cursor else ""
                    r = await k.call(client, "GET", f"/v1/changes?limit=100{since}")
                    received.append(clock.now())
                    if r.status_code != 200:
                        return k.backoff.failed(parse_retry_after(r.headers.get("Retry-After")))
                    page = r.json()
                    k.cursor = page["next"]
                    if not page.get("more"):
                        break
            except httpx.TransportError:  # the worker's `Offline`: quick probes, then the window
                refused += 1
                return k.backoff.link_failed()
            k.backoff.succeeded()
            k.synced_at = clock.now()
            return None

        async def sync_round(i: int, due: float) -> None:
            nonlocal lag
            k, client = kiosks[i], clients[i]
            lag = max(lag, clock.now() - due)
            while k.next_registration <= clock.now():
                k.pending.append(k.new_registration())
                k.next_registration += random.expovariate(1 / registration_every)
            wait = await attempt(k, client)
            if not stopping:
                schedule(i, clock.now() + (interval if wait is None else wait))

        tasks: set[asyncio.Task[None]] = set()

        async def run_until(end: float, hold: int = 0) -> None:
            """Start each round when due until virtual `end`. With `hold`, time stands still
            while more than `hold` rounds are in flight: a compressed outage asks for more
            refusals per real second than a busy box can make, and late ones would pile up."""
            while clock.tick() < end:
                if hold and len(tasks) > hold:
                    pace = clock.rate
                    clock.set_rate(0.0)
                    while len(tasks) > hold // 2:
                        await asyncio.sleep(0.005)
                    clock.set_rate(pace)
                now = clock.now()
                while events and events[0][0] <= now:
                    due, _, i = heapq.heappop(events)
                    task = asyncio.create_task(sync_round(i, due))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                gap = (events[0][0] - now) / clock.rate if events and clock.rate else 0.02
                await asyncio.sleep(min(max(gap, 0.0), 0.02))

        await run_until(steady_s)
        steady = [t for t in received if 15.0 <= t < steady_s]
        steady_rps = len(steady) / (steady_s - 15.0)
        print(
            f"  steady: {len(received)} answered, {len(tasks)} rounds in flight, "
            f"max lag {lag:.1f} virtual s",
            file=sys.stderr,
        )

        server.kill()  # the outage: connections are refused from now on
        down_at, lag = clock.now(), 0.0
        # Nothing but refusals happen: compress harder, but less while the outage is young and
        # every kiosk probes every few seconds (backoff.py); time waits for the refusals.
        young = Backoff().patience + 2 * PROBE_CAP_SECONDS
        clock.set_rate(10.0)
        await run_until(down_at + min(young, down_s), hold=50)
        young_lag, lag = lag, 0.0
        clock.set_rate(40.0)
        await run_until(down_at + down_s, hold=50)
        probing = sum(1 for k in kiosks if k.backoff.probes and not k.backoff.failures)
        print(
            f"  outage: {refused} refused, {len(tasks)} rounds in flight, "
            f"{probing} kiosks still probing, max lag {young_lag:.1f} virtual s "
            f"in the first {young:.0f} s (x10), {lag:.1f} after (x40)",
            file=sys.stderr,
        )
        if os.environ.get("BENCH_DEBUG"):
            for t in list(tasks)[:2]:
                t.print_stack(limit=30)
        clock.set_rate(0.0)  # frozen while the server process starts again
        # Rounds still in flight are refusals the event loop has not caught up with (a busy
        # box): let them fail now, or they would reach the new server all at once on its return.
        if tasks:
            await asyncio.wait(set(tasks), timeout=60)
        server.start()
        clock.set_rate(rate)
        back, lag = clock.now(), 0.0
        await run_until(back + after_s)
        print(
            f"  after: {len(received)} answered, {len(tasks)} rounds in flight, "
            f"max lag {lag:.1f} virtual s",
            file=sys.stderr,
        )
        first = [t - back for t in received if back <= t < back + 60.0]
        synced = sum(1 for k in kiosks if k.synced_at >= back)
        print(
            f"  {synced} of {len(kiosks)} kiosks synced in the {after_s:.0f} s after",
            file=sys.stderr,
        )
        windows = [sum(1 for t in first if w <= t < w + 10.0) / 10.0 for w in range(0, 60, 10)]
        # Measured. Let the rounds in flight finish (cancelling one could leave a commit stored
        # but unacknowledged), then push what is still pending, then count what the server holds.
        stopping = True
        if tasks:
            await asyncio.wait(set(tasks), timeout=120)
        left = sum(len(k.pending) for k in kiosks)
        gate = asyncio.Semaphore(40)

        async def settle(k: SimKiosk, client: httpx.AsyncClient) -> None:
            async with gate:
                for _ in range(20):
                    if not k.pending:
                        return
                    try:
                        sent = await k.push_one(client, k.pending[0])
                    except httpx.TransportError:
                        await asyncio.sleep(0.5)
                        continue
                    if len(sent) == 2 and tally.record(k.pending[0], sent[1]):
                        k.pending.pop(0)
                    elif _busy(sent[-1]):
                        await asyncio.sleep(0.5)
                    else:
                        tally.refused.append(f"settle {sent[-1].status_code} {sent[-1].text[:200]}")
                        k.pending.pop(0)

        await asyncio.gather(*(settle(k, c) for k, c in zip(kiosks, clients, strict=True)))
        stuck = sum(len(k.pending) for k in kiosks)
        if stuck:
            raise BenchFailure(f"outage: {stuck} registrations could not be committed at the end")
        stored = check_stored(server, tally, f"outage ({n_kiosks} kiosks, {left} pushed after)")
        return {
            "steady_rps": steady_rps,
            "peak_rps": max(windows),
            "first_minute_rps": len(first) / 60.0,
            "refused": float(refused),
            "committed": float(stored),
            "synced_after": float(synced),
        }
    finally:
        for c in clients:
            await c.aclose()


# --- runner ------------------------------------------------------------------------------------


def _server(tmp: Path, name: str, db_url: str | None) -> ServerProcess:
    return ServerProcess(tmp / name, db_url, ("--max-in-flight", "400")).start(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["commits", "outage"])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=10.0, help="commit bench duration")
    parser.add_argument(
        "--policy",
        choices=["client", "nofloor"],
        default="client",
        help="client: sync/client/backoff.py (jitter window at least the 60 s "
        "sync interval); nofloor: the same without the floor, for comparison",
    )
    parser.add_argument(
        "--down", type=float, default=600.0, help="outage length in virtual seconds (default 600)"
    )
    args = parser.parse_args()
    cluster = None
    if args.backend == "postgresql":
        if find_bindir() is None:
            print("PostgreSQL not installed; using SQLite", file=sys.stderr)
            args.backend = "sqlite"
        else:
            cluster = PgCluster(durable=True).start()
    try:
        return _run(args, cluster)
    except BenchFailure as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    finally:
        if cluster:
            cluster.stop()


def _run(args: argparse.Namespace, cluster: PgCluster | None) -> int:
    servers: list[ServerProcess] = []
    with tempfile.TemporaryDirectory(prefix="sala-bench-") as tmp_name:
        tmp = Path(tmp_name)

        def make(name: str, sqlite: bool = False) -> ServerProcess:
            url = cluster.create_database(name) if cluster and not sqlite else None
            servers.append(_server(tmp, name, url))
            return servers[-1]

        try:
            if args.only in (None, "commits"):
                lite = make("sqlite_commits", sqlite=True)
                sqlite_rate = asyncio.run(commits_per_second(lite, seconds=args.seconds))
                lite.stop()
                main_rate = sqlite_rate
                if cluster:
                    pg = make("pg_commits")
                    main_rate = asyncio.run(commits_per_second(pg, seconds=args.seconds))
                    pg.stop()
                print(
                    f"RESULT commits_per_s={main_rate:.1f} backend={args.backend} "
                    f"sqlite_commits_per_s={sqlite_rate:.1f} kiosks=50"
                )
            if args.only in (None, "outage"):
                srv = make("outage")
                res = asyncio.run(outage(srv, down_s=args.down, policy=args.policy))
                srv.stop()
                ratio = res["peak_rps"] / res["steady_rps"]
                print(
                    f"  first_minute_avg_rps={res['first_minute_rps']:.1f} "
                    f"link_failures={int(res['refused'])} backoff={BACKOFF_SOURCE} "
                    f"committed_and_stored={int(res['committed'])} "
                    f"kiosks_synced_first_minute={int(res['synced_after'])}"
                )
                print(
                    f"RESULT outage_peak_rps={res['peak_rps']:.1f} "
                    f"steady_rps={res['steady_rps']:.1f} ratio={ratio:.2f} "
                    f"kiosks=1000 communes={-(-1000 // KIOSKS_PER_COMMUNE)} "
                    f"backend={args.backend} down_s={args.down:.0f} "
                    f"policy={args.policy} "
                    f"within_3x={ratio <= 3.0}"
                )
        finally:
            for server in servers:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sync throughput on a slow, far, lossy link with cuts — against the link's own ceiling.

    python tests/bench/sync_bench.py [--registrations 50] [--scale 1.0] [--link auto]

Each registration: a 50 KB photo and two 250 KB pages (real JPEG bytes of noise, which do not
compress), times `--scale`. Two profiles: 1 Mbit/s up, 300 ms RTT, 1 % loss; then 256 kbit/s,
800 ms, 2 %. In each, on the same link:
- ceiling: one uninterrupted streaming POST of the same total bytes to a trivial sink;
- Sala: `push_pending` (3 registrations in flight), the connection cut `--cuts` times at random;
- naive: one multipart POST per registration, started again from zero when cut (same cuts).
`--cut-kind silent` makes each cut a dead link instead of a reset: only timeouts notice it.
A third profile, `flapping` (netns only), is the 1 Mbit/s link dropping every packet for 8 s of
every 28 s; the kiosk's long-running `SyncWorker` (not `push_pending` in a loop) sends the
batch, and `flapping_ratio` = (ceiling time ÷ share of the run the link was up) ÷ worker time.
Prints `RESULT link=... ceiling_ratio_1mbit=... ceiling_ratio_256k=... wire_overhead=...
resend_per_cut_chunks=... naive_time_ratio=... flapping_ratio=...` (ceiling ratio = ceiling
time ÷ Sala time; the naive figure is for information, not a goal).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store import Store
from sync.client.enrol import api_for
from sync.client.push import push_pending
from sync.client.worker import SyncWorker
from tests.bench.benchkit import COMMUNE, Server, Sink, jpeg_like, open_kiosk, submit
from tests.bench.linkemu import IP_SERVER, Flapper, Link, netns_possible
from tests.sync.faultproxy import FaultProxy

PROFILES = {
    "1mbit": {"up_bps": 1_000_000, "down_bps": 1_000_000, "rtt": 0.300, "loss": 0.01},
    "256k": {"up_bps": 256_000, "down_bps": 256_000, "rtt": 0.800, "loss": 0.02},
}
FLAP_DOWN_S, FLAP_PERIOD_S = 8.0, 28.0  # the `flapping` profile: 1mbit, down 8 s of every 28


class Cutter:
    """Cuts the connection at chosen upstream byte positions (counted at the proxy): `reset`
    (the peer hears of it at once) or `silent` (the link goes dead without a word; only a
    timeout notices, as when a radio re-attaches or a carrier NAT forgets the flow)."""

    kind = "reset"

    def __init__(self, proxy: FaultProxy, positions: list[int]) -> None:
        self.proxy = proxy
        self.positions = sorted(positions)
        self.fault = "cut" if self.kind == "reset" else "stall"
        self.base_fired = proxy.stats.fired[self.fault]
        self.base_bytes = proxy.stats.bytes_up
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for i, pos in enumerate(self.positions):
            if self.stop.is_set():
                return
            sent = self.proxy.stats.bytes_up - self.base_bytes
            arm = self.proxy.cut_after if self.kind == "reset" else self.proxy.stall_after
            arm(max(1, pos - sent))
            while not self.proxy.wait_fired(self.fault, self.base_fired + i + 1, timeout=0.5):
                if self.stop.is_set():
                    arm(10**15)  # disarm
                    return

    def close(self) -> int:
        self.stop.set()
        self.thread.join(5)
        return self.proxy.stats.fired[self.fault] - self.base_fired


def make_files(n: int, scale: float) -> list[list[tuple[str, str, int, bytes]]]:
    photo, page = int(50_000 * scale), int(250_000 * scale)
    return [
        [
            ("photo", "photo", 0, jpeg_like(photo, 3 * i)),
            ("birth_paper", "document", 0, jpeg_like(page, 3 * i + 1)),
            ("birth_paper", "document", 1, jpeg_like(page, 3 * i + 2)),
        ]
        for i in range(n)
    ]


def run_ceiling(link: Link, sink: Sink, payload: int) -> tuple[float, int]:
    """(seconds, bytes on the wire) of one raw streaming POST of `payload` bytes."""
    proxy = link.proxy_to(sink.port)
    host = IP_SERVER if link.mode == "netns" else "127.0.0.1"
    body = jpeg_like(payload, 999)
    wire0 = link.wire_bytes_up(proxy)
    with link.kiosk_side(), requests.Session() as s:
        started = time.monotonic()
        r = s.post(f"http://{host}:{proxy.address[1]}/ceiling", data=body, timeout=3600)
        elapsed = time.monotonic() - started
    assert r.status_code == 200
    wire = link.wire_bytes_up(proxy) - wire0
    proxy.close()
    return elapsed, wire


def run_naive(link: Link, sink: Sink, files: list[Any], cuts: list[int]) -> float:
    """One multipart POST per registration; a cut starts that registration again from zero."""
    proxy = link.proxy_to(sink.port)
    host = IP_SERVER if link.mode == "netns" else "127.0.0.1"
    cutter = Cutter(proxy, cuts)
    started = time.monotonic()
    with link.kiosk_side(), requests.Session() as s:
        for i, reg in enumerate(files):
            parts = [(f"{f}_{p}", (f"{f}_{p}.jpg", data, "image/jpeg")) for f, _, p, data in reg]
            while True:
                try:
                    # A plain client's fixed timeouts: 60 s to send the record (urllib3 uses
                    # the connect timeout while sending; Python counts it for the whole body)
                    # and 60 s for the answer. A 550 KB record takes ~17 s at 256 kbit/s.
                    r = s.post(
                        f"http://{host}:{proxy.address[1]}/naive/{i}",
                        files=parts,
                        data={"answers": '{"name_km": "សុខ ដារ៉ា"}'},
                        timeout=(60, 60),
                    )
                    if r.status_code == 200:
                        break
                except requests.RequestException:
                    pass  # start this registration again, from its first byte
    elapsed = time.monotonic() - started
    cutter.close()
    proxy.close()
    return elapsed


def run_sala(
    link: Link, server: Server, tmp: Path, files: list[Any], cuts: list[int]
) -> dict[str, Any]:
    proxy = link.proxy_to(server.port)
    host = IP_SERVER if link.mode == "netns" else "127.0.0.1"
    with link.kiosk_side():
        kiosk = open_kiosk(tmp, f"http://{host}:{proxy.address[1]}", server.code())
        ids = [submit(kiosk.store, reg) for reg in files]
        payload = sum(len(d) for reg in files for *_, d in reg)
        session = requests.Session()
        api = api_for(kiosk.data_dir, session)
        wire0 = link.wire_bytes_up(proxy)
        body0 = proxy.stats.upload_body_bytes
        cutter = Cutter(proxy, cuts)
        started = time.monotonic()
        results: list[Any] = []
        chunks: list[int] = []
        with ThreadPoolExecutor(3) as pool:
            while sum(r.ok for r in results) < len(ids) and time.monotonic() - started < 7200:
                round_results = push_pending(
                    kiosk.store,
                    api,
                    executor=pool,
                    on_progress=lambda p: chunks.append(api.link.chunk_size()),
                )
                results += round_results
                if not round_results:
                    break
        elapsed = time.monotonic() - started
        fired = cutter.close()
        for r in results:
            if not r.ok:
                print(f"    retried later: {r.error}", flush=True)
        wire = link.wire_bytes_up(proxy) - wire0
        accepted = sum(1 for i in ids if kiosk.store.get(i).state.value == "accepted")
        kiosk.store.close()
        session.close()
    proxy.close()
    chunk = sum(chunks) / len(chunks) if chunks else 0
    # Per cut: body bytes of the cut request that had reached the server (sent again after
    # the resume) ÷ that request's own chunk length.
    lost = [done / length for done, length in proxy.stats.lost_on_cut if length]
    resent = proxy.stats.upload_body_bytes - body0 - payload  # media bytes that went twice
    return {
        "time": elapsed,
        "payload": payload,
        "wire": wire,
        "accepted": accepted,
        "count": len(ids),
        "cuts": fired,
        "chunk": chunk,
        "resent": resent,
        "resend_per_cut": resent / fired / chunk if fired and chunk else 0.0,
        "cut_request_done": max(lost) if lost else 0.0,
        "body_resend": api.stats.get("body_bytes", 0) - payload,
        "rounds": len(results),
        "client": {k: v for k, v in api.stats.items() if k != "body_bytes"},
    }


def run_worker(link: Link, server: Server, tmp: Path, files: list[Any]) -> dict[str, float]:
    """The kiosk's background `SyncWorker` sends the batch over a flapping link; (time, share
    of that time the link was up)."""
    proxy = link.proxy_to(server.port)
    host = IP_SERVER if link.mode == "netns" else "127.0.0.1"
    with link.kiosk_side():  # threads started here (the worker's, its pool's) stay in the netns
        kiosk = open_kiosk(tmp, f"http://{host}:{proxy.address[1]}", server.code())
        ids = [submit(kiosk.store, reg) for reg in files]
        session = requests.Session()
        apis: list[Any] = []

        def make_api() -> Any:
            apis.append(api_for(kiosk.data_dir, session))
            return apis[-1]

        worker = SyncWorker(
            lambda: Store.open(kiosk.data_dir, commune_code=COMMUNE, secret_dir=kiosk.secret_dir),
            make_api,
            data_dir=kiosk.data_dir,
        )
        flapper = Flapper(link, down=FLAP_DOWN_S, period=FLAP_PERIOD_S)
        started = time.monotonic()
        worker.start()
        while time.monotonic() - started < 7200:
            states = {kiosk.store.get(i).state.value for i in ids}
            if states == {"accepted"}:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        up = flapper.up_fraction()
        flapper.close()
        worker.stop()
        status = worker.state()
        kiosk.store.close()
        session.close()
    proxy.close()
    stats = apis[0].stats if apis else {}
    print(f"    worker: last state {status.summary_key}, client {stats}", flush=True)
    return {"time": elapsed, "up": up}


def run_flaky(
    link: Link,
    server: Server,
    sink: Sink,
    tmp: Path,
    files: list[Any],
    payload: int,
    gap: int,
    rng: random.Random,
) -> float:
    """Naive time ÷ Sala time on a 1 Mbit/s link cut every `gap` bytes on average."""
    link.shape(**PROFILES["1mbit"])
    cuts, pos = [], 0
    while pos < 20 * payload:
        pos += max(1, int(rng.expovariate(1 / gap)))
        cuts.append(pos)
    sala = run_sala(link, server, tmp / "kiosk-flaky", files, cuts)
    print(
        f"[flaky] sala: {sala['time']:.1f} s, {sala['accepted']}/{sala['count']} accepted, "
        f"{sala['cuts']} cuts",
        flush=True,
    )
    naive = run_naive(link, sink, files, cuts)
    print(f"[flaky] naive: {naive:.1f} s", flush=True)
    return naive / float(sala["time"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--registrations", type=int, default=50)
    ap.add_argument("--scale", type=float, default=1.0, help="media size factor")
    ap.add_argument(
        "--cuts",
        type=int,
        default=None,
        help="connection cuts per Sala/naive run (default 5 per 50 registrations, at least 1)",
    )
    ap.add_argument(
        "--cut-kind",
        choices=["reset", "silent"],
        default="reset",
        help="how the connection is cut: reset at once, or silent (only a timeout notices)",
    )
    ap.add_argument("--link", choices=["auto", "netns", "proxy"], default="auto")
    ap.add_argument(
        "--sala-only",
        action="store_true",
        help="diagnose Sala alone: no ceiling and no naive run (ratios print nan)",
    )
    ap.add_argument(
        "--profiles",
        default="1mbit,256k,flapping",
        help="comma-separated: 1mbit, 256k, flapping (flapping needs netns)",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--flaky-gap",
        type=int,
        default=0,
        metavar="BYTES",
        help="also run a flaky 1 Mbit/s link cut every BYTES on average (random "
        "gaps), where a naive client has to start records over and over",
    )
    args = ap.parse_args()
    Cutter.kind = args.cut_kind
    if args.cuts is None:
        args.cuts = max(1, round(5 * args.registrations / 50))
    mode = args.link if args.link != "auto" else ("netns" if netns_possible() else "proxy")
    rng = random.Random(args.seed)
    files = make_files(args.registrations, args.scale)
    payload = sum(len(d) for reg in files for *_, d in reg)
    print(
        f"link={mode} registrations={args.registrations} scale={args.scale} "
        f"payload={payload} bytes cuts={args.cuts}",
        flush=True,
    )
    out: dict[str, dict[str, Any]] = {}
    flapping: float | None = None
    with tempfile.TemporaryDirectory(prefix="sala-bench-") as tmpdir, Link(mode) as link:
        tmp = Path(tmpdir)
        server = Server(link, tmp / "server").start()
        sink = Sink(link)
        try:
            for name in args.profiles.split(","):
                if name == "flapping":
                    continue
                link.shape(**PROFILES[name])
                cuts = [int(payload * rng.uniform(0.05, 0.95)) for _ in range(args.cuts)]
                ceiling, ceiling_wire = math.nan, math.nan
                if not args.sala_only:
                    ceiling, ceiling_wire = run_ceiling(link, sink, payload)
                    print(f"[{name}] ceiling: {ceiling:.1f} s, wire {ceiling_wire} B", flush=True)
                sala = run_sala(link, server, tmp / f"kiosk-{name}", files, cuts)
                print(
                    f"[{name}] sala: {sala['time']:.1f} s, {sala['accepted']}/{sala['count']} "
                    f"accepted, {sala['cuts']} cuts, wire {sala['wire']} B, mean chunk "
                    f"{sala['chunk']:.0f} B, re-sent {sala['resent']} B = "
                    f"{sala['resend_per_cut']:.2f} chunks/cut (cut requests were at most "
                    f"{sala['cut_request_done']:.0%} through), "
                    f"{sala['rounds']} push results; client {sala['client']}",
                    flush=True,
                )
                naive = math.nan if args.sala_only else run_naive(link, sink, files, cuts)
                print(f"[{name}] naive: {naive:.1f} s", flush=True)
                out[name] = {
                    "ceiling": ceiling,
                    "ceiling_wire": ceiling_wire,
                    "naive": naive,
                    **sala,
                }
            if "flapping" in args.profiles.split(",") and mode != "netns":
                print("[flapping] skipped: a flapping link needs network namespaces", flush=True)
            elif "flapping" in args.profiles.split(","):
                link.shape(**PROFILES["1mbit"])
                ceiling = out.get("1mbit", {}).get("ceiling", math.nan)
                if math.isnan(ceiling):
                    ceiling, _ = run_ceiling(link, sink, payload)
                    print(f"[flapping] ceiling (link always up): {ceiling:.1f} s", flush=True)
                flap = run_worker(link, server, tmp / "kiosk-flapping", files)
                flapping = ceiling / flap["up"] / flap["time"]
                print(
                    f"[flapping] worker: {flap['time']:.1f} s, link up {flap['up']:.0%}; "
                    f"ceiling ÷ uptime = {ceiling / flap['up']:.1f} s; ratio {flapping:.2f}",
                    flush=True,
                )
            flaky = 0.0
            if args.flaky_gap:
                flaky = run_flaky(link, server, sink, tmp, files, payload, args.flaky_gap, rng)
        finally:
            sink.close()
            server.stop()
    r1 = out.get("1mbit", {})
    r2 = out.get("256k", {})
    first = r1 or r2

    def ratio(r: dict[str, float]) -> str:
        return f"{r['ceiling'] / r['time']:.2f}" if r else "n/a"

    cut_figures = ""
    if first:
        cut_figures = (
            f"wire_overhead={first['wire'] / first['payload']:.3f} "
            f"raw_wire_overhead={first['ceiling_wire'] / first['payload']:.3f} "
            f"resend_per_cut_chunks={max(r.get('resend_per_cut', 0) for r in out.values()):.2f} "
            f"naive_time_ratio={min(r['naive'] / r['time'] for r in out.values()):.2f} "
        )
    print(
        f"RESULT link={mode} registrations={args.registrations} scale={args.scale} "
        f"cuts={args.cuts} cut_kind={args.cut_kind} "
        f"ceiling_ratio_1mbit={ratio(r1)} ceiling_ratio_256k={ratio(r2)} "
        + cut_figures
        + (f"naive_time_ratio_flaky={flaky:.2f} " if args.flaky_gap else "")
        + (f"flapping_ratio={flapping:.2f}" if flapping is not None else "flapping_ratio=n/a")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

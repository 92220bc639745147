"""USB transfer benchmark: export + ministry import + return of N applications with photos,
against the online push of the same set over loopback and a plain file copy of the same bytes,
by a kiosk offline for 30 days.

    .venv/bin/python tests/bench/usb_bench.py [--registrations 500] [--photo-kb 40] [--page-kb 0]

One real server process (SQLite), two enrolled kiosks with the same applications (the same
media bytes). Kiosk A goes by stick, twice: half the applications, a first export cut by a
"pulled stick" after 1 MiB (no bundle may be left), the export again, `sala server import`,
`apply_return` of the return bundle; then the other half, the same way. Then the network comes
back and kiosk A runs `push_pending` + `pull_changes`. The times add up both trips.

Thirty days offline: kiosk A's store, exports, return imports and API run on a kiosk clock
(`OfflineClock`, passed in: the system clock is never touched) that moves 30 days ahead while
the applications are taken, so they are stamped across the month and the network returns on
day 30 with the kiosk 30 days ahead of the server (whose clock is the real one). Nothing may
expire on the kiosk clock: the second export, on day 29, finds no key file on the stick and
uses the ministry key kept from the first return bundle; a release the ministry published
(signed here, `valid_days=7`) comes back in the first return bundle and is requested although
the kiosk clock is past its expiry, because release freshness counts from the last server
contact; and the late sync answers every request.
Kiosk B sends the same set online (`push_pending`, 3 in flight). Baselines in the same run:
B's online push time, and copying the last bundle's bytes to a file with fsync. Checks: every
application accepted on A (`lost`), each stored once on the server (`duplicates`), and nothing
A sends online afterwards (`resent_bytes`, media bytes of registrations that came by USB).
Ends with one line:
`RESULT registrations=… lost=0 duplicates=0 resent_bytes=0 export_s=… import_s=… apply_s=…
usb_total_s=… online_push_s=… usb_vs_online=… copy_s=… bundle_mb=… pulled_left_bundle=0`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.model import Attachment, State
from kiosk.store import Store
from kiosk.update import manifest as mf
from sync.client.api import Api
from sync.client.enrol import api_for, enrol, load_identity, load_key, session_for
from sync.client.pull import pull_changes
from sync.client.push import push_pending
from sync.client.usb_export import export
from sync.client.usb_key import UsbError
from sync.client.usb_return import apply_return
from sync.protocol import usb as fmt
from tests.bench.benchkit import COMMUNE, SERVICE, jpeg_like
from tests.sync.conftest import ServerProcess

OFFLINE_DAYS = 30


class OfflineClock:
    """Kiosk A's clock: the real time plus the days it has lived offline (`advance`)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, days: float) -> None:
        self.offset += timedelta(days=days)

    @property
    def days(self) -> float:
        return self.offset / timedelta(days=1)


def open_kiosk(
    base: Path, server: ServerProcess, clock: OfflineClock | None = None
) -> tuple[Path, Store]:
    """Both kiosks share one machine secret (SALA_SECRET_DIR, set once by main)."""
    data_dir = base / "kiosk"
    enrol(data_dir, server.url, server.enrolment_code(COMMUNE), label=base.name)
    if clock is None:
        return data_dir, Store.open(data_dir, commune_code=COMMUNE)
    return data_dir, Store.open(data_dir, commune_code=COMMUNE, clock=clock)


def api_on(data_dir: Path, clock: OfflineClock) -> Api:
    """The kiosk's API on its own clock (it learns the server's offset from a 401)."""
    identity = load_identity(data_dir)
    assert identity is not None
    return Api(session_for(identity), identity.server_url, device_id=identity.device_id,
               key=load_key(data_dir), server_public_key=identity.server_public_key,
               clock=clock)  # fmt: skip


def publish_release(base: Path, server: ServerProcess) -> str:
    """A small release signed with a release key made here, valid 7 days, published as the
    ministry does; the kiosks pin its key through SALA_RELEASE_KEY."""
    key = Ed25519PrivateKey.generate()
    pub = base / "release_key.pub"
    pub.write_text(mf.public_key_text(key.public_key()))
    os.environ["SALA_RELEASE_KEY"] = str(pub)
    deb = base / "sala-kiosk_90.1_amd64.deb"
    deb.write_bytes(b"!<arch>\n" + os.urandom(200_000))
    data = deb.read_bytes()
    m = mf.Manifest(version="90.1", deb_file=deb.name, sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data), min_version="0.1", channel="stable",
                    issued_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=1),
                    valid_days=7, key_id=mf.key_id(key.public_key()))  # fmt: skip
    doc = base / "90.1.manifest.json"
    doc.write_bytes(mf.sign(m, key))
    server.cli("release", "publish", str(doc), str(deb), "--key", str(pub))
    return m.version


def fill(
    store: Store, files: list[list[bytes]], clock: OfflineClock | None = None, days: float = 0
) -> list[str]:
    """Submit one application per entry of `files`; `clock` advances `days` over them."""
    ids = []
    for blobs in files:
        if clock is not None:
            clock.advance(days / max(1, len(files)))
        reg = store.create_draft(*SERVICE, "km")
        atts = [
            Attachment("photo" if i == 0 else "page", "photo" if i == 0 else "document",
                       store.add_media(b, "image/jpeg"), page=max(0, i - 1))
            for i, b in enumerate(blobs)
        ]  # fmt: skip
        store.submit(reg.id, {"name_km": "សុខ ដារ៉ា", "phone": "+85512345678"}, atts, fee_khr=0)
        ids.append(reg.id)
    return ids


def stored(server: ServerProcess) -> dict[str, int]:
    with sqlite3.connect(server.db_url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "SELECT device_id, COUNT(*), COUNT(DISTINCT id) FROM registrations GROUP BY device_id"
        )
        return {r[0]: r[1] - r[2] for r in rows} | {
            "_total": sum(1 for _ in db.execute("SELECT id FROM registrations"))
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registrations", type=int, default=500)
    ap.add_argument("--photo-kb", type=int, default=40)
    ap.add_argument(
        "--page-kb", type=int, default=0, help="one document page of this size (0: none)"
    )
    args = ap.parse_args()
    n = args.registrations
    files = [
        [jpeg_like(args.photo_kb * 1024, 2 * i)]
        + ([jpeg_like(args.page_kb * 1024, 2 * i + 1)] if args.page_kb else [])
        for i in range(n)
    ]
    media_bytes = sum(len(b) for f in files for b in f)
    with tempfile.TemporaryDirectory(prefix="sala-usb-bench-") as tmp:
        base = Path(tmp)
        os.environ["SALA_SECRET_DIR"] = str(base / "secret")
        server = ServerProcess(base / "server").start()
        try:
            clock = OfflineClock()
            a_dir, a = open_kiosk(base / "a", server, clock)
            b_dir, b = open_kiosk(base / "b", server)
            pull_changes(a, api_on(a_dir, clock), data_dir=a_dir)  # online on day 0, once
            release = publish_release(base, server)  # while kiosk A is offline
            half = n // 2
            fill(b, files)
            a_ids = fill(a, files[:half], clock, 14)  # the first two weeks offline
            stick = base / "stick"
            stick.mkdir()
            server.cli("usb-key", "--out", str(stick))

            def pulled(written: int) -> None:
                raise OSError(errno.EIO, "stick pulled")

            with contextlib.suppress(UsbError):  # the stick pulled after the first MiB
                export(a, a_dir, stick, on_chunk=pulled, clock=clock)
            left = sum(
                1 for p in stick.iterdir() if p.suffix == ".salabundle" or p.name.endswith(".tmp")
            )
            export_s = import_s = apply_s = 0.0
            accepted, key_kept, release_state = 0, 0, "none"
            for trip in range(2):  # two round trips by stick
                if trip:
                    (stick / fmt.KEY_FILE).unlink()  # day 29: only the key the kiosk kept
                    a_ids += fill(a, files[half:], clock, 15)  # more weeks offline
                t0 = time.perf_counter()
                result = export(a, a_dir, stick, clock=clock)
                export_s += time.perf_counter() - t0
                key_kept += trip
                t0 = time.perf_counter()
                out = server.cli("import", str(result.path), check=False)
                import_s += time.perf_counter() - t0
                if out.returncode != 0:
                    print(out.stdout, out.stderr, file=sys.stderr)
                    return 1
                (back,) = stick.glob(f"*{result.bundle_id[:8]}.salareturn")
                t0 = time.perf_counter()
                applied = apply_return(a, a_dir, back.read_bytes(), clock=clock)
                apply_s += time.perf_counter() - t0
                accepted += len(applied.accepted)
                if applied.release == release:
                    release_state = "requested"
                elif applied.release_refused:
                    release_state = f"refused:{applied.release_refused}"

            t0 = time.perf_counter()
            copy = base / "copy.bin"
            with copy.open("wb") as f:
                f.write(result.path.read_bytes())
                f.flush()
                os.fsync(f.fileno())
            copy_s = time.perf_counter() - t0

            api_b = api_for(b_dir)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(3) as pool:
                sent_b = push_pending(b, api_b, executor=pool, limit=n + 10)
            online_s = time.perf_counter() - t0
            assert all(r.ok for r in sent_b) and len(sent_b) == n, "online baseline failed"

            clock.advance(OFFLINE_DAYS - clock.days)  # day 30: the network returns for kiosk A
            api_a = api_on(a_dir, clock)
            again = push_pending(a, api_a, limit=n + 10)
            pull_changes(a, api_a, data_dir=a_dir)
            sizes = dict(zip(a_ids, (sum(len(b) for b in f) for f in files), strict=True))
            resent = sum(sizes[r.registration_id] for r in again)
            lost = sum(1 for rid in a_ids if a.get(rid).state is not State.ACCEPTED)
            dup = stored(server)
            duplicates = sum(v for k, v in dup.items() if k != "_total") + max(
                0, dup["_total"] - 2 * n
            )
            a.close()
            b.close()
        finally:
            server.stop()
    usb_total = export_s + import_s + apply_s
    print(
        f"accepted by USB {accepted}; media {media_bytes / 1e6:.1f} MB; "
        f"last bundle {result.size / 1e6:.1f} MB (the copy baseline copies it)",
        file=sys.stderr,
    )
    print(
        f"RESULT registrations={n} lost={lost} duplicates={duplicates} resent_bytes={resent} "
        f"export_s={export_s:.2f} import_s={import_s:.2f} apply_s={apply_s:.2f} "
        f"usb_total_s={usb_total:.2f} online_push_s={online_s:.2f} "
        f"usb_vs_online={usb_total / online_s:.2f} copy_s={copy_s:.3f} "
        f"bundle_mb={result.size / 1e6:.1f} pulled_left_bundle={left} "
        f"offline_days={OFFLINE_DAYS} key_kept={key_kept} release={release_state}"
    )
    fine = lost == 0 and duplicates == 0 and resent == 0 and left == 0
    return 0 if fine and key_kept == 1 and release_state == "requested" else 1


if __name__ == "__main__":
    sys.exit(main())

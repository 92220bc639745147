"""Simulated kiosks for the server benchmarks: enrolled like real ones, numbering and pushing
registrations as the sync client does, and the check that the server stored exactly what it
acknowledged."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kiosk.store.appnumber import format_app_number  # noqa: E402
from sync import protocol as p  # noqa: E402
from sync.client.backoff import Backoff  # noqa: E402
from tests.sync.conftest import KNOWN_SERVICE, ServerProcess  # noqa: E402

BACKOFF_SOURCE = "sync.client.backoff"

# Each commune has at most 99 kiosk numbers (409 `kiosk_numbers_exhausted` beyond), so the
# simulated kiosks are spread over real communes of one province (Phnom Penh, MEF codes 12xxxx
# from the kiosk's gazetteer), this many to a commune.
PROVINCE = "12"
KIOSKS_PER_COMMUNE = 50


class BenchFailure(RuntimeError):
    """The bench measured something the server did not really do: no RESULT line."""


def commune_codes(count: int) -> list[str]:
    """`count` real commune codes, Phnom Penh's first, then other provinces' as needed."""
    from kiosk.gazetteer import load_gazetteer

    codes = sorted(c.code for c in load_gazetteer().all("commune"))
    ordered = [c for c in codes if c.startswith(PROVINCE)] + [
        c for c in codes if not c.startswith(PROVINCE)
    ]
    if count > len(ordered):
        raise BenchFailure(f"{count} communes wanted, the gazetteer has {len(ordered)}")
    return ordered[:count]


@dataclass
class Pending:
    """One registration waiting on a kiosk: its id and number stay the same across retries, as
    in the client's outbox, so a commit whose answer was lost is answered 200 next time."""

    reg_id: str
    app_number: str
    data: bytes


@dataclass
class Tally:
    """Every commit answer by status, and the ids the server acknowledged (200/201)."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    acked: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)  # 4xx answers other than 429: bench bugs

    def record(self, reg: Pending, r: httpx.Response) -> bool:
        self.statuses[r.status_code] += 1
        if r.status_code in (200, 201):
            self.acked.add(reg.reg_id)
            return True
        if 400 <= r.status_code < 500 and r.status_code != 429:
            self.refused.append(f"{r.request.method} {r.status_code} {r.text[:200]}")
        return False


@dataclass
class SimKiosk:
    key: Ed25519PrivateKey
    commune: str = ""
    device_id: str = ""
    kiosk_number: int = 0
    seq: int = 0
    cursor: str | None = None
    pending: list[Pending] = field(default_factory=list)
    next_registration: float = 0.0
    synced_at: float = -1.0  # virtual time of the last successful round
    backoff: Any = field(default_factory=lambda: Backoff())

    def new_registration(self) -> Pending:
        """A registration numbered as the kiosk numbers it: CCCCCC-KK-NNNNN-D."""
        self.seq += 1
        number = format_app_number(self.commune, self.seq, self.kiosk_number)
        return Pending(str(uuid.uuid4()), number, os.urandom(2048))

    async def call(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        signed = p.sign_request(self.key, self.device_id, method, path, body, headers=headers)
        return await client.request(
            method, path, content=body, headers={**signed, **(headers or {})}
        )

    async def push_one(self, client: httpx.AsyncClient, reg: Pending) -> list[httpx.Response]:
        """One registration: a 2 KiB attachment in a single creation-with-upload, then commit."""
        sha = hashlib.sha256(reg.data).hexdigest()
        r1 = await self.call(
            client,
            "POST",
            "/v1/uploads",
            reg.data,
            {
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(reg.data)),
                "Upload-Metadata": p.encode_tus_metadata({"sha256": sha}),
                "Content-Type": p.TUS_CONTENT_TYPE,
                "Upload-Checksum": p.tus_checksum_header(reg.data),
            },
        )
        if r1.status_code != 201:
            return [r1]
        doc = {
            "service_id": KNOWN_SERVICE[0],
            "form_version": KNOWN_SERVICE[1],
            "app_number": reg.app_number,
            "commune_code": self.commune,
            "locale": "km",
            "submitted_at": "2026-11-21T06:00:00Z",
            "answers": {"name": "bench"},
            "attachments": [
                {
                    "field_id": "photo",
                    "kind": "photo",
                    "page": 0,
                    "sha256": sha,
                    "size": len(reg.data),
                    "mime": "image/jpeg",
                    "upload": r1.headers["Location"],
                }
            ],
        }
        r2 = await self.call(
            client,
            "PUT",
            f"/v1/registrations/{reg.reg_id}",
            p.canonical_json(doc),
            {"Content-Type": "application/json"},
        )
        return [r1, r2]


async def enrol_all(server: ServerProcess, client: httpx.AsyncClient, n: int) -> list[SimKiosk]:
    """`n` kiosks, `KIOSKS_PER_COMMUNE` to a commune, each with the number the server gave it."""
    communes = commune_codes(-(-n // KIOSKS_PER_COMMUNE))
    plan: list[tuple[str, str]] = []
    for i, commune in enumerate(communes):
        count = min(KIOSKS_PER_COMMUNE, n - i * KIOSKS_PER_COMMUNE)
        out = server.cli("enrolment-code", "--commune", commune, "--count", str(count))
        codes = out.stdout.split()
        if len(codes) != count:
            raise BenchFailure(f"enrolment-code gave {len(codes)} codes, wanted {count}")
        plan += [(commune, code) for code in codes]
    gate = asyncio.Semaphore(40)

    async def one(commune: str, code: str) -> SimKiosk:
        kiosk = SimKiosk(Ed25519PrivateKey.generate(), commune)
        async with gate:
            r = await client.post(
                "/v1/devices",
                json={"code": code, "public_key": p.public_key_b64(kiosk.key), "label": "bench"},
            )
        if r.status_code != 201:
            raise BenchFailure(f"enrolment in {commune}: {r.status_code} {r.text[:300]}")
        body = r.json()
        if body["commune_code"] != commune or not body.get("kiosk_number"):
            raise BenchFailure(f"enrolment in {commune} answered {body}")
        kiosk.device_id, kiosk.kiosk_number = body["device_id"], int(body["kiosk_number"])
        return kiosk

    kiosks = list(await asyncio.gather(*(one(c, code) for c, code in plan)))
    numbers = {(k.commune, k.kiosk_number) for k in kiosks}
    if len(numbers) != len(kiosks):
        raise BenchFailure("two kiosks of one commune got the same kiosk number")
    print(f"  enrolled {len(kiosks)} kiosks in {len(communes)} communes", file=sys.stderr)
    return kiosks


def stored_registrations(server: ServerProcess) -> set[str]:
    """The registration ids in the server's database, read directly."""
    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT id FROM registrations")).scalars())
    finally:
        engine.dispose()


def check_stored(server: ServerProcess, tally: Tally, what: str) -> int:
    """Fail loudly unless the server holds exactly the registrations it acknowledged."""
    stored = stored_registrations(server)
    answers = " ".join(f"{code}:{n}" for code, n in sorted(tally.statuses.items()))
    print(
        f"  {what}: push answers (commit, or upload when it failed) {answers}; "
        f"acknowledged {len(tally.acked)}, stored {len(stored)}",
        file=sys.stderr,
    )
    problems = []
    if tally.refused:
        problems.append(f"{len(tally.refused)} refused, first: {tally.refused[0]}")
    if stored != tally.acked:
        problems.append(
            f"stored {len(stored)} != acknowledged {len(tally.acked)} "
            f"({len(stored - tally.acked)} stored unacknowledged, "
            f"{len(tally.acked - stored)} acknowledged but missing)"
        )
    if not tally.acked:
        problems.append("nothing was committed")
    if problems:
        raise BenchFailure(f"{what}: " + "; ".join(problems))
    return len(stored)

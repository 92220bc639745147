"""Seed a ministry server's PostgreSQL with a year of applications, fast (COPY, not ORM inserts).

Used by backoffice_bench.py. One kiosk per commune (all 1,661 communes of the gazetteer), the
bundled catalog's six services with their owning ministries, and per application what a year
of real use leaves behind: the registration (a canonical-JSON body with answers and attachment
hashes, a receipt), its status history along the protocol's transitions, the console's facts
(ministry, kiosk submission time, promised date) and keys (phone, person, photo, names), an
assignment for everything past `received`, and one `console_view` audit row per decided one.

Rows are written as COPY text through psycopg (tabs and newlines never occur in the values), so
a million applications take well under a minute on a 2-core box. Random but reproducible
(`seed`).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sync.server.db import SERVICE_MINISTRIES

DAY = 86400.0
# (service id, weight, processing days) as in assets/catalog/services.json.
SERVICES = (
    ("birth_certificate_copy", 30, 3),
    ("national_id_card", 25, 30),
    ("residence_certificate", 15, 2),
    ("driving_licence_renewal", 12, 10),
    ("passport_ordinary", 10, 15),
    ("business_registration", 8, 7),
)
MINISTRY = SERVICE_MINISTRIES  # the owners migration 4 seeds: one list
FAMILY = ("SOK", "CHAN", "KIM", "LIM", "HENG", "PICH", "MEAS", "NOV", "SENG", "VANN", "KEO", "SAO")
GIVEN = ("DARA", "SOPHEA", "VISAL", "CHANTHA", "BOPHA", "RATHA", "SREYNEANG", "PISEY", "VUTHY")
KHMER = ("សុខ ដារ៉ា", "ចាន់ សុភា", "គីម វិសាល", "លឹម ចន្ថា", "ហេង បុប្ផា", "ពេជ្រ រដ្ឋា")
# What applications of an age have come to (status, weight).
YOUNG = (("received", 70), ("in_review", 30))
RECENT = (
    ("received", 15),
    ("in_review", 35),
    ("needs_papers", 15),
    ("approved", 15),
    ("ready_for_pickup", 10),
    ("rejected", 10),
)
OLD = (
    ("collected", 70),
    ("rejected", 12),
    ("ready_for_pickup", 8),
    ("approved", 3),
    ("received", 2),
    ("in_review", 3),
    ("needs_papers", 2),
)
SEED_HASH = "!seeded-no-password"  # not an Argon2 string: seeded officers cannot sign in


@dataclass
class Seeded:
    applications: int = 0
    history: int = 0
    seconds: float = 0.0
    communes: list[str] = field(default_factory=list)
    # (ministry, province) -> registration ids in that scope, a sample for the load
    sample: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def _path(rng: random.Random, age_days: float) -> list[str]:
    """The statuses an application went through, by its age: old ones are mostly decided."""
    if age_days < 2:
        mix = YOUNG
    elif age_days < 30:
        mix = RECENT
    else:
        mix = OLD
    ends = rng.choices([s for s, _w in mix], [w for _s, w in mix])[0]
    path = ["received"]
    if ends == "received":
        return path
    path.append("in_review")
    if ends == "needs_papers" or (ends != "in_review" and rng.random() < 0.2):
        path.append("needs_papers")
        if ends == "needs_papers":
            return path
        path.append("in_review")
    if ends == "in_review":
        return path
    if ends == "rejected":
        return [*path, "rejected"]
    path.append("approved")
    if ends == "approved":
        return path
    path.append("ready_for_pickup")
    return path if ends == "ready_for_pickup" else [*path, "collected"]


class Copier:
    """Buffers COPY text lines for one table and flushes them in large writes. Each table has
    its own connection: a connection runs one COPY at a time, and the tables fill together."""

    def __init__(self, dsn: str, table: str, columns: tuple[str, ...]) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn)
        self.cm = self.conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self.copy = self.cm.__enter__()
        self.buf: list[str] = []

    def row(self, *values: Any) -> None:
        self.buf.append("\t".join("\\N" if v is None else str(v) for v in values))
        if len(self.buf) >= 20000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.copy.write(("\n".join(self.buf) + "\n").encode())
            self.buf = []

    def close(self) -> None:
        self.flush()
        self.cm.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _ids(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        yield str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed(
    dsn: str,
    communes: list[str],
    n: int,
    bench_officers: list[tuple[str, str, str]],
    seed: int = 1,
) -> Seeded:
    """Write `n` applications; `bench_officers` are (account id, ministry, province) of the
    accounts the load signs in with, who get a share of the assignments in their scope."""
    import psycopg

    rng = random.Random(seed)
    started = time.monotonic()
    now = time.time()
    out = Seeded(communes=communes)
    provinces = sorted({c[:2] for c in communes})
    # One kiosk per commune, and per (ministry, province) a seeded officer (no sign-in).
    dev = Copier(
        dsn,
        "devices",
        ("id", "commune_code", "public_key", "label", "enrolled_at", "kiosk_number"),
    )
    device_of: dict[str, str] = {}
    for code, dev_id in zip(communes, _ids(rng, len(communes)), strict=True):
        device_of[code] = dev_id
        dev.row(dev_id, code, _hex(rng)[:43], f"kiosk {code}", now - 400 * DAY, 1)
    dev.close()
    offs = Copier(
        dsn,
        "console_officers",
        (
            "id",
            "username",
            "display_name",
            "password_hash",
            "role",
            "ministry",
            "jurisdiction",
            "created_at",
            "created_by",
        ),
    )
    seeded_officer: dict[tuple[str, str], str] = {}
    for ministry in sorted(set(MINISTRY.values())):
        for prov in provinces:
            oid = f"s{rng.getrandbits(40):010x}"
            seeded_officer[(ministry, prov)] = oid
            name = f"seed.{ministry}.{prov}"
            offs.row(oid, name, name, SEED_HASH, "officer", ministry, prov, now, "seed")
    offs.close()
    bench_by_scope: dict[tuple[str, str], list[str]] = {}
    for account_id, ministry, prov in bench_officers:
        bench_by_scope.setdefault((ministry, prov), []).append(account_id)
    regs = Copier(
        dsn,
        "registrations",
        (
            "id",
            "device_id",
            "commune_code",
            "service_id",
            "form_version",
            "app_number",
            "content_sha256",
            "body",
            "received_at",
            "status",
            "status_note",
            "status_at",
            "receipt",
            "signature",
        ),
    )
    hist = Copier(dsn, "status_history", ("registration_id", "status", "note", "actor", "at"))
    facts = Copier(
        dsn,
        "console_facts",  # status, commune and assignee copied as the server keeps them
        (  # (tables/queue_counts.py)
            "registration_id",
            "ministry",
            "submitted_at",
            "due_at",
            "status",
            "commune_code",
            "assignee",
        ),
    )
    keys = Copier(
        dsn,
        "console_keys",
        (
            "registration_id",
            "phone",
            "person",
            "photo",
            "names",
            "outside_hours",
            "overrides",
            "computed_at",
        ),
    )
    asg = Copier(
        dsn,
        "console_assignments",
        ("registration_id", "officer_id", "assigned_at", "assigned_by"),
    )
    audit = Copier(
        dsn,
        "officer_audit",
        ("at", "token_id", "officer", "action", "subject", "outcome", "detail"),
    )
    # The back office hashes each face photo once (console/photo_hash.py, where present): a
    # year on, every photo has its hash. Seeded as random 64-bit values in their four bands.
    with psycopg.connect(dsn) as probe:
        hashes_table = probe.execute("SELECT to_regclass('photo_hashes')").fetchone()
    hashes = (
        Copier(dsn, "photo_hashes", ("sha256", "phash", "b0", "b1", "b2", "b3", "computed_at"))
        if hashes_table and hashes_table[0]
        else None
    )
    hashed: set[str] = set()
    weights = [w for _s, w, _d in SERVICES]
    brokers = [f"0{rng.randint(10_000_000, 99_999_999)}" for _ in range(500)]
    shared_photos = [_hex(rng) for _ in range(200)]
    numbers: dict[str, int] = {}
    for reg_id in _ids(rng, n):
        commune = communes[rng.randrange(len(communes))]
        service, _w, days = rng.choices(SERVICES, weights)[0]
        ministry = MINISTRY[service]
        age = (rng.random() ** 1.3) * 365
        submitted = now - age * DAY
        received = submitted + rng.uniform(60, 2 * DAY if age > 2 else 600)
        received = min(received, now - 30)
        seq = numbers[commune] = numbers.get(commune, 0) + 1
        app = f"{commune}-01-{seq:05d}-{seq % 10}"
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        khmer = rng.choice(KHMER)
        dob = f"{rng.randint(1950, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        phone = (
            rng.choice(brokers)
            if rng.random() < 0.01
            else f"0{rng.randint(10_000_000, 999_999_999)}"
        )
        photo = rng.choice(shared_photos) if rng.random() < 0.005 else _hex(rng)
        page = _hex(rng)
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(submitted))
        body = (
            f'{{"answers":{{"date_of_birth":"{dob}","name_km":"{khmer}",'
            f'"name_latin":"{family} {given}","phone":"+855{phone[1:]}"}},'
            f'"app_number":"{app}","attachments":[{{"field_id":"photo","kind":"photo",'
            f'"mime":"image/jpeg","page":0,"sha256":"{photo}","size":48213}},'
            f'{{"field_id":"papers","kind":"document","mime":"image/jpeg","page":0,'
            f'"sha256":"{page}","size":161022}}],"commune_code":"{commune}",'
            f'"form_version":"1","locale":"km","service_id":"{service}",'
            f'"submitted_at":"{at}"}}'
        )
        content = hashlib.sha256(body.encode()).hexdigest()
        path = _path(rng, age)
        t = received
        times = [t]
        for _step in path[1:]:
            t = min(t + rng.uniform(0.1, 1.0) * days * DAY / len(path), now - 1)
            times.append(t)
        status, status_at = path[-1], times[-1]
        receipt = (
            f'{{"app_number":"{app}","content_sha256":"{content}",'
            f'"received_at":"{at}","registration_id":"{reg_id}","server_seq":{seq}}}'
        )
        regs.row(
            reg_id,
            device_of[commune],
            commune,
            service,
            "1",
            app,
            content,
            body,
            received,
            status,
            "",
            status_at,
            receipt,
            _hex(rng) + _hex(rng),
        )
        prov = commune[:2]
        officer = seeded_officer[(ministry, prov)]
        mine = bench_by_scope.get((ministry, prov))
        if mine and rng.random() < 0.5:
            officer = rng.choice(mine)
        for i, (st, when) in enumerate(zip(path, times, strict=True)):
            actor = f"device:{device_of[commune]}" if i == 0 else f"console:{officer}"
            hist.row(reg_id, st, "", actor, when)
        out.history += len(path)
        held = officer if len(path) > 1 else ""  # assigned below when it left "received"
        facts.row(reg_id, ministry, submitted, submitted + days * DAY, status, commune, held)
        hour = time.gmtime(submitted).tm_hour + 7
        keys.row(
            reg_id,
            phone,
            f"{family.lower()} {given.lower()}|{dob}",
            photo,
            f"{khmer} {family.lower()} {given.lower()}",
            int(not 7 <= hour % 24 < 17),
            int(rng.random() < 0.02),
            now,
        )
        if hashes is not None and photo not in hashed:
            hashed.add(photo)
            value = rng.getrandbits(64)
            signed = value - (1 << 64) if value >= 1 << 63 else value
            hashes.row(photo, signed, *((value >> (16 * i)) & 0xFFFF for i in range(4)), now)
        if len(path) > 1:
            asg.row(reg_id, officer, times[1], "seed")
            audit.row(times[1], officer, f"console:{officer}", "console_view", reg_id, "ok", "")
        sample = out.sample.setdefault((ministry, prov), [])
        if len(sample) < 400 and rng.random() < 0.05:
            sample.append(reg_id)
    for c in (regs, hist, facts, keys, asg, audit, hashes):
        if c is not None:
            c.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Deployment tuning, as for any OLTP load: JIT compiles each large count for ~150 ms
        # (EXPLAIN ANALYZE at 1M) and saves nothing on queries this short.
        conn.execute(f"ALTER DATABASE {conn.info.dbname} SET jit = off")
        if hashes is not None:  # and the walk that queues older photos for hashing is done
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('console.photo_backfill', 'done') "
                "ON CONFLICT (key) DO UPDATE SET value = 'done'"
            )
        for table in (
            "registrations",
            "status_history",
            "console_facts",
            "console_keys",
            "console_assignments",
            "officer_audit",
            "devices",
            "console_officers",
            *(["photo_hashes"] if hashes is not None else []),
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
    out.applications = n
    out.seconds = time.monotonic() - started
    return out

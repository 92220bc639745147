"""Near-duplicate face photos: a 64-bit perceptual hash (pHash) per photo file, and a banded
search for other files within `THRESHOLD` bits.

Why pHash: the hash is the sign of the 63 lowest DCT frequencies of a 32×32 grey image against
their median, so a JPEG re-encoded at another quality, slightly resized or brightened keeps
(almost) all its bits (0–2 of 64 on the test portraits), while portraits of different people
differ by 18–40 bits (median 30). `THRESHOLD` = 7 sits between the two.

Why bands (multi-index hashing): the 64 bits are four 16-bit bands, each indexed. Two hashes
within 7 bits differ by at most 1 bit in at least one band (pigeonhole, 7 // 4 = 1), so a new
photo probes each band with its value and its 16 one-bit neighbours: 4 × 17 indexed look-ups.
At 1,000,000 photos a band value holds about 1e6 / 65,536 ≈ 15 files if the hashes spread
evenly, so about 4 × 17 × 15 ≈ 1,000 candidates are compared in Python (portraits cluster
somewhat, so expect a few times that), instead of 1e6 — never O(n²).

Work is found through `photo_queue` (filled as keys are derived, `flags.refresh_keys`), and
hashed lazily (`refresh`, within a small time budget per queue or application page view) from
the stored file; Pillow decodes it (reduced-size JPEG decoding via `draft`). A file that
cannot be decoded, or is too flat to hash, gets a row with a NULL hash and leaves the queue.
"""

from __future__ import annotations

import importlib.util
import io
import math
import time
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from sync.server import db
from sync.server.console.image_open import open_image
from sync.server.media import MediaStore, is_sha256
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import photo_hashes, photo_near, photo_queue

THRESHOLD = 7  # bits of 64: at most this far apart is "the same photo, re-encoded"
BANDS = 4
BAND_BITS = 16
BATCH = 50  # photos taken from the queue per page view …
BUDGET_S = 0.04  # … hashed for at most about this long (about 5 ms each: ~8 a view)
BACKFILL = "console.photo_backfill"
BACKFILL_PAGE = 2000
FILE_MAX = 10 * 1024 * 1024
FLAT, FLAT_MAX = 1e-3, 16  # > 16 of 63 frequencies near 0: no detail (photos: 0-2)
_N, _K = 32, 8
_COS = [[math.cos((2 * x + 1) * u * math.pi / (2 * _N)) for x in range(_N)] for u in range(_K)]


def phash(data: bytes) -> int | None:
    """The 64-bit pHash of an image file; None if it is not one `image_open` opens (a JPEG or
    PNG within its pixel cap), Pillow cannot decode it, or it has too little detail (a
    one-colour test image) for its bits to mean anything."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - the server extra installs Pillow
        return None
    try:
        with open_image(io.BytesIO(data)) as im:
            im.draft("L", (_N * 4, _N * 4))  # JPEG: decode at 1/2..1/8 scale, much faster
            grey = im.convert("L").resize((_N, _N), Image.Resampling.LANCZOS)
            pixels = grey.tobytes()
    except (OSError, ValueError):  # image_open's refusals are ValueErrors
        return None
    rows = [pixels[i * _N : (i + 1) * _N] for i in range(_N)]
    # separable DCT-II, only the 8×8 lowest frequencies
    half = [
        [sum(c * v for c, v in zip(_COS[u], row, strict=True)) for u in range(_K)] for row in rows
    ]
    flat = [sum(_COS[v][y] * half[y][u] for y in range(_N)) for v in range(_K) for u in range(_K)]
    ac = flat[1:]  # the DC term (brightness) is not compared
    top = max(abs(c) for c in ac)
    if sum(1 for c in ac if abs(c) <= top * FLAT) > FLAT_MAX:
        return None  # a flat drawing, not a photo: its bits would be rounding noise
    median = sorted(ac)[len(ac) // 2]
    value = 0
    for c in flat:
        value = (value << 1) | (1 if c > median else 0)
    return value


def bands(value: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(value >> (BAND_BITS * i)) & mask for i in range(BANDS)]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def probes(value: int) -> list[list[int]]:
    """Per band: its value and the values one bit away (the radius `THRESHOLD // BANDS`)."""
    assert THRESHOLD // BANDS == 1, "probes() enumerates radius 1 only"
    return [[b, *(b ^ (1 << i) for i in range(BAND_BITS))] for b in bands(value)]


def near(conn: Connection, sha256: str, value: int) -> list[tuple[str, int]]:
    """Other photo files within THRESHOLD bits of `value` (file, distance)."""
    cols = (photo_hashes.c.b0, photo_hashes.c.b1, photo_hashes.c.b2, photo_hashes.c.b3)
    found = conn.execute(
        select(photo_hashes.c.sha256, photo_hashes.c.phash).where(
            or_(*(col.in_(vals) for col, vals in zip(cols, probes(value), strict=True))),
            photo_hashes.c.sha256 != sha256,
        )
    ).all()
    out = []
    for other, other_hash in found:
        d = distance(value, _unsigned(int(other_hash)))
        if d <= THRESHOLD:
            out.append((str(other), d))
    return out


def enqueue(conn: Connection, shas: list[str | None]) -> None:
    """Queue these face-photo files for hashing (called as keys are derived)."""
    db.insert_ignore(conn, photo_queue, [{"sha256": s} for s in sorted({s for s in shas if s})])


def _stored(store: MediaStore, sha: str) -> bool:
    return is_sha256(sha) and store.has(sha) and store.media_path(sha).stat().st_size <= FILE_MAX


def _backfill(engine: Engine, store: MediaStore) -> None:
    """Once: queue the photos of keys derived before the queue existed, a page at a time in
    primary-key order (the setting holds the last id; "done" when all are queued). A photo
    whose file is not stored gets its empty hash row at once instead of a place in the queue."""
    with db.reading(engine) as conn:
        last = db.get_setting(conn, BACKFILL)
    if last == "done":
        return
    with engine.begin() as conn:
        rows = conn.execute(
            select(console_keys.c.registration_id, console_keys.c.photo)
            .where(console_keys.c.registration_id > (last or ""))
            .order_by(console_keys.c.registration_id)
            .limit(BACKFILL_PAGE)
        ).all()
        photos = {r.photo for r in rows if r.photo}
        stored = {sha for sha in photos if _stored(store, sha)}
        enqueue(conn, list(stored))
        db.insert_ignore(
            conn, photo_hashes, [_hash_row(sha, None) for sha in sorted(photos - stored)]
        )
        done = len(rows) < BACKFILL_PAGE
        db.set_setting(conn, BACKFILL, "done" if done else rows[-1].registration_id)


def _hash_row(sha: str, value: int | None) -> dict[str, Any]:
    row: dict[str, Any] = {"sha256": sha, "computed_at": db.now(), "phash": None}
    if value is not None:
        row["phash"] = _signed(value)
        row.update({f"b{i}": b for i, b in enumerate(bands(value))})
    return row


def refresh(
    engine: Engine, store: MediaStore, limit: int = BATCH, budget_s: float = BUDGET_S
) -> int:
    """Hash queued face-photo files, for at most about `budget_s` of this page view, and
    record their near pairs; returns how many were hashed. Each file commits on its own (with
    its removal from the queue), so a crash loses nothing done; files not stored leave the
    queue together, with empty hash rows, in one transaction."""
    if importlib.util.find_spec("PIL") is None:  # keep the queue until Pillow is installed
        return 0
    _backfill(engine, store)
    with db.reading(engine) as conn:
        queued = list(conn.execute(select(photo_queue.c.sha256).limit(limit)).scalars())
    absent = [sha for sha in queued if not _stored(store, sha)]
    if absent:
        with engine.begin() as conn:
            db.insert_ignore(conn, photo_hashes, [_hash_row(sha, None) for sha in absent])
            conn.execute(photo_queue.delete().where(photo_queue.c.sha256.in_(absent)))
    started, done = time.monotonic(), 0
    for sha in queued:
        if sha in absent:
            continue
        if time.monotonic() - started > budget_s:
            break
        try:
            value = phash(store.media_path(sha).read_bytes())
        except OSError:  # removed since (retention): nothing to compare
            value = None
        with engine.begin() as conn:
            pairs = near(conn, sha, value) if value is not None else []
            db.insert_ignore(conn, photo_hashes, [_hash_row(sha, value)])
            db.insert_ignore(
                conn,
                photo_near,
                [{"sha256": sha, "other": o, "distance": d} for o, d in pairs]
                + [{"sha256": o, "other": sha, "distance": d} for o, d in pairs],
            )
            conn.execute(photo_queue.delete().where(photo_queue.c.sha256 == sha))
            if pairs:  # `similar_photo` turns on for both sides (a lazy import: flags uses us)
                from sync.server.console import flags

                flags.mark(conn, flags.of_photos(conn, [sha, *(o for o, _d in pairs)]))
        done += 1
    return done

"""The near-duplicate photo hash (console/photo_hash.py) on real portraits decoded by Pillow,
and its banded search on a real SQLite database against a brute-force scan."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance
from sqlalchemy import select

from sync.server import db
from sync.server.console import photo_hash
from sync.server.media import MediaStore
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import photo_hashes, photo_near, photo_queue

pytestmark = pytest.mark.server
PORTRAITS = sorted((Path(__file__).parents[1] / "fixtures" / "faces" / "portraits").glob("*.jpg"))


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def variants(image: Image.Image) -> dict[str, bytes]:
    w, h = image.size
    return {
        "quality 35": jpeg(image, 35),
        "resized 90 %": jpeg(image.resize((w * 9 // 10, h * 9 // 10))),
        "resized 125 %": jpeg(image.resize((w * 5 // 4, h * 5 // 4))),
        "brightened 20 %": jpeg(ImageEnhance.Brightness(image).enhance(1.2)),
        "as PNG": _png(image),
    }


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_same_face_re_encoded_stays_within_the_threshold() -> None:
    assert len(PORTRAITS) >= 10
    for path in PORTRAITS[:6]:
        with Image.open(path) as im:
            image = im.convert("RGB")
        original = photo_hash.phash(jpeg(image))
        assert original is not None
        for name, data in variants(image).items():
            value = photo_hash.phash(data)
            assert value is not None
            assert photo_hash.distance(original, value) <= photo_hash.THRESHOLD, (path.name, name)


def test_different_faces_are_past_the_threshold() -> None:
    hashes = {p.name: photo_hash.phash(p.read_bytes()) for p in PORTRAITS}
    values = [(n, v) for n, v in hashes.items() if v is not None]
    assert len(values) == len(PORTRAITS)
    for i, (a, ha) in enumerate(values):
        for b, hb in values[i + 1 :]:
            assert photo_hash.distance(ha, hb) > photo_hash.THRESHOLD, (a, b)


def test_not_an_image_has_no_hash() -> None:
    assert photo_hash.phash(b"%PDF-1.4 not a photo") is None
    assert photo_hash.phash(PORTRAITS[0].read_bytes()[:200]) is None  # a truncated JPEG


def test_banded_search_finds_exactly_what_a_full_scan_finds(tmp_path: Path) -> None:
    """Random hashes plus planted neighbours at 0..12 bits: the 4 × 17 band probes return the
    same set as comparing with every row."""
    rng = random.Random(13)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    db.migrate(engine)
    query = rng.getrandbits(64)
    rows: dict[str, int] = {f"{i:064x}": rng.getrandbits(64) for i in range(3000)}
    for d in range(13):
        for k in range(3):
            bits = rng.sample(range(64), d)
            rows[f"{d:032x}{k:032x}"] = query ^ sum(1 << b for b in bits)
    with engine.begin() as conn:
        conn.execute(
            photo_hashes.insert(),
            [
                {
                    "sha256": sha,
                    "phash": photo_hash._signed(v),
                    "computed_at": 0.0,
                    **{f"b{i}": b for i, b in enumerate(photo_hash.bands(v))},
                }
                for sha, v in rows.items()
            ],
        )
    with db.reading(engine) as conn:
        found = dict(photo_hash.near(conn, "f" * 64, query))
    expected = {
        sha: photo_hash.distance(query, v)
        for sha, v in rows.items()
        if photo_hash.distance(query, v) <= photo_hash.THRESHOLD
    }
    assert found == expected
    assert len(expected) >= 3 * (photo_hash.THRESHOLD + 1)  # the planted ones at least
    engine.dispose()


def test_a_flat_image_has_no_hash() -> None:
    """One colour (or one colour and a band): the low frequencies are ~0 and their signs would
    be rounding noise, so two such images would look 'similar' by chance."""
    flat = Image.new("RGB", (60, 80), (120, 90, 60))
    banded = flat.copy()
    banded.paste((60, 45, 30), (0, 30, 60, 40))
    assert photo_hash.phash(jpeg(flat)) is None
    assert photo_hash.phash(_png(banded)) is None


def test_refresh_backfills_older_keys_and_records_near_pairs(tmp_path: Path) -> None:
    """Keys derived before the photo queue existed are queued once by the backfill; hashing
    then records the near pair both ways, and a file that is missing or not a photo leaves
    the queue with no hash."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    db.migrate(engine)
    store = MediaStore(tmp_path / "media")
    with Image.open(PORTRAITS[3]) as im:
        face = im.convert("RGB")
    with Image.open(PORTRAITS[4]) as im:
        other = im.convert("RGB")
    files = {
        "a": jpeg(face),
        "b": jpeg(face.resize((face.width * 9 // 10, face.height * 9 // 10)), 50),
        "c": jpeg(other),
        "pdf": b"%PDF-1.4 not a photo",
    }
    shas = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    for key, data in files.items():
        path = store.media_path(shas[key])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shas["gone"] = "0" * 64  # listed by a body, never stored
    with engine.begin() as conn:
        conn.execute(
            console_keys.insert(),
            [
                {
                    "registration_id": f"00000000-0000-4000-8000-{i:012d}",
                    "phone": None,
                    "person": f"person {i}",
                    "photo": sha,
                    "names": "",
                    "outside_hours": 0,
                    "overrides": 0,
                    "computed_at": 0.0,
                }
                for i, sha in enumerate(shas.values())
            ],
        )
    for _ in range(20):
        photo_hash.refresh(engine, store, budget_s=1.0)
    with db.reading(engine) as conn:
        hashed = dict(conn.execute(select(photo_hashes.c.sha256, photo_hashes.c.phash)).all())
        pairs = set(conn.execute(select(photo_near.c.sha256, photo_near.c.other)).all())
        queued = conn.execute(select(photo_queue.c.sha256)).all()
        backfill = db.get_setting(conn, photo_hash.BACKFILL)
    assert set(hashed) == set(shas.values()) and not queued and backfill == "done"
    assert hashed[shas["pdf"]] is None and hashed[shas["gone"]] is None
    assert hashed[shas["a"]] is not None and hashed[shas["c"]] is not None
    assert pairs == {(shas["a"], shas["b"]), (shas["b"], shas["a"])}
    engine.dispose()

"""The server reads a USB bundle as a stream (`sync.protocol.usb.BundleReader`): a big bundle
imports in about a segment plus its largest file of memory, and a bundle whose segments were
swapped with another bundle's or reordered is refused with nothing imported.

Bundles are written here segment by segment with `sync.protocol.usb.Encryptor` and the test
kiosk's key (no kiosk code, as tests/sync/test_server_usb_import.py); the import runs in this
process against the real server's data dir and SQLite file, so tracemalloc sees its allocations.
"""

from __future__ import annotations

import gc
import hashlib
import random
import shutil
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from sync.protocol import usb as fmt
from sync.protocol.usb_reader import BundleReader
from sync.server.config import resolve
from sync.server.context import Context, open_context
from sync.server.releases import RELEASES_DIR
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_usb_import import run_import, usb_public_key

pytestmark = pytest.mark.server

MB = 1024 * 1024


def _media(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def write_bundle(kiosk: Kiosk, path: Path, sizes: list[int], seed: int = 0) -> list[str]:
    """A bundle of one registration per file (sizes in bytes), written without holding it:
    each file is made again from its seed when its bytes go in. Returns the registration ids."""
    regs, media = [], []
    for i, size in enumerate(sizes):
        data = _media(seed + i, size)
        regs.append((str(uuid.uuid4()), registration_doc(kiosk, [(data, "")])))
        media.append({"sha256": hashlib.sha256(data).hexdigest(), "size": size})
    index = {
        "registrations": [{"id": rid, "body": body, "uploads": {}} for rid, body in regs],
        "media": media,
        "feed_cursor": None,
        "audit": [],
    }
    head = fmt.payload_head(index)
    enc = fmt.Encryptor(usb_public_key(kiosk), len(head) + sum(sizes))
    body = path.with_suffix(".body")
    digest = hashlib.sha256()
    with body.open("wb") as f:

        def put(parts: list[bytes]) -> None:
            for part in parts:
                f.write(part)
                digest.update(part)

        put(enc.update(head))
        for i, size in enumerate(sizes):
            put(enc.update(_media(seed + i, size)))
        put(enc.finish())
    manifest = fmt.new_manifest(
        fmt.KIND_EXPORT, kiosk.device_id, kiosk.commune, "2026-12-01T08:00:00Z"
    )
    manifest["enc"] = enc.enc
    with path.open("wb") as out, body.open("rb") as f:
        out.write(fmt.header(manifest, body.stat().st_size, digest.hexdigest(), kiosk.key))
        while piece := f.read(MB):
            out.write(piece)
    body.unlink()
    return [rid for rid, _ in regs]


def resealed(kiosk: Kiosk, blob: bytes, body: bytes) -> bytes:
    """`blob`'s manifest with another body, signed again by the kiosk (so only the segments'
    own tags can tell)."""
    parsed = fmt.parse(blob)
    manifest = {k: v for k, v in parsed.manifest.items() if not k.startswith("body_")}
    return fmt.seal(manifest, body, kiosk.key)


@pytest.fixture
def kiosk(server: ServerProcess) -> Iterator[Kiosk]:
    k = Kiosk(server).enrol()
    yield k
    k.close()


@pytest.fixture
def ctx(server: ServerProcess) -> Iterator[Context]:
    context = open_context(resolve(data_dir=server.data_dir, db=server.db_url))
    yield context
    context.engine.dispose()


def test_a_60_mb_bundle_imports_in_about_a_segment_plus_its_largest_file(
    kiosk: Kiosk, ctx: Context, tmp_path: Path
) -> None:
    from sync.server.usb_import import import_file

    sizes = [3 * MB + 123_457 * (i % 5) for i in range(19)]  # 3.0-3.5 MB photos: ~ 60 MB
    path = tmp_path / "big.salabundle"
    ids = write_bundle(kiosk, path, sizes)
    assert path.stat().st_size > 55 * MB
    gc.collect()
    tracemalloc.start()
    try:
        result = import_file(ctx, path, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sorted(result.created) == sorted(ids) and result.refused == []
    bound = 3 * fmt.SEGMENT + max(sizes)  # from the format, not a timing
    print(f"peak={peak} bundle={path.stat().st_size} bound={bound}")
    assert peak < bound, f"import peaked at {peak / MB:.1f} MB (bound {bound / MB:.1f} MB)"


def test_a_return_bundle_with_a_big_release_is_written_in_pieces(
    kiosk: Kiosk, ctx: Context, tmp_path: Path
) -> None:
    """The .deb (a real one is ~100 MB) goes from its file into the return bundle in pieces."""
    from sync.server.usb_import import import_file
    from tests.sync.test_server_usb_release import _published

    deb = _media(99, 40 * MB)
    _published(ctx.config.data_dir, "9.9", "2026-11-30T00:00:00Z", deb)
    try:
        path = tmp_path / "k.salabundle"
        write_bundle(kiosk, path, [2 * MB], seed=40)
        gc.collect()
        tracemalloc.start()
        try:
            result = import_file(ctx, path, tmp_path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.release == "9.9" and result.return_path is not None
        assert peak < 3 * fmt.SEGMENT + 2 * MB, f"peak {peak / MB:.1f} MB"
        parsed = fmt.parse(result.return_path.read_bytes())
        fmt.check_signature(parsed, kiosk.server_public_key)
        index, media = fmt.unpack_payload(parsed.body)
        assert index["release"]["version"] == "9.9"
        assert media == {hashlib.sha256(deb).hexdigest(): deb}
        with BundleReader(result.return_path) as reader:  # the same, streamed (kiosks may)
            fmt.check_signature(reader.header, kiosk.server_public_key)
            payload = reader.payload()
            assert payload.index() == index
            assert [(e["sha256"], d) for e, d in payload.media()] == list(media.items())
    finally:
        shutil.rmtree(ctx.config.data_dir / RELEASES_DIR / "9.9")


def test_a_file_over_the_upload_limit_is_refused_for_its_registration_without_being_held(
    kiosk: Kiosk, ctx: Context, tmp_path: Path
) -> None:
    from sync.server.usb_import import import_file

    small = replace(ctx, config=replace(ctx.config, max_upload=2 * MB))
    path = tmp_path / "k.salabundle"
    big, fine = write_bundle(kiosk, path, [40 * MB, MB], seed=50)
    gc.collect()
    tracemalloc.start()
    try:
        result = import_file(small, path, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.created == [fine]
    assert [(r["registration_id"], r["error"]) for r in result.refused] == [(big, "too_large")]
    assert peak < 3 * fmt.SEGMENT + MB, f"peak {peak / MB:.1f} MB"


def test_a_segment_swapped_between_two_bundles_is_refused(
    server: ServerProcess, kiosk: Kiosk, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.salabundle", tmp_path / "b.salabundle"
    ids = write_bundle(kiosk, a, [3 * MB, 3 * MB, 3 * MB], seed=10)
    write_bundle(kiosk, b, [3 * MB, 3 * MB, 3 * MB], seed=20)
    blob_a, blob_b = a.read_bytes(), b.read_bytes()
    body_a, body_b = fmt.parse(blob_a).body, fmt.parse(blob_b).body
    step = fmt.SEGMENT + 16
    assert len(body_a) == len(body_b) > 2 * step
    swapped = body_a[:step] + body_b[step : 2 * step] + body_a[2 * step :]
    reordered = body_a[step : 2 * step] + body_a[:step] + body_a[2 * step :]
    cases: dict[str, bytes] = {
        "swapped": blob_a[: len(blob_a) - len(body_a)] + swapped,  # the signed hash differs
        "swapped_resigned": resealed(kiosk, blob_a, swapped),  # the segment's tag differs
        "reordered_resigned": resealed(kiosk, blob_a, reordered),  # its nonce differs
        "last_resigned": resealed(kiosk, blob_a, body_a[:-step] + body_b[-step:]),
    }
    for name, blob in cases.items():
        bad = tmp_path / f"{name}.salabundle"
        bad.write_bytes(blob)
        out = run_import(server, bad)
        assert out.returncode == 2, (name, out.stdout, out.stderr)
        assert "refused (tampered)" in out.stderr and "Nothing was changed" in out.stderr, name
        assert not list(tmp_path.glob("*" + fmt.RETURN_SUFFIX)), name
    a.write_bytes(blob_a)  # the untouched bundle still imports, every registration new
    out = run_import(server, a)
    assert out.returncode == 0, out.stderr
    assert f"{len(ids)} new registration(s) received" in out.stdout


def test_a_bundle_cut_anywhere_is_refused_before_anything_is_read(
    kiosk: Kiosk, ctx: Context, tmp_path: Path
) -> None:
    from sync.server.usb_import import import_file

    path = tmp_path / "k.salabundle"
    ids = write_bundle(kiosk, path, [5 * MB], seed=30)
    blob = path.read_bytes()
    for cut, code in [(3, "truncated"), (40, "truncated"), (len(blob) - 1, "truncated")]:
        path.write_bytes(blob[:cut])
        with pytest.raises(fmt.BundleError) as refused:
            import_file(ctx, path, tmp_path)
        assert refused.value.code == code, cut
    path.write_bytes(blob + b"\0")  # a byte more than the manifest says
    with pytest.raises(fmt.BundleError) as extra:
        import_file(ctx, path, tmp_path)
    assert extra.value.code == "tampered"
    assert not list(tmp_path.glob("*" + fmt.RETURN_SUFFIX))
    path.write_bytes(blob)
    assert import_file(ctx, path, tmp_path).created == ids

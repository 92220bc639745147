"""A page's zoom and rotate cannot take the server down, against a real `sala-server`: a page
declaring more pixels than `image_open.PIXELS_MAX` (a small PNG, 7000 × 7000) is refused from
its header with a clear message in Khmer and English (422), nothing is cached and no file
changes; asked unturned, it is the stored file as it is. A normal camera JPEG on its side (EXIF
orientation 6) still gets its size from the header and turns, and a turn is kept in the
bounded in-memory cache (`TurnedCache`), whose byte cap holds. Face photos open through the
same `image_open`: the same cap, the same two formats.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sync.server.console import application_pages as pages
from sync.server.console import photo_hash
from sync.server.console.application import Refused
from sync.server.console.image_open import PIXELS_MAX, TooLarge, Unreadable, open_image
from tests.console.conftest import Console, sign_in_http
from tests.sync.conftest import Kiosk

SIDE = 7000  # 49 M pixels > PIXELS_MAX; a one-bit PNG of it is a few kilobytes


def _huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (SIDE, SIDE), 1).save(out, "PNG", optimize=True)
    return out.getvalue()


def _sideways_jpeg() -> bytes:
    """320 × 240 stored, EXIF orientation 6 (the camera was turned): shown 240 × 320."""
    image = Image.new("RGB", (320, 240), (230, 230, 220))
    image.paste((40, 40, 160), (0, 0, 320, 60))  # a dark band along the stored top
    exif = Image.Exif()
    exif[pages.ORIENTATION_TAG] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


HUGE = _huge_png()
SIDEWAYS = _sideways_jpeg()


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("lim", role="officer", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Limits hall").enrol()
    reg_id, _doc = console.submit(kiosk, pages=[(HUGE, "image/png"), (SIDEWAYS, "image/jpeg")])
    yield {"reg_id": reg_id}
    kiosk.close()


def _media_files(console: Console) -> dict[str, bytes]:
    return {
        str(f.relative_to(console.server.data_dir)): f.read_bytes()
        for f in console.server.data_dir.rglob("*")
        if f.is_file() and f.name != "server.db" and not f.name.startswith("server.db-")
    }


def test_a_page_over_the_pixel_cap_is_refused_from_its_header(
    console: Console, world: dict[str, Any]
) -> None:
    reg, sha = world["reg_id"], hashlib.sha256(HUGE).hexdigest()
    lim = sign_in_http(console, "lim")
    before = _media_files(console)
    for lang, text in (("en", "too large to turn here"), ("km", "ធំ\u200bពេក")):
        lim.cookies.set("sala_lang", lang, path="/console")
        for turn in ("90", "180", "270"):
            r = lim.get(f"/console/applications/{reg}/media/{sha}", params={"rotate": turn})
            assert r.status_code == 422 and text in r.text, (lang, turn, r.text[-400:])
        view = lim.get(f"/console/applications/{reg}/pages/{sha}", params={"rotate": "90"})
        assert view.status_code == 422 and text in view.text
        plain = lim.get(f"/console/applications/{reg}/pages/{sha}")  # unturned: shown, said
        assert plain.status_code == 200 and text in plain.text
        assert "?rotate=90" not in plain.text  # no link to a turn that would be refused
    for rotate in ("0", ""):  # the stored file as it is, nothing decoded
        r = lim.get(f"/console/applications/{reg}/media/{sha}", params={"rotate": rotate})
        assert r.status_code == 200 and r.content == HUGE
    assert _media_files(console) == before  # nothing written beside the media


def test_a_normal_page_still_turns_and_its_size_comes_from_the_header(
    console: Console, world: dict[str, Any]
) -> None:
    reg, sha = world["reg_id"], hashlib.sha256(SIDEWAYS).hexdigest()
    lim = sign_in_http(console, "lim")
    lim.cookies.set("sala_lang", "en", path="/console")
    view = lim.get(f"/console/applications/{reg}/pages/{sha}", params={"zoom": "100"})
    assert view.status_code == 200 and 'width="240"' in view.text  # upright: 240 wide
    turned = lim.get(f"/console/applications/{reg}/pages/{sha}", params={"rotate": "90"})
    assert turned.status_code == 200 and "?rotate=180" in turned.text
    for turn, size in (("90", (320, 240)), ("180", (240, 320)), ("270", (320, 240))):
        r = lim.get(f"/console/applications/{reg}/media/{sha}", params={"rotate": turn})
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg", r.text[-300:]
        with Image.open(io.BytesIO(r.content)) as im:
            assert im.size == size
            rgb = im.convert("RGB")
        # upright, the dark band is the right-hand side (orientation 6: turned clockwise);
        # turned 90° more it is along the bottom
        if turn == "90":
            assert sum(rgb.getpixel((160, 230))) < 300 < sum(rgb.getpixel((160, 10)))
        again = lim.get(f"/console/applications/{reg}/media/{sha}", params={"rotate": turn})
        assert again.content == r.content
    r = lim.get(f"/console/applications/{reg}/media/{sha}", params={"rotate": "0"})
    assert r.status_code == 200 and r.content == SIDEWAYS


def test_rotated_refuses_before_decoding_and_caches_nothing(tmp_path: Path) -> None:
    """In this process: the same function the route calls, on real files."""
    huge, fine = tmp_path / "huge.png", tmp_path / "fine.jpg"
    huge.write_bytes(HUGE)
    fine.write_bytes(SIDEWAYS)
    huge_sha, fine_sha = "a" * 64, "b" * 64
    with pytest.raises(Refused) as refused:
        pages.rotated(huge, "image/png", "90", huge_sha)
    assert (refused.value.status, refused.value.code) == (422, "page_too_large")
    assert not any(key[0] == huge_sha for key in pages.TURNED.held())
    with pytest.raises(Refused, match="cannot_rotate"):  # a PNG claimed as a PDF
        pages.rotated(huge, "application/pdf", "90", huge_sha)
    gif = tmp_path / "page.gif"  # not a format kiosks send: Pillow is not asked to read it
    Image.new("RGB", (20, 20)).save(gif, "GIF")
    with pytest.raises(Refused, match="cannot_rotate"):
        pages.rotated(gif, "image/png", "90", "c" * 64)
    r = pages.rotated(fine, "image/jpeg", "270", fine_sha)
    assert r.status_code == 200 and (fine_sha, "270") in pages.TURNED.held()
    assert pages._size(fine, "0") == (240, 320) and pages._size(fine, "90") == (320, 240)


def test_a_page_waiting_too_long_for_a_decode_slot_gets_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both decode slots taken (two big pages being turned): the next turn answers 503 with
    its own message instead of holding a handler thread the kiosks' API shares; once a slot is
    free again it turns."""
    fine = tmp_path / "fine.jpg"
    fine.write_bytes(SIDEWAYS)
    monkeypatch.setattr(pages, "DECODE_WAIT_S", 0.2)
    taken = [pages.DECODES.acquire(timeout=5) for _ in range(2)]
    try:
        assert all(taken)
        with pytest.raises(Refused) as busy:
            pages.rotated(fine, "image/jpeg", "180", "d" * 64)
        assert (busy.value.status, busy.value.code) == (503, "page_busy")
        assert ("d" * 64, "180") not in pages.TURNED.held()
    finally:
        for _ in taken:
            pages.DECODES.release()
    assert pages.rotated(fine, "image/jpeg", "180", "d" * 64).status_code == 200


def test_the_turned_cache_keeps_within_its_bytes() -> None:
    cache = pages.TurnedCache(1000)
    for i in range(5):
        cache.put((f"{i}" * 64, "90"), bytes(240))
    assert cache.size <= 1000 and len(cache.held()) == 4
    assert cache.get(("0" * 64, "90")) is None  # the least recently used went first
    assert cache.get(("1" * 64, "90")) is not None
    cache.put(("5" * 64, "90"), bytes(240))  # "1" was used just now: "2" goes
    assert cache.get(("2" * 64, "90")) is None and cache.get(("1" * 64, "90")) is not None
    cache.put(("big", "90"), bytes(251))  # over a quarter of the cap: not kept at all
    assert cache.get(("big", "90")) is None and cache.size <= 1000


def test_the_message_states_the_cap_it_enforces() -> None:
    from sync.server.console.i18n_application import APPLICATION_WORDS

    km, en = APPLICATION_WORDS["page_too_large"]
    assert PIXELS_MAX == 40_000_000 and "40 million" in en and "៤០ លាន" in km


def test_face_photos_open_as_pages_do() -> None:
    """One owner of "open an image safely": a face photo's pHash gets the same refusals (a
    portrait hashes as the JPEG kiosks send, not as a GIF, which no kiosk sends)."""
    portrait = sorted(
        (Path(__file__).parents[1] / "fixtures" / "faces" / "portraits").glob("*.jpg")
    )[0]
    gif = io.BytesIO()
    with Image.open(portrait) as im:
        im.convert("RGB").save(gif, "GIF")
    with pytest.raises(TooLarge):
        open_image(io.BytesIO(HUGE))
    with pytest.raises(Unreadable) as unreadable:
        open_image(io.BytesIO(gif.getvalue()))
    assert not isinstance(unreadable.value, TooLarge)
    assert photo_hash.phash(portrait.read_bytes()) is not None
    assert photo_hash.phash(HUGE) is None and photo_hash.phash(gif.getvalue()) is None
    with open_image(io.BytesIO(SIDEWAYS)) as im:  # a kiosk's JPEG: header read
        assert im.format == "JPEG" and im.size == (320, 240)

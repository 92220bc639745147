"""The application page beyond the commit, against a real `sala-server`: the capture check values
and overrides a kiosk sent, the clerk's counter record (originals checked, fee, photo override),
supplements with what they changed and their pages (opened through the media route), and a page
larger and turned on the server (Pillow). Another ministry's officer still gets 403, an unlisted
file 404. Screenshots in Khmer and English, and axe, in Debian's Chromium.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.console.conftest import CATALOG, Console, png
from tests.console.seed import audit
from tests.sync.clerk_wire import event_doc, put_event, put_version, supplement_doc
from tests.sync.conftest import Kiosk

PHOTO = png(160, 200, (200, 150, 120))  # taller than wide, a darker band a third down
PAGE = png(300, 400, (240, 240, 230))
NEW_PAGE = png(240, 120, (90, 140, 220))  # the supplement's page: wider than tall


def _att(kiosk: Kiosk, field_id: str, kind: str, data: bytes, **more: Any) -> dict[str, Any]:
    return {
        "field_id": field_id,
        "kind": kind,
        "page": 0,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "mime": "image/png",
        "upload": kiosk.upload(data),
        **more,
    }


def _fee() -> int:
    services = json.loads(CATALOG.read_text(encoding="utf-8"))["services"]
    return int(next(s for s in services if s["id"] == "birth_certificate_copy")["fee_khr"])


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("apo", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("road", role="officer", ministry="mpwt", jurisdiction="all")
    clerk, _code = console.server.add_staff(name_km="ចាន់ សុភា", name_en="Chan Sophea")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol()
    checks = {
        "sharpness": {"value": 142.25, "low": 80, "high": None, "passed": True},
        "glare": {"value": 0.31, "low": None, "high": 0.2, "passed": False},
        "override": {"reason": "glasses_glare", "staff_id": clerk},
    }
    doc = {
        "service_id": "birth_certificate_copy",
        "form_version": "1",
        "app_number": f"{kiosk.commune}-{uuid.uuid4().int % 10**12:012d}-3",
        "commune_code": kiosk.commune,
        "locale": "km",
        "submitted_at": "2026-12-01T03:00:00Z",
        "answers": {"for_whom": "self", "name_km": "សុខ ដារ៉ា", "name_latin": "SOK DARA"},
        "attachments": [
            _att(kiosk, "photo", "photo", PHOTO, checks=checks),
            _att(kiosk, "family_book", "document", PAGE, checks={"sharpness": 95.5}),
        ],
    }
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, doc).status_code == 201
    new_page = _att(kiosk, "family_book", "document", NEW_PAGE)
    r = put_version(
        kiosk,
        reg_id,
        2,
        supplement_doc(2, {"name_latin": "SOK DARANY"}, [new_page], staff_id=clerk),
    )
    assert r.status_code == 201, r.text
    originals = {
        "checks": [
            {
                "document_id": "family_book",
                "seen": True,
                "number": "FB-0042",
                "issued_on": "2015-03-02",
                "page_sha256": new_page["sha256"],
            }
        ],
        "unchecked_sent": False,
    }
    for kind, data in (
        ("originals_checked", originals),
        ("photo_override", {"field_id": "photo", "reason": "medical"}),
        (
            "fee_received",
            {"amount_riel": _fee(), "receipt_book_no": "B-17", "service_id": doc["service_id"]},
        ),
    ):
        r = put_event(kiosk, reg_id, event_doc(kind, data, staff_id=clerk))
        assert r.status_code == 201, r.text
    yield {"reg_id": reg_id, "doc": doc, "new_page": new_page["sha256"], "kiosk": kiosk}
    kiosk.close()


def test_page_shows_checks_overrides_counter_record_and_versions(
    console: Console, world: dict[str, Any]
) -> None:
    reg = world["reg_id"]
    apo = console.signed_in("apo")
    apo.cookies.set("sala_lang", "en", path="/console")
    html = apo.get(f"/console/applications/{reg}").text
    checks = html.split("Capture checks")[1].split("At the counter")[0]
    assert "sharp" in checks and "142.25" in checks and "80 – …" in checks
    glare = checks.split("no glare")[1].split("</tr>")[0]
    assert "0.31" in glare and "failed" in glare
    assert "Glasses that cannot come off reflect the light" in checks
    assert "recorded with the photo" in checks and "A medical condition" in checks
    assert "recorded at the counter" in checks and checks.count("Chan Sophea") == 2
    counter = html.split("At the counter")[1].split("Versions and supplements")[0]
    assert "Family book" in counter and "original seen" in counter and "FB-0042" in counter
    assert "2015-03-02" in counter and f"/pages/{world['new_page']}" in counter
    assert f"Fee received: {_fee():,} riel · receipt book no. B-17" in counter
    versions = html.split("Versions and supplements")[1]
    assert "Version 2" in versions and "Chbar Ampov hall (#1)" in versions
    assert "<del>SOK DARA</del>" in versions and "<ins>SOK DARANY</ins>" in versions
    assert f"/media/{world['new_page']}" in versions
    assert "now: SOK DARANY (version 2)" in html  # next to the commit's answer
    apo.cookies.set("sala_lang", "km", path="/console")
    km = apo.get(f"/console/applications/{reg}").text
    assert "ការ​ពិនិត្យ​ពេល​ថត" in km and "ចាន់ សុភា" in km and "កំណែ 2" in km


def test_a_plain_commit_says_what_is_missing(console: Console, world: dict[str, Any]) -> None:
    plain, _doc = console.submit(world["kiosk"], name_latin="HENG LY")
    apo = console.signed_in("apo")
    apo.cookies.set("sala_lang", "en", path="/console")
    html = apo.get(f"/console/applications/{plain}").text
    assert "The kiosk sent no check values." in html
    assert "No originals check recorded by the clerk yet." in html
    assert "No supplements: this is the original submission." in html
    assert "now:" not in html and "Photo checks overridden by staff" in html


def test_supplement_page_opens_and_turns(console: Console, world: dict[str, Any]) -> None:
    reg, sha = world["reg_id"], world["new_page"]
    apo = console.signed_in("apo")
    apo.cookies.set("sala_lang", "en", path="/console")
    r = apo.get(f"/console/applications/{reg}/media/{sha}")
    assert r.status_code == 200 and r.content == NEW_PAGE
    assert ("console:apo#" + console.ids["apo"], reg, "ok") in audit(console, "console_media")
    photo = hashlib.sha256(PHOTO).hexdigest()
    for turn, size in (("90", (200, 160)), ("180", (160, 200)), ("270", (200, 160))):
        r = apo.get(f"/console/applications/{reg}/media/{photo}", params={"rotate": turn})
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert "sandbox" in r.headers["content-security-policy"]
        with Image.open(io.BytesIO(r.content)) as im:
            assert im.size == size
            turned = im.convert("RGB")
        with Image.open(io.BytesIO(PHOTO)) as im:
            upright = im.convert("RGB")
        # the darker band, rows 67-99 of the upright photo, follows the turn
        if turn == "90":  # clockwise: row y becomes column (height - 1 - y)
            assert turned.getpixel((200 - 1 - 80, 10)) == upright.getpixel((10, 80))
        elif turn == "180":
            assert turned.getpixel((10, 200 - 1 - 80)) == upright.getpixel((160 - 1 - 10, 80))
        else:
            assert turned.getpixel((80, 160 - 1 - 10)) == upright.getpixel((10, 80))
    assert upright.getpixel((10, 80)) != upright.getpixel((10, 10))  # the band is there
    bad = apo.get(f"/console/applications/{reg}/media/{photo}", params={"rotate": "45"})
    assert bad.status_code == 422 and "Rotation must be 0, 90, 180 or 270" in bad.text
    view = apo.get(
        f"/console/applications/{reg}/pages/{sha}", params={"rotate": "90", "zoom": "200"}
    )
    assert view.status_code == 200
    assert f'src="/console/applications/{reg}/media/{sha}?rotate=90" width="240"' in view.text
    assert "?rotate=0&amp;zoom=200" in view.text and "?rotate=180&amp;zoom=200" in view.text
    assert "version 2" in view.text
    fit = apo.get(f"/console/applications/{reg}/pages/{sha}").text
    assert 'class="ap-fit"' in fit and "width=" not in fit.split('class="ap-fit"')[1][:200]
    odd = apo.get(f"/console/applications/{reg}/pages/{sha}", params={"zoom": "9000"})
    assert odd.status_code == 422 and "not one of the choices" in odd.text


def test_other_ministry_and_unlisted_files_are_refused(
    console: Console, world: dict[str, Any]
) -> None:
    reg, sha = world["reg_id"], world["new_page"]
    road = console.signed_in("road")
    for path in (
        f"/console/applications/{reg}",
        f"/console/applications/{reg}/media/{sha}",
        f"/console/applications/{reg}/media/{sha}?rotate=90",
        f"/console/applications/{reg}/pages/{sha}",
    ):
        assert road.get(path).status_code == 403, path
    apo = console.signed_in("apo")
    unlisted = hashlib.sha256(b"not a page of this application").hexdigest()
    for path in (f"media/{unlisted}", f"pages/{unlisted}", "pages/..%2F..%2Fserver.db"):
        assert apo.get(f"/console/applications/{reg}/{path}").status_code == 404, path


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["km", "en"])
def test_screenshots_and_axe(
    browser: Any, console: Console, world: dict[str, Any], shots: Path, lang: str
) -> None:
    from tests.console.test_console_axe import serious
    from tests.console.test_console_browser import new_page, shoot

    reg, sha = world["reg_id"], world["new_page"]
    page = new_page(browser, lang)
    console.open_signed_in(page, "apo", lang)
    page.goto(f"{console.url}/console/applications/{reg}")
    page.wait_for_load_state("networkidle")
    problems = serious(page, f"application-{lang}")
    page.locator("#ap-checks").scroll_into_view_if_needed()
    shoot(page, shots, f"application-more-checks-{lang}")
    page.locator("#ap-versions").scroll_into_view_if_needed()
    shoot(page, shots, f"application-more-versions-{lang}")
    page.click(f"figure a[href$='/pages/{sha}']")
    page.wait_for_url(f"**/pages/{sha}")
    page.click("nav.ap-tools a >> nth=4")  # rotate right
    page.wait_for_url("**rotate=90**")
    width = page.evaluate("document.querySelector('.ap-frame img').naturalWidth")
    assert width == 120  # 240×120 turned a quarter
    problems += serious(page, f"page-view-{lang}")
    shoot(page, shots, f"application-page-view-{lang}")
    assert not problems, "\n".join(problems)
    page.context.close()

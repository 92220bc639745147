"""The fleet page for admins: every kiosk with its commune, number, last contact, version,
backlog and self-test (from its signed device report), the silent ones, enrolment codes with
the setup QR (a real kiosk enrols with the code), and revoking a kiosk (its next signed
request is refused).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.protocol import setup_qr
from tests.console.conftest import Console
from tests.console.seed import audit, csrf_of, db, submit
from tests.sync.conftest import Kiosk

REPORT = {
    "v": 1,
    "at": "2026-12-06T01:00:00Z",
    "summary": {"ok": 1, "warn": 1, "fail": 0, "skipped": 0},
    "checks": [
        {"id": "version", "status": "ok", "values": {"version": "1.4.2"}},
        {"id": "backlog", "status": "warn", "values": {"pending": 31, "oldest_hours": 80.5}},
    ],
}


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("root", role="admin", ministry="*", jurisdiction="all")
    console.add_account("sup", role="supervisor", ministry="interior", jurisdiction="12")
    busy = Kiosk(console.server, label="Chbar Ampov hall").enrol(commune="120101")
    quiet = Kiosk(console.server, label="Kien Svay hall").enrol(commune="080101")
    r = busy.request("POST", "/v1/device-report", json_body=REPORT)
    assert r.status_code == 200, r.text
    submit(quiet)
    with db(console) as conn:  # the quiet kiosk's last contact was 5 days ago
        for table, column in (("nonces", "seen_at"), ("registrations", "received_at")):
            conn.execute(
                f"UPDATE {table} SET {column} = {column} - 5 * 86400 WHERE device_id = ?",
                (quiet.device_id,),
            )
    yield {"busy": busy, "quiet": quiet}
    busy.close()
    quiet.close()


def test_only_admins_see_the_fleet(console: Console, world: Any) -> None:
    sup = console.signed_in("sup")
    assert sup.get("/console/fleet").status_code == 403
    r = sup.post("/console/fleet/codes", data={"csrf": csrf_of(sup), "commune": "120101"})
    assert r.status_code == 403
    r = sup.post(f"/console/fleet/{world['busy'].device_id}/revoke", data={"csrf": csrf_of(sup)})
    assert r.status_code == 403


def test_every_kiosk_with_its_report_and_the_silent_ones(console: Console, world: Any) -> None:
    root = console.signed_in("root")
    root.cookies.set("sala_lang", "en", path="/console")
    page = root.get("/console/fleet").text
    table = page.split('<table class="list fleet">')[1]
    busy_row = table.split("Chbar Ampov hall")[1].split("</tr>")[0]
    assert "1.4.2" in busy_row and "31 · 80 h" in busy_row and "! 1" in busy_row
    quiet_row = table.split("Kien Svay hall")[1].split("</tr>")[0]
    assert "080101" in table.split("Kien Svay hall")[0].rsplit("<tr", 1)[1]
    assert "—" in quiet_row  # no report yet: no version, backlog or self-test
    silent = page.split('class="silent"')[1].split("</ul>")[0]
    assert "Kien Svay hall" in silent and "Chbar Ampov hall" not in silent
    longer = root.get("/console/fleet", params={"days": "7"}).text
    assert "No silent kiosks." in longer
    assert audit(console, "console_fleet")


def test_enrolment_code_with_qr_enrols_a_kiosk(console: Console, world: Any) -> None:
    root = console.signed_in("root")
    root.cookies.set("sala_lang", "en", path="/console")
    csrf = csrf_of(root)
    r = root.post("/console/fleet/codes", data={"csrf": csrf, "commune": "12010"})
    assert r.status_code == 422 and "6 digits" in r.text
    r = root.post(
        "/console/fleet/codes", data={"csrf": csrf, "commune": "120101", "ca_sha256": "zz"}
    )
    assert r.status_code == 422 and "64 hex digits" in r.text
    assert root.post("/console/fleet/codes", data={"commune": "120101"}).status_code == 403
    fingerprint = "ab" * 32
    r = root.post(
        "/console/fleet/codes",
        data={"csrf": csrf, "commune": "120102", "ttl_hours": "24", "ca_sha256": fingerprint},
    )
    assert r.status_code == 200
    assert "<svg" in r.text.split('class="qr"')[1][:200]
    text = htmllib.unescape(re.search(r'<p class="mono">([^<]+)</p>', r.text).group(1))  # type: ignore[union-attr]
    setup = setup_qr.parse_enrolment_qr(text)
    assert setup["server_url"] == console.url and setup["commune_code"] == "120102"
    assert setup["ca_sha256"] == fingerprint
    kiosk = Kiosk(console.server, label="New hall").enrol(code=setup["code"])
    assert kiosk.commune == "120102"
    kiosk.close()
    assert [s for _w, s, o in audit(console, "console_enrolment_code") if o == "ok"] == ["120102"]


def test_revoke_a_kiosk_from_the_page(console: Console, world: Any) -> None:
    quiet = world["quiet"]
    root = console.signed_in("root")
    root.cookies.set("sala_lang", "en", path="/console")
    r = root.post(f"/console/fleet/{quiet.device_id}/revoke", data={})
    assert r.status_code == 403  # no CSRF token: nothing changes
    assert quiet.request("GET", "/v1/changes?since=0&limit=10").status_code == 200
    confirm = root.get(f"/console/fleet/{quiet.device_id}/revoke")
    assert confirm.status_code == 200 and "Revoke this kiosk?" in confirm.text
    assert "Kien Svay hall" in confirm.text  # the GET changes nothing:
    assert quiet.request("GET", "/v1/changes?since=0&limit=10").status_code == 200
    r = root.post(f"/console/fleet/{quiet.device_id}/revoke", data={"csrf": csrf_of(root)})
    assert r.status_code == 303
    assert "its requests are refused" in root.get(r.headers["location"]).text
    assert quiet.request("GET", "/v1/changes?since=0&limit=10").status_code in (401, 403)
    r = root.post(f"/console/fleet/{quiet.device_id}/revoke", data={"csrf": csrf_of(root)})
    assert r.status_code == 404  # already revoked
    outcomes = [o for _w, s, o in audit(console, "console_revoke") if s == quiet.device_id]
    assert outcomes == ["ok", "refused:not_found"]


@pytest.mark.slow
def test_fleet_in_the_browser(browser: Any, console: Console, world: Any, shots: Path) -> None:
    from tests.console.test_console_browser import new_page, shoot, to_lang

    page = new_page(browser, "km")
    console.open_signed_in(page, "root")
    page.click("nav a[href='/console/fleet']")
    page.wait_for_url("**/console/fleet")
    for lang in ("km", "en"):
        if page.get_attribute("html", "lang") != lang:
            page.click("a.lang")
            page.wait_for_url("**/console/fleet")
        page.fill("#commune", "120103")
        page.click("form.codes button[type=submit]")
        assert page.locator(".qr svg").count() == 1
        for w, h in ((1366, 768), (1920, 1080), (1080, 1920)):
            page.set_viewport_size({"width": w, "height": h})
            assert page.evaluate("document.documentElement.scrollWidth") <= w
            shoot(page, shots, f"fleet-{lang}-{w}x{h}")
        page.goto(f"{console.url}/console/fleet")
    page.click(f"a[href='/console/fleet/{world['busy'].device_id}/revoke']")
    page.wait_for_url("**/revoke")  # a confirmation page first, then a plain form post
    shoot(page, shots, "fleet-revoke-confirm-en")
    to_lang(page, "km")
    shoot(page, shots, "fleet-revoke-confirm-km")
    page.click(f"form[action='/console/fleet/{world['busy'].device_id}/revoke'] button")
    page.wait_for_url("**done=revoked")
    assert page.locator(".alert.ok").count() == 1
    shoot(page, shots, "fleet-revoked-km")
    to_lang(page, "en")
    assert page.locator(".alert.ok").count() == 1
    shoot(page, shots, "fleet-revoked-en")
    page.context.close()

"""Catalogs in the back office, against a real `sala-server`: an admin uploads a catalog JSON
and sees every problem the kiosk's own validator finds (path, Khmer and English), with nothing
kept and the feed unchanged; a valid upload becomes a draft previewed in both languages;
publishing it (after typing its version) puts it in the feed a kiosk pulls, byte for byte.

The kiosk side here speaks only the protocol (`tests.sync.conftest.Kiosk`): this file runs in
the server-only job. It judges what it pulled with `sync.protocol.catalog.validate`, the code
a kiosk's CatalogManager runs; tests/sync/test_client_catalog_console.py installs it in a
real kiosk store.
"""

from __future__ import annotations

import copy
import html as htmllib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.protocol.catalog.validate import check_catalog, parse_catalog
from tests.console.conftest import CATALOG, XSS, Console
from tests.console.seed import audit, csrf_of, db
from tests.sync.conftest import Kiosk

BUNDLED: dict[str, Any] = json.loads(CATALOG.read_text("utf-8"))


def new_version(version: str) -> dict[str, Any]:
    """The bundled catalog as a new version, with a new service of the Ministry of Commerce
    kind: a choice, a follow-up asked only for one option, and a paper."""
    doc = copy.deepcopy(BUNDLED)
    doc["version"] = version
    doc["services"].append(
        {
            "id": "market_stall_permit",
            "version": "1",
            "name": {"km": "លិខិត​អនុញ្ញាត​តូប​ផ្សារ", "en": "Market stall permit"},
            "description": {"km": "សម្រាប់​អ្នក​លក់​ក្នុង​ផ្សារ", "en": "For market sellers"},
            "fee_khr": 15000,
            "processing_days": 5,
            "papers": [{"km": "អត្តសញ្ញាណប័ណ្ណ", "en": "ID card"}],
            "fields": [
                {
                    "id": "stall_kind",
                    "type": "choice",
                    "label": {"km": "ប្រភេទ​តូប", "en": "Kind of stall"},
                    "options": [
                        {"value": "food", "label": {"km": "ម្ហូប", "en": "Food"}},
                        {"value": "cloth", "label": {"km": "សំលៀកបំពាក់", "en": "Clothes"}},
                    ],
                },
                {
                    "id": "food_licence",
                    "type": "text_latin",
                    "label": {"km": "លេខ​អាជ្ញាប័ណ្ណ​ម្ហូប", "en": "Food licence number"},
                    "pattern": "[A-Z]{2}[0-9]{4}",
                    "show_if": {"field": "stall_kind", "equals": "food"},
                },
            ],
        }
    )
    return doc


def malformed() -> dict[str, Any]:
    """Four problems in four places; each must be reported, not only the first."""
    doc = copy.deepcopy(BUNDLED)
    doc["version"] = "2099.9.broken"
    doc["services"][0]["fields"][1]["type"] = 5
    doc["services"][1]["fee_khr"] = "free"
    doc["services"][2]["fields"][4]["pattern"] = "(a+)+$"
    doc["services"][3]["name"] = {"en": "Residence"}
    return doc


EXPECTED = {
    "services[0].fields[1].type": "must be a string",
    "services[1].fee_khr": "must be a whole number",
    "services[2].fields[4].pattern": "is not a safe regular expression",
    "services[3].name": "needs both km and en",
}


def upload(client: httpx.Client, raw: bytes, name: str = "catalog.json") -> httpx.Response:
    files = {"file": (name, raw, "application/json")}
    return client.post("/console/catalogs/upload", data={"csrf": csrf_of(client)}, files=files)


def catalog_rows(console: Console) -> list[tuple[str, str]]:
    with db(console) as conn:
        return list(conn.execute("SELECT kind, version FROM documents ORDER BY version"))


def feed(kiosk: Kiosk) -> list[dict[str, Any]]:
    r = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
    assert r.status_code == 200, r.text
    return [c for c in r.json()["changes"] if c["kind"] == "catalog"]


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("cat_admin", role="admin", ministry="*", jurisdiction="all")
    console.add_account("cat_chief", role="supervisor", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Catalog hall").enrol()
    yield {"kiosk": kiosk}
    kiosk.close()


def admin(console: Console, lang: str = "en") -> httpx.Client:
    client = console.signed_in("cat_admin")
    client.cookies.set("sala_lang", lang, path="/console")
    return client


def test_only_admins_manage_catalogs(console: Console, world: Any) -> None:
    chief = console.signed_in("cat_chief")
    assert chief.get("/console/catalogs").status_code == 403
    raw = json.dumps(new_version("2099.0.chief")).encode()
    assert upload(chief, raw).status_code == 403
    assert "/console/catalogs" not in chief.get("/console/queue").text
    assert all(v != "2099.0.chief" for _k, v in catalog_rows(console))


def test_malformed_upload_shows_every_error_and_changes_nothing(
    console: Console, world: Any
) -> None:
    kiosk = world["kiosk"]
    before_docs, before_feed = catalog_rows(console), feed(kiosk)
    client = admin(console)
    raw = json.dumps(malformed(), ensure_ascii=False).encode()
    r = upload(client, raw, "broken.json")
    assert r.status_code == 422
    table = htmllib.unescape(r.text.split('<table class="list errors">')[1].split("</table>")[0])
    rows = table.split("<tr>")[2:]
    assert len(rows) == len(EXPECTED), table
    for (path, english), row in zip(EXPECTED.items(), rows, strict=True):
        assert path in row and english in row, row
    # the same words the shared validator gives, Khmer included
    found = check_catalog(raw, "broken.json")
    assert [e.field for e in found.errors] == list(EXPECTED)
    for error in found.errors:
        assert error.text.km and error.text.km != error.text.en
        assert htmllib.escape(error.text.km, quote=False) in r.text
    assert "Nothing was kept or published" in r.text

    for bad, code in (
        (b"{not json", "is not valid JSON"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (json.dumps({**new_version("2099.1.x"), "format": 2}).encode(), "this program reads"),
    ):
        r = upload(client, bad)
        assert r.status_code == 422 and code in htmllib.unescape(r.text), r.text[-2000:]
    too_big = b'{"pad": "' + b"x" * 2_100_000 + b'"}'
    r = upload(client, too_big)
    assert r.status_code == 413 and "too large" in r.text
    files = {"file": ("c.json", json.dumps(new_version("2099.1.y")).encode(), "text/plain")}
    r = client.post("/console/catalogs/upload", files=files)  # no CSRF token
    assert r.status_code == 403

    assert catalog_rows(console) == before_docs
    assert feed(kiosk) == before_feed
    with db(console) as conn:
        assert conn.execute("SELECT count(*) FROM catalog_drafts").fetchone() == (0,)
    outcomes = [o for _w, _s, o in audit(console, "console_catalog_upload")]
    assert outcomes and all(o.startswith("refused:") for o in outcomes)


def test_valid_upload_previews_then_publishes_to_the_feed(console: Console, world: Any) -> None:
    kiosk = world["kiosk"]
    client = admin(console)
    doc = new_version("2099.2.market")
    doc["services"][-1]["description"]["en"] = XSS  # a hostile catalog is text, never markup
    raw = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    r = upload(client, raw, "market.json")
    assert r.status_code == 303, r.text[-1500:]
    draft_url = r.headers["location"]
    assert draft_url.startswith("/console/catalogs/drafts/")
    assert all(v != "2099.2.market" for _k, v in catalog_rows(console))

    for lang in ("km", "en"):
        client.cookies.set("sala_lang", lang, path="/console")
        served = client.get(draft_url).text
        assert XSS not in served and "&lt;script&gt;" in served
        page = htmllib.unescape(served)
        market = page.split('id="s-market_stall_permit"')[1].split("</section>")[0]
        for words in (
            "លិខិត​អនុញ្ញាត​តូប​ផ្សារ",
            "Market stall permit",
            "ប្រភេទ​តូប",
            "Kind of stall",
            "សំលៀកបំពាក់",
            "Clothes",
            "អត្តសញ្ញាណប័ណ្ណ",
            "«ប្រភេទ​តូប» = «ម្ហូប»",
            "“Kind of stall” = “Food”",
            "[A-Z]{2}[0-9]{4}",
            "15,000",
        ):
            assert words in market, (lang, words)
        owner = "Not set" if lang == "en" else "មិន​ទាន់​កំណត់"
        assert owner in market
        passport = page.split('id="s-passport_ordinary"')[1].split("</section>")[0]
        assert ("Ministry of Interior" if lang == "en" else "ក្រសួង​មហាផ្ទៃ") in passport
    client.cookies.set("sala_lang", "en", path="/console")

    draft_id = draft_url.rsplit("/", 1)[1]
    publish = f"/console/catalogs/drafts/{draft_id}/publish"
    r = client.post(publish, data={"csrf": csrf_of(client), "confirm": "2099.2"})
    assert r.status_code == 422 and "Type the version 2099.2.market exactly" in r.text
    assert client.post(publish, data={"confirm": "2099.2.market"}).status_code == 403
    assert all(c["version"] != "2099.2.market" for c in feed(kiosk))

    assert 'name="ministry_market_stall_permit"' in client.get(draft_url).text
    assert 'name="ministry_passport_ordinary"' not in client.get(draft_url).text  # has one
    r = client.post(
        publish,
        data={
            "csrf": csrf_of(client),
            "confirm": "2099.2.market",
            "ministry_market_stall_permit": "commerce",
            "ministry_passport_ordinary": "commerce",  # owned already: never changed here
            "ministry_no_such_service": "commerce",
        },
    )
    assert r.status_code == 303
    assert "Catalog 2099.2.market is published" in client.get(r.headers["location"]).text
    entry = feed(kiosk)[-1]
    assert entry["version"] == "2099.2.market"
    pulled = kiosk.request("GET", entry["url"])
    assert pulled.status_code == 200 and pulled.content == raw
    kiosk_view = parse_catalog(pulled.content, "pulled")  # what a kiosk's install runs
    assert "market_stall_permit" in kiosk_view.services
    assert [o for _w, s, o in audit(console, "console_catalog_publish")] == ["ok"]
    with db(console) as conn:
        owners = dict(conn.execute("SELECT service_id, ministry FROM service_ministry"))
    assert owners["market_stall_permit"] == "commerce"
    assert owners["passport_ordinary"] == "interior" and "no_such_service" not in owners
    assert client.post(publish, data={"csrf": csrf_of(client), "confirm": "x"}).status_code == 404

    listing = client.get("/console/catalogs").text
    assert "2099.2.market" in listing.split('class="list versions"')[1].split("</table>")[0]
    r = upload(client, raw, "again.json")
    assert r.status_code == 422 and "already published" in r.text
    version = client.get("/console/catalogs/versions/2099.2.market")
    assert version.status_code == 200 and "Market stall permit" in version.text
    market = version.text.split('id="s-market_stall_permit"')[1].split("</dl>")[0]
    assert "Ministry of Commerce" in market


def test_discarded_draft_never_reaches_the_feed(console: Console, world: Any) -> None:
    client = admin(console)
    r = upload(client, json.dumps(new_version("2099.3.dropped")).encode())
    assert r.status_code == 303
    draft_id = r.headers["location"].rsplit("/", 1)[1]
    r = client.post(f"/console/catalogs/drafts/{draft_id}/discard", data={"csrf": csrf_of(client)})
    assert r.status_code == 303
    assert client.get(f"/console/catalogs/drafts/{draft_id}").status_code == 404
    assert all(c["version"] != "2099.3.dropped" for c in feed(world["kiosk"]))


@pytest.mark.slow
def test_catalogs_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path, tmp_path: Path
) -> None:
    """Sign in with TOTP, upload a broken file (errors shown), a valid one (preview in km and
    en), publish it; screenshots at 1366x768 in both languages."""
    from tests.console.test_console_axe import serious
    from tests.console.test_console_browser import new_page, shoot, sign_in, to_lang

    broken, good = tmp_path / "broken.json", tmp_path / "good.json"
    broken.write_text(json.dumps(malformed(), ensure_ascii=False), "utf-8")
    good.write_text(json.dumps(new_version("2099.4.browser"), ensure_ascii=False), "utf-8")
    problems: list[str] = []  # axe: pages only a post reaches, so test_console_axe cannot
    page = new_page(browser, "km")
    sign_in(page, console, "cat_admin")
    page.click("nav a[href='/console/catalogs']")
    page.wait_for_url("**/console/catalogs")
    for lang in ("km", "en"):
        if page.get_attribute("html", "lang") != lang:
            page.click("a.lang")
            page.wait_for_url("**/console/catalogs")
        page.set_input_files("#file", str(broken))
        page.click("form.upload button[type=submit]")
        page.wait_for_selector("table.errors")
        assert page.locator("table.errors tbody tr").count() == len(EXPECTED)
        problems += serious(page, f"catalog errors ({lang})")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        shoot(page, shots, f"catalogs-errors-{lang}-1366x768")
        page.goto(f"{console.url}/console/catalogs")
    page.set_input_files("#file", str(good))
    page.click("form.upload button[type=submit]")
    page.wait_for_url("**/console/catalogs/drafts/*")
    for lang in ("en", "km"):
        if page.get_attribute("html", "lang") != lang:
            page.click("a.lang")
            page.wait_for_url("**/console/catalogs/drafts/*")
        assert page.locator("#s-market_stall_permit table.fields tbody tr").count() == 2
        problems += serious(page, f"catalog draft preview ({lang})")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        shoot(page, shots, f"catalog-preview-{lang}-1366x768")
        page.locator("#s-market_stall_permit").scroll_into_view_if_needed()
        shoot(page, shots, f"catalog-preview-service-{lang}-1366x768")
    for lang in ("en", "km"):  # the form filled in each language (a reload empties it)
        to_lang(page, lang)
        if page.locator("#ministry_market_stall_permit").count():  # unless a test set it
            page.select_option("#ministry_market_stall_permit", "commerce")
        page.fill("#confirm", "2099.4.browser")
        shoot(page, shots, f"catalog-publish-form-{lang}-1366x768")
    page.click("form[action$='/publish'] button[type=submit]")
    page.wait_for_url("**/console/catalogs?done=published*")
    for lang in ("km", "en"):
        to_lang(page, lang)
        assert page.locator(".alert.ok").count() == 1
        shoot(page, shots, f"catalogs-published-{lang}-1366x768")
    page.context.close()
    assert feed(world["kiosk"])[-1]["version"] == "2099.4.browser"
    assert not problems, "\n".join(problems)


def test_version_published_meanwhile_is_refused_and_the_draft_kept(
    console: Console, world: Any, tmp_path: Path
) -> None:
    """Another admin (here the CLI, through the same `catalog.publish`) got there first."""
    client = admin(console)
    doc = new_version("2099.6.race")
    r = upload(client, json.dumps(doc).encode())
    assert r.status_code == 303
    draft_url = r.headers["location"]
    path = tmp_path / "race.json"
    path.write_text(json.dumps({**doc, "services": doc["services"][:1]}), "utf-8")
    assert "published" in console.server.cli("publish", "catalog", str(path)).stdout
    r = client.post(
        f"{draft_url}/publish", data={"csrf": csrf_of(client), "confirm": "2099.6.race"}
    )
    assert r.status_code == 409 and "already published" in r.text
    assert client.get(draft_url).status_code == 200  # kept: nothing half done
    versions = [c["version"] for c in feed(world["kiosk"])]
    assert versions.count("2099.6.race") == 1
    refused = [o for _w, s, o in audit(console, "console_catalog_publish") if s == "2099.6.race"]
    assert refused == ["refused:version_exists"]

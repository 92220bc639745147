"""An admin's jurisdiction beyond officer accounts, over plain HTTP against a real `sala-server`:
the fleet (list, enrolment codes, revoking), commune staff, USB bundles and their returns are a
province admin's only within their provinces; the national catalog is uploaded, published and
discarded only by an all-ministries admin (others read it, with the reason); and only an
all-ministries admin makes another admin.

Each refusal: 403, the officer's-language message, audited, and nothing changes (checked in the
database, the feed and the audit).
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.server.console.i18n import t
from tests.console.conftest import PASSWORD, Console
from tests.console.seed import audit, csrf_of, db
from tests.console.test_console_catalogs import new_version
from tests.sync.conftest import Kiosk, registration_doc
from tests.sync.test_server_usb_import import make_bundle

FAR = "170101"  # a commune of province 17, outside the province-12 admin's jurisdiction


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("sc_root", role="admin", ministry="*", jurisdiction="all")
    console.add_account("sc_adm12", role="admin", ministry="interior", jurisdiction="12")
    near = Kiosk(console.server, label="Near hall").enrol(commune="120101")
    far = Kiosk(console.server, label="Far hall").enrol(commune=FAR)
    yield {"near": near, "far": far}
    near.close()
    far.close()


def as_(console: Console, name: str, lang: str) -> httpx.Client:
    c = console.signed_in(name)
    c.cookies.set("sala_lang", lang, path="/console")
    return c


def text(r: httpx.Response) -> str:
    return html.unescape(r.text)


def outcomes(console: Console, action: str, subject: str) -> list[str]:
    return [o for _w, s, o in audit(console, action) if s == subject]


def one(console: Console, sql: str, *args: Any) -> Any:
    with db(console) as conn:
        return conn.execute(sql, args).fetchone()


def test_the_fleet_is_the_admins_own_provinces(console: Console, world: Any) -> None:
    near, far = world["near"], world["far"]
    admin = as_(console, "sc_adm12", "km")
    page = admin.get("/console/fleet")
    assert page.status_code == 200
    assert near.device_id in page.text and far.device_id not in page.text
    csrf = csrf_of(admin)
    codes = one(console, "SELECT count(*) FROM enrolment_codes")[0]
    r = admin.post("/console/fleet/codes", data={"csrf": csrf, "commune": FAR, "ttl_hours": "1"})
    assert r.status_code == 403 and t("st_outside", "km") in text(r)
    assert "code-made" not in r.text
    assert one(console, "SELECT count(*) FROM enrolment_codes")[0] == codes
    assert outcomes(console, "console_enrolment_code", FAR) == ["refused:outside_jurisdiction"]
    assert admin.get(f"/console/fleet/{far.device_id}/revoke").status_code == 403
    r = admin.post(f"/console/fleet/{far.device_id}/revoke", data={"csrf": csrf})
    assert r.status_code == 403 and t("st_outside", "km") in text(r)
    assert one(console, "SELECT revoked_at FROM devices WHERE id = ?", far.device_id)[0] is None
    refused = outcomes(console, "console_revoke", far.device_id)
    assert refused == ["refused:outside_jurisdiction"] * 2
    assert far.request("GET", "/v1/changes?since=0&limit=1").status_code == 200  # still enrolled
    # within the jurisdiction it works; the nationwide admin sees every kiosk
    r = admin.post(
        "/console/fleet/codes", data={"csrf": csrf, "commune": "120102", "ttl_hours": "1"}
    )
    assert r.status_code == 200 and "code-made" in r.text
    assert far.device_id in as_(console, "sc_root", "en").get("/console/fleet").text


def test_staff_and_usb_bundles_are_the_admins_own_provinces(console: Console, world: Any) -> None:
    admin = as_(console, "sc_adm12", "en")
    csrf = csrf_of(admin)
    add = {"csrf": csrf, "commune": FAR, "role": "clerk", "name_km": "សុខ", "name_en": "SOK"}
    before = one(console, "SELECT count(*) FROM staff")[0]
    r = admin.post("/console/staff", data=add)
    assert r.status_code == 403 and t("st_outside", "en") in text(r)
    assert admin.get("/console/staff", params={"commune": FAR}).status_code == 403
    assert one(console, "SELECT count(*) FROM staff")[0] == before
    # a member of the far commune (added by the nationwide admin) is not this admin's
    root = as_(console, "sc_root", "en")
    r = root.post("/console/staff", data={**add, "csrf": csrf_of(root), "name_en": "FAR ONE"})
    assert r.status_code == 200, r.text[-800:]
    member = one(console, "SELECT id, status, version FROM staff WHERE name_en = 'FAR ONE'")
    for action in ("disable", "reset"):
        r = admin.post(f"/console/staff/{member[0]}/{action}", data={"csrf": csrf})
        assert r.status_code == 403 and t("st_outside", "en") in text(r), action
    assert one(console, "SELECT id, status, version FROM staff WHERE id = ?", member[0]) == member
    assert outcomes(console, "console_staff", member[0]) == ["refused:outside_jurisdiction"] * 2
    # a far kiosk's USB bundle is neither imported nor its return downloaded
    far, rid = world["far"], str(uuid.uuid4())
    blob = make_bundle(
        far, [(rid, registration_doc(far, service=("birth_certificate_copy", "1")))], []
    )
    files = {"bundle": ("k.salabundle", blob, "application/octet-stream")}
    r = admin.post("/console/usb", data={"csrf": csrf}, files=files)
    assert r.status_code == 403 and t("st_outside", "en") in text(r)
    assert one(console, "SELECT count(*) FROM registrations WHERE id = ?", rid)[0] == 0
    folder = console.server.data_dir / "usb-returns" / FAR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sala-return-far-1.salareturn").write_bytes(b"a return of the far commune")
    r = admin.get(f"/console/usb/returns/{FAR}/sala-return-far-1.salareturn")
    assert r.status_code == 403 and b"far commune" not in r.content
    assert outcomes(console, "console_usb_return", "sala-return-far-1.salareturn") == [
        "refused:outside_jurisdiction"
    ]
    assert root.get(f"/console/usb/returns/{FAR}/sala-return-far-1.salareturn").status_code == 200


def test_only_an_all_ministries_admin_changes_the_catalog(console: Console, world: Any) -> None:
    admin = as_(console, "sc_adm12", "km")
    page = admin.get("/console/catalogs")
    assert page.status_code == 200 and t("catalog_all_only", "km") in text(page)
    assert 'action="/console/catalogs/upload"' not in page.text  # read-only
    raw = json.dumps(new_version("2099.1-scope")).encode()
    files = {"file": ("catalog.json", raw, "application/json")}
    r = admin.post("/console/catalogs/upload", data={"csrf": csrf_of(admin)}, files=files)
    assert r.status_code == 403 and t("catalog_all_only_refused", "km") in text(r)
    assert one(console, "SELECT count(*) FROM catalog_drafts")[0] == 0
    assert outcomes(console, "console_catalog_upload", "catalog.json") == [
        "refused:catalog_all_only"
    ]
    root = as_(console, "sc_root", "en")
    r = root.post("/console/catalogs/upload", data={"csrf": csrf_of(root)}, files=files)
    assert r.status_code == 303, r.text[-800:]
    draft = r.headers["location"].rsplit("/", 1)[1]
    preview = admin.get(f"/console/catalogs/drafts/{draft}")  # readable, not publishable
    assert preview.status_code == 200 and t("catalog_all_only", "km") in text(preview)
    assert "/publish" not in preview.text and "/discard" not in preview.text
    published = one(console, "SELECT count(*) FROM documents WHERE kind = 'catalog'")[0]
    csrf = csrf_of(admin)
    for action in ("publish", "discard"):
        data = {"csrf": csrf, "confirm": "2099.1-scope"}
        r = admin.post(f"/console/catalogs/drafts/{draft}/{action}", data=data)
        assert r.status_code == 403 and t("catalog_all_only_refused", "km") in text(r), action
        assert outcomes(console, f"console_catalog_{action}", draft) == ["refused:catalog_all_only"]
    assert one(console, "SELECT count(*) FROM documents WHERE kind = 'catalog'")[0] == published
    assert one(console, "SELECT count(*) FROM catalog_drafts")[0] == 1  # kept
    assert 'action="/console/catalogs/upload"' in root.get("/console/catalogs").text


def test_only_an_all_ministries_admin_makes_an_admin(console: Console, world: Any) -> None:
    admin = as_(console, "sc_adm12", "km")
    page = admin.get("/console/officers")
    assert not re.search(r'<option value="admin"', page.text)  # not offered
    new = {"username": "sc_newadm", "display_name": "New Admin", "password": PASSWORD}
    new.update(role="admin", ministry="interior", jurisdiction="12")
    r = admin.post("/console/officers", data={"csrf": csrf_of(admin), **new})
    assert r.status_code == 403 and t("oa_admin_needs_all", "km") in text(r)
    assert one(console, "SELECT id FROM console_officers WHERE username = 'sc_newadm'") is None
    assert outcomes(console, "console_officer_add", "sc_newadm") == ["refused:oa_admin_needs_all"]
    root = as_(console, "sc_root", "en")
    r = root.post("/console/officers", data={"csrf": csrf_of(root), **new})
    assert r.status_code == 200 and "sc_newadm" in r.text
    made = one(console, "SELECT role, ministry FROM console_officers WHERE username = 'sc_newadm'")
    assert tuple(made) == ("admin", "interior")

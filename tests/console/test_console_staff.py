"""Commune staff in the back office, against a real `sala-server` process: a supervisor adds a
clerk and the commune's kiosk finds the `staff` feed entry (with a verifier of the code shown
once), disables with a confirmation page, enables, resets; bad input and other communes are
refused in the officer's language, audited, and change nothing.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from tests.console.conftest import Console, sign_in_http
from tests.console.seed import audit, csrf_of, db
from tests.sync.conftest import Kiosk

CODE = re.compile(r'<p class="big-code"[^>]*>(\d{3}) (\d{3})</p>')


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("st_sup", role="supervisor", ministry="interior", jurisdiction="12")
    console.add_account("st_root", role="admin", ministry="*", jurisdiction="all")
    console.add_account("st_officer", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("st_health", role="supervisor", ministry="health", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol(commune="120101")
    yield {"kiosk": kiosk}
    kiosk.close()


_clients: dict[tuple[str, str], httpx.Client] = {}


def client(console: Console, username: str, lang: str = "en") -> httpx.Client:
    """One signed-in client per account and language for the module (each sign-in spends a
    TOTP step, and the server refuses a replayed one)."""
    key = (console.url, username)
    if key not in _clients:
        _clients[key] = sign_in_http(console, username)
    c = _clients[key]
    c.cookies.set("sala_lang", lang, path="/console")
    return c


def staff_entries(kiosk: Kiosk) -> list[dict[str, Any]]:
    r = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
    assert r.status_code == 200, r.text
    return [c for c in r.json()["changes"] if c["kind"] == "staff"]


def add(c: httpx.Client, **fields: str) -> httpx.Response:
    data = {"csrf": csrf_of(c), "commune": "120101", "role": "clerk", **fields}
    return c.post("/console/staff", data=data)


def code_of(page: str) -> str:
    found = CODE.search(page)
    assert found, page[-1500:]
    return found.group(1) + found.group(2)


def roster_size(console: Console) -> int:
    with db(console) as conn:
        return int(conn.execute("SELECT count(*) FROM staff").fetchone()[0])


def test_a_supervisor_adds_a_clerk_and_the_kiosk_gets_it_by_feed(
    console: Console, world: Any
) -> None:
    sup = client(console, "st_sup")
    r = add(sup, name_km="ចាន់ សុភា", name_en="CHAN SOPHEA")
    assert r.status_code == 200, r.text[-800:]
    code = code_of(r.text)
    assert "shown only once" in r.text and "CHAN SOPHEA" in r.text
    (entry,) = [
        e for e in staff_entries(world["kiosk"]) if e["staff"]["name"]["en"] == "CHAN SOPHEA"
    ]
    member = entry["staff"]
    assert entry["commune_code"] == "120101"
    assert member["name"] == {"km": "ចាន់ សុភា", "en": "CHAN SOPHEA"}
    assert member["role"] == "clerk" and member["status"] == "active" and member["version"] == 1
    assert PasswordHasher().verify(member["first_code_verifier"], code)
    assert code not in sup.get("/console/staff", params={"commune": "120101"}).text
    page = sup.get("/console/staff", params={"commune": "120101"}).text
    assert "CHAN SOPHEA" in page and "Waiting for first sign-in" in page
    added = [(w.split("#")[0], o) for w, s, o in audit(console, "staff_add") if s == member["id"]]
    assert added == [("console:st_sup", "ok")]


def test_bad_input_is_refused_in_the_officers_language_and_nothing_is_saved(
    console: Console, world: Any
) -> None:
    sup = client(console, "st_sup")
    before = roster_size(console)
    r = add(sup, name_km="", name_en="KEEP THIS")
    assert r.status_code == 422 and "Please fill in “Name in Khmer”" in r.text
    assert 'value="KEEP THIS"' in r.text  # what was typed is not lost
    r = add(sup, name_km="សុខ", name_en="SOK", commune="12345")
    assert r.status_code == 422 and "6 digits" in r.text
    r = add(sup, name_km="សុខ", name_en="SOK", commune="990101")
    assert r.status_code == 422 and "There is no commune 990101" in r.text
    r = add(sup, name_km="សុខ", name_en="SOK", role="technician")
    assert r.status_code == 422 and "Choose a role" in r.text
    r = add(sup, name_km="ស" * 81, name_en="SOK")
    assert r.status_code == 422 and "at most 80 characters" in r.text
    km = client(console, "st_sup", lang="km")
    r = add(km, name_km="សុខ", name_en="")
    assert r.status_code == 422 and "សូម​បំពេញ «ឈ្មោះ​ជា​អក្សរ​ឡាតាំង»" in r.text
    sup = client(console, "st_sup")  # the same session, back in English
    r = sup.post("/console/staff", data={"commune": "120101", "name_km": "ស", "name_en": "S"})
    assert r.status_code == 403 and "This form has expired" in r.text  # no CSRF token
    assert roster_size(console) == before


def test_other_communes_and_roles_get_a_403_page(console: Console, world: Any) -> None:
    sup = client(console, "st_sup")
    before = roster_size(console)
    r = add(sup, name_km="សុខ", name_en="SOK", commune="080101")
    assert r.status_code == 403 and "outside your jurisdiction" in r.text
    assert "<h1>" in r.text
    r = sup.get("/console/staff", params={"commune": "080101"})
    assert r.status_code == 403
    officer = client(console, "st_officer")
    assert officer.get("/console/staff").status_code == 403
    # Commune staff and USB bundles are the commune ministry's (Interior): another ministry's
    # supervisor in the same province manages neither, and is not offered the links.
    health = client(console, "st_health")
    assert health.get("/console/staff").status_code == 403
    assert add(health, name_km="សុខ", name_en="SOK", commune="120101").status_code == 403
    assert health.get("/console/usb").status_code == 403
    assert "/console/staff" not in health.get("/console/queue").text
    root = client(console, "st_root")  # admins act everywhere
    r = add(root, name_km="ស៊ុន", name_en="SUN", commune="080101", role="supervisor")
    assert r.status_code == 200
    outside = root.get("/console/staff", params={"commune": "080101"}).text
    member_id = re.search(r"/console/staff/([0-9a-f-]{36})/disable", outside).group(1)  # type: ignore[union-attr]
    assert sup.get(f"/console/staff/{member_id}/disable").status_code == 403
    r = sup.post(f"/console/staff/{member_id}/reset", data={"csrf": csrf_of(sup)})
    assert r.status_code == 403
    assert roster_size(console) == before + 1
    refused = [s for _w, s, o in audit(console, "console_staff") if o.startswith("refused:")]
    assert {"080101", member_id} <= set(refused)


def test_disable_after_confirmation_twice_enable_and_reset(console: Console, world: Any) -> None:
    sup = client(console, "st_sup")
    code_of(add(sup, name_km="ម៉ៅ ស្រីនាង", name_en="MAO SREYNEANG").text)
    page = sup.get("/console/staff", params={"commune": "120101"}).text
    row = page.split("MAO SREYNEANG")[1].split("</tr>")[0]
    member_id = re.search(r"/console/staff/([0-9a-f-]{36})/disable", row).group(1)  # type: ignore[union-attr]
    confirm = sup.get(f"/console/staff/{member_id}/disable")
    assert confirm.status_code == 200
    assert "Disable MAO SREYNEANG's account?" in htmllib.unescape(confirm.text)
    csrf = csrf_of(sup)
    r = sup.post(f"/console/staff/{member_id}/disable", data={"csrf": csrf})
    assert r.status_code == 303
    assert "The account is disabled" in sup.get(r.headers["location"]).text
    mine = [e["staff"] for e in staff_entries(world["kiosk"]) if e["staff"]["id"] == member_id]
    assert [m["status"] for m in mine] == ["active", "disabled"]
    assert mine[-1]["first_code_verifier"] is None  # the unused code stops working
    r = sup.post(f"/console/staff/{member_id}/disable", data={"csrf": csrf})
    assert r.status_code == 409 and "already disabled. Nothing was changed." in r.text
    r = sup.post(f"/console/staff/{member_id}/reset", data={"csrf": csrf})
    assert r.status_code == 409 and "Enable it first" in r.text
    r = sup.post(f"/console/staff/{member_id}/enable", data={"csrf": csrf})
    assert r.status_code == 303
    r = sup.post(f"/console/staff/{member_id}/reset", data={"csrf": csrf})
    assert r.status_code == 200 and "New sign-in code" in r.text
    code = code_of(r.text)
    last = [e["staff"] for e in staff_entries(world["kiosk"]) if e["staff"]["id"] == member_id][-1]
    assert last["version"] == 4 and last["status"] == "active" and last["pin_verifier"] is None
    assert PasswordHasher().verify(last["first_code_verifier"], code)
    who = {(w.split("#")[0], o) for w, s, o in audit(console, "staff_disable") if s == member_id}
    assert who == {("console:st_sup", "ok")}
    assert [s for _w, s, _o in audit(console, "staff_reset")] == [member_id]


def test_the_add_form_sent_twice_adds_one_person(console: Console, world: Any) -> None:
    """The browser's "resend" on the code page (or a double click) posts the same form again:
    nobody is added twice and the code is not shown again."""
    sup = client(console, "st_sup")
    page = sup.get("/console/staff", params={"commune": "120101"}).text
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    before = roster_size(console)
    first = add(sup, name_km="ហេង ដារ៉ា", name_en="HENG DARA", once=once)
    assert first.status_code == 200
    code_of(first.text)
    again = add(sup, name_km="ហេង ដារ៉ា", name_en="HENG DARA", once=once)
    assert again.status_code == 409 and not CODE.search(again.text)
    assert "This form was already sent: HENG DARA is on the roster" in again.text
    assert roster_size(console) == before + 1
    fresh = re.search(r'name="once" value="([^"]+)"', again.text).group(1)  # type: ignore[union-attr]
    assert fresh != once  # each form shown may add one person


def test_a_technicians_account_is_an_admins_only(console: Console, world: Any) -> None:
    """A supervisor who could reset the field kit's technician could sign in as them."""
    out = console.server.cli(
        "staff", "add", "--commune", "120101", "--name-km", "ទេព", "--name-en", "TEP",
        "--role", "technician",
    )  # fmt: skip
    tech_id = out.stdout.split("\t")[0]
    sup, root = client(console, "st_sup"), client(console, "st_root")
    row = sup.get("/console/staff", params={"commune": "120101"}).text.split(">TEP<")[1]
    assert f"/console/staff/{tech_id}/" not in row.split("</tr>")[0]  # no buttons offered
    assert sup.get(f"/console/staff/{tech_id}/disable").status_code == 403
    for action in ("reset", "disable", "enable"):
        r = sup.post(f"/console/staff/{tech_id}/{action}", data={"csrf": csrf_of(sup)})
        assert r.status_code == 403 and "For administrators only." in r.text
    assert [s for _w, s, _o in audit(console, "staff_reset")].count(tech_id) == 0
    refused = [o for _w, s, o in audit(console, "console_staff") if s == tech_id]
    assert refused and set(refused) == {"refused:admin_only"}
    r = root.post(f"/console/staff/{tech_id}/reset", data={"csrf": csrf_of(root)})
    assert r.status_code == 200 and "New sign-in code" in r.text


def test_with_a_gazetteer_communes_have_names_and_unknown_ones_are_refused(
    console: Console, world: Any, tmp_path: Any
) -> None:
    """Last in this module: once a gazetteer is published, only its communes are accepted."""
    gazetteer = {
        "version": "2026.12-test",
        "communes": [
            {"code": "120101", "name": {"km": "ច្បារអំពៅទី១", "en": "Chbar Ampov Muoy"}},
            {"code": "120102", "name": {"km": "ច្បារអំពៅទី២", "en": "Chbar Ampov Pir"}},
        ],
    }
    path = tmp_path / "gazetteer.json"
    path.write_text(json.dumps(gazetteer, ensure_ascii=False), encoding="utf-8")
    console.server.cli("publish", "gazetteer", str(path))
    sup = client(console, "st_sup")
    page = sup.get("/console/staff", params={"commune": "120101"}).text
    assert "120101 · Chbar Ampov Muoy" in page
    assert '<option value="120102">120102 · Chbar Ampov Pir</option>' in page
    r = add(sup, name_km="សុខ", name_en="SOK", commune="120199")
    assert r.status_code == 422 and "There is no commune 120199" in r.text
    r = add(client(console, "st_sup", lang="km"), name_km="សុខ", name_en="SOK", commune="120102")
    assert r.status_code == 200 and "ច្បារអំពៅទី២" in r.text

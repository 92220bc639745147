"""Queue filters (dates, flag, service, commune), search by name and phone within the officer's
ministry and jurisdiction (audited), bulk assignment as plain form posts, and note templates
for decisions in Khmer and English, against a real `sala-server`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Console, sign_in_http
from tests.console.seed import audit, csrf_of, kiosk_at, last_week, listed, submit
from tests.sync.conftest import Kiosk

# last week's Monday 09:00, Wednesday 10:00 (the hall's hours) and Saturday 13:00 in Cambodia:
# past and within the server's 90-day clamp whenever the tests run
DAY = {n: last_week(n) for n in range(7)}
MON, WED, SAT = kiosk_at(DAY[0], "09:00"), kiosk_at(DAY[2], "10:00"), kiosk_at(DAY[5], "13:00")


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry, where in (
        ("ann", "officer", "interior", "12"),
        ("bob", "officer", "interior", "12"),
        ("sam", "supervisor", "interior", "12"),
        ("tom", "officer", "mpwt", "all"),
    ):
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where)
    here = Kiosk(console.server, label="Chbar Ampov").enrol(commune="120101")
    there = Kiosk(console.server, label="Battambang").enrol(commune="020101")
    apps = {
        "sok": submit(here, name="SOK DARA", phone="+855 12 345 678", at=MON),
        "chan": submit(here, name="CHAN THY", phone="012345678", at=WED),
        "keo": submit(here, name="KEO MEAS", phone="097 111 2222", at=SAT),
        "far": submit(there, name="SOK DARA", phone="012 999 888", at=MON),
        "road": submit(here, name="SOK DARA", at=MON, service="driving_licence_renewal"),
    }
    yield {
        "apps": {k: v[0] for k, v in apps.items()},
        "numbers": {k: v[1] for k, v in apps.items()},
    }
    here.close()
    there.close()


def test_search_by_name_and_phone_is_scoped_and_audited(console: Console, world: Any) -> None:
    apps = world["apps"]
    ann = sign_in_http(console, "ann")
    # a name, any case: only Interior's applications in province 12
    assert listed(ann.get("/console/queue", params={"q": "sok"}).text) == {apps["sok"]}
    # a phone as written on the form or with +855: both applications with that number
    found = listed(ann.get("/console/queue", params={"q": "012 345 678"}).text)
    assert found == {apps["sok"], apps["chan"]}
    assert listed(ann.get("/console/queue", params={"q": "+85512345678"}).text) == found
    # the application number still works, and nothing matches a stranger's name
    number = world["numbers"]["keo"]
    assert listed(ann.get("/console/queue", params={"q": number}).text) == {apps["keo"]}
    assert listed(ann.get("/console/queue", params={"q": "nobody here"}).text) == set()
    # Public Works sees its own SOK DARA only; a LIKE wildcard is not a wildcard
    tom = sign_in_http(console, "tom")
    assert listed(tom.get("/console/queue", params={"q": "sok"}).text) == {apps["road"]}
    assert listed(tom.get("/console/queue", params={"q": "%"}).text) == set()
    searched = {(who.split("#")[0], q) for who, q, _ in audit(console, "console_search")}
    assert ("console:ann", "012 345 678") in searched, searched
    assert {q for _w, q in searched} >= {"sok", "+85512345678", number, "%"}


def test_filters_by_dates_flag_service_and_commune(console: Console, world: Any) -> None:
    apps = world["apps"]
    sam = sign_in_http(console, "sam")

    def new(**params: str) -> set[str]:
        r = sam.get("/console/queue", params={"queue": "new", **params})
        assert r.status_code == 200
        return listed(r.text)

    everything = {apps["sok"], apps["chan"], apps["keo"]}
    assert new() == everything
    tue, wed, thu, mon = (DAY[n].isoformat() for n in (1, 2, 3, 0))
    assert new(date_from=tue, date_to=wed) == {apps["chan"]}
    assert new(date_from=thu) == {apps["keo"]}
    assert new(date_to=mon) == {apps["sok"]}
    assert new(date_from="2026-13-40") == everything  # not a date: dropped, not an error
    assert new(flag="same_phone") == {apps["sok"], apps["chan"]}
    assert new(flag="outside_hours") == {apps["keo"]}  # a Saturday
    assert new(flag="no_such_flag") == everything
    assert new(service="birth_certificate_copy", commune="120101") == everything
    assert new(commune="120102") == set()
    assert new(service="passport_ordinary") == set()
    # the counts follow the filters
    html = sam.get("/console/queue", params={"flag": "outside_hours"}).text
    assert 'class="count">1<' in html


def test_bulk_assign_to_me_and_by_a_supervisor(console: Console, world: Any) -> None:
    apps = world["apps"]
    ann, bob, sam = (sign_in_http(console, n) for n in ("ann", "bob", "sam"))
    # an empty selection is refused with a message, and nothing changes
    r = ann.post("/console/queue/bulk", data={"csrf": csrf_of(ann), "action": "assign_me"})
    assert r.status_code == 303 and "bulk=empty" in r.headers["location"]
    ann.cookies.set("sala_lang", "en", path="/console")
    assert "Select at least one application" in ann.get(r.headers["location"]).text
    # without the CSRF token: refused
    r = ann.post("/console/queue/bulk", data={"action": "assign_me", "ids": apps["sok"]})
    assert r.status_code == 403
    # ann takes two; the filters she came from are kept
    r = ann.post(
        "/console/queue/bulk",
        data={
            "csrf": csrf_of(ann),
            "action": "assign_me",
            "ids": [apps["sok"], apps["chan"]],
            "back": "queue=new&flag=same_phone",
        },
    )
    assert r.status_code == 303
    assert "flag=same_phone" in r.headers["location"] and "n=2" in r.headers["location"]
    assert "Assigned 2. Not assigned 0" in ann.get(r.headers["location"]).text
    mine = listed(ann.get("/console/queue", params={"queue": "mine"}).text)
    assert mine == {apps["sok"], apps["chan"]}
    # bob cannot take what ann holds, nor another ministry's: counted as not assigned
    r = bob.post(
        "/console/queue/bulk",
        data={"csrf": csrf_of(bob), "action": "assign_me", "ids": [apps["sok"], apps["road"]]},
    )
    assert "n=0" in r.headers["location"] and "skipped=2" in r.headers["location"]
    # an officer cannot hand work to another; a supervisor can
    data = {"action": "assign_to", "to": console.ids["bob"], "ids": [apps["chan"]]}
    r = ann.post("/console/queue/bulk", data={"csrf": csrf_of(ann), **data})
    assert "skipped=1" in r.headers["location"]
    r = sam.post("/console/queue/bulk", data={"csrf": csrf_of(sam), **data})
    assert "n=1" in r.headers["location"]
    assert listed(bob.get("/console/queue", params={"queue": "mine"}).text) == {apps["chan"]}
    assigned = [(w.split("#")[0], s) for w, s, o in audit(console, "console_assign") if o == "ok"]
    assert ("console:sam", apps["chan"]) in assigned


def feed_note(kiosk_console: Console, reg_id: str) -> list[str]:
    kiosk = Kiosk(kiosk_console.server).enrol(commune="120101")
    try:
        changes = kiosk.request("GET", "/v1/changes?since=0&limit=1000").json()["changes"]
    finally:
        kiosk.close()
    return [c["note"] for c in changes if c.get("registration_id") == reg_id]


def test_note_templates_in_both_languages(console: Console, world: Any) -> None:
    apps = world["apps"]
    bob = sign_in_http(console, "bob")
    reg = apps["chan"]  # assigned to bob above
    csrf = csrf_of(bob)

    def act(**data: str) -> Any:
        return bob.post(f"/console/applications/{reg}/act", data={"csrf": csrf, **data})

    html = bob.get(f"/console/applications/{reg}").text
    assert 'value="family_book"' not in html  # only while in review
    assert act(action="start_review").status_code == 303
    html = bob.get(f"/console/applications/{reg}").text
    assert 'value="family_book"' in html and 'value="authorisation"' in html  # service's own
    assert act(action="request_papers", template="no_such").status_code == 422
    r = act(action="request_papers", template="family_book", note_en="Also the old copy.")
    assert r.status_code == 303
    assert act(action="start_review").status_code == 303
    r = act(action="reject", template="duplicate")  # a template is a reason
    assert r.status_code == 303
    notes = feed_note(console, reg)
    assert notes[2] == (
        "សូម\u200bយក\u200bសៀវភៅ\u200bគ្រួសារ\u200bដើម\u200bមក\u200bសាលា\u200bឃុំ។ / "
        "Please bring the original family book to the commune hall. Also the old copy."
    )
    assert notes[-1].endswith("The same application is already being processed.")


@pytest.mark.slow
def test_filters_and_bulk_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    from tests.console.test_console_browser import new_page, shoot, sign_in, to_lang

    apps = world["apps"]
    page = new_page(browser, "en")
    sign_in(page, console, "sam", lang="en")
    page.select_option("select[name=flag]", "outside_hours")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**flag=outside_hours**")
    assert page.locator("table.list tbody tr").count() == 1
    assert "Outside hours" in page.inner_text("table.list")
    page.check(f"#pick-{apps['keo']}")
    page.click("button[value=assign_me]")
    page.wait_for_url("**bulk=done**")
    assert "Assigned 1." in page.inner_text(".alert")
    assert page.url.count("flag=outside_hours") == 1
    shoot(page, shots, "queue-bulk-en")
    to_lang(page, "km")
    shoot(page, shots, "queue-bulk-km")
    to_lang(page, "en")
    page.fill("#q", "chan thy")
    page.click("form.search button")
    page.wait_for_url("**q=chan**")  # swapped in place by htmx: no page load to wait for
    assert page.locator("table.list tbody tr").count() == 1
    shoot(page, shots, "queue-search-en")
    to_lang(page, "km")
    assert page.locator("table.list tbody tr").count() == 1
    shoot(page, shots, "queue-search-km")
    page.context.close()

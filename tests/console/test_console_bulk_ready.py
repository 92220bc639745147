""" "Ready for pick-up" as a bulk action on a queue page, against a real `sala-server`: the
place and date checked as the single action checks them (refusals in km and en, nothing
changed), the empty-selection guard, only the officer's own approved applications moved, and
each reaching the commune's kiosk through the feed; axe and km/en screenshots of the bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.conftest import Console, sign_in_http
from tests.console.seed import audit, csrf_of, submit
from tests.console.test_console_bulk_review import statuses
from tests.sync.conftest import Kiosk


def act(client: httpx.Client, reg_id: str, action: str) -> None:
    r = client.post(
        f"/console/applications/{reg_id}/act", data={"csrf": csrf_of(client), "action": action}
    )
    assert r.status_code == 303, r.text[-600:]


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("rd_ann", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("rd_bob", role="officer", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Tuol Sangke hall").enrol(commune="120101")
    apps = {k: submit(kiosk, name=f"NAME {k.upper()}")[0] for k in ("a", "b", "c", "bobs")}
    ann, bob = sign_in_http(console, "rd_ann"), sign_in_http(console, "rd_bob")
    for reg_id, who in ((apps["a"], ann), (apps["b"], ann), (apps["bobs"], bob)):
        act(who, reg_id, "start_review")
        act(who, reg_id, "approve")
    act(ann, apps["c"], "start_review")  # in review only: not approved yet
    yield {"kiosk": kiosk, "apps": apps, "ann": ann}
    kiosk.close()


def bulk(client: httpx.Client, **data: Any) -> str:
    r = client.post(
        "/console/queue/bulk",
        data={"csrf": csrf_of(client), "action": "ready", "back": "queue=approved", **data},
    )
    assert r.status_code == 303, r.text[-600:]
    location = r.headers["location"]
    assert location.startswith("/console/queue?queue=approved")
    return location


def test_bulk_ready_for_pick_up(console: Console, world: Any) -> None:
    apps, kiosk, ann = world["apps"], world["kiosk"], world["ann"]
    ids = [apps["a"], apps["b"], apps["c"], apps["bobs"]]
    ann.cookies.set("sala_lang", "en", path="/console")
    queue = ann.get("/console/queue", params={"queue": "approved"}).text
    assert 'value="ready"' in queue and 'id="bulk-place"' in queue and 'id="bulk-date"' in queue
    where = bulk(ann, place="Tuol Sangke hall", date="2026-12-20")  # nothing ticked
    assert "bulk=empty" in where
    for lang, text in (
        ("en", "Give the pick-up place and date (YYYY-MM-DD)"),
        ("km", "សូម\u200bបញ្ជាក់\u200bទីកន្លែង"),
    ):
        ann.cookies.set("sala_lang", lang, path="/console")
        for bad in ({"place": "", "date": "2026-12-20"}, {"place": "Hall", "date": "20/12/26"}):
            where = bulk(ann, ids=ids, **bad)
            assert "bulk=ready_place_date" in where
            assert text in ann.get(where).text
    assert statuses(kiosk, apps["a"])[-1] == "approved"  # nothing changed
    ann.cookies.set("sala_lang", "en", path="/console")
    where = bulk(ann, ids=ids, place="  Tuol Sangke  hall ", date="2026-12-20")
    assert "n=2" in where and "skipped=2" in where  # c: in review; bob's: held by bob
    assert "Ready for pick-up: 2. Not changed: 2" in ann.get(where).text
    for reg_id in (apps["a"], apps["b"]):
        r = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
        last = [c for c in r.json()["changes"] if c.get("registration_id") == reg_id][-1]
        assert (last["status"], last["note"]) == (
            "ready_for_pickup",
            "Tuol Sangke hall · 2026-12-20",
        )
    assert statuses(kiosk, apps["c"])[-1] == "in_review"
    assert statuses(kiosk, apps["bobs"])[-1] == "approved"
    ready = {s for _w, s, o in audit(console, "console_ready") if o.startswith("refused")}
    assert ready == {apps["c"], apps["bobs"]}  # each refusal audited, as one at a time


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["km", "en"])
def test_bulk_ready_bar_passes_axe(
    browser: Any, console: Console, world: Any, shots: Path, lang: str
) -> None:
    from tests.console.test_console_axe import serious
    from tests.console.test_console_browser import new_page, shoot, sign_in

    page = new_page(browser, lang)
    sign_in(page, console, "rd_bob", lang)
    page.goto(f"{console.url}/console/queue?queue=approved")
    page.check(f"#pick-{world['apps']['bobs']}")
    page.click("button[name=action][value=ready]")  # no place, no date: refused, in lang
    page.wait_for_url("**bulk=ready_place_date**")
    assert page.locator(".alert.error").count() == 1
    problems = serious(page, f"queue-bulk-ready-{lang}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shoot(page, shots, f"queue-bulk-ready-{lang}")
    page.context.close()
    assert not problems, "\n".join(problems)

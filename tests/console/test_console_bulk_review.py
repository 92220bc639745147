""" "Start review" as a bulk action on a queue page, against a real `sala-server`: the same
checks and audit as one application at a time, the empty-selection guard, and the status
reaching the commune's kiosk through the feed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.console.conftest import Console, sign_in_http
from tests.console.seed import SERVICE_OF, audit, csrf_of, listed, submit
from tests.sync.conftest import Kiosk


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("br_ann", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("br_bob", role="officer", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol(commune="120101")
    apps = {
        "one": submit(kiosk, name="SOK DARA")[0],
        "two": submit(kiosk, name="CHAN NITA")[0],
        "road": submit(kiosk, name="KEO VUTHY", service=SERVICE_OF["mpwt"])[0],
    }
    yield {"kiosk": kiosk, "apps": apps}
    kiosk.close()


def statuses(kiosk: Kiosk, reg_id: str) -> list[str]:
    r = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
    assert r.status_code == 200, r.text
    return [c["status"] for c in r.json()["changes"] if c.get("registration_id") == reg_id]


def test_bulk_start_review(console: Console, world: Any) -> None:
    apps, kiosk = world["apps"], world["kiosk"]
    ann, bob = sign_in_http(console, "br_ann"), sign_in_http(console, "br_bob")
    for c in (ann, bob):
        c.cookies.set("sala_lang", "en", path="/console")
    queue = ann.get("/console/queue", params={"queue": "new"}).text
    assert 'value="start_review"' in queue
    r = ann.post("/console/queue/bulk", data={"csrf": csrf_of(ann), "action": "start_review"})
    assert r.status_code == 303 and "bulk=empty" in r.headers["location"]
    assert "Select at least one application" in ann.get(r.headers["location"]).text
    assert statuses(kiosk, apps["one"]) == ["received"]
    ids = [apps["one"], apps["two"], apps["road"]]  # road: another ministry's, skipped
    data = {"csrf": csrf_of(ann), "action": "start_review", "ids": ids, "back": "queue=new"}
    r = ann.post("/console/queue/bulk", data=data)
    assert r.status_code == 303
    assert "n=2" in r.headers["location"] and "skipped=1" in r.headers["location"]
    assert "Review started on 2. Not started 1" in ann.get(r.headers["location"]).text
    assert listed(ann.get("/console/queue", params={"queue": "mine"}).text) == {
        apps["one"],
        apps["two"],
    }
    assert statuses(kiosk, apps["one"]) == ["received", "in_review"]
    r = bob.post(
        "/console/queue/bulk",
        data={"csrf": csrf_of(bob), "action": "start_review", "ids": [apps["one"]]},
    )
    assert "n=0" in r.headers["location"] and "skipped=1" in r.headers["location"]
    assert statuses(kiosk, apps["one"]) == ["received", "in_review"]  # ann holds it
    done = {s: w.split("#")[0] for w, s, o in audit(console, "status") if o == "ok"}
    assert {done[apps["one"]], done[apps["two"]]} == {"console:br_ann"}
    refused = [s for _w, s, o in audit(console, "console_start_review") if o.startswith("refused")]
    assert apps["road"] in refused and apps["one"] in refused  # bob's try, audited too

"""Issue 13, partner API: another ministry or a bank checks a citizen's receipt and reads a
ministry's decisions, with a scoped key, against a real server process; another ministry's or
another province's applications stay invisible, and every use is audited."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.sync.conftest import Kiosk, ServerProcess, registration_doc

ID_CARD = ("national_id_card", "1")  # interior (db.SERVICE_MINISTRIES)
BUSINESS = ("business_registration", "1")  # commerce
CHECK_KEYS = {"result", "app_number", "service_id", "status", "status_at", "final"}


def make_key(server: ServerProcess, *args: str) -> tuple[str, str]:
    """(key, id) from `partner add`: the key alone on stdout, its id on stderr."""
    out = server.cli("partner", "add", "--name", "Test Bank", *args)
    key_id = out.stderr.split("partner key id ", 1)[1].split(":", 1)[0]
    return out.stdout.strip(), key_id


def check(
    server: ServerProcess, key: str, app_number: str, code: str, **headers: str
) -> httpx.Response:
    return httpx.post(
        f"{server.url}/partner/v1/receipts/check",
        json={"app_number": app_number, "verification_code": code},
        headers={"Authorization": f"Bearer {key}", **headers},
    )


def decisions(server: ServerProcess, key: str, after: str = "0", limit: int = 100) -> Any:
    return httpx.get(
        f"{server.url}/partner/v1/decisions",
        params={"after": after, "limit": limit},
        headers={"Authorization": f"Bearer {key}"},
    )


def audit(server: ServerProcess) -> list[tuple[str | None, str, str, str, str]]:
    with sqlite3.connect(server.data_dir / "server.db") as db:
        rows = db.execute(
            "SELECT key_id, action, subject, outcome, detail FROM partner_audit ORDER BY id"
        ).fetchall()
    db.close()
    return rows


@pytest.fixture(scope="module")
def world(server: ServerProcess) -> Iterator[dict[str, Any]]:
    """Applications of two ministries in two provinces, each sent with its receipt's code."""
    here = Kiosk(server).enrol(commune="120101")
    there = Kiosk(server).enrol(commune="170301")
    apps: dict[str, dict[str, Any]] = {}
    for name, kiosk, service, code in (
        ("id_card", here, ID_CARD, "A3C4D6"),
        ("business", here, BUSINESS, "X7Y9TE"),
        ("far_id_card", there, ID_CARD, "MN34PQ"),
        ("no_code", here, ID_CARD, None),
    ):
        reg_id = str(uuid.uuid4())
        extra = {"verification_code": code} if code else {}
        doc = registration_doc(kiosk, service=service, **extra)
        assert kiosk.commit(reg_id, doc).status_code == 201
        apps[name] = {"id": reg_id, "number": doc["app_number"], "code": code}
    yield {"apps": apps, "officer": server.officer_token()}
    here.close()
    there.close()


def set_status(server: ServerProcess, token: str, reg_id: str, status: str, note: str) -> None:
    r = httpx.post(
        f"{server.url}/v1/registrations/{reg_id}/status",
        json={"status": status, "note": note},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text


def test_a_receipt_is_genuine_with_its_status_and_nothing_personal(
    server: ServerProcess, world: dict[str, Any]
) -> None:
    key, key_id = make_key(server, "--ministry", "interior", "--jurisdiction", "12")
    app = world["apps"]["id_card"]
    r = check(server, key, app["number"], app["code"].lower(), **{"X-Road-Client": "CAMDX/GOV/B1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == CHECK_KEYS
    assert body["result"] == "genuine" and body["status"] == "received" and not body["final"]
    assert body["service_id"] == ID_CARD[0] and body["app_number"] == app["number"]
    assert "ដារ៉ា" not in r.text and "12345678" not in r.text  # no answers, no phone
    assert r.headers["Cache-Control"] == "no-store"

    wrong = check(server, key, app["number"], "TTTTTT")
    assert wrong.status_code == 200 and wrong.json() == {
        "result": "not_genuine",
        "app_number": app["number"],
    }
    no_code = world["apps"]["no_code"]
    assert check(server, key, no_code["number"], "A3C4D6").json()["result"] == "unverifiable"

    rows = audit(server)
    ok = [r for r in rows if r[0] == key_id and r[2] == app["number"]]
    assert [r[3] for r in ok] == ["ok:genuine", "ok:not_genuine"]
    assert ok[0][1] == "check" and "X-Road-Client=CAMDX/GOV/B1" in ok[0][4]


def test_another_ministrys_or_provinces_application_is_invisible(
    server: ServerProcess, world: dict[str, Any]
) -> None:
    key, key_id = make_key(server, "--ministry", "interior", "--jurisdiction", "12")
    unknown = check(server, key, "120101-01-99999-7", "A3C4D6").json()
    for name in ("business", "far_id_card"):
        app = world["apps"][name]
        r = check(server, key, app["number"], app["code"])
        assert r.status_code == 200
        # exactly what an unknown number gets: nothing says the application exists
        assert r.json() == {**unknown, "app_number": app["number"]}
        assert r.json()["result"] == "not_genuine"
    # the owning ministry's key, national, sees both of its own
    commerce, _ = make_key(server, "--ministry", "commerce")
    business = world["apps"]["business"]
    assert check(server, commerce, business["number"], business["code"]).json()["result"] == (
        "genuine"
    )
    # a key limited to other services of the same ministry sees nothing of the ID card
    passports, _ = make_key(server, "--ministry", "interior", "--services", "passport_ordinary")
    id_card = world["apps"]["id_card"]
    assert check(server, passports, id_card["number"], id_card["code"]).json()["result"] == (
        "not_genuine"
    )
    outcomes = {(r[2], r[3]) for r in audit(server) if r[0] == key_id}
    assert (world["apps"]["business"]["number"], "ok:not_genuine") in outcomes


def test_decisions_feed_is_scoped_paged_and_has_no_notes(
    server: ServerProcess, world: dict[str, Any]
) -> None:
    apps, token = world["apps"], world["officer"]
    set_status(server, token, apps["id_card"]["id"], "in_review", "")
    set_status(server, token, apps["id_card"]["id"], "approved", "Sok Dara, 012 345 678")
    set_status(server, token, apps["business"]["id"], "in_review", "")
    set_status(server, token, apps["far_id_card"]["id"], "in_review", "")
    key, key_id = make_key(server, "--ministry", "interior", "--jurisdiction", "12")

    r = decisions(server, key)
    assert r.status_code == 200, r.text
    got = r.json()
    assert not got["more"]
    seen = [(d["app_number"], d["status"]) for d in got["decisions"]]
    number = apps["id_card"]["number"]
    assert seen == [(number, "in_review"), (number, "approved")]  # no `received`, no others
    assert set(got["decisions"][0]) == {
        "seq",
        "app_number",
        "service_id",
        "commune_code",
        "status",
        "at",
    }
    assert "Sok Dara" not in r.text and "012" not in r.text  # officers' notes stay inside

    first = decisions(server, key, limit=1).json()
    assert first["more"] and [d["status"] for d in first["decisions"]] == ["in_review"]
    rest = decisions(server, key, after=first["next"], limit=1).json()
    assert [d["status"] for d in rest["decisions"]] == ["approved"]
    tail = decisions(server, key, after=rest["next"]).json()
    assert tail["decisions"] == []
    assert decisions(server, key, after=tail["next"]).json()["decisions"] == []

    # the receipt check now says approved, and not yet final
    approved = check(server, key, number, apps["id_card"]["code"]).json()
    assert approved["status"] == "approved" and not approved["final"]

    gone = decisions(server, key, after="999999999")
    assert gone.status_code == 410 and gone.json()["error"] == "cursor_expired"
    assert "floor" in gone.json()
    outcomes = [r[3] for r in audit(server) if r[0] == key_id and r[1] == "decisions"]
    assert outcomes[:2] == ["ok:2", "ok:1"] and outcomes[-1] == "refused:cursor_expired"


def test_a_key_uses_only_its_rights(server: ServerProcess, world: dict[str, Any]) -> None:
    key, key_id = make_key(server, "--ministry", "all", "--rights", "check")
    r = decisions(server, key)
    assert r.status_code == 403 and r.json()["error"] == "forbidden_right"
    app = world["apps"]["id_card"]
    assert check(server, key, app["number"], app["code"]).json()["result"] == "genuine"
    assert (key_id, "decisions", "after 0", "refused:forbidden_right") in [
        r[:4] for r in audit(server)
    ]


def test_the_partner_api_has_its_own_openapi_document(server: ServerProcess) -> None:
    spec = httpx.get(f"{server.url}/partner/v1/openapi.json").json()
    ops = {(m, path): op for path, item in spec["paths"].items() for m, op in item.items()}
    assert set(ops) == {("post", "/partner/v1/receipts/check"), ("get", "/partner/v1/decisions")}
    assert spec["components"]["securitySchemes"]["partnerKey"]["scheme"] == "bearer"
    for op in ops.values():
        assert op["security"] == [{"partnerKey": []}]
        assert "Retry-After" in op["responses"]["429"]["headers"]
        assert "key_revoked" in op["responses"]["401"]["description"]
        names = {x["name"].lower() for x in op.get("parameters", [])}
        assert "authorization" not in names
    assert (
        "cursor_expired" in ops[("get", "/partner/v1/decisions")]["responses"]["410"]["description"]
    )
    main = httpx.get(f"{server.url}/openapi.json").json()
    assert not [path for path in main["paths"] if path.startswith("/partner/")]

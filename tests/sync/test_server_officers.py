"""Issue 10 item 4: officer tokens have a role, a jurisdiction and an expiry, can be revoked,
and every use is audited. One unscoped token had moved another commune's application and
published catalogs every kiosk installs."""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from pathlib import Path

import httpx

from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_numbers import make_v1_database


def _token(server: ServerProcess, *args: str) -> tuple[str, str]:
    """(token, id) from `officer-token`: the token alone on stdout, its id on stderr."""
    out = server.cli("officer-token", "--name", "officer", *args)
    token_id = out.stderr.split("token id ", 1)[1].split(":", 1)[0]
    return out.stdout.strip(), token_id


def _made(server: ServerProcess, role: str, jurisdiction: str) -> tuple[str, str]:
    """(token, id) as `officer-token` makes them, by the function it calls, here: set-up for
    what the server does with a token (a CLI call is ~2 s of CPU; `_token` tests the command)."""
    from sync.server.officers import make_token

    with server.engine() as engine:
        token_id, token = make_token(engine, "officer", role, jurisdiction, 90.0)
    return token, token_id


def _post(server: ServerProcess, path: str, token: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _status(
    server: ServerProcess, reg_id: str, token: str, status: str = "in_review"
) -> httpx.Response:
    return _post(server, f"/v1/registrations/{reg_id}/status", token, {"status": status})


def _audit(server: ServerProcess) -> list[tuple[str | None, str, str, str]]:
    with sqlite3.connect(server.data_dir / "server.db") as db:
        rows = db.execute(
            "SELECT token_id, action, subject, outcome FROM officer_audit ORDER BY id"
        ).fetchall()
    db.close()
    return rows


def test_a_token_acts_only_in_its_jurisdiction_and_role(server: ServerProcess) -> None:
    here, there = Kiosk(server).enrol(commune="120101"), Kiosk(server).enrol(commune="170301")
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    assert here.commit(mine, registration_doc(here)).status_code == 201
    assert there.commit(theirs, registration_doc(there)).status_code == 201
    province, province_id = _made(server, "decide", "12")

    refused = _status(server, theirs, province)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "outside_jurisdiction"
    feed = there.request("GET", "/v1/changes?limit=1000").json()["changes"]
    assert [c["status"] for c in feed if c.get("registration_id") == theirs] == ["received"]
    assert _status(server, mine, province).status_code == 200

    catalog = valid_catalog(f"v-{uuid.uuid4().hex[:8]}", [("officer_test_service", "1")])
    no_publish = _post(server, "/v1/catalog", province, catalog)
    assert no_publish.status_code == 403 and no_publish.json()["error"] == "forbidden_role"
    publisher, _ = _made(server, "publish", "all")
    no_decide = _status(server, mine, publisher, "approved")
    assert no_decide.status_code == 403 and no_decide.json()["error"] == "forbidden_role"
    assert _post(server, "/v1/catalog", publisher, catalog).status_code == 201

    audit = _audit(server)
    assert (province_id, "status", theirs, "refused:outside_jurisdiction") in audit
    assert (province_id, "status", mine, "ok") in audit
    assert (province_id, "publish_catalog", "catalog", "refused:forbidden_role") in audit
    assert any(r[1:] == ("publish_catalog", catalog["version"], "ok") for r in audit)


def test_a_catalog_a_kiosk_would_refuse_is_refused_with_every_problem(
    server: ServerProcess,
) -> None:
    """`POST /v1/catalog` runs the kiosk's validator: 422 listing each problem in km and en;
    nothing reaches the feed or the published versions."""
    kiosk = Kiosk(server).enrol()
    start = kiosk.request("GET", "/v1/changes").json()["next"]
    publisher, publisher_id = _made(server, "publish", "all")
    bad = valid_catalog(f"v-{uuid.uuid4().hex[:8]}", [("a_service", "1"), ("b_service", "1")])
    bad["services"][0]["fields"][0]["type"] = 7
    bad["services"][1]["name"] = "only English"
    r = _post(server, "/v1/catalog", publisher, bad)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "bad_document" and "2 problem(s)" in body["message"]
    assert [x["field"] for x in body["problems"]] == [
        "services[0].fields[0].type",
        "services[1].name",
    ]
    for problem in body["problems"]:
        km, en = problem["message"]["km"], problem["message"]["en"]
        assert problem["code"] and km and en and km != en
    # A key that has no UTF-8 form (a lone surrogate escape) is named, not a 500.
    raw = b'{"format": 1, "version": "v-surrogate", "services": [], "bad\\ud800": 1}'
    r = httpx.post(
        f"{server.url}/v1/catalog", content=raw, headers={"Authorization": f"Bearer {publisher}"}
    )
    assert r.status_code == 422 and "(top).bad\\ud800" in [x["field"] for x in r.json()["problems"]]
    changes = kiosk.request("GET", f"/v1/changes?since={start}").json()["changes"]
    assert [c for c in changes if c["kind"] == "catalog"] == []
    assert kiosk.request("GET", f"/v1/catalog/{bad['version']}").status_code == 404
    assert (publisher_id, "publish_catalog", "catalog", "refused:bad_document") in _audit(server)


def test_publishing_needs_a_national_token(server: ServerProcess) -> None:
    out = server.cli("officer-token", "--role", "publish", "--jurisdiction", "120101", check=False)
    assert out.returncode == 2 and "all" in out.stderr and not out.stdout.strip()
    bad = server.cli("officer-token", "--role", "decide", "--jurisdiction", "12x", check=False)
    assert bad.returncode == 2 and "12x" in bad.stderr
    regional, _ = _made(server, "admin", "1201")
    r = _post(server, "/v1/gazetteer", regional, {"version": f"g-{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 403 and r.json()["error"] == "outside_jurisdiction"


def test_tokens_expire_and_can_be_revoked(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, registration_doc(kiosk)).status_code == 201
    short, short_id = _token(
        server, "--role", "decide", "--jurisdiction", "all", "--expires-days", "0.00002"
    )
    time.sleep(2.5)
    r = _status(server, reg_id, short)
    assert r.status_code == 401 and r.json()["error"] == "token_expired"

    token, token_id = _made(server, "decide", "120101")
    listed = server.cli("officer-list").stdout
    assert f"{token_id}\tofficer\tdecide\t120101\tactive" in listed
    assert f"{short_id}\tofficer\tdecide\t*\texpired" in listed
    assert token not in listed and short not in listed  # only hashes are kept
    assert server.cli("officer-revoke", token_id).returncode == 0
    r = _status(server, reg_id, token)
    assert r.status_code == 401 and r.json()["error"] == "token_revoked"
    again = server.cli("officer-revoke", token_id, check=False)
    assert again.returncode == 1
    other, other_id = _made(server, "decide", "all")
    assert server.cli("officer-revoke", other).returncode == 0  # by the token itself
    assert f"{other_id}\tofficer\tdecide\t*\trevoked" in server.cli("officer-list").stdout
    unknown = _status(server, reg_id, "sala_off_" + "x" * 43)
    assert unknown.status_code == 401 and unknown.json()["error"] == "token_unknown"
    audit = _audit(server)
    assert (short_id, "status", reg_id, "refused:token_expired") in audit
    assert (token_id, "status", reg_id, "refused:token_revoked") in audit
    assert (None, "status", reg_id, "refused:token_unknown") in audit


def test_cli_status_changes_are_audited_too(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, registration_doc(kiosk)).status_code == 201
    server.cli("set-status", reg_id, "in_review", "--actor", "supervisor")
    with sqlite3.connect(server.data_dir / "server.db") as db:
        row = db.execute(
            "SELECT officer, outcome, detail FROM officer_audit WHERE subject = ?", (reg_id,)
        ).fetchone()
    db.close()
    assert row == ("cli:supervisor", "ok", "in_review")


def test_tokens_from_before_scopes_are_retired_on_upgrade(tmp_path: Path) -> None:
    legacy = "sala_off_legacy-token-made-before-roles-existed"
    data = tmp_path / "old"
    data.mkdir()
    make_v1_database(
        data / "server.db", officers=[(hashlib.sha256(legacy.encode()).hexdigest(), "old")]
    )
    srv = ServerProcess(data).start()
    try:
        r = _post(srv, "/v1/catalog", legacy, {"version": "from-a-legacy-token"})
        assert r.status_code == 401 and r.json()["error"] == "token_expired"
        assert "RETIRED" in srv.log_tail()
        assert "\told\tadmin\t*\texpired" in srv.cli("officer-list").stdout
    finally:
        srv.stop()

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

from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_numbers import make_v1_database


def _token(server: ServerProcess, *args: str) -> tuple[str, str]:
    """(token, id) from `officer-token`: the token alone on stdout, its id on stderr."""
    out = server.cli("officer-token", "--name", "officer", *args)
    token_id = out.stderr.split("token id ", 1)[1].split(":", 1)[0]
    return out.stdout.strip(), token_id


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
    province, province_id = _token(server, "--role", "decide", "--jurisdiction", "12")

    refused = _status(server, theirs, province)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "outside_jurisdiction"
    feed = there.request("GET", "/v1/changes?limit=1000").json()["changes"]
    assert [c["status"] for c in feed if c.get("registration_id") == theirs] == ["received"]
    assert _status(server, mine, province).status_code == 200

    catalog = {"version": f"v-{uuid.uuid4().hex[:8]}", "services": []}
    no_publish = _post(server, "/v1/catalog", province, catalog)
    assert no_publish.status_code == 403 and no_publish.json()["error"] == "forbidden_role"
    publisher, _ = _token(server, "--role", "publish", "--jurisdiction", "all")
    no_decide = _status(server, mine, publisher, "approved")
    assert no_decide.status_code == 403 and no_decide.json()["error"] == "forbidden_role"
    assert _post(server, "/v1/catalog", publisher, catalog).status_code == 201

    audit = _audit(server)
    assert (province_id, "status", theirs, "refused:outside_jurisdiction") in audit
    assert (province_id, "status", mine, "ok") in audit
    assert (province_id, "publish_catalog", "catalog", "refused:forbidden_role") in audit
    assert any(r[1:] == ("publish_catalog", catalog["version"], "ok") for r in audit)


def test_publishing_needs_a_national_token(server: ServerProcess) -> None:
    out = server.cli("officer-token", "--role", "publish", "--jurisdiction", "120101", check=False)
    assert out.returncode == 2 and "all" in out.stderr and not out.stdout.strip()
    bad = server.cli("officer-token", "--role", "decide", "--jurisdiction", "12x", check=False)
    assert bad.returncode == 2 and "12x" in bad.stderr
    regional, _ = _token(server, "--role", "admin", "--jurisdiction", "1201")
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

    token, token_id = _token(server, "--role", "decide", "--jurisdiction", "120101")
    listed = server.cli("officer-list").stdout
    assert f"{token_id}\tofficer\tdecide\t120101\tactive" in listed
    assert f"{short_id}\tofficer\tdecide\t*\texpired" in listed
    assert token not in listed and short not in listed  # only hashes are kept
    assert server.cli("officer-revoke", token_id).returncode == 0
    r = _status(server, reg_id, token)
    assert r.status_code == 401 and r.json()["error"] == "token_revoked"
    again = server.cli("officer-revoke", token_id, check=False)
    assert again.returncode == 1
    other, other_id = _token(server, "--role", "decide", "--jurisdiction", "all")
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

"""Issue 13, partner keys: made by an admin's CLI, kept only as hashes, refused when missing,
unknown, expired or revoked (401), rate-limited per key with 429 + Retry-After across two server
processes on one database, and every refusal audited."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.sync.conftest import ServerProcess
from tests.sync.test_server_partner import audit, check, make_key

NUMBER, CODE = "120101-01-00001-8", "A3C4D6"


def _db(server: ServerProcess, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(server.data_dir / "server.db") as db:
        rows = db.execute(sql, args).fetchall()
    db.close()
    return rows


def test_missing_unknown_expired_and_revoked_keys_get_401(server: ServerProcess) -> None:
    key, key_id = make_key(server, "--ministry", "interior")
    assert check(server, key, NUMBER, CODE).status_code == 200
    stored = _db(server, "SELECT key_hash FROM partner_keys WHERE id = ?", key_id)
    assert stored and key not in str(stored)  # only the hash is kept
    assert key not in (server.data_dir / "server.db").read_bytes().decode("latin-1")

    none = httpx.post(f"{server.url}/partner/v1/receipts/check", json={})
    assert none.status_code in (401, 422)
    bare = httpx.post(
        f"{server.url}/partner/v1/receipts/check",
        json={"app_number": NUMBER, "verification_code": CODE},
    )
    assert bare.status_code == 401 and bare.json()["error"] == "unauthorized"
    assert bare.headers["WWW-Authenticate"] == "Bearer"
    bad = check(server, key + "x", NUMBER, CODE)
    assert bad.status_code == 401 and bad.json()["error"] == "key_unknown"

    expiring, expiring_id = make_key(server, "--ministry", "interior")
    _db(server, "UPDATE partner_keys SET expires_at = ? WHERE id = ?", time.time() - 1, expiring_id)
    expired = check(server, expiring, NUMBER, CODE)
    assert expired.status_code == 401 and expired.json()["error"] == "key_expired"

    assert server.cli("partner", "revoke", key_id).stdout.strip() == "revoked"
    revoked = check(server, key, NUMBER, CODE)
    assert revoked.status_code == 401 and revoked.json()["error"] == "key_revoked"
    again = server.cli("partner", "revoke", key_id, check=False)
    assert again.returncode == 1 and "No active partner key" in again.stderr

    listing = {
        line.split("\t")[0]: line
        for line in server.cli("partner", "list").stdout.split("\n")
        if line
    }
    assert "\trevoked\t" in listing[key_id] and "\texpired\t" in listing[expiring_id]
    assert key not in server.cli("partner", "list").stdout

    rows = [r[:4] for r in audit(server)]
    assert (None, "check", NUMBER, "refused:unauthorized") in rows
    assert (None, "check", NUMBER, "refused:key_unknown") in rows
    assert (expiring_id, "check", NUMBER, "refused:key_expired") in rows
    assert (key_id, "check", NUMBER, "refused:key_revoked") in rows
    assert (key_id, "partner_revoke", key_id, "ok") in rows
    assert (key_id, "partner_add", key_id, "ok") in rows


def test_a_bad_scope_makes_no_key(server: ServerProcess) -> None:
    before = _db(server, "SELECT count(*) FROM partner_keys")
    for args in (
        ("--ministry", "Interior Ministry"),
        ("--ministry", "interor"),
        ("--ministry", "interior", "--services", "national_id_crad"),
        ("--ministry", "interior", "--rights", "check,write"),
        ("--ministry", "interior", "--jurisdiction", "12x"),
        ("--ministry", "interior", "--expires-days", "400"),
        ("--ministry", "interior", "--rate", "0"),
    ):
        out = server.cli("partner", "add", "--name", "Bank", *args, check=False)
        assert out.returncode == 2, args
        assert not out.stdout.strip() and "No key was made" in out.stderr
    assert _db(server, "SELECT count(*) FROM partner_keys") == before


def test_the_rate_limit_is_per_key_and_shared_by_two_processes(server: ServerProcess) -> None:
    """A bucket of 3, refilled at 6 a minute: the 4th request in a row is refused with a
    Retry-After of at most 10 s, whichever process serves it; another key is not affected."""
    second = ServerProcess(server.data_dir, server.db_url).start()
    try:
        key, key_id = make_key(server, "--ministry", "interior", "--rate", "6", "--burst", "3")
        other, _ = make_key(server, "--ministry", "interior")
        answers = [check(s, key, NUMBER, CODE) for s in (server, second, server, second)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert check(server, other, NUMBER, CODE).status_code == 200
        assert check(server, key, NUMBER, CODE).status_code == 429
    finally:
        second.stop()
    outcomes = [r[3] for r in audit(server) if r[0] == key_id and r[1] == "check"]
    assert outcomes == ["ok:not_genuine"] * 3 + ["refused:rate_limited"] * 2


@pytest.mark.slow
def test_fuzzed_partner_requests_never_get_a_server_error(server: ServerProcess) -> None:
    """schemathesis over /partner/v1/openapi.json with a real key (a large bucket, so the
    handlers are reached): no input may produce a 5xx."""
    schema = schemathesis.openapi.from_url(f"{server.url}/partner/v1/openapi.json")
    key, _ = make_key(server, "--ministry", "all", "--rate", "6000", "--burst", "1000")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    server_errors: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(base_url=server.url, session=session, timeout=10)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

        fuzz()
    assert operations == 2
    assert statuses[200] > 0, statuses  # the fuzzing reached the handlers
    assert server_errors == [], server_errors
    assert "Traceback" not in server.log_tail()

"""Sign-in lockouts that hold under load and tell nothing, over plain HTTP against a real
`sala-server`: parallel wrong guesses get at most the limit's worth of password checks (per
account and per source address), /console/enrol answers a right password without a pending
authenticator exactly as a wrong one (and counts it), and an officer whose username outsiders
locked still changes their own password with the right current one.

The per-source test locks 127.0.0.1 out of this module's server: it runs last.
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sync.server import db as server_db
from sync.server.console import accounts
from sync.server.console.i18n import t
from tests.console.conftest import PASSWORD, Console, form_csrf
from tests.sync.conftest import ServerProcess
from tests.sync.pg import PgCluster


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("race_off", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("race_sup", role="supervisor", ministry="interior", jurisdiction="12")
    console.add_account("race_own", role="officer", ministry="interior", jurisdiction="12")
    yield {}


def post_signin(console: Console, username: str, password: str, code: str = "000000") -> Any:
    c = httpx.Client(base_url=console.url, timeout=120, cookies={"sala_lang": "en"})
    data = {"csrf": form_csrf(c.get("/console/signin").text), "username": username}
    data.update(password=password, totp=code)
    return c.post("/console/signin", data=data)


def failures(console: Console, column: str, value: str) -> int:
    """Counted failures, read through the server's own engine (SQLite or PostgreSQL)."""
    t = server_db.console_signin_failures
    with console.server.engine() as engine, engine.connect() as conn:
        found = select(func.count()).select_from(t).where(t.c[column] == value)
        return int(conn.execute(found).scalar() or 0)


def outcomes(console: Console, action: str, subject: str) -> list[str]:
    a = server_db.officer_audit
    with console.server.engine() as engine, engine.connect() as conn:
        found = select(a.c.outcome).where(a.c.action == action).where(a.c.subject == subject)
        return [str(o) for o in conn.execute(found.order_by(a.c.id)).scalars()]


def test_parallel_wrong_guesses_get_at_most_the_limits_checks(console: Console, world: Any) -> None:
    parallel_guesses(console)


@pytest.mark.postgres
def test_parallel_wrong_guesses_on_postgresql(
    pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same on PostgreSQL, where advisory locks, not SQLite's one writer, serialise."""
    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    server = ServerProcess(tmp_path_factory.mktemp("pgrace"), url).start()
    try:
        pg = Console(server)
        pg.add_account("race_off", role="officer", ministry="interior", jurisdiction="12")
        parallel_guesses(pg)
    finally:
        server.stop()


def parallel_guesses(console: Console) -> None:
    """10 parallel wrong passwords for one account: at most 5 checked, the rest locked."""

    def guess(i: int) -> tuple[int, str]:
        r = post_signin(console, "race_off", f"wrong guess number {i}")
        return r.status_code, html.unescape(r.text)

    with cf.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(guess, range(10)))
    wrong = [body for status, body in answers if t("bad_credentials", "en") in body]
    locked = [body for status, body in answers if "Too many failed attempts (5)" in body]
    assert all(status == 401 for status, _body in answers)
    assert len(wrong) <= accounts.ACCOUNT_MAX_FAILURES and len(wrong) + len(locked) == 10
    assert failures(console, "username", "race_off") == len(wrong)
    said = outcomes(console, "console_signin", "race_off")
    assert said.count("refused:bad_credentials") == len(wrong)
    assert said.count("refused:locked_account") == len(locked)
    # the right password is now locked out too, until the window passes
    r = post_signin(console, "race_off", PASSWORD, console.code("race_off"))
    assert r.status_code == 401 and "Too many failed attempts (5)" in html.unescape(r.text)


def test_enrol_tells_nothing_about_a_password(console: Console, world: Any) -> None:
    bodies = {}
    for label, password in (("right", PASSWORD), ("wrong", "not the password at all")):
        c = httpx.Client(base_url=console.url, timeout=60, cookies={"sala_lang": "en"})
        data = {"csrf": form_csrf(c.get("/console/enrol").text), "username": "race_sup"}
        data.update(password=password, totp="123456")
        r = c.post("/console/enrol", data=data)
        assert r.status_code == 401, label
        body = html.unescape(r.text)
        assert t("bad_credentials", "en") in body and t("oa_no_enrol", "en") not in body
        bodies[label] = body.replace(form_csrf(r.text), "")
    assert bodies["right"] == bodies["wrong"]  # the same page, but for its fresh CSRF token
    assert failures(console, "username", "race_sup") == 2  # both counted
    assert outcomes(console, "console_enrol", "race_sup") == ["refused:bad_credentials"] * 2


def test_an_officer_locked_out_by_others_still_changes_their_password(
    console: Console, world: Any
) -> None:
    from sync.server.console import account_admin

    with console.server.engine() as engine:  # an admin's reset: the owner must change it
        temporary = account_admin.reset_password(engine, None, console.ids["race_own"])
    own = post_signin(console, "race_own", temporary, console.code("race_own"))
    assert own.status_code == 303
    owner = httpx.Client(base_url=console.url, timeout=60, cookies=dict(own.cookies))
    owner.cookies.set("sala_lang", "en", path="/console")
    assert owner.get("/console/queue").headers["location"] == "/console/password"
    for i in range(accounts.ACCOUNT_MAX_FAILURES):  # outsiders lock the username
        post_signin(console, "race_own", f"outsider guess {i}")
    assert failures(console, "username", "race_own") == accounts.ACCOUNT_MAX_FAILURES
    csrf = form_csrf(owner.get("/console/password").text)
    mine = {"csrf": csrf, "current": temporary, "new": "race own's own one", "again": ""}
    mine["again"] = mine["new"]
    r = owner.post("/console/password", data=mine)
    assert r.status_code == 303, html.unescape(r.text)[-800:]
    assert owner.get("/console/queue").status_code == 200  # still signed in, free to work
    assert failures(console, "username", "race_own") == 0
    assert outcomes(console, "console_own_password", "race_own") == ["ok"]
    # a wrong current password while locked ends the session, as before
    for i in range(accounts.ACCOUNT_MAX_FAILURES - 1):
        post_signin(console, "race_own", f"outsider guess again {i}")
    wrong = {**mine, "current": "not the current one", "new": "another new one", "again": ""}
    wrong["again"] = wrong["new"]
    r = owner.post("/console/password", data=wrong)
    assert r.status_code == 401 and "Too many failed attempts (5)" in html.unescape(r.text)
    assert owner.get("/console/queue").status_code == 303
    assert outcomes(console, "console_own_password", "race_own")[-1] == (
        "session_ended:locked_account"
    )


def test_parallel_guesses_from_one_source_stop_at_its_limit(console: Console, world: Any) -> None:
    """Runs last: it locks this module's server against 127.0.0.1."""
    n = accounts.SOURCE_MAX_FAILURES + 6

    def guess(i: int) -> str:
        return html.unescape(post_signin(console, f"nobody{i}", "some wrong password").text)

    before = failures(console, "source", "127.0.0.1")  # the earlier tests' failures
    assert before < accounts.SOURCE_MAX_FAILURES
    with cf.ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(guess, range(n)))
    wrong = sum(t("bad_credentials", "en") in b for b in bodies)
    locked = sum("Too many failed attempts from this computer (20)" in b for b in bodies)
    assert wrong + locked == n
    assert before + wrong == accounts.SOURCE_MAX_FAILURES  # never past the limit's checks
    assert failures(console, "source", "127.0.0.1") == accounts.SOURCE_MAX_FAILURES

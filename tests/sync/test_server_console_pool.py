"""Issue 13 "Scale": what a busy console page no longer pays for, and what it still gets.

- A session's idle clock is written at most every `accounts.TOUCH_S` (not a row write per
  page), and a session still ends after 15 idle minutes, audited as before.
- Pooled connections are pinged only when they sat idle (`db.PING_IDLE_S`): one whose backend
  died while idle is replaced before a page sees it, and one that dies between two uses is
  still thrown out with the pool by SQLAlchemy, so only the statement that met it fails.
- `db.reading` on PostgreSQL runs in autocommit (no BEGIN/ROLLBACK round trips) and leaves the
  pooled connection as a writer expects it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, exc, select, text

from sync.server import db
from sync.server.console import accounts
from tests.sync.pg import PgCluster

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    db.migrate(engine)
    yield engine
    engine.dispose()


def _seen(engine: Engine, token: str) -> tuple[float, float | None]:
    s = db.console_sessions
    with engine.connect() as conn:
        row = conn.execute(
            select(s.c.seen_at, s.c.ended_at).where(s.c.token_hash == accounts._sha(token))
        ).one()
    return float(row.seen_at), row.ended_at


def _age(engine: Engine, token: str, seconds: float) -> None:
    """Move the session's idle clock `seconds` into the past."""
    s = db.console_sessions
    with engine.begin() as conn:
        conn.execute(
            s.update()
            .where(s.c.token_hash == accounts._sha(token))
            .values(seen_at=s.c.seen_at - seconds)
        )


def test_the_idle_clock_is_written_every_touch_s_and_still_ends_a_session(
    engine: Engine,
) -> None:
    accounts.create(
        engine,
        username="touch.officer",
        display_name="Touch",
        password=PASSWORD,
        role="officer",
        ministry="interior",
        jurisdiction="12",
        created_by="test",
        totp=False,
    )
    token = accounts.sign_in(engine, "touch.officer", PASSWORD, "", "127.0.0.1")
    signed_in, _ = _seen(engine, token)

    _age(engine, token, 5)  # a page 5 s later: read, not written
    assert accounts.session_for(engine, token) is not None
    assert _seen(engine, token) == (signed_in - 5, None)

    _age(engine, token, accounts.TOUCH_S)  # TOUCH_S more: the page moves the clock to now
    before = db.now()
    session = accounts.session_for(engine, token)
    assert session is not None and session.account.username == "touch.officer"
    seen, ended = _seen(engine, token)
    assert seen >= before and ended is None

    _age(engine, token, accounts.IDLE_S + 1)  # 15 idle minutes: ended for good
    assert accounts.session_for(engine, token) is None
    assert _seen(engine, token)[1] is not None
    _age(engine, token, -(accounts.IDLE_S + 1))  # young again: an ended session stays ended
    assert accounts.session_for(engine, token) is None


def _backend_pid(engine: Engine) -> int:
    with db.reading(engine) as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    other = db.make_engine(url)
    try:
        with other.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        other.dispose()


@pytest.mark.postgres
def test_idle_connections_are_pinged_and_dead_ones_replaced(
    pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_cluster.create_database("sala_pool_ping")
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # the pool hands the same connection back

        # Died while idle longer than PING_IDLE_S: the ping finds it, the pool replaces it.
        _terminate(url, first)
        monkeypatch.setattr(db, "PING_IDLE_S", 0.0)
        second = _backend_pid(engine)
        assert second != first

        # Died within PING_IDLE_S (no ping): the statement that meets it fails, the pool is
        # thrown out with it, and the next checkout gets a live connection.
        monkeypatch.setattr(db, "PING_IDLE_S", 3600.0)
        _terminate(url, second)
        with pytest.raises(exc.DBAPIError) as failed:
            _backend_pid(engine)
        assert failed.value.connection_invalidated
        assert _backend_pid(engine) not in (first, second)

        # A read in autocommit leaves the connection ready for a writer's transaction.
        with db.reading(engine) as conn:
            conn.execute(text("SELECT 1"))
        with engine.begin() as conn:
            db.set_setting(conn, "test.pool", "written")
            assert conn.execute(text("SELECT now() = statement_timestamp()")).scalar() is False
        with db.reading(engine) as conn:
            assert db.get_setting(conn, "test.pool") == "written"
    finally:
        engine.dispose()

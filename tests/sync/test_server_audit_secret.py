"""Review finding 11: the audit sample's secret (console/audit_sample.py `secret`) is made once
per database: when several server processes start on one database at once, the first one
stored wins and every process draws with that one (it was an upsert: the last writer
replaced a secret others had already drawn with). Engines of their own, released together by
a barrier, against a real server's database; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sync.server import db
from sync.server.console import audit_sample
from tests.sync.conftest import ServerProcess, backend_url

pytestmark = pytest.mark.server
STARTERS = 6  # processes starting at once
ROUNDS = 4


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("server"), backend_url(request)).start()
    yield proc
    proc.stop()


def _stored(engine: Engine) -> str | None:
    with db.reading(engine) as conn:
        return db.get_setting(conn, audit_sample.SECRET)


def _start_together(engines: list[Engine]) -> list[bytes]:
    """Each engine asks for the secret at the same moment, as starting servers do."""
    start = threading.Barrier(len(engines))
    got: list[bytes] = []
    errors: list[BaseException] = []

    def starting(engine: Engine) -> None:
        try:
            start.wait()
            got.append(audit_sample.secret(engine))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=starting, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return got


def test_the_first_secret_stored_is_the_one_every_process_uses(server: ServerProcess) -> None:
    engines = [db.make_engine(server.db_url) for _ in range(STARTERS)]
    try:
        for _ in range(ROUNDS):
            with engines[0].begin() as conn:  # a database whose secret was never made
                conn.execute(db.settings.delete().where(db.settings.c.key == audit_sample.SECRET))
            got = _start_together(engines)
            kept = _stored(engines[0])
            assert kept is not None and len(got) == STARTERS
            assert {g.hex() for g in got} == {kept}  # one secret, the stored one, for all
            assert audit_sample.secret(engines[1]).hex() == kept  # and it stays
    finally:
        for e in engines:
            e.dispose()

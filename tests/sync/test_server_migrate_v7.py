"""A database that ran schema step 6 as it was released (tests/sync/schema_v6.json: its tables,
their columns and the indexes, taken from commit 91961bc) is brought up to everything
`sync/server/tables/` declares now by the next step, on SQLite and PostgreSQL.

Why: steps 5 and 6 create what the topic modules declare, but a step runs once; tables,
columns and indexes declared after a release reach databases already past its step only
through a new step. This test fails when a round declares more and appends no step."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)
from tests.sync.pg import PgCluster
from tests.sync.schema_steps import back_to, released, schema

pytestmark = pytest.mark.server
V6 = released(6)


def _check_upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        want_cols, want_indexes = schema(engine)
        back_to(engine, 6, V6)
        cols, indexes = schema(engine)
        assert set(cols) == set(V6["tables"])
        assert want_cols != cols or want_indexes != indexes, "nothing declared since step 6?"
        assert db.migrate(engine) == len(db.MIGRATIONS) >= 7
        assert schema(engine) == (want_cols, want_indexes)
        assert db.migrate(engine) == len(db.MIGRATIONS)  # nothing left to run: a no-op
    finally:
        engine.dispose()


def test_a_v6_sqlite_database_gets_what_was_declared_since(tmp_path: Path) -> None:
    _check_upgrade(f"sqlite:///{tmp_path / 'server.db'}")


@pytest.mark.postgres
def test_a_v6_postgres_database_gets_what_was_declared_since(pg_cluster: PgCluster) -> None:
    _check_upgrade(pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}"))

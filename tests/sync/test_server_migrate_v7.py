"""A database that ran schema step 6 as it was released (tests/sync/schema_v6.json: its tables,
their columns and the indexes, taken from commit 91961bc) is brought up to everything
`sync/server/tables/` declares now by the next step, on SQLite and PostgreSQL.

Why: steps 5 and 6 create what the topic modules declare, but a step runs once; tables,
columns and indexes declared after a release reach databases already past its step only
through a new step. This test fails when a round declares more and appends no step."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, inspect, text

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)
from tests.sync.pg import PgCluster

pytestmark = pytest.mark.server
V6 = json.loads((Path(__file__).parent / "schema_v6.json").read_text())
DECLARED_INDEXES = {str(i.name) for t in db.metadata.tables.values() for i in t.indexes}


def _schema(engine: Any) -> tuple[dict[str, set[str]], set[str]]:
    insp = inspect(engine)
    names = set(insp.get_table_names())
    cols = {t: {c["name"] for c in insp.get_columns(t)} for t in names}
    indexes = {i["name"] for t in names for i in insp.get_indexes(t)} & DECLARED_INDEXES
    return cols, indexes


def _back_to_v6(engine: Any) -> None:
    """Remove what was declared after step 6's release, and the record of later steps."""
    cols, indexes = _schema(engine)
    with engine.begin() as conn:
        for name in sorted(indexes - set(V6["indexes"])):
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        for table in sorted(set(cols) - set(V6["tables"]) - {"schema_migrations"}):
            conn.execute(text(f'DROP TABLE "{table}"'))
        for table, have in cols.items():
            for column in sorted(have - set(V6["tables"].get(table, have))):
                conn.execute(text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))
        conn.execute(delete(db.schema_migrations).where(db.schema_migrations.c.version > 6))


def _check_upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        want_cols, want_indexes = _schema(engine)
        _back_to_v6(engine)
        cols, indexes = _schema(engine)
        assert set(cols) == set(V6["tables"])
        assert want_cols != cols or want_indexes != indexes, "nothing declared since step 6?"
        assert db.migrate(engine) == len(db.MIGRATIONS) >= 7
        assert _schema(engine) == (want_cols, want_indexes)
        assert db.migrate(engine) == len(db.MIGRATIONS)  # nothing left to run: a no-op
    finally:
        engine.dispose()


def test_a_v6_sqlite_database_gets_what_was_declared_since(tmp_path: Path) -> None:
    _check_upgrade(f"sqlite:///{tmp_path / 'server.db'}")


@pytest.mark.postgres
def test_a_v6_postgres_database_gets_what_was_declared_since(pg_cluster: PgCluster) -> None:
    _check_upgrade(pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}"))

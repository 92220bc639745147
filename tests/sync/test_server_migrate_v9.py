"""A database that ran schema step 8 as it was released (tests/sync/schema_v8.json, taken from
commit 1151eef) is brought up to everything `sync/server/tables/` declares now by step 9, on
SQLite and PostgreSQL; its accounts keep working, none of them asked to change its password.

Why: a step runs once; what is declared after a release reaches databases already past its
step only through a new step. This test fails when a round declares more and appends none."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)
from tests.sync.pg import PgCluster
from tests.sync.schema_steps import back_to, released, schema

pytestmark = pytest.mark.server
V8 = released(8)


def _check_upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        want = schema(engine)
        back_to(engine, 8, V8)
        cols, _indexes = schema(engine)
        assert set(cols) == set(V8["tables"])
        assert "password_reset_at" not in cols["console_officers"]
        assert want != schema(engine), "nothing declared since step 8?"
        with engine.begin() as conn:  # an account made before the step, as step 8 kept it
            conn.execute(
                db.console_officers.insert().values(
                    id="a1b2c3d4e5f6",
                    username="old.officer",
                    display_name="Old Officer",
                    password_hash="$argon2id$v=19$m=65536,t=3,p=4$x$y",
                    role="officer",
                    ministry="interior",
                    jurisdiction="12",
                    created_at=1.0,
                    created_by="cli",
                )
            )
        assert db.migrate(engine) == len(db.MIGRATIONS) >= 9
        assert schema(engine) == want
        assert db.migrate(engine) == len(db.MIGRATIONS)  # nothing left to run: a no-op
        with engine.connect() as conn:
            row = conn.execute(
                select(db.console_officers).where(db.console_officers.c.username == "old.officer")
            ).one()
        assert row.password_reset_at is None  # nobody is sent to change a password they chose
    finally:
        engine.dispose()


def test_a_v8_sqlite_database_gets_step_9(tmp_path: Path) -> None:
    _check_upgrade(f"sqlite:///{tmp_path / 'server.db'}")


@pytest.mark.postgres
def test_a_v8_postgres_database_gets_step_9(pg_cluster: PgCluster) -> None:
    _check_upgrade(pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}"))

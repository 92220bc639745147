"""A database that ran schema step 9 as it was released (tests/sync/schema_v9.json, taken from
commit 2510b9f) is brought up to everything `sync/server/tables/` declares now by step 10, on
SQLite and PostgreSQL, and the assignee step 10 copies onto the facts and kept flags is filled
from the assignments that were there before: an application someone holds is theirs in
"Assigned to me", one nobody holds is "New".

Why: a step runs once; what is declared after a release reaches databases already past its
step only through a new step. This test fails when a round declares more and appends none."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)
from sync.server.tables.flags import console_flags
from tests.sync.pg import PgCluster
from tests.sync.schema_steps import back_to, released, schema

pytestmark = pytest.mark.server
V9 = released(9)


def _facts(reg_id: str) -> dict[str, object]:
    return {
        "registration_id": reg_id,
        "ministry": "interior",
        "submitted_at": 1.0,
        "due_at": 2.0,
        "status": "received",
        "commune_code": "120101",
    }


def _check_upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        want = schema(engine)
        back_to(engine, 9, V9)
        cols, indexes = schema(engine)
        assert set(cols) == set(V9["tables"])
        assert "assignee" not in cols["console_facts"] | cols["console_flags"]
        assert "ix_console_facts_assignee" not in indexes
        assert want != schema(engine), "nothing declared since step 9?"
        with engine.begin() as conn:  # two applications' facts as step 9 kept them; one is held
            for reg_id in ("held-1", "free-1"):
                conn.execute(db.console_facts.insert().values(**_facts(reg_id)))
                conn.execute(
                    console_flags.insert().values(flag="same_phone", registration_id=reg_id)
                )
            conn.execute(
                db.console_assignments.insert().values(
                    registration_id="held-1",
                    officer_id="a1b2c3d4e5f6",
                    assigned_at=1.0,
                    assigned_by="take:a1b2c3d4e5f6",
                )
            )
        assert db.migrate(engine) == len(db.MIGRATIONS) >= 10
        assert schema(engine) == want
        assert db.migrate(engine) == len(db.MIGRATIONS)  # nothing left to run: a no-op
        with engine.connect() as conn:
            facts = dict(
                conn.execute(
                    select(db.console_facts.c.registration_id, db.console_facts.c.assignee)
                ).all()
            )
            kept = dict(
                conn.execute(
                    select(console_flags.c.registration_id, console_flags.c.assignee)
                ).all()
            )
        assert facts == {"held-1": "a1b2c3d4e5f6", "free-1": ""}
        assert kept == facts
    finally:
        engine.dispose()


def test_a_v9_sqlite_database_gets_step_10(tmp_path: Path) -> None:
    _check_upgrade(f"sqlite:///{tmp_path / 'server.db'}")


@pytest.mark.postgres
def test_a_v9_postgres_database_gets_step_10(pg_cluster: PgCluster) -> None:
    _check_upgrade(pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}"))

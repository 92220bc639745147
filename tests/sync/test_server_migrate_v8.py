"""A database that ran schema step 7 as it was released (tests/sync/schema_v7.json: its tables,
their columns and indexes, taken from commit 33f96ca) is brought up to everything
`sync/server/tables/` declares now by step 8, on SQLite and PostgreSQL; and its kept queue and
flag counts become the queue page's narrow rows (tables/queue_totals.py) before a page reads
them.

Why: a step runs once; what is declared after a release reaches databases already past its
step only through a new step. This test fails when a round declares more and appends none."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)
from sync.server.tables import queue_totals
from sync.server.tables.flags import flag_counts
from sync.server.tables.queue_counts import queue_counts
from tests.sync.pg import PgCluster
from tests.sync.schema_steps import back_to, released, schema

pytestmark = pytest.mark.server
V7 = released(7)
# What a v7 database counted: (ministry, commune, service, status, assignee, due day) -> n.
COUNTS = [
    ("interior", "120101", "national_id_card", "received", "", 20400, 3),
    ("interior", "120102", "national_id_card", "received", "", 20400, 2),
    ("interior", "120102", "national_id_card", "received", "off1", 20401, 1),
    ("interior", "120201", "passport_ordinary", "in_review", "off1", -1, 4),
    ("interior", "120201", "passport_ordinary", "collected", "off2", -1, 7),
    ("mpwt", "170101", "driving_licence_renewal", "needs_papers", "off3", 20390, 5),
]


def _v7_counts(engine: Any) -> None:
    """Queue and flag counts as step 7 kept them, and a stale record of narrow rows made."""
    keys = ("ministry", "commune_code", "service_id", "status", "assignee", "due_day", "n")
    rows = [dict(zip(keys, r, strict=True)) for r in COUNTS]
    with engine.begin() as conn:
        conn.execute(queue_counts.insert(), rows)
        conn.execute(flag_counts.insert(), [{"flag": "same_phone", **r} for r in rows[:3]])
        db.set_setting(conn, queue_totals.READY_KEY, "done")


def _check_upgrade(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        want = schema(engine)
        back_to(engine, 7, V7)
        cols, _indexes = schema(engine)
        assert set(cols) == set(V7["tables"])
        assert want != schema(engine), "nothing declared since step 7?"
        _v7_counts(engine)
        assert db.migrate(engine) == len(db.MIGRATIONS) >= 8
        assert schema(engine) == want
        assert db.migrate(engine) == len(db.MIGRATIONS)  # nothing left to run: a no-op

        queue_totals.ensure(engine)  # as the first queue page does
        with engine.connect() as conn:
            kept = {tuple(r[:-1]): r[-1] for r in conn.execute(select(queue_counts))}
            kept |= {tuple(r[:-1]): r[-1] for r in conn.execute(select(flag_counts))}
            have = {
                t.name: {tuple(r[:-1]): r[-1] for r in conn.execute(select(t))}
                for t in (
                    queue_totals.queue_totals,
                    queue_totals.queue_due,
                    queue_totals.queue_mine,
                )
            }
        want_rows: dict[str, dict[tuple[Any, ...], int]] = {
            "queue_totals": {},
            "queue_due": {},
            "queue_mine": {},
        }
        for table, key, n in queue_totals.derived(kept):
            want_rows[table.name][key] = n
        assert have == want_rows
        assert (
            have["queue_totals"][("", "interior", "1201", "national_id_card", "received", 0)] == 5
        )
        assert (
            have["queue_due"][
                ("same_phone", "interior", 20400, "1201", "national_id_card", "received")
            ]
            == 5
        )
    finally:
        engine.dispose()


def test_a_v7_sqlite_database_gets_step_8(tmp_path: Path) -> None:
    _check_upgrade(f"sqlite:///{tmp_path / 'server.db'}")


@pytest.mark.postgres
def test_a_v7_postgres_database_gets_step_8(pg_cluster: PgCluster) -> None:
    _check_upgrade(pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}"))

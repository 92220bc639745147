"""A server database put back to a released schema step, for the migration tests
(test_server_migrate_v*.py): the released schema is a JSON file of its tables, their columns
and its declared indexes, taken from the release's commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, inspect, text

from sync.server import db
from sync.server import tables as _tables  # noqa: F401  (declares every table on metadata)

DECLARED_INDEXES = {str(i.name) for t in db.metadata.tables.values() for i in t.indexes}


def released(step: int) -> dict[str, Any]:
    """tests/sync/schema_v<step>.json: {"tables": {name: [columns]}, "indexes": [names]}."""
    return dict(json.loads((Path(__file__).parent / f"schema_v{step}.json").read_text()))


def schema(engine: Any) -> tuple[dict[str, set[str]], set[str]]:
    """Every table's columns, and the declared indexes the database holds."""
    insp = inspect(engine)
    names = set(insp.get_table_names())
    cols = {t: {c["name"] for c in insp.get_columns(t)} for t in names}
    indexes = {i["name"] for t in names for i in insp.get_indexes(t)} & DECLARED_INDEXES
    return cols, indexes


def back_to(engine: Any, step: int, old: dict[str, Any]) -> None:
    """Remove what was declared after step `step`'s release (`old`), and the record of later
    steps."""
    cols, indexes = schema(engine)
    with engine.begin() as conn:
        for name in sorted(indexes - set(old["indexes"])):
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        for table in sorted(set(cols) - set(old["tables"]) - {"schema_migrations"}):
            conn.execute(text(f'DROP TABLE "{table}"'))
        for table, have in cols.items():
            for column in sorted(have - set(old["tables"].get(table, have))):
                conn.execute(text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))
        conn.execute(delete(db.schema_migrations).where(db.schema_migrations.c.version > step))

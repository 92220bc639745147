"""Tables added after schema v4, one module per topic, all on `sync.server.db.metadata`.

Why here and not in db.py: several roles (clerk station, field kit, back office) add tables at
once, and db.py stays small. A module declares its tables with `Table(..., db.metadata)` and
new columns of an existing table with `table.append_column(...)` plus an entry in
`NEW_COLUMNS`; an index on an existing table goes in `NEW_INDEXES`. `db._declared` creates
whatever of these a database lacks; each release that declares more appends one migration step
calling it (`db._v6`, `_v7`, …), so a database that already ran the last step gets them too.
Importing this package imports every topic module, so `metadata.create_all` sees them all.
"""

from __future__ import annotations

from sqlalchemy import Index, Table

NEW_COLUMNS: list[tuple[Table, tuple[str, ...]]] = []
NEW_INDEXES: list[Index] = []

# Topic modules, imported for their side effect of declaring tables (keep this list sorted).
from sync.server.tables import _topics  # noqa: E402, F401

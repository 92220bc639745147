"""Per-registration timing facts for the processing-time dashboard (console/performance.py):
when it was first decided and whether papers were ever asked for, in `console_facts`:
written with each decision (`timing_rollup.record`), and copied from older status history by
`timing_numbers.catch_up`, so no page joins or groups the whole history (seconds at a million
applications). The pages read them summed up in tables/timing_rollup.py.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer

from sync.server import db
from sync.server.tables import NEW_COLUMNS

db.console_facts.append_column(Column("decided_at", Float))  # the first approved/rejected
db.console_facts.append_column(Column("papers", Integer))  # 1: needs_papers was ever set
NEW_COLUMNS.append((db.console_facts, ("decided_at", "papers")))

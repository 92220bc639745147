"""Indexes for the back office at a million applications (issue 13 "Scale";
tests/bench/backoffice_bench.py measures them).

- `registrations.received_at`: the console's look for registrations that still lack their
  facts and keys (`queue.refresh`) reads only those received lately, never all of them.
- `registrations (commune_code, status) INCLUDE (id, service_id)` (PostgreSQL; a plain
  two-column index on SQLite): a queue's counts over a province read the index, not the wide
  rows (each carries its body, receipt and signature, so a range of them is many pages).
- `console_facts (commune_code, ministry, status, due_at, …)`: a queue page of a district or
  commune reads its area's rows and sorts those few (console/queue.py `_page_rows`), instead
  of walking the ministry's rows in due order past every other area's; the commune leads so
  that a ministry-wide page keeps walking `ix_console_facts_list` (with the ministry first,
  the planner sorted all of a status's rows when it misjudged a filter);
  `ix_console_flags_commune_list` (tables/flags.py) is the same for a flag's page.
- `officer_audit.subject`: "who viewed or decided it" on the application page reads one
  application's audit rows, not the whole audit (a row per view, decision and search).
"""

from __future__ import annotations

from sqlalchemy import Index

from sync.server import db
from sync.server.tables import NEW_INDEXES

NEW_INDEXES.extend(
    [
        Index("ix_registrations_received_at", db.registrations.c.received_at),
        Index(
            "ix_registrations_commune_status",
            db.registrations.c.commune_code,
            db.registrations.c.status,
            postgresql_include=["id", "service_id"],
        ),
        Index("ix_officer_audit_subject", db.officer_audit.c.subject),
        Index(  # the commune first: a page of the whole ministry never sorts from it
            "ix_console_facts_commune_list",
            db.console_facts.c.commune_code,
            db.console_facts.c.ministry,
            db.console_facts.c.status,
            db.console_facts.c.due_at,
            db.console_facts.c.submitted_at,
            db.console_facts.c.registration_id,
        ),
    ]
)

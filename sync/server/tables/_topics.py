"""Imports every topic module of `sync.server.tables` (one line each, sorted)."""

from __future__ import annotations

import sync.server.tables.catalog_drafts
import sync.server.tables.clerk
import sync.server.tables.console_accounts
import sync.server.tables.console_more
import sync.server.tables.flags
import sync.server.tables.partner
import sync.server.tables.queue_counts
import sync.server.tables.queue_totals
import sync.server.tables.scale
import sync.server.tables.timing
import sync.server.tables.timing_pct
import sync.server.tables.timing_rollup  # noqa: F401
from sync.server.tables import device_reports  # noqa: F401

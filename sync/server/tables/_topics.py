"""Imports every topic module of `sync.server.tables` (one line each, sorted)."""

from __future__ import annotations

import sync.server.tables.clerk
import sync.server.tables.console_more
import sync.server.tables.partner  # noqa: F401
from sync.server.tables import device_reports  # noqa: F401

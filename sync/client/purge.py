"""Retention purge: after a final status and the retention period, PII and media go.

The Store does the work in one transaction (`store.purge_due`), keeping a tombstone with the
id, content hash and status; this module only reads the configured retention and is called by
the worker after each sync round and by `sala sync --once`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_RETENTION_DAYS = 90


def retention_days(data_dir: Path | None) -> int:
    """Days after a final status (Config.retention_days) or the default if no config yet."""
    if data_dir is None:
        return DEFAULT_RETENTION_DAYS
    try:
        from kiosk.config import load_config
    except ImportError:
        return DEFAULT_RETENTION_DAYS
    try:
        return int(load_config(Path(data_dir)).retention_days)
    except Exception:  # an unreadable config must not stop the purge: use the safe default
        return DEFAULT_RETENTION_DAYS


def purge(store: Any, *, days: int | None = None, data_dir: Path | None = None) -> int:
    """Purge everything due; returns how many registrations became tombstones."""
    keep = days if days is not None else retention_days(data_dir)
    return int(store.purge_due(retention_days=keep))

"""A technician's hold-back of the offered release, for the technician screen's Updates page
(ui/setup/updates.py) and `sala update defer`: how long it may still be held, and holding it
within that.

The cap is `policy.install_decision`'s: at most `max_defer_days` (capped at MAX_DEFER_DAYS)
after the first hold-back of that version, whatever later hold-backs ask; past it the release
installs at the next idle moment. Refusing a hold-back past the cap, rather than storing one
the updater would ignore, keeps what the technician reads true. The file is spool's
`deferral.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.update import spool
from kiosk.update.policy import DEFAULT_MAX_DEFER_DAYS, MAX_DEFER_DAYS

DAY = timedelta(days=1)


class DeferRefused(Exception):
    """A hold-back that was not made (the UserFacingError shape); nothing changed."""

    def __init__(self, message_key: str, **params: object) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.params = params


@dataclass(frozen=True)
class Hold:
    """The offered `version`'s hold-back as the updater will apply it."""

    version: str
    # The first hold-back of this version (now, if none yet): the cap counts from it.
    first: datetime
    deadline: datetime  # nothing holds it past this
    until: datetime | None  # held back until (capped at `deadline`); None: not held now

    def days_left(self, now: datetime) -> int:
        """Days it can still be held back from `now`, a part day counted whole (0: it can no
        longer be); the last one ends at `deadline`, not past it."""
        return max(0, -((now - self.deadline) // DAY))

    def allows(self, days: int, now: datetime) -> bool:
        return 1 <= days <= self.days_left(now)


def hold(
    data_dir: Path, version: str, now: datetime, max_defer_days: int = DEFAULT_MAX_DEFER_DAYS
) -> Hold:
    until, first = spool.deferral(data_dir, version)
    start = first or now
    deadline = start + timedelta(days=max(0, min(max_defer_days, MAX_DEFER_DAYS)))
    held = min(until, deadline) if until is not None else None
    return Hold(version, start, deadline, held if held is not None and now < held else None)


def defer_offer(
    data_dir: Path, days: int, now: datetime, max_defer_days: int = DEFAULT_MAX_DEFER_DAYS
) -> Hold:
    """Hold the offered release back `days` from `now`. Raises DeferRefused (nothing offered,
    or past the cap: `params["max_days"]` says how many days are still allowed)."""
    offer = spool.offered(data_dir)
    if offer is None:
        raise DeferRefused("update.defer.nothing")
    h = hold(data_dir, offer.version, now, max_defer_days)
    if not h.allows(days, now):
        left = h.days_left(now)
        key = "updates_ui.defer.too_long" if left else "updates_ui.defer.no_more"
        raise DeferRefused(key, max_days=left, version=offer.version)
    spool.defer(data_dir, offer.version, min(now + timedelta(days=days), h.deadline), h.first)
    return hold(data_dir, offer.version, now, max_defer_days)

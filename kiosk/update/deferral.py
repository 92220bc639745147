"""A technician's hold-back of the offered release, for the technician screen's Updates page
(ui/setup/updates.py) and `sala update defer`: how long it may still be held, and holding it
within that.

The cap is the kiosk's setting `update_max_defer_days` (config.json or
$SALA_UPDATE_MAX_DEFER_DAYS, 1 to policy.MAX_DEFER_DAYS = 60, default 14: `max_defer_days`),
counted from the first hold-back of that version, whatever later hold-backs ask; past it the
release installs at the next idle moment. The stored hold-back is cut at the cap when made, and
`install_decision` here (for the feed's and the stick's updaters) applies the setting again, so
lowering it later cuts a hold-back already stored. Refusing a hold-back past
the cap, rather than storing one the updater would ignore, keeps what the technician reads
true. The file is spool's `deferral.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.config import ConfigError, load_config
from kiosk.update import spool
from kiosk.update.policy import (
    DEFAULT_MAX_DEFER_DAYS,
    MAX_DEFER_DAYS,
    InstallDecision,
)
from kiosk.update.policy import install_decision as _decide

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


def max_defer_setting(data_dir: Path) -> int:
    """The kiosk's setting; ConfigError (with its Khmer/English text, `update.setting.*`)
    when it, or anything else in config.json, is wrong."""
    return load_config(data_dir).update_max_defer_days


def _setting_or_default(data_dir: Path) -> int:
    """For showing and scheduling: a wrong config file must not stop an update."""
    try:
        return max_defer_setting(data_dir)
    except ConfigError:
        return DEFAULT_MAX_DEFER_DAYS


def hold(data_dir: Path, version: str, now: datetime, max_defer_days: int | None = None) -> Hold:
    """`version`'s hold-back; `max_defer_days` None: the kiosk's setting."""
    if max_defer_days is None:
        max_defer_days = _setting_or_default(data_dir)
    until, first = spool.deferral(data_dir, version)
    start = first or now
    deadline = start + timedelta(days=max(0, min(max_defer_days, MAX_DEFER_DAYS)))
    held = min(until, deadline) if until is not None else None
    return Hold(version, start, deadline, held if held is not None and now < held else None)


def install_decision(data_dir: Path, version: str, now: datetime, *, idle: bool) -> InstallDecision:
    """Whether the offered `version` installs now (policy.install_decision), with the stored
    hold-back and the kiosk's own cap, read now: a hold-back stored under a higher setting
    ends at the lower one."""
    until, first = spool.deferral(data_dir, version)
    return _decide(
        now,
        idle=idle,
        offered_at=first or now,
        deferred_until=until,
        max_defer_days=_setting_or_default(data_dir),
    )


def defer_offer(
    data_dir: Path, days: int, now: datetime, max_defer_days: int | None = None
) -> Hold:
    """Hold the offered release back `days` from `now`. Raises DeferRefused (nothing offered,
    past the cap: `params["max_days"]` says how many days are still allowed, or the setting
    is wrong: its own words)."""
    if max_defer_days is None:
        try:
            max_defer_days = max_defer_setting(data_dir)
        except ConfigError as exc:
            raise DeferRefused(exc.message_key, **getattr(exc, "params", {})) from exc
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

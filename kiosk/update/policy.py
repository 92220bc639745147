"""When to install and whether an installed release is healthy: pure decisions, tested
directly (tests/core/test_update_policy.py); `apply` and the kiosk feed them observations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The setting `update_max_defer_days`'s default and ceiling (MOSIP's: 60 days) have one owner,
# the config; re-exported here.
from kiosk.config import DEFAULT_MAX_DEFER_DAYS as DEFAULT_MAX_DEFER_DAYS
from kiosk.config import MAX_DEFER_DAYS as MAX_DEFER_DAYS

HEALTH_GRACE_S = 600.0  # the new release must prove healthy within 10 minutes
SETTLE_S = 90.0  # ... by a health stamp, or by the kiosk unit staying up this long
MAX_RESTARTS = 3  # crashes on start before the previous release comes back


@dataclass(frozen=True)
class InstallDecision:
    action: str  # "install" | "wait_idle" | "deferred"
    until: datetime | None = None  # for "deferred": when the deferral ends


def install_decision(
    now: datetime,
    *,
    idle: bool,
    offered_at: datetime,
    deferred_until: datetime | None,
    max_defer_days: int = MAX_DEFER_DAYS,
) -> InstallDecision:
    """Install only when no citizen or staff session is active; a technician's deferral holds
    at most `max_defer_days` (capped at MAX_DEFER_DAYS) after the release was first offered,
    then it installs at the next idle moment. Callers pass the kiosk's setting through
    `deferral.install_decision`, so lowering it also cuts a deferral stored before."""
    days = max(0, min(max_defer_days, MAX_DEFER_DAYS))
    deadline = offered_at + timedelta(days=days)
    if deferred_until is not None and now < deferred_until and now < deadline:
        return InstallDecision("deferred", min(deferred_until, deadline))
    if not idle:
        return InstallDecision("wait_idle")
    return InstallDecision("install")


@dataclass(frozen=True)
class Health:
    """What `apply` observed of the new release since it was installed."""

    elapsed_s: float  # since dpkg finished
    self_test_ok: bool | None  # `sala self-test` as sala with the new binary; None: not yet run
    stamp_version: str | None  # the version in the kiosk's health stamp, if written since
    restarts: int  # the kiosk unit's restarts since the install (systemd NRestarts)
    active_s: float | None  # how long the kiosk unit has been active; None: not active


def health_decision(
    target: str,
    h: Health,
    *,
    grace_s: float = HEALTH_GRACE_S,
    settle_s: float = SETTLE_S,
    max_restarts: int = MAX_RESTARTS,
) -> tuple[str, str]:
    """("healthy" | "wait" | "rollback", reason). A failed self-test or a crash loop rolls
    back at once; healthy needs a passed self-test and either the new kiosk's own stamp or
    its unit staying up `settle_s`; nothing within `grace_s` rolls back too."""
    if h.self_test_ok is False:
        return "rollback", "self_test"
    if h.restarts >= max_restarts:
        return "rollback", "crash_loop"
    if h.self_test_ok and (
        h.stamp_version == target or (h.active_s is not None and h.active_s >= settle_s)
    ):
        return "healthy", "stamp" if h.stamp_version == target else "running"
    if h.elapsed_s >= grace_s:
        return "rollback", "no_health"
    return "wait", ""

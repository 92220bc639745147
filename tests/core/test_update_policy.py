"""The updater's decisions, driven directly: when to install (idle, deferral and its cap) and
whether a newly installed release is healthy or must be rolled back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.update import spool
from kiosk.update.policy import MAX_DEFER_DAYS, Health, health_decision, install_decision

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_installs_only_when_idle() -> None:
    assert install_decision(T0, idle=False, offered_at=T0, deferred_until=None).action == (
        "wait_idle"
    )
    assert install_decision(T0, idle=True, offered_at=T0, deferred_until=None).action == "install"


def test_a_deferral_holds_until_it_ends() -> None:
    d = install_decision(
        T0 + timedelta(days=2), idle=True, offered_at=T0, deferred_until=T0 + timedelta(days=5)
    )
    assert d.action == "deferred" and d.until == T0 + timedelta(days=5)
    after = install_decision(
        T0 + timedelta(days=6), idle=True, offered_at=T0, deferred_until=T0 + timedelta(days=5)
    )
    assert after.action == "install"


@pytest.mark.parametrize("setting", [14, 365])
def test_a_deferral_never_outlasts_the_cap(setting: int) -> None:
    """A technician cannot hold a release back beyond the setting, itself capped at 60 days."""
    cap = min(setting, MAX_DEFER_DAYS)
    later = T0 + timedelta(days=cap, hours=1)
    d = install_decision(
        later, idle=True, offered_at=T0, deferred_until=T0 + timedelta(days=400),
        max_defer_days=setting,
    )  # fmt: skip
    assert d.action == "install"
    before = install_decision(
        T0 + timedelta(days=cap - 1), idle=True, offered_at=T0,
        deferred_until=T0 + timedelta(days=400), max_defer_days=setting,
    )  # fmt: skip
    assert before.action == "deferred" and before.until == T0 + timedelta(days=cap)


def _h(**kw: object) -> Health:
    base: dict[str, object] = {"elapsed_s": 10.0, "self_test_ok": True, "stamp_version": None,
                               "restarts": 0, "active_s": 5.0}  # fmt: skip
    base.update(kw)
    return Health(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("health", "verdict", "reason"),
    [
        (_h(self_test_ok=False), "rollback", "self_test"),
        (_h(restarts=3), "rollback", "crash_loop"),
        (_h(stamp_version="2.0"), "healthy", "stamp"),
        (_h(stamp_version="1.0"), "wait", ""),  # the old kiosk's stamp does not count
        (_h(active_s=120.0), "healthy", "running"),
        (_h(self_test_ok=None, active_s=120.0), "wait", ""),
        (_h(active_s=None, elapsed_s=601.0), "rollback", "no_health"),
        (_h(restarts=2, active_s=None, elapsed_s=30.0), "wait", ""),
    ],
)
def test_health_decision(health: Health, verdict: str, reason: str) -> None:
    assert health_decision("2.0", health) == (verdict, reason)


def test_idle_signal_follows_the_kiosk_session_and_its_pid(tmp_path: Path) -> None:
    assert spool.is_idle(tmp_path)  # never written: idle
    spool.mark_session(tmp_path, True)
    assert not spool.is_idle(tmp_path)
    spool.mark_session(tmp_path, False)
    assert spool.is_idle(tmp_path)
    spool.mark_session(tmp_path, True, pid=2**22 + 12345)  # a kiosk that died mid-journey
    assert spool.is_idle(tmp_path)


def test_health_stamp_counts_only_after_the_install(tmp_path: Path) -> None:
    spool.write_health_stamp(tmp_path, "2.0", T0)
    assert spool.health_stamp(tmp_path, T0 - timedelta(seconds=1)) == "2.0"
    assert spool.health_stamp(tmp_path, T0 + timedelta(seconds=1)) is None

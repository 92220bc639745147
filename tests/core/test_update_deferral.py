"""A technician's hold-back (kiosk/update/deferral.py): within the policy's cap it is written
as asked; past the cap, or with nothing offered, it is refused and nothing changes; the cap
counts from the first hold-back, so holding back again never stretches it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.i18n import error_text
from kiosk.update import spool
from kiosk.update.deferral import DeferRefused, defer_offer, hold
from kiosk.update.policy import DEFAULT_MAX_DEFER_DAYS, install_decision
from tests.core.test_update_verify import NOW, Release


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rel = Release.make(tmp_path)
    deb = tmp_path / "sala-kiosk_99.0_amd64.deb"
    deb.write_bytes(b"a release" * 100)
    data = tmp_path / "data"
    assert spool.note_offer(data, rel.sign(deb, "99.0"))
    return data


def _file(data: Path) -> bytes:
    return (spool.update_dir(data) / spool.DEFERRAL).read_bytes()


def test_nothing_offered_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeferRefused) as got:
        defer_offer(tmp_path / "empty", 3, NOW)
    assert error_text(got.value, "en") == "No update is waiting."
    assert not spool.update_dir(tmp_path / "empty").exists()


def test_within_the_cap_then_past_it(data: Path) -> None:
    before = hold(data, "99.0", NOW)
    assert before.until is None and before.days_left(NOW) == DEFAULT_MAX_DEFER_DAYS
    h = defer_offer(data, 7, NOW)
    assert h.until == NOW + timedelta(days=7) and h.first == NOW
    assert spool.deferral(data, "99.0") == (NOW + timedelta(days=7), NOW)
    # 12 days later: 2 days are left, counted from the first hold-back
    later = NOW + timedelta(days=12)
    assert hold(data, "99.0", later).days_left(later) == 2
    kept = _file(data)
    with pytest.raises(DeferRefused) as got:
        defer_offer(data, 3, later)
    assert got.value.params["max_days"] == 2
    assert "2 more days" in error_text(got.value, "en") and "99.0" in error_text(got.value, "km")
    assert _file(data) == kept
    h = defer_offer(data, 2, later)
    assert h.until == h.deadline == NOW + timedelta(days=DEFAULT_MAX_DEFER_DAYS)
    # the updater sees the same hold-back, and nothing past the deadline
    decision = install_decision(later, idle=True, offered_at=h.first, deferred_until=h.until)
    assert decision.action == "deferred" and decision.until == h.until
    end = h.deadline + timedelta(hours=1)
    assert hold(data, "99.0", end).until is None and hold(data, "99.0", end).days_left(end) == 0
    with pytest.raises(DeferRefused) as got:
        defer_offer(data, 1, end)
    assert got.value.message_key == "updates_ui.defer.no_more"
    assert _file(data) != kept  # the last good hold-back stays written
    assert spool.deferral(data, "99.0") == (h.deadline, NOW)


def test_zero_days_is_refused(data: Path) -> None:
    with pytest.raises(DeferRefused):
        defer_offer(data, 0, NOW)
    assert not (spool.update_dir(data) / spool.DEFERRAL).exists()


def test_a_part_day_left_holds_to_the_deadline_not_past_it(data: Path) -> None:
    h = defer_offer(data, 1, NOW)
    late = NOW + timedelta(days=DEFAULT_MAX_DEFER_DAYS) - timedelta(hours=6)
    assert hold(data, "99.0", late).days_left(late) == 1
    assert defer_offer(data, 1, late).until == h.deadline
    with pytest.raises(DeferRefused):
        defer_offer(data, 2, late)

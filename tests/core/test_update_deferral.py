"""A technician's hold-back (kiosk/update/deferral.py): within the cap it is written as asked;
past the cap, or with nothing offered, it is refused and nothing changes; the cap counts from
the first hold-back, so holding back again never stretches it. The cap is the kiosk setting
`update_max_defer_days` (1-60), and a wrong value is refused in Khmer and English."""

from __future__ import annotations

import json
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


def _set(data: Path, value: object) -> None:
    (data / "config.json").write_text(json.dumps({"update_max_defer_days": value}))


def test_the_cap_is_the_kiosks_setting(data: Path) -> None:
    """`update_max_defer_days` in config.json sets the cap; the stored hold-back is cut at it,
    and the updater's decision (without the setting) keeps to that hold-back."""
    _set(data, 30)
    assert hold(data, "99.0", NOW).days_left(NOW) == 30
    h = defer_offer(data, 25, NOW)  # past the default 14, within the setting
    assert h.until == NOW + timedelta(days=25)
    day_20 = NOW + timedelta(days=20)
    decision = install_decision(day_20, idle=True, offered_at=h.first, deferred_until=h.until)
    assert decision.action == "deferred"
    with pytest.raises(DeferRefused) as got:
        defer_offer(data, 11, day_20)  # 20 + 11 > 30
    assert got.value.params["max_days"] == 10


def test_the_environment_overrides_the_file(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(data, 30)
    monkeypatch.setenv("SALA_UPDATE_MAX_DEFER_DAYS", "5")
    assert hold(data, "99.0", NOW).days_left(NOW) == 5


@pytest.mark.parametrize("value", [61, 0, -3, "ten", 2.5, True, None])
def test_a_bad_setting_is_refused_in_both_languages_and_nothing_is_held(
    data: Path, value: object
) -> None:
    """A value outside 1-60 (MOSIP's ceiling) is refused with its own Khmer and English words,
    not quietly capped; no hold-back is stored. Showing the hold-back does not fail on it."""
    _set(data, value)
    with pytest.raises(DeferRefused) as got:
        defer_offer(data, 3, NOW)
    assert got.value.message_key == "update.setting.max_defer_days"
    en, km = error_text(got.value, "en"), error_text(got.value, "km")
    assert "from 1 to 60" in en and "update_max_defer_days" in km and "៦០" in km
    assert "{" not in en + km
    assert not (spool.update_dir(data) / spool.DEFERRAL).exists()
    assert hold(data, "99.0", NOW).days_left(NOW) == DEFAULT_MAX_DEFER_DAYS

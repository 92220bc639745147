"""One clock and one phrase for durations (issue 11 S3.13): what a citizen reads about time is
written by `kiosk.i18n` in Cambodian time, whatever the machine's clock zone says."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from kiosk.i18n import cambodia_today, format_datetime, format_working_days, tr


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_cambodian_whatever_the_machine_zone(machine_in_new_york: None) -> None:
    moment = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)  # 01:30 on the 22nd in Phnom Penh
    assert format_datetime(moment, "en") == "22 November 2026, 01:30"
    assert format_datetime(moment.replace(tzinfo=None), "en") == "22 November 2026, 01:30"
    assert cambodia_today(moment) == date(2026, 11, 22)  # New York still says the 21st


def test_processing_time_is_always_working_days_in_both_languages() -> None:
    assert format_working_days(30, "en") == "about 30 working days"
    assert format_working_days(30, "km") == "ប្រហែល ៣០ ថ្ងៃ\u200bធ្វើការ"
    # every string that states a processing time carries the same phrase
    for locale in ("km", "en"):
        phrase = format_working_days(15, locale)
        assert phrase in tr("receipt.processing", locale, duration=phrase)
        assert phrase in tr("ui.confirm.next", locale, duration=phrase)
        n = "១៥" if locale == "km" else "15"
        assert phrase in tr("ui.services.days", locale, days=n)
        assert phrase.replace(n, "{n}") in tr("core.processing_days", locale)

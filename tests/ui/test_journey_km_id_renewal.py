"""A Khmer citizen renews their ID card: attract screen to receipt, typing on the on-screen
keyboard (mouse clicks on its keys). The journey itself is tests/ui/journeys.py; GUI stalls
over it are measured by tests/bench/journey_bench.py, not asserted here."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.model import State
from tests.ui.journeys import finish, km_id_renewal
from tests.ui.stall import StallMonitor

pytestmark = pytest.mark.qt


def test_khmer_id_card_renewal_to_receipt(journey: Any) -> None:
    j = journey
    # The monitor names the slowest step in the output; the limit lives in the benchmark.
    j.stall = stall = StallMonitor()
    stall.start()
    done = km_id_renewal(j)
    stall.stop()
    print(stall.report())
    stall.assert_ran()

    reg = j.db(lambda store: store.by_app_number(done.app_number))
    assert reg.state is State.SUBMITTED
    assert reg.locale == "km"
    assert reg.answers["name_km"] == "សុខ ស្រី"
    assert reg.answers["date_of_birth"] == "1990-03-07"
    assert reg.answers["address"]["village"] == done.lives
    assert reg.answers["place_of_birth"]["village"] == done.born
    assert "phone" not in reg.answers
    assert sorted((a.field_id, a.page) for a in reg.attachments) == [
        ("face_photo", 0),
        ("family_book", 0),
        ("old_card", 0),
        ("old_card", 1),
    ]
    assert j.db(lambda store: store.list_by_state(State.DRAFT)) == []
    finish(j)

"""An English-speaking citizen applies for a passport on the physical keyboard, makes
mistakes on the way (digits in a name, 31 February, a future date, a bad passport number, a
short phone number), corrects each one, and gets a receipt. Errors never clear the typing.
The journey itself is tests/ui/journeys.py; stalls are measured by tests/bench/journey_bench.py."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.model import State
from tests.ui.journeys import en_passport
from tests.ui.stall import StallMonitor

pytestmark = pytest.mark.qt


def test_english_passport_with_mistakes_corrected(journey: Any) -> None:
    j = journey
    j.stall = stall = StallMonitor()
    stall.start()
    en_passport(j)
    stall.stop()
    print(stall.report())
    stall.assert_ran()

    receipt = j.k.ctx.session.receipt
    reg = j.db(lambda store: store.get(receipt.registration_id))
    assert reg.state is State.SUBMITTED and reg.locale == "en"
    assert reg.answers["name_latin"] == "DARA CHAN"  # capitals, as on Cambodian papers
    assert reg.answers["date_of_birth"] == "1990-02-28"
    assert reg.answers["phone"] == "+85512345678"
    assert reg.answers["old_passport_number"] == "N1234567"
    assert reg.fee_khr == 400_000
    fee = [w for w in j.nav.screens["confirmation"].findChildren(QLabel) if "400,000" in w.text()]
    assert fee, "the fee is shown on the confirmation"

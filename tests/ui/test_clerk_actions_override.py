"""Photo override: a reason from the fixed list (no free text anywhere on the screen), the
photo and its check values shown, the clerk recorded with the code."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QTextEdit

from kiosk.overrides import OverrideReason
from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_actions_support import BUSINESS, CLERK, Station

pytestmark = pytest.mark.qt


def test_override_takes_a_reason_from_the_list_only(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = station.submitted(BUSINESS)
    reg_id = receipt.registration_id
    page = station.act("clerk_override", reg_id=reg_id)
    assert not page.findChildren(QLineEdit) and not page.findChildren(QTextEdit)
    assert set(page.reasons) == set(OverrideReason)
    assert "ច្បាស់: ២១២.៥០" in page.checks.text()  # the check named and its value, in Khmer
    qtbot.waitUntil(lambda: not page.photo.pixmap().isNull(), timeout=LONG_WAIT_MS)

    station.tap(page.primary)  # no reason chosen
    assert station.shown_error(page)
    assert station.view(reg_id).overrides == []

    station.tap(page.reasons[OverrideReason.GLASSES_GLARE])
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    overrides = station.view(reg_id).overrides
    assert [(o.reason, o.staff_id) for o in overrides] == [("glasses_glare", CLERK)]
    assert page.current.isVisible()

"""Originals checked: a before_upload application waits (not in the outbox) until the clerk
records every paper, then it is released; a photo of an original becomes a new page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LONG_WAIT_MS, write_test_image
from tests.ui.test_clerk_actions_support import LICENCE, Station

pytestmark = pytest.mark.qt


def outbox_ids(station: Station) -> set[str]:
    return set(station.db(lambda store: [i.registration.id for i in store.outbox()]))


def test_originals_check_holds_then_releases_the_application(
    kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    kiosk.citizen.set_locale("en")
    receipt = station.submitted(LICENCE)
    reg_id = receipt.registration_id
    assert reg_id not in outbox_ids(station)  # held for its originals check
    page = station.act("clerk_originals", reg_id=reg_id)
    assert "before the application is sent" in page.rule.text()
    papers = list(page.rows)
    assert papers == [d for d, _ in station.view(reg_id).documents] and len(papers) >= 2
    first, second = page.rows[papers[0]], page.rows[papers[1]]

    station.tap(page.primary)  # nothing chosen
    assert "Original seen" in station.shown_error(page)
    station.tap(first.seen)
    first.number.setText("DL 1234500")
    first.date.setText("31-02-2019")  # no such day
    for row in list(page.rows.values())[1:]:
        station.tap(row.missing)
    station.tap(page.primary)
    assert "day-month-year" in station.shown_error(page)
    assert reg_id not in outbox_ids(station)

    first.date.setText("07-03-2019")
    station.tap(second.shoot)  # photograph the second paper's original after all
    qtbot.waitUntil(lambda: page.capture is not None, timeout=LONG_WAIT_MS)
    page.capture.import_path(write_test_image(tmp_path / "original.jpg"))
    qtbot.waitUntil(lambda: bool(page.capture.pages), timeout=LONG_WAIT_MS)
    station.tap(page.capture.approve)
    assert page.capture is None and second.photo and second.choice() is True
    assert second.photo_state.text()

    pages_before = len(station.view(reg_id).page_media_ids)
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert reg_id in outbox_ids(station)  # released to the sync worker
    view = station.view(reg_id)
    checks = {o.document_id: o for o in view.originals}
    assert checks[papers[0]].seen and checks[papers[0]].number == "DL 1234500"
    assert checks[papers[0]].issued_on == "2019-03-07"
    assert checks[papers[1]].seen and checks[papers[1]].page_sha256
    assert len(view.page_media_ids) == pages_before + 1
    assert page.rows[papers[0]].seen.isChecked()  # the screen shows what was recorded

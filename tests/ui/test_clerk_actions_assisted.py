"""Assisted application: the citizen's own journey started by a clerk, recorded as assisted
by that clerk, the receipt says so. When it is finished the staff session is over and that
clerk's PIN pad shows (the clerk may have left the desk: the queue holds other citizens' data),
their PIN opens the queue, and left alone it falls back to the welcome; when it ended by the
idle countdown the welcome shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.core.test_clerk_support import jpeg
from tests.ui.conftest import LONG_WAIT_MS, valid_answers
from tests.ui.test_clerk_actions_support import BUSINESS, CLERK, CLERK_PIN, Station

pytestmark = pytest.mark.qt


def fill_and_submit(station: Station, kiosk: Any, qtbot: Any) -> Any:
    """The citizen's answers (as the question screens would store them), then Send."""
    from kiosk import forms
    from kiosk.model import Attachment

    ctx, citizen = kiosk.ctx, kiosk.citizen
    service = ctx.catalog.services[BUSINESS]
    citizen.start_service(service)
    ctx.session.answers = valid_answers(service, ctx.gazetteer, ctx.config.commune_code)
    atts = []
    for f in forms.visible_fields(service, ctx.session.answers):
        if str(f.type) in ("photo", "document"):
            for page in range(max(1, f.min_pages)):
                ref = station.db(lambda store, p=page: store.add_media(jpeg(p), "image/jpeg"))
                atts.append(Attachment(f.id, str(f.type), ref, page))  # type: ignore[arg-type]
    ctx.session.attachments = atts
    failed: list[BaseException] = []
    citizen.submit(on_error=failed.append)
    qtbot.waitUntil(lambda: citizen.current == "confirmation" or bool(failed), timeout=LONG_WAIT_MS)
    assert not failed, failed
    return ctx.session.receipt


def test_assisted_application_is_recorded_and_the_receipt_says_so(
    kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium

    from ui.receipts.content import receipt_blocks, receipt_strings
    from ui.receipts.pdf import render_receipt_pdf

    station = Station(kiosk, qtbot)
    station.sign_in()
    page = station.act("clerk_assisted")
    assert "Sok Vichet" in page.explain.text() or "សុខ វិចិត្រ" in page.explain.text()
    station.tap(page.primary)
    station.wait_screen("language")  # the citizen's own first screen
    receipt = fill_and_submit(station, kiosk, qtbot)
    service = kiosk.ctx.catalog.services[BUSINESS]
    text = "\n".join(receipt_strings(receipt_blocks(receipt, service, "en", "")))
    assert "clerk Sok Vichet" in text
    pdf = pdfium.PdfDocument(str(render_receipt_pdf(receipt, service, tmp_path / "r.pdf", "km")))
    assert len(pdf) == 1  # A6 keeps to one page with the extra line
    words = pdf[0].get_textpage().get_text_range().replace("\u200b", "")
    assert "help of clerk" in words and "Vichet" in words  # (Khmer does not extract cleanly)
    assert station.view(receipt.registration_id).assisted_by == CLERK

    station.tap(kiosk.nav.screens["confirmation"].finish)  # the application is finished
    station.wait_screen("staff_pin")  # not the queue: the clerk types their PIN again
    station.settle()
    pin = kiosk.nav.screens["staff_pin"]
    assert pin.member.id == CLERK and pin.info.isVisible()
    assert kiosk.clerk.session is None and station.nav.screens["clerk_home"].isHidden()
    assert kiosk.ctx.session.receipt is None and kiosk.citizen.assisted is None
    signed_out = station.db(lambda store: [
        e.details for e in store.audit.entries() if e.action == "staff.signed_out"
    ])  # fmt: skip
    assert signed_out[0] == {"reason": "assisted"}  # newest first
    station.type_pin(CLERK_PIN)
    station.wait_screen("clerk_home")
    assert kiosk.clerk.signed_in_now()


def test_the_pin_pad_after_an_assisted_application_falls_back_to_the_welcome(
    kiosk: Any, qtbot: Any
) -> None:
    """Nobody types the PIN: the staff idle rule ends it and the welcome returns."""
    station = Station(kiosk, qtbot)
    station.sign_in()
    station.tap(station.act("clerk_assisted").primary)
    station.wait_screen("language")
    fill_and_submit(station, kiosk, qtbot)
    station.tap(kiosk.nav.screens["confirmation"].finish)
    station.wait_screen("staff_pin")
    assert kiosk.policy.idle.armed
    assert kiosk.policy.idle.timing == kiosk.clerk.idle_timing  # the staff rule, not citizen's
    kiosk.policy.idle.expired.emit()  # what the idle watcher does when the time is up
    station.wait_screen("attract")
    assert kiosk.clerk.session is None
    assert kiosk.nav.screens["staff_pin"].member is None  # nothing of it survives


def test_an_assisted_journey_left_idle_ends_the_staff_session(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    page = station.act("clerk_assisted")
    station.tap(page.primary)
    station.wait_screen("language")
    prompt = kiosk.policy.prompt
    prompt.show_countdown(1, "km")  # the idle countdown is on screen when the session ends
    kiosk.citizen.end_session()
    prompt.hide()
    station.settle()
    assert kiosk.nav.current == "attract"
    assert kiosk.clerk.session is None  # nobody finds a staff screen open

    # A citizen on their own afterwards is not "assisted".
    assert kiosk.citizen.assisted is None

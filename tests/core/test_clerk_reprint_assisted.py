"""A reprint of an assisted application says who assisted, as the first print did (issue 12):
the clerk's staff id is on the record, the name comes from the roster, and the words are the
receipt's own `clerk.act.receipt.assisted` line in both languages. Real store, no Qt."""

from __future__ import annotations

from kiosk.clerk.assisted import assisted_by_name
from kiosk.i18n import tr
from kiosk.store import Store
from kiosk.text import Text
from tests.core.conftest import ManualClock
from tests.core.test_clerk_support import CATALOG, RESIDENCE, counter, submit
from tests.core.test_staff_support import CLERK, entry
from ui.receipts.content import AssistedReceipt, assisted_receipt, receipt_blocks, receipt_strings
from ui.receipts.reprint import find_receipt

VICHET = Text(km="សុខ វិចិត្រ", en="Sok Vichet")


def _assisted(store: Store, clock: ManualClock) -> tuple[str, str]:
    c = counter(store, clock)
    staff_id = c.desk.start_assisted()
    service = CATALOG.services[RESIDENCE]
    draft = store.create_draft(RESIDENCE, service.version, "en")
    store.set_assisted_by(draft.id, staff_id)
    receipt = store.submit(
        draft.id,
        {"name_km": "សុខ ដារា", "name_latin": "SOK DARA"},
        [],
        fee_khr=service.fee_khr,
        processing_days=service.processing_days,
        service=service,
    )
    return receipt.registration_id, receipt.app_number


def _assisted_lines(blocks: list[str]) -> list[str]:
    """The receipt's lines naming the clerk (line-break points taken out)."""
    plain = [t.replace("\u200b", "") for t in blocks]
    return [t for t in plain if "Sok Vichet" in t or "សុខ វិចិត្រ" in t]


def test_reprint_names_the_clerk_like_the_first_print(store: Store, clock: ManualClock) -> None:
    reg_id, number = _assisted(store, clock)
    found = find_receipt(store, number, CATALOG)
    assert isinstance(found.receipt, AssistedReceipt)
    assert found.receipt.assisted_by_name == VICHET
    reprinted = receipt_strings(receipt_blocks(found.receipt, found.service, "en", ""))
    lines = _assisted_lines(reprinted)
    assert lines == _assisted_lines(
        [
            tr("clerk.act.receipt.assisted", "en", name="Sok Vichet"),
            tr("clerk.act.receipt.assisted", "km", name="សុខ វិចិត្រ"),
        ]
    )
    assert len(lines) == 2
    # the first print: the submitted receipt wrapped with the signed-in clerk's name
    first = assisted_receipt(store.receipt(reg_id), VICHET)
    assert _assisted_lines(receipt_strings(receipt_blocks(first, found.service, "en", ""))) == lines
    # by registration id too, and the clerk's name never goes into the QR code
    assert find_receipt(store, reg_id, CATALOG).receipt == found.receipt
    assert "Vichet" not in found.receipt.qr_payload


def test_a_citizen_alone_gets_no_assisted_line(store: Store, clock: ManualClock) -> None:
    counter(store, clock)
    receipt = submit(store, RESIDENCE)
    found = find_receipt(store, receipt.app_number, CATALOG)
    assert not isinstance(found.receipt, AssistedReceipt)
    assert assisted_by_name(store, receipt.registration_id) is None
    words = receipt_strings(receipt_blocks(found.receipt, found.service, "km", ""))
    assert _assisted_lines(words) == []


def test_a_disabled_clerk_is_still_named(store: Store, clock: ManualClock) -> None:
    """Accounts are disabled, never deleted: the paper keeps naming who helped."""
    reg_id, number = _assisted(store, clock)
    store.apply_changes([entry(CLERK, seq=20, status="disabled", version=2)], "20")
    assert store.staff_row(CLERK).status == "disabled"  # type: ignore[union-attr]
    assert assisted_by_name(store, reg_id) == VICHET
    assert assisted_by_name(store, "0190f0c2-ffff-7000-8000-00000000dead") is None
    found = find_receipt(store, number, CATALOG)
    assert getattr(found.receipt, "assisted_by_name", None) == VICHET

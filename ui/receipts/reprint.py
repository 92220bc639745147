"""A receipt again, for a citizen who lost theirs or whose print failed: `sala receipt` writes
it as a PDF, and the clerk station will print it with `reprint_receipt`.

The receipt is found by what the clerk has in hand: the application number as printed (the
current form, a number from before kiosk numbers, a number replaced after the server refused it,
typed with spaces or Khmer digits) or the registration id. It is drawn from the store's receipt
row by the same renderer as at submission, with the number the application carries now (the
one the ministry knows), so what is reprinted is what the citizen was given: an assisted
application's reprint says "assisted by <clerk>" like the first print
(`kiosk.clerk.assisted.assisted_by_name`).

Store reads are quick; rendering and printing are not: a screen runs `find_receipt` on the db
worker and `print_receipt` on the io pool (`reprint_receipt` does both, for a worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.model import Receipt
from kiosk.text import Text
from ui.receipts.content import ServiceLike, assisted_receipt


class ReceiptNotFound(LookupError):
    """No submitted application with that number or id here; `message_key` is for people."""

    message_key = "receipt.not_found"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no submitted application {ref!r} in this kiosk's store")
        self.ref = ref
        self.params = {"number": ref}


@dataclass(frozen=True)
class Found:
    """A receipt to draw, with its service and the language the citizen applied in."""

    receipt: Receipt
    service: ServiceLike
    locale: str


@dataclass(frozen=True)
class _RetiredService:
    """A service no longer in the catalog: its id for a name, the receipt's own figures."""

    name: Text
    fee_khr: int
    processing_days: int
    example_only: bool = False
    next_steps: Text | None = None


def find_receipt(store: Any, ref: str, catalog: Any = None) -> Found:
    """The receipt for `ref` (application number in any accepted form, or registration id);
    an `AssistedReceipt` when a clerk helped.

    Raises ReceiptNotFound for an unknown number, a draft or a purged application; store
    errors (locked key, damaged row) pass through with their own `message_key`."""
    from kiosk.clerk.assisted import assisted_by_name
    from kiosk.store.errors import NotFound

    text = (ref or "").strip()
    if not text:
        raise ReceiptNotFound(ref)
    reg = store.by_app_number(text)
    try:
        reg_id = reg.id if reg is not None else text
        receipt: Receipt = store.receipt(reg_id)
        if reg is None:
            reg = store.get(reg_id)
    except NotFound:
        raise ReceiptNotFound(text) from None
    if reg.app_number and reg.app_number != receipt.app_number:
        receipt = replace(receipt, app_number=reg.app_number)  # renumbered after a clash
    helper = assisted_by_name(store, reg.id)
    if helper is not None:
        receipt = assisted_receipt(receipt, helper)
    service = None if catalog is None else catalog.services.get(receipt.service_id)
    if service is None:
        days = receipt.processing_days or 0
        service = _RetiredService(
            Text(km=receipt.service_id, en=receipt.service_id), receipt.fee_khr, days
        )
    locale = reg.locale if reg.locale in ("km", "en") else "km"
    return Found(receipt, service, locale)


def write_receipt_pdf(
    store: Any,
    ref: str,
    out: Path | str,
    *,
    catalog: Any = None,
    locale: str | None = None,
    size: str = "A6",
) -> Path:
    """Find the receipt and write it as a PDF (A6 or A4); `locale` None: the citizen's."""
    from ui.receipts.pdf import render_receipt_pdf

    found = find_receipt(store, ref, catalog)
    return render_receipt_pdf(
        found.receipt,
        found.service,
        out,
        locale or found.locale,
        size=size,  # type: ignore[arg-type]  # checked there, with a clear message
    )


def reprint_receipt(
    store: Any,
    ref: str,
    printer_spec: str | None,
    *,
    catalog: Any = None,
    locale: str | None = None,
) -> Any:
    """Print the receipt for `ref` again on `printer_spec` (`Config.printer` syntax).

    Returns the `PrintResult` (printer trouble never raises); an unknown `ref` raises
    ReceiptNotFound, which the clerk's screen shows with `kiosk.i18n.error_text`."""
    from ui.receipts.printers import print_receipt

    found = find_receipt(store, ref, catalog)
    return print_receipt(found.receipt, found.service, locale or found.locale, printer_spec)

"""What a receipt says, as a list of blocks, before anything is drawn.

Kept apart from drawing (and free of Qt) so the PDF, the thermal raster and the tests all read
the same words. Both languages are on every receipt, the citizen's language first; the
application number and verification code stay in Latin digits because clerks type them.
Digits, the fee and the time are written by their owners in `kiosk.i18n`, as on the screens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, Protocol

from kiosk.catalog.schema import next_steps_of
from kiosk.i18n import digits, format_datetime, format_khr, format_working_days, tr, wrap_points
from kiosk.model import Receipt
from kiosk.text import Text

Style = Literal["small", "body", "heading", "title", "number", "second"]


class ServiceLike(Protocol):
    """The catalog `Service` fields a receipt uses (and `next_steps`, read if present)."""

    @property
    def name(self) -> Text: ...
    @property
    def fee_khr(self) -> int: ...
    @property
    def processing_days(self) -> int: ...


@dataclass(frozen=True)
class Block:
    """One thing on the receipt: a paragraph, the QR code, a rule or a gap.

    A QR block's `side` blocks are set beside the code where they fit (the application number
    and verification code), which keeps an A6 receipt on one page; else they go under it."""

    kind: Literal["text", "qr", "rule", "gap"]
    text: str = ""
    style: Style = "body"
    keep_with_next: bool = False  # a label is never left alone at the bottom of a page
    centred: bool | None = None  # None: the style decides
    side: tuple[Block, ...] = ()


@dataclass(frozen=True)
class AssistedReceipt(Receipt):
    """The receipt of an application a clerk made with the citizen (issue 12): it says
    "assisted by <clerk>". The clerk's name is on the paper only, never in the QR code."""

    assisted_by_name: Text | str = ""


def assisted_receipt(receipt: Receipt, clerk_name: Text | str) -> AssistedReceipt:
    return AssistedReceipt(**asdict(receipt), assisted_by_name=clerk_name)


def other(locale: str) -> str:
    return "en" if locale == "km" else "km"


def format_when(when: datetime, locale: str) -> str:
    """Submission time in Cambodian local time, e.g. "២១ វិច្ឆិកា ២០២៦ ម៉ោង ១២:៤៥"."""
    return format_datetime(when, locale)


def format_fee(fee_khr: int, locale: str) -> str:
    if fee_khr <= 0:
        return tr("receipt.fee_free", locale)
    return tr("receipt.fee", locale, amount=format_khr(fee_khr, locale))


def _pair(key: str, locale: str, style: Style = "body", **kw: str | Text) -> list[Block]:
    """The same sentence in the chosen language, then in the other one (smaller)."""

    def one(loc: str) -> str:
        args = {k: digits(v.get(loc) if isinstance(v, Text) else v, loc) for k, v in kw.items()}
        return wrap_points(tr(key, loc, **args))

    return [
        Block("text", one(locale), style, keep_with_next=True),
        Block("text", one(other(locale)), "small" if style == "small" else "second"),
    ]


def commune_label(commune_code: str) -> Text:
    """ "Commune, District, Province" in both languages from the gazetteer, or the bare code."""
    try:
        from kiosk.gazetteer import load_gazetteer

        path = load_gazetteer().path(commune_code)
    except Exception:  # a receipt must print even if the gazetteer is unreadable
        path = []
    if not path:
        return Text(km=commune_code, en=commune_code)
    places = list(reversed(path))
    return Text(km=", ".join(p.name.km for p in places), en=", ".join(p.name.en for p in places))


def _both(key: str, locale: str) -> str:
    """A short label in both languages on one line: "ចំណងជើង · Title"."""
    return f"{tr(key, locale)} · {tr(key, other(locale))}"


def receipt_blocks(
    receipt: Receipt, service: ServiceLike, locale: str, commune_name: str | Text | None = None
) -> list[Block]:
    """Everything printed on the receipt, top to bottom: short labels carry both languages on
    one line and longer sentences come as pairs, so an A6 receipt keeps to one page.

    `commune_name` None looks the receipt's commune up in the gazetteer; "" leaves it out.
    """
    second = other(locale)
    days = receipt.processing_days
    if days is None:
        days = service.processing_days
    beside_qr = (
        Block("text", _both("receipt.app_number", locale), "small", centred=False),
        Block("text", receipt.app_number, "number", centred=False),
        Block(
            "text",
            f"{_both('receipt.verification', locale)}: {receipt.verification_code}",
            "small",
            centred=False,
        ),
        Block("gap"),
        Block("text", wrap_points(service.name.get(locale)), "heading"),
        Block("text", wrap_points(service.name.get(second)), "second"),
    )
    blocks: list[Block] = [
        Block("text", _kingdom("km") + "\n" + _kingdom("en"), "small"),
        Block("rule"),
        Block("text", wrap_points(_both("receipt.title", locale)), "title", keep_with_next=True),
        Block("gap", keep_with_next=True),
        Block("qr", receipt.qr_payload, side=beside_qr),
        Block("rule"),
    ]
    if commune_name is None:
        commune_name = commune_label(receipt.commune_code)
    if commune_name:
        blocks += _pair("receipt.commune", locale, name=commune_name)
    when = receipt.submitted_at
    blocks += [
        Block(
            "text",
            tr("receipt.submitted", locale, when=format_when(when, locale)),
            "body",
            keep_with_next=True,
        ),
        Block("text", tr("receipt.submitted", second, when=format_when(when, second)), "second"),
        *_fact(format_fee(receipt.fee_khr, locale), format_fee(receipt.fee_khr, second)),
    ]
    if days:
        blocks += _fact(
            tr("receipt.processing", locale, duration=format_working_days(days, locale)),
            tr("receipt.processing", second, duration=format_working_days(days, second)),
        )
    assisted = getattr(receipt, "assisted_by_name", None)
    if assisted:
        blocks += _pair("clerk.act.receipt.assisted", locale, "small", name=assisted)
    if getattr(service, "example_only", False):
        blocks += _pair("receipt.fee_example", locale, "small")
    steps = next_steps_of(service)
    blocks += [
        Block("rule"),
        Block("text", wrap_points(_both("receipt.next_title", locale)), "heading"),
        *_fact(steps.get(locale), steps.get(second)),
        *_pair("receipt.ask_body", locale),
        Block("rule"),
        Block("text", wrap_points(_both("receipt.keep", locale)), "small"),
    ]
    return blocks


def _kingdom(locale: str) -> str:
    return f"{tr('receipt.kingdom', locale)} · {tr('receipt.motto', locale)}"


def _fact(first: str, then: str) -> list[Block]:
    """A sentence in the citizen's language, then the same in the other one (smaller)."""
    return [
        Block("text", wrap_points(first), "body", keep_with_next=True),
        Block("text", wrap_points(then), "second"),
    ]


def receipt_strings(blocks: list[Block]) -> list[str]:
    """All text drawn on a receipt (tests check the fonts cover every character)."""
    return [t.text for b in blocks for t in (b, *b.side) if t.kind == "text"]

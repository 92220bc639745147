"""What a receipt says, as a list of blocks, before anything is drawn.

Kept apart from drawing (and free of Qt) so the PDF, the thermal raster and the tests all read
the same words. Both languages are on every receipt, the citizen's language first; the
application number and verification code stay in Latin digits because clerks type them.
Digits, the fee and the time are written by their owners in `kiosk.i18n`, as on the screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from kiosk.i18n import digits, format_datetime, format_khr, tr, wrap_points
from kiosk.model import Receipt
from kiosk.text import Text

Style = Literal["small", "body", "heading", "title", "number", "second"]


class ServiceLike(Protocol):
    """The catalog `Service` fields a receipt uses."""

    @property
    def name(self) -> Text: ...
    @property
    def fee_khr(self) -> int: ...
    @property
    def processing_days(self) -> int: ...


@dataclass(frozen=True)
class Block:
    """One thing on the receipt: a paragraph, the QR code, a rule or a gap."""

    kind: Literal["text", "qr", "rule", "gap"]
    text: str = ""
    style: Style = "body"
    keep_with_next: bool = False  # a label is never left alone at the bottom of a page
    centred: bool | None = None  # None: the style decides


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


def receipt_blocks(
    receipt: Receipt, service: ServiceLike, locale: str, commune_name: str | Text | None = None
) -> list[Block]:
    """Everything printed on the receipt, top to bottom.

    `commune_name` None looks the receipt's commune up in the gazetteer; "" leaves it out.
    """
    second = other(locale)
    days = receipt.processing_days if receipt.processing_days is not None else None
    if days is None:
        days = service.processing_days
    blocks: list[Block] = [
        Block("text", f"{tr('receipt.kingdom', 'km')}\n{tr('receipt.motto', 'km')}", "small"),
        Block("text", f"{tr('receipt.kingdom', 'en')} · {tr('receipt.motto', 'en')}", "small"),
        Block("text", tr("receipt.kiosk", locale), "small"),
        Block("rule"),
        Block("text", wrap_points(tr("receipt.title", locale)), "title", keep_with_next=True),
        Block("text", wrap_points(tr("receipt.title", second)), "heading", centred=True),
        Block("gap"),
        Block(
            "text",
            f"{tr('receipt.app_number', locale)} · {tr('receipt.app_number', second)}",
            "small",
            keep_with_next=True,
        ),
        Block("text", receipt.app_number, "number", keep_with_next=True),
        Block("qr", receipt.qr_payload, keep_with_next=True),
        Block(
            "text",
            tr("receipt.verification", locale, code=receipt.verification_code),
            "body",
            keep_with_next=True,
        ),
        Block("text", tr("receipt.verification", second, code=receipt.verification_code), "second"),
        Block("rule"),
        Block("text", wrap_points(service.name.get(locale)), "heading", keep_with_next=True),
        Block("text", wrap_points(service.name.get(second)), "second"),
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
        Block(
            "text", wrap_points(format_fee(receipt.fee_khr, locale)), "body", keep_with_next=True
        ),
        Block("text", wrap_points(format_fee(receipt.fee_khr, second)), "second"),
    ]
    if days:
        blocks += _pair("receipt.processing", locale, days=str(days))
    if getattr(service, "example_only", False):
        blocks += _pair("receipt.fee_example", locale, "small")
    blocks += [
        Block("rule"),
        *_pair("receipt.next_title", locale, "heading"),
        *_pair("receipt.next_body", locale),
        Block("gap"),
        *_pair("receipt.ask_title", locale, "heading"),
        *_pair("receipt.ask_body", locale),
        Block("rule"),
        *_pair("receipt.keep", locale, "body"),
    ]
    return blocks


def receipt_strings(blocks: list[Block]) -> list[str]:
    """All text drawn on a receipt (tests check the fonts cover every character)."""
    return [b.text for b in blocks if b.kind == "text"]

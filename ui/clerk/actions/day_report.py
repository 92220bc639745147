"""The end-of-day summary on paper: as receipt blocks, written and printed by the receipts'
own `write_blocks_pdf` and `print_blocks` (ui/receipts), so it prints wherever receipts print.

Both languages, like the receipt: the staff member's first, the other one smaller.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.i18n import digits, format_date, format_datetime, format_khr, tr
from kiosk.text import Text
from ui.receipts.content import Block, other

log = logging.getLogger(__name__)

COUNTS = (
    "taken",
    "originals_checked",
    "sent",
    "waiting",
    "problems",
    "supplements",
    "handovers",
)


def summary_lines(
    summary: Any, locale: str, service_names: dict[str, Text], staff_names: dict[str, Text]
) -> list[tuple[str, str]]:
    """(label, value) rows, as the screen and the paper show them."""
    rows = [
        (tr(f"clerk.act.eod.{key}", locale), digits(getattr(summary, key, 0), locale))
        for key in COUNTS
    ]
    rows.append((tr("clerk.act.eod.fees_by_service", locale), ""))
    none = ("   —", format_khr(0, locale))
    by_service = sorted(dict(summary.fees_by_service).items())
    for sid, amount in by_service:
        name = service_names.get(sid)
        rows.append(("   " + (name.get(locale) if name else sid), format_khr(amount, locale)))
    rows += [] if by_service else [none]
    rows.append((tr("clerk.act.eod.fees_by_clerk", locale), ""))
    by_clerk = sorted(dict(summary.fees_by_clerk).items())
    for staff_id, amount in by_clerk:
        who = staff_names.get(staff_id)
        rows.append(("   " + (who.get(locale) if who else staff_id), format_khr(amount, locale)))
    rows += [] if by_clerk else [none]
    total = sum(dict(summary.fees_by_service).values())
    rows.append((tr("clerk.act.eod.fees_total", locale), format_khr(total, locale)))
    return rows


def signed_line(summary: Any, locale: str, staff_names: dict[str, Text]) -> str:
    if not getattr(summary, "signed_by", None):
        return tr("clerk.act.eod.unsigned", locale)
    who = staff_names.get(summary.signed_by)
    when = summary.signed_at
    return tr(
        "clerk.act.eod.signed",
        locale,
        name=who.get(locale) if who else summary.signed_by,
        when=format_datetime(when, locale) if when else "",
    )


def day_blocks(
    summary: Any,
    locale: str,
    service_names: dict[str, Text],
    staff_names: dict[str, Text],
    commune: str | Text = "",
) -> list[Block]:
    second = other(locale)
    title = f"{tr('clerk.act.eod.title', locale)} · {tr('clerk.act.eod.title', second)}"
    blocks = [
        Block("text", title, "title"),
        Block("text", format_date(summary.day, locale), "heading"),
    ]
    if commune:
        blocks.append(Block("text", commune.get(locale) if isinstance(commune, Text) else commune))
    blocks.append(Block("rule"))
    for label, value in summary_lines(summary, locale, service_names, staff_names):
        if value:
            blocks.append(Block("text", f"{label}: {value}", "body"))
        else:
            blocks.append(Block("text", label, "heading"))
    blocks += [Block("rule"), Block("text", signed_line(summary, locale, staff_names), "body")]
    return blocks


def write_day_pdf(blocks: list[Block], path: Path) -> Path:
    """An A4 PDF, written atomically (a half-written file never appears at `path`)."""
    from ui.receipts.pdf import write_blocks_pdf

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_blocks_pdf(blocks, path, size="A4", title=f"Sala end of day {path.stem}")


def print_day(blocks: list[Block], printer_spec: str | None) -> Any:
    """Print on the kiosk's receipt printer; a `ui.receipts.printers.PrintResult`, never a
    raise for printer trouble (the same promise as receipts)."""
    from ui.receipts.printers import print_blocks

    return print_blocks(blocks, printer_spec, title="Sala end of day")

"""The end-of-day summary on paper: as receipt blocks, drawn by the receipts' own routine
(`ui/receipts`: `paint_paged` for the PDF and the system printer, `paint_receipt` and the
ESC/POS sender for thermal printers), so it prints wherever receipts print.

Both languages, like the receipt: the staff member's first, the other one smaller.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

from kiosk.i18n import digits, format_date, format_datetime, format_khr, tr, tr_text
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
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    from ui.receipts.pdf import PAGES, PDF_DPI, paint_paged

    path.parent.mkdir(parents=True, exist_ok=True)
    page_id, margin, scale = PAGES["A4"]
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(page_id))
    writer.setPageMargins(QMarginsF(margin, margin, margin, margin), QPageLayout.Unit.Millimeter)
    writer.setTitle(f"Sala end of day {path.stem}")
    writer.setCreator("Sala")
    try:
        paint_paged(writer, blocks, PDF_DPI, scale)
        del writer  # flushes and closes the file
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def print_day(blocks: list[Block], printer_spec: str | None) -> Any:
    """Print on the kiosk's receipt printer; a `ui.receipts.printers.PrintResult`, never a
    raise for printer trouble (the same promise as receipts)."""
    from kiosk.printer_spec import PrinterSettingError, parse_printer_spec
    from ui.receipts.printers import PrintResult

    try:
        spec = parse_printer_spec(printer_spec)
    except PrinterSettingError as exc:
        return PrintResult("error", tr_text("receipt.print_bad_setting"), str(exc))
    if spec.kind == "none":
        return PrintResult("no_printer", tr_text("receipt.print_no_printer"), "printer is 'none'")
    try:
        if spec.kind == "system":
            detail = _print_system(blocks, spec.target)
        else:
            from ui.receipts.printers import THERMAL_WIDTH, _print_escpos

            detail = _print_escpos(_raster(blocks, THERMAL_WIDTH), spec)
    except Exception as exc:  # printers fail in many ways; one clear message
        log.exception("printing the end of day failed")
        return PrintResult("error", tr_text("receipt.print_error"), f"{type(exc).__name__}: {exc}")
    return PrintResult("printed", tr_text("receipt.print_printed"), detail)


def _print_system(blocks: list[Block], name: str) -> str:
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    from ui.receipts.pdf import paint_paged

    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        raise RuntimeError(f"no printer called {name!r}" if name else "no default printer")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName("Sala end of day")
    paint_paged(printer, blocks, printer.resolution(), 1.0)
    return f"system printer {info.printerName()!r}"


def _raster(blocks: list[Block], width: int) -> Any:
    """The blocks as a 1-bit strip for a thermal printer (as `render_receipt_raster`)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    from ui.receipts.layout import Surface, paint_receipt
    from ui.receipts.raster import BOTTOM_FEED, SIDE_MARGIN, THERMAL_DPI, TOP_MARGIN

    surface = Surface(
        x=SIDE_MARGIN,
        y=TOP_MARGIN,
        width=width - 2 * SIDE_MARGIN,
        dots_per_pt=THERMAL_DPI / 72.0,
        pixel_snap=True,
    )
    probe = QImage(width, 8, QImage.Format.Format_Grayscale8)
    painter = QPainter(probe)
    height = paint_receipt(painter, blocks, surface, draw=False)
    painter.end()
    grey = QImage(
        width, math.ceil(TOP_MARGIN + height + BOTTOM_FEED), QImage.Format.Format_Grayscale8
    )
    grey.fill(QColor("white"))
    painter = QPainter(grey)
    paint_receipt(painter, blocks, surface)
    painter.end()
    flags = Qt.ImageConversionFlag.MonoOnly | Qt.ImageConversionFlag.ThresholdDither
    return grey.convertToFormat(QImage.Format.Format_Mono, flags)

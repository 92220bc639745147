"""The one routine that draws a receipt, for every output: PDF pages and thermal rasters.

Sizes are given in typographic points and turned into device units with `dots_per_pt`, so the
same blocks come out at the same physical size on a 203-dpi thermal head and in a PDF. Text is
laid out with QTextLayout (HarfBuzz shaping, breaks at the U+200B the Khmer strings carry, and
anywhere as a last resort so nothing runs off the paper).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTextCharFormat, QTextLayout, QTextOption

from ui.keyboard.fonts import ui_font
from ui.receipts.content import Block, Style
from ui.receipts.qr import QUIET_ZONE, draw_qr, qr_matrix

STYLE_PT: dict[Style, float] = {
    "small": 8.0,
    "second": 8.0,
    "body": 9.0,
    "heading": 10.0,
    "title": 12.0,
    "number": 17.0,
}
BOLD: frozenset[Style] = frozenset({"heading", "title", "number"})
CENTRED: frozenset[Style] = frozenset({"small", "title", "number"})
QR_SHARE = 0.55  # of the content width, up to QR_MAX_MM (times the page's type scale)
QR_MAX_MM = 34.0  # big enough to photograph off paper or screen, small enough for A6
KHMER_BOOST = 1.12  # Noto Sans Khmer looks smaller than Noto Sans at the same size
MIN_QR_MODULE_MM = 0.5


@dataclass(frozen=True)
class Surface:
    """Where to draw: content origin and width in device units, and the device's scale."""

    x: float
    y: float
    width: float
    dots_per_pt: float
    page_height: float | None = None  # None: one endless strip (thermal paper)
    pixel_snap: bool = False  # whole-dot QR modules for 1-bit printers
    scale: float = 1.0  # bigger type on bigger paper (A4)


def _mm(mm: float, s: Surface) -> float:
    return mm / 25.4 * 72 * s.dots_per_pt


def _font_px(block: Block, s: Surface) -> int:
    return max(8, round(STYLE_PT[block.style] * s.scale * s.dots_per_pt))


def _khmer_runs(text: str) -> list[tuple[int, int]]:
    """(start, length) of each run of Khmer characters, in UTF-16 units as Qt counts."""
    runs: list[tuple[int, int]] = []
    pos, start = 0, -1
    for ch in text + "\0":
        khmer = "\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff"
        if khmer and start < 0:
            start = pos
        elif not khmer and start >= 0:
            runs.append((start, pos - start))
            start = -1
        pos += 2 if ord(ch) > 0xFFFF else 1
    return runs


def _text_layout(painter: QPainter, block: Block, s: Surface) -> tuple[QTextLayout, float]:
    px = _font_px(block, s)
    bold = block.style in BOLD
    text = block.text.replace("\n", "\u2028")
    layout = QTextLayout(text, ui_font(px, bold=bold), painter.device())
    khmer = QTextCharFormat()
    khmer.setFont(ui_font(round(px * KHMER_BOOST), bold=bold))
    ranges = []
    for start, length in _khmer_runs(text):
        r = QTextLayout.FormatRange()
        r.start, r.length, r.format = start, length, khmer
        ranges.append(r)
    layout.setFormats(ranges)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    centred = block.style in CENTRED if block.centred is None else block.centred
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter if centred else Qt.AlignmentFlag.AlignLeft)
    layout.setTextOption(option)
    layout.beginLayout()
    height = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(s.width)
        line.setPosition(QPointF(0, height))
        height += line.height()
    layout.endLayout()
    return layout, height


def _qr_geometry(block: Block, s: Surface) -> tuple[list[list[bool]], float, float]:
    matrix = qr_matrix(block.text)
    modules = len(matrix) + 2 * QUIET_ZONE
    side = min(s.width * QR_SHARE, _mm(QR_MAX_MM * s.scale, s))
    module = max(side / modules, _mm(MIN_QR_MODULE_MM, s))
    if s.pixel_snap:
        module = max(2, int(module))
    return matrix, module, modules * module


def _draw_block(painter: QPainter, block: Block, s: Surface, y: float, *, draw: bool) -> float:
    gap = STYLE_PT["body"] * s.scale * s.dots_per_pt
    if block.kind == "gap":
        return gap * 0.6
    if block.kind == "rule":
        if draw:
            pen = QPen(QColor("black"), max(2.0, 0.6 * s.dots_per_pt))
            painter.setPen(pen)
            mid = round(y + gap * 0.5)
            painter.drawLine(QPointF(s.x, mid), QPointF(s.x + s.width, mid))
        return gap
    if block.kind == "qr":
        matrix, module, side = _qr_geometry(block, s)
        if draw:
            left = s.x + (s.width - side) / 2 + QUIET_ZONE * module
            top = y + QUIET_ZONE * module
            if s.pixel_snap:
                left, top = round(left), round(top)
            draw_qr(painter, left, top, module, matrix)
        return side
    layout, height = _text_layout(painter, block, s)
    if draw:
        painter.setPen(QColor("black"))
        layout.draw(painter, QPointF(s.x, y))
    after = 0.45 if block.style == "second" else 0.1  # a little air after each language pair
    return height + gap * after


def _groups(blocks: list[Block]) -> list[list[Block]]:
    """Blocks chained by keep_with_next, so a page never ends after a label."""
    groups: list[list[Block]] = []
    current: list[Block] = []
    for b in blocks:
        current.append(b)
        if not b.keep_with_next:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def paint_receipt(
    painter: QPainter,
    blocks: list[Block],
    s: Surface,
    *,
    draw: bool = True,
    new_page: Callable[[], object] | None = None,
) -> float:
    """Draw (or with draw=False only measure) `blocks`; returns the height used on the last page.

    With a page height and `new_page`, a group that does not fit starts a new page.
    """
    y = s.y
    for group in _groups(blocks):
        heights = [_draw_block(painter, b, s, 0.0, draw=False) for b in group]
        total = sum(heights)
        if s.page_height is not None and y > s.y and y + total > s.y + s.page_height:
            if draw and new_page is not None:
                new_page()
            y = s.y
        for b, h in zip(group, heights, strict=True):
            if draw:
                _draw_block(painter, b, s, y, draw=True)
            y += h
    return y - s.y


def page_count(painter: QPainter, blocks: list[Block], s: Surface) -> int:
    """How many pages `paint_receipt` uses on this surface (same rule, nothing drawn)."""
    if s.page_height is None:
        return 1
    pages, y = 1, s.y
    for group in _groups(blocks):
        total = sum(_draw_block(painter, b, s, 0.0, draw=False) for b in group)
        if y > s.y and y + total > s.y + s.page_height:
            pages += 1
            y = s.y
        y += total
    return pages

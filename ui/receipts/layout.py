"""The one routine that draws a receipt, for every output: PDF pages and thermal rasters.

Sizes are given in typographic points and turned into device units with `dots_per_pt`, so the
same blocks come out at the same physical size on a 203-dpi thermal head and in a PDF. Text is
laid out with QTextLayout (HarfBuzz shaping, breaks at the U+200B the Khmer strings carry, and
anywhere as a last resort so nothing runs off the paper).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTextCharFormat, QTextLayout, QTextOption

from ui.keyboard.fonts import ui_font
from ui.receipts.content import Block, Style
from ui.receipts.qr import QUIET_ZONE, draw_qr, qr_matrix

STYLE_PT: dict[Style, float] = {
    "small": 8.0,
    "second": 8.0,
    "body": 9.0,
    "heading": 9.5,
    "title": 11.0,
    "number": 16.0,
}
BOLD: frozenset[Style] = frozenset({"heading", "title", "number"})
CENTRED: frozenset[Style] = frozenset({"small", "title", "number"})
QR_SHARE = 0.55  # of the content width, up to QR_MAX_MM (times the page's type scale)
QR_MAX_MM = 34.0  # big enough to photograph off paper or screen, small enough for A6
QR_SIDE_SHARE = 0.3  # with text beside it: of the content width, up to QR_SIDE_MM
QR_SIDE_MM = 28.0  # a receipt code (version 2-3) still has modules of ~0.8 mm
SIDE_GAP_MM = 3.0
KHMER_BOOST = 1.12  # Noto Sans Khmer looks smaller than Noto Sans at the same size
MIN_QR_MODULE_MM = 0.5
MIN_PT = 7.0  # no text is set smaller than this when a receipt is shrunk to fit its page


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


def _qr_geometry(
    block: Block, s: Surface, *, beside: bool = False
) -> tuple[list[list[bool]], float, float]:
    matrix = qr_matrix(block.text)
    modules = len(matrix) + 2 * QUIET_ZONE
    if beside:
        side = min(s.width * QR_SIDE_SHARE, _mm(QR_SIDE_MM * s.scale, s))
    else:
        side = min(s.width * QR_SHARE, _mm(QR_MAX_MM * s.scale, s))
    module = max(side / modules, _mm(MIN_QR_MODULE_MM, s))
    if s.pixel_snap:
        module = max(2, int(module))
    return matrix, module, modules * module


def _draw_block(painter: QPainter, block: Block, s: Surface, y: float, *, draw: bool) -> float:
    gap = STYLE_PT["body"] * s.scale * s.dots_per_pt
    if block.kind == "gap":
        return gap * 0.4
    if block.kind == "rule":
        if draw:
            pen = QPen(QColor("black"), max(2.0, 0.6 * s.dots_per_pt))
            painter.setPen(pen)
            mid = round(y + gap * 0.35)
            painter.drawLine(QPointF(s.x, mid), QPointF(s.x + s.width, mid))
        return gap * 0.7
    if block.kind == "qr":
        return _draw_qr_block(painter, block, s, y, draw=draw)
    layout, height = _text_layout(painter, block, s)
    if draw:
        painter.setPen(QColor("black"))
        layout.draw(painter, QPointF(s.x, y))
    after = 0.35 if block.style == "second" else 0.05  # a little air after each language pair
    return height + gap * after


def _draw_qr_block(painter: QPainter, block: Block, s: Surface, y: float, *, draw: bool) -> float:
    """The code, with its `side` blocks beside it when they fit there, else centred above them."""
    column = _beside(painter, block, s)
    matrix, module, side = _qr_geometry(block, s, beside=column is not None)
    left = s.x if column is not None else s.x + (s.width - side) / 2
    if draw:
        x0, top = left + QUIET_ZONE * module, y + QUIET_ZONE * module
        if s.pixel_snap:
            x0, top = round(x0), round(top)
        draw_qr(painter, x0, top, module, matrix)
    if column is None:
        below = y + side
        for b in block.side:
            below += _draw_block(painter, replace(b, centred=None), s, below, draw=draw)
        return below - y
    text_h = sum(_draw_block(painter, b, column, 0.0, draw=False) for b in block.side)
    top = y + max(0.0, (side - text_h) / 2)  # the text centred against the code
    for b in block.side:
        top += _draw_block(painter, b, column, top, draw=draw)
    return max(side, text_h)


def _beside(painter: QPainter, block: Block, s: Surface) -> Surface | None:
    """The column right of the code, if the side text fits there without breaking a number
    (an application number split over two lines is misread); None: stack them instead."""
    if not block.side:
        return None
    side = min(s.width * QR_SIDE_SHARE, _mm(QR_SIDE_MM * s.scale, s))
    gap = _mm(SIDE_GAP_MM, s)
    column = replace(s, x=s.x + side + gap, width=s.width - side - gap)
    for b in block.side:
        if b.kind == "text" and b.style == "number":
            layout, _h = _text_layout(painter, b, column)
            if layout.lineCount() > 1:
                return None
    return column


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


def fit_scale(painter: QPainter, blocks: list[Block], s: Surface) -> float:
    """The largest type scale, from `s.scale` down, at which `blocks` fit on one page while no
    text gets smaller than MIN_PT; `s.scale` itself when nothing fits (then it pages)."""
    if s.page_height is None:
        return s.scale
    smallest = min(STYLE_PT.values())
    scale = s.scale
    while smallest * scale >= MIN_PT - 1e-6:
        if page_count(painter, blocks, replace(s, scale=scale)) == 1:
            return scale
        scale = round(scale - 0.025, 3)
    return s.scale

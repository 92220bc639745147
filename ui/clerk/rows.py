"""How the staff screens word a queue row, a status and a sync state, in the staff member's
language (`clerk.ui.*`); an unknown word is shown as it is rather than hidden. And the queue
row's card: one painted widget, refilled from the home screen's pool."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QWidget

from kiosk.i18n import format_datetime, wrap_points
from kiosk.i18n import tr as core_tr
from ui.widgets.basic import MIN_TOUCH_PX
from ui.widgets.text import tr

# (status, sync state) pairs where the sync state only repeats the status
SAYS_THE_SAME = {("submitted", "waiting"), ("uploading", "sending")}


def word(prefix: str, value: str | None, locale: str) -> str:
    """`clerk.ui.<prefix>.<value>` if there is such a text, else the value itself."""
    if not value:
        return ""
    key = f"clerk.ui.{prefix}.{value}"
    text = core_tr(key, locale)
    return value if text == key else text


def when_text(when: datetime | str | None, locale: str) -> str:
    """A stored moment (datetime or ISO text, naive = UTC) in Cambodian time."""
    if when is None or when == "":
        return ""
    if isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return when
    else:
        moment = when
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, locale)


def service_name(catalog: Any, service_id: str, locale: str) -> str:
    service = catalog.services.get(service_id) if catalog is not None else None
    return service.name.get(locale) if service is not None else service_id


class RowLook:
    """The fonts and colours of a row card, read once from the stylesheet's card roles
    (kiosk.qss stays the one owner of the look; a card paints its lines itself)."""

    ROLES = ("card_title", "card_line", "card_hint")

    def __init__(self, host: QWidget) -> None:
        self.fonts: dict[str, QFont] = {}
        self.colours: dict[str, QColor] = {}
        for role in self.ROLES:
            probe = QLabel(host)
            probe.setProperty("role", role)
            probe.hide()
            probe.ensurePolished()
            self.fonts[role] = QFont(probe.font())
            self.colours[role] = QColor(probe.palette().color(QPalette.ColorRole.WindowText))
            probe.deleteLater()
        self.metrics = {role: QFontMetrics(font) for role, font in self.fonts.items()}


class QueueRowCard(QFrame):
    """One application in a list, as ONE widget that paints its lines (no labels or layout
    inside: 50 cards of 4 wrapping labels each took ~0.2-0.4 s to build and lay out on the
    GUI thread). The home screen keeps a pool of these and refills them (`show_row`).

    The whole card is the target (on release, inside it, so a drag that scrolls the list
    opens nothing). A long line wraps (never cut): the card is as tall as its width needs,
    measured once per width."""

    clicked = Signal(str)  # the registration id
    PAD_X, PAD_Y, GAP = 20, 10, 2

    def __init__(self, look: RowLook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = look
        self.reg_id = ""
        self.app_number = ""
        self.lines: list[tuple[str, str]] = []  # (role, text): name, number and service, state
        self.note = ""  # the officer's note, under the lines
        self.shows: tuple[Any, str] | None = None  # (the row, the locale) it was filled with
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.ensurePolished()  # the stylesheet now (made ahead), not when first shown
        self._natural: list[int] = []  # each line's width on one line (measured once)
        self._hfw: dict[int, list[int]] = {}  # width -> each line's height there

    def show_row(self, row: Any, locale: str, catalog: Any) -> None:
        """Show `row` (a kiosk.clerk.QueueRow) in `locale`."""
        self.shows = (row, locale)
        self.reg_id = row.reg_id
        self.app_number = row.app_number
        self.setObjectName(f"row_{row.app_number}")
        service = service_name(catalog, row.service_id, locale)
        parts = [when_text(row.submitted_at, locale), word("status", row.status, locale)]
        if (row.status, row.sync_state) not in SAYS_THE_SAME:
            parts.append(word("sync", row.sync_state, locale))
        self.lines = [
            ("card_title", wrap_points(row.name or row.app_number)),
            ("card_line", wrap_points(f"{row.app_number} · {service}")),
            ("card_hint", wrap_points(" · ".join(p for p in parts if p))),
        ]
        self.note = wrap_points(tr("clerk.ui.row.note", locale, note=row.note)) if row.note else ""
        self.setAccessibleName(" · ".join(t for _r, t in self._all_lines()))
        metrics = self.look.metrics
        self._natural = [metrics[r].horizontalAdvance(t) for r, t in self._all_lines()]
        self._hfw = {}
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        """Forget the row (the pool keeps the card, hidden, holding nobody's data)."""
        self.reg_id = self.app_number = self.note = ""
        self.lines = []
        self.shows = None
        self.setObjectName("")  # findChild must not find a spare card
        self.setAccessibleName("")
        self._natural, self._hfw = [], {}

    # -- size ----------------------------------------------------------------------------------
    def _all_lines(self) -> list[tuple[str, str]]:
        return [*self.lines, ("card_hint", self.note)] if self.note else self.lines

    def _inner_width(self, width: int) -> int:
        return max(1, width - 2 * (self.frameWidth() + self.PAD_X))

    def _heights(self, width: int) -> list[int]:
        """Each line's height at `width`: one line's if it fits on one (known from its width
        measured once), else wrapped (measured, and kept per width: layout asks often)."""
        heights = self._hfw.get(width)
        if heights is None:
            inner, metrics = self._inner_width(width), self.look.metrics
            box = QRect(0, 0, inner, 100_000)
            heights = [
                metrics[role].height()
                if natural <= inner
                else metrics[role].boundingRect(box, WRAP_FLAGS, text).height()
                for (role, text), natural in zip(self._all_lines(), self._natural, strict=True)
            ]
            if len(self._hfw) > 8:
                self._hfw.clear()
            self._hfw[width] = heights
        return heights

    def _outer(self, heights: list[int]) -> int:
        gaps = self.GAP * max(0, len(heights) - 1)
        return 2 * (self.frameWidth() + self.PAD_Y) + sum(heights) + gaps

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._outer(self._heights(width))

    def sizeHint(self) -> QSize:
        # Not measured at the card's own width: a card not laid out yet is 100 px wide, where
        # every line would wrap (and be shaped again); the layout asks `heightForWidth`.
        return QSize(400, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """The height when every line fits on one (what the list reckons a card takes)."""
        metrics = self.look.metrics
        return QSize(MIN_TOUCH_PX * 2, self._outer([metrics[r].height() for r in RowLook.ROLES]))

    # -- painting and taps ---------------------------------------------------------------------
    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)  # the card's background and border, from the stylesheet
        if not self.lines:
            return
        look = self.look
        inner = self.contentsRect().adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        painter = QPainter(self)
        try:
            y = inner.top()
            for (role, text), height in zip(
                self._all_lines(), self._heights(self.width()), strict=True
            ):
                painter.setFont(look.fonts[role])
                painter.setPen(look.colours[role])
                painter.drawText(QRect(inner.left(), y, inner.width(), height), WRAP_FLAGS, text)
                y += height + self.GAP
        finally:
            painter.end()

    def mousePressEvent(self, event: Any) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self.reg_id and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.reg_id)
        event.accept()


WRAP_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)

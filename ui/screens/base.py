"""What every screen shares: the app context, a scrollable body and the enter/reset protocol.

A screen never reaches the store or the disk itself; it asks `ctx.tasks`. `reset()` must put a
screen back to how the first citizen of the day saw it (no one sees the previous citizen's data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore  # `QtCore.Qt` where used: not before the first paint (ui/app.py)
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ui.session import Session
from ui.widgets.text import tr

if TYPE_CHECKING:
    import datetime as dt

    from ui.navigator import Navigator
    from ui.tasks import TaskManager


def local_today() -> dt.date:
    """Today in Cambodia, whatever the machine's clock zone: ages and "in the past" are checked
    against the same clock as receipts and the status screen (`kiosk.i18n.cambodia_today`)."""
    from kiosk.i18n import cambodia_today

    return cambodia_today()


class AppContext:
    """The kiosk's shared parts, handed to every screen. (Not a dataclass: those compile their
    methods at import, ~0.3 ms of start-up each.)"""

    def __init__(
        self,
        tasks: TaskManager,
        session: Session,
        config: Any = None,  # kiosk.config.Config
        catalog: Any = None,  # kiosk.catalog Catalog, once loaded
        gazetteer: Any = None,  # kiosk.gazetteer Gazetteer, once loaded
        today: Callable[[], dt.date] = local_today,
        camera: str = "auto",
        printer: Any = None,  # a ui.receipts printer, or None when there is none
        retention_days: int = 90,
        extras: dict[str, Any] | None = None,
    ) -> None:
        self.tasks = tasks
        self.session = session
        self.config = config
        self.catalog = catalog
        self.gazetteer = gazetteer
        self.today = today
        self.camera = camera
        self.printer = printer
        self.retention_days = retention_days
        self.extras: dict[str, Any] = {} if extras is None else extras

    @property
    def locale(self) -> str:
        return self.session.locale

    def tr(self, key: str, **kw: object) -> str:
        return tr(key, self.session.locale, **kw)


class Screen(QWidget):
    """A full-window page. Subclasses fill `self.body` and `self.footer`."""

    name = "screen"
    scrolls = True  # long content scrolls rather than being cut at 1366×768

    def __init__(self, ctx: AppContext, nav: Navigator) -> None:
        super().__init__()
        self.ctx = ctx
        # The screen's journey, as its navigator (`ui.navigator`): a subclass narrows the type
        # to its journey's protocol (e.g. `ui.citizen.CitizenNav`) to reach its operations.
        self.nav = nav
        self.setObjectName(f"screen_{self.name}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        inner = QWidget()
        inner.setObjectName("screenBody")
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(48, 24, 48, 24)
        self.body.setSpacing(18)
        if self.scrolls:
            # Imported here: the attract screen (shown first) does not scroll, and PySide makes
            # a type (and its enums) on first use.
            from PySide6.QtWidgets import QFrame, QScrollArea

            self.scroll_area = QScrollArea()
            self.scroll_area.setWidgetResizable(True)
            self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll_area.setHorizontalScrollBarPolicy(
                QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )
            self.scroll_area.setWidget(inner)
            touch_scroll(self.scroll_area)
            outer.addWidget(self.scroll_area, 1)
        else:
            outer.addWidget(inner, 1)
        foot = QWidget()
        foot.setObjectName("screenFooter")
        self.footer = QHBoxLayout(foot)
        self.footer.setContentsMargins(48, 8, 48, 8)
        self.footer.setSpacing(24)
        outer.addWidget(foot)
        self._foot = foot

    @property
    def lang(self) -> str:
        """The session's language, "km" | "en" (not QWidget.locale(), a QLocale)."""
        return str(self.ctx.session.locale)

    def tr(self, key: str, **kw: object) -> str:  # type: ignore[override]  # not Qt's tr()
        return tr(key, self.ctx.session.locale, **kw)

    def enter(self, **kw: Any) -> None:
        """Called each time the screen is shown; `kw` from `nav.go`."""
        self.retranslate()

    def retranslate(self) -> None:
        """Set every text for the session's locale, without touching what was typed."""

    def reset(self) -> None:
        """Forget everything shown for the last citizen."""

    def scroll_to_top(self) -> None:
        if self.scrolls:
            self.scroll_area.verticalScrollBar().setValue(0)


def touch_scroll(area: Any) -> None:
    """A finger drag scrolls `area` (a QAbstractScrollArea), with momentum; a tap still clicks.

    Citizens drag content as on a phone; the scrollbar alone (or a mouse wheel) is not how a
    touchscreen is used (issue 11, S1.3). Mouse gestures too: touchscreens without a touch
    driver, and XTest in the window tests, send mouse events."""
    from PySide6.QtWidgets import QAbstractItemView, QScroller, QScrollerProperties

    if isinstance(area, QAbstractItemView):  # per-pixel, or a flick jumps a whole row
        area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    viewport = area.viewport()
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(viewport)
    props = scroller.scrollerProperties()
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    props.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.VerticalOvershootPolicy, off)
    # A tap's press reaches the button at once (no 0.25 s delay that makes taps feel dead);
    # a drag that starts on a button then just scrolls, and the button is not clicked.
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(props)


def clear_layout(layout: Any) -> None:
    """Remove and delete every item of a layout (rebuilt screens must not leak old widgets)."""
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget()
        if w is not None:
            # hide() + deleteLater() only: setParent(None) makes each one a top-level window
            # for a moment (native window state, style, events): ~0.7 ms a widget, measured.
            w.hide()
            w.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())

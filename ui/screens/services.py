"""Choose a service: one big card per catalog service, with fee, time and what to bring.

Hidden services (`catalog.hidden`) never appear; the technician log says why (logged once per
catalog by the window when it loads the catalog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from kiosk.i18n import format_khr, wrap_points
from ui.screens.ahead import later, render_ahead
from ui.screens.base import Screen
from ui.widgets.basic import MIN_TOUCH_PX, BigButton, wrap_label
from ui.widgets.text import tr as tr_ui

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext


def fee_text(fee_khr: int, locale: str, tr: Any) -> str:
    """The card's fee line; the amount is written by `kiosk.i18n.format_khr`, as on receipts."""
    if not fee_khr:
        return tr("ui.services.free")
    return tr("ui.services.fee", fee=format_khr(fee_khr, locale))


def papers_text(service: Any, locale: str) -> str:
    return ", ".join(wrap_points(p.get(locale)) for p in service.papers)


class ServiceCard(QFrame):
    """A big touchable card; the whole card is the target."""

    clicked = Signal(str)

    def __init__(self, service: Any, locale: str, tr: Any) -> None:
        super().__init__()
        self.service_id = service.id
        self.setObjectName(f"service_{service.id}")
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(MIN_TOUCH_PX * 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 18, 24, 18)
        box.setSpacing(6)
        box.addWidget(wrap_label(wrap_points(service.name.get(locale)), role="card_title"))
        box.addWidget(wrap_label(fee_text(service.fee_khr, locale, tr), role="card_line"))
        box.addWidget(
            wrap_label(tr("ui.services.days", days=service.processing_days), role="card_line")
        )
        if service.papers:
            box.addWidget(
                wrap_label(
                    tr("ui.services.bring", papers=papers_text(service, locale)), role="card_hint"
                )
            )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.service_id)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()


WARM_LATER_MS = 100  # between the parts made ahead (each a turn or a few)


class _Grid:
    """One language's cards in a grid of one or two columns."""

    def __init__(self) -> None:
        self.box = QWidget()
        self.box.hide()
        self.grid = QGridLayout(self.box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(18)
        self.columns = 0
        self.filled = False

    def fill(self, cards: list[ServiceCard], columns: int, none_text: str) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None and not isinstance(w, ServiceCard):
                w.hide()
                w.deleteLater()
        self.columns, self.filled = columns, True
        if not cards:
            self.grid.addWidget(wrap_label(none_text, role="body"), 0, 0)
            return
        for i, card in enumerate(cards):
            self.grid.addWidget(card, i // columns, i % columns)
            card.show()
        for c in range(2):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)


class ServicesScreen(Screen):
    name = "services"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.body.addWidget(self.heading)
        self.note = wrap_label(role="hint")
        self.body.addWidget(self.note)
        self.body.addStretch(1)
        self.cards: list[ServiceCard] = []
        self._cache: dict[str, list[ServiceCard]] = {}
        # One grid per language, each laid out once: switching language shows the other one
        # instead of moving the cards (a relayout of the whole screen on the first tap).
        self._grids: dict[str, _Grid] = {}
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(lambda: self.nav.go("language"))
        self.status = BigButton(kind="secondary")
        self.status.setObjectName("checkStatus")
        self.status.clicked.connect(lambda: self.nav.go("status_check"))
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.status)

    def retranslate(self) -> None:
        self._set_texts(self.lang)

    def _set_texts(self, locale: str) -> None:
        self.heading.setText(tr_ui("ui.services.title", locale))
        self.back.setText(tr_ui("ui.nav.back", locale))
        self.status.setText(tr_ui("ui.services.check_status", locale))
        catalog = self.ctx.catalog
        example = catalog is not None and any(s.example_only for s in catalog.services.values())
        self.note.setText(tr_ui("ui.services.example_only", locale) if example else "")
        self.note.setVisible(example)
        self._build(locale)

    def _cards_for(self, locale: str) -> list[ServiceCard]:
        """The cards in `locale`, built once per catalog (built and polished while the
        attract screen shows, so the first touch does not wait for Khmer text layout)."""
        cards = self._cache.get(locale)
        if cards is None:
            catalog = self.ctx.catalog
            services = list(catalog.services.values()) if catalog is not None else []
            tr = lambda key, **kw: tr_ui(key, locale, **kw)  # noqa: E731
            cards = []
            for service in services:
                card = ServiceCard(service, locale, tr)
                card.setParent(self)
                card.hide()
                card.clicked.connect(self._on_card_clicked)
                card.ensurePolished()
                for label in card.findChildren(QLabel):
                    label.ensurePolished()
                    label.heightForWidth(500)
                cards.append(card)
            self._cache[locale] = cards
        return cards

    def prepare(self) -> None:
        """Build both languages' cards ahead of time (called when the catalog arrives)."""
        for grid in self._grids.values():
            grid.box.hide()
            grid.box.deleteLater()  # with its cards
        for card_list in self._cache.values():
            for card in card_list:
                card.deleteLater()
        self._grids, self._cache, self.cards = {}, {}, []
        # One language per turn: English first, Khmer last (what most citizens choose shows
        # in the end); the cards on one turn, the grid's layout and paint on the next ones.
        later(0, lambda: self._cards_for("en"))
        later(WARM_LATER_MS, lambda: self._lay_out_ahead("en"))
        later(2 * WARM_LATER_MS, lambda: self._cards_for("km"))
        later(3 * WARM_LATER_MS, lambda: self._lay_out_ahead("km"))

    def _lay_out_ahead(self, locale: str) -> None:
        """Lay the screen out and paint it once off screen in `locale`, while the attract
        screen shows: the first entry took 50-70 ms (the grid's first layout, shaping and
        drawing the cards' text), now it finds all of it done."""
        if self.isVisible() or self.window() is self:
            return
        self._set_texts(locale)
        render_ahead(self, lambda: self.cards is self._cache.get(locale))

    def _build(self, locale: str) -> None:
        """Show `locale`'s grid (filled the first time, or when the column count changed)."""
        cols = self._column_count()
        grid = self._grids.get(locale)
        if grid is None:
            grid = self._grids[locale] = _Grid()
            self.body.insertWidget(self.body.indexOf(self.note) + 1, grid.box)
        if grid.columns != cols or not grid.filled:
            grid.fill(self._cards_for(locale), cols, tr_ui("ui.services.none", locale))
        for loc, other in self._grids.items():
            if loc != locale and not other.box.isHidden():
                other.box.hide()
        if grid.box.isHidden():
            grid.box.show()
        self.cards = self._cards_for(locale)

    def _column_count(self) -> int:
        width = self.window().width() if self.window() is not None else self.width()
        return 2 if width >= 1200 else 1

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        showing = next((loc for loc, g in self._grids.items() if not g.box.isHidden()), None)
        if showing is not None and self._grids[showing].columns != self._column_count():
            self._build(showing)

    def _on_card_clicked(self, service_id: str) -> None:
        self.nav.go("service_detail", service_id=service_id)

    def reset(self) -> None:
        self.scroll_to_top()

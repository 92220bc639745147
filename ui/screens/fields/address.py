"""An address as province → district → commune → village lists, starting at this commune.

The chosen levels show as buttons (touch one to choose that level again); the list below
offers the next level. The search box filters the list, and when nothing in it matches it
searches villages across the country. Gazetteer lookups are in-memory dict hits (the gazetteer
was loaded off the GUI thread at start-up).

The list is as tall as its items (the page scrolls, not a small box inside it), and a new
list is scrolled into view. Where the form asked an address earlier (place of birth), one
tap on "Same as <that question>" copies it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.screens.fields.base import FieldWidget
from ui.widgets.basic import WrapButton, wrap_label

LEVELS = ("province", "district", "commune", "village")


class AddressField(FieldWidget):
    keyboard_layer = "km"

    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.codes: dict[str, str] = {}
        self.crumbs_box = QVBoxLayout()
        self.crumbs_box.setSpacing(8)
        self.crumbs: dict[str, WrapButton] = {}
        for level in LEVELS:
            b = WrapButton(kind="crumb")
            b.setObjectName(f"crumb_{field.id}_{level}")
            b.clicked.connect(lambda _=False, lv=level: self._on_crumb(lv))
            self.crumbs[level] = b
            self.crumbs_box.addWidget(b)
        self.input.addLayout(self.crumbs_box)
        self.same = WrapButton(kind="secondary")
        self.same.setObjectName(f"same_{field.id}")
        self.same.clicked.connect(self._on_same)
        self.input.addWidget(self.same)
        self.level_label = wrap_label(role="subheading")
        self.input.addWidget(self.level_label)
        self.search = QLineEdit()
        self.search.setObjectName(f"search_{field.id}")
        self.search.setProperty("sala_keyboard", "km")
        self.search.textChanged.connect(self._refill)
        self.input.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName(f"list_{field.id}")
        self.list.setWordWrap(True)
        # No box-in-a-box: the list is as tall as its items and the page scrolls.
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.itemClicked.connect(self._on_item)
        self.input.addWidget(self.list)
        self.empty = wrap_label(role="hint")
        self.input.addWidget(self.empty)
        self.start_here()

    # -- state -----------------------------------------------------------------------------
    @property
    def gazetteer(self) -> Any:
        return self.ctx.gazetteer

    def start_here(self) -> None:
        """Start at the kiosk's own commune: most people live near the commune hall."""
        self.codes = {}
        gz, cfg = self.gazetteer, self.ctx.config
        code = getattr(cfg, "commune_code", None)
        if gz is not None and code:
            for place in gz.path(code):
                self.codes[place.level] = place.code
        self._update()

    def _next_level(self) -> str | None:
        for level in LEVELS:
            if level not in self.codes:
                return level
        return None

    def _update(self) -> None:
        gz, loc = self.gazetteer, self.lang
        for level, b in self.crumbs.items():
            code = self.codes.get(level)
            place = gz.get(code) if gz is not None and code else None
            b.setVisible(place is not None)
            if place is not None:
                b.setText(
                    f"{self.tr('ui.address.' + level)}: {place.name.get(loc)}  ·  "
                    f"{self.tr('ui.address.change')}"
                )
        next_level = self._next_level()
        chooser = next_level is not None
        self.level_label.setVisible(chooser)
        self.search.setVisible(chooser)
        self.list.setVisible(chooser)
        if next_level is not None:
            self.level_label.setText(
                f"{self.tr('ui.address.choose')}: {self.tr('ui.address.' + next_level)}"
            )
            self.search.setPlaceholderText(self.tr(f"ui.address.search.{next_level}"))
        self._update_same()
        self._refill()

    def _refill(self) -> None:
        self.list.clear()
        gz, level = self.gazetteer, self._next_level()
        self.empty.hide()
        if gz is None or level is None:
            return
        parent = self.codes.get(LEVELS[LEVELS.index(level) - 1]) if level != "province" else None
        places = gz.children(parent) if parent else gz.provinces()
        text = self.search.text().strip()
        loc = self.lang
        if text:
            from kiosk.gazetteer import normalise_name

            needle = normalise_name(text)
            places = [
                p
                for p in places
                if needle in normalise_name(p.name.km) or needle in normalise_name(p.name.en)
            ]
            if not places:  # not here: look across the country
                places = gz.search(text, level="village", limit=20)
        for p in places:
            shown = p.name.get(loc)
            if p.level == "village" and (parent is None or p.parent != parent):
                shown = " › ".join(x.name.get(loc) for x in gz.path(p.code))
            item = QListWidgetItem(shown)
            item.setData(Qt.ItemDataRole.UserRole, p.code)
            self.list.addItem(item)
        if not places:
            self.empty.setText(self.tr("ui.address.no_results"))
            self.empty.show()
        self._fit_list()

    def _fit_list(self) -> None:
        """Size the list to its items (wrapped names included) so the page scrolls once."""
        rows = self.list.count()
        height = sum(self.list.sizeHintForRow(i) for i in range(rows)) if rows else 0
        frame = 2 * self.list.frameWidth()
        self.list.setFixedHeight(max(height, 60) + frame + 4)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_list()  # wrapped rows change height with the width

    def _scroll_into_view(self) -> None:
        """Bring the next level's heading to the top of the page (the list starts under it)."""
        area = self._scroll_area()
        if area is None or not self.level_label.isVisible():
            return
        content = area.widget()
        if content is None:
            return
        y = self.level_label.mapTo(content, self.level_label.rect().topLeft()).y()
        area.verticalScrollBar().setValue(max(0, y - 16))

    def _scroll_area(self) -> QScrollArea | None:
        w = self.parentWidget()
        while w is not None and not isinstance(w, QScrollArea):
            w = w.parentWidget()
        return w

    # -- "same as" an earlier address ------------------------------------------------------
    def _earlier_address(self) -> tuple[Any, dict[str, str]] | None:
        """The last address question before this one that has an answer, and the answer."""
        service = getattr(self.ctx.session, "service", None)
        answers = self.ctx.session.answers
        found: tuple[Any, dict[str, str]] | None = None
        for f in getattr(service, "fields", ()):
            if f.id == self.field.id:
                break
            value = answers.get(f.id)
            if str(f.type) == "address" and isinstance(value, dict) and value.get("village"):
                found = (f, value)
        return found

    def _update_same(self) -> None:
        earlier = self._earlier_address()
        if earlier is None or dict(self.codes) == {
            k: v for k, v in earlier[1].items() if k in LEVELS
        }:
            self.same.hide()
            return
        label = earlier[0].label.get(self.lang).rstrip("?:៖ ")
        self.same.setText(self.tr("ui.address.same_as", label=label))
        self.same.show()

    def _on_same(self) -> None:
        earlier = self._earlier_address()
        gz = self.gazetteer
        if earlier is None or gz is None:
            return
        code = earlier[1].get("village")
        if not isinstance(code, str) or gz.get(code) is None:
            return
        self.codes = {p.level: p.code for p in gz.path(code)}
        self.clear_error()
        self._update()
        self.edited.emit()

    def _on_item(self, item: QListWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        gz = self.gazetteer
        for place in gz.path(code):
            self.codes[place.level] = place.code
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._update()
        self.edited.emit()
        QTimer.singleShot(0, self._scroll_into_view)

    def _on_crumb(self, level: str) -> None:
        for lv in LEVELS[LEVELS.index(level) :]:
            self.codes.pop(lv, None)
        self._update()
        self.edited.emit()
        QTimer.singleShot(0, self._scroll_into_view)

    # -- FieldWidget -----------------------------------------------------------------------
    def retranslate(self) -> None:
        super().retranslate()
        # place names are searchable in either script: offer the citizen's own keyboard
        self.search.setProperty("sala_keyboard", "km" if self.lang == "km" else "en")
        self._update()

    def raw_value(self) -> Any:
        return dict(self.codes) if self.codes else None

    def set_value(self, value: Any) -> None:
        gz = self.gazetteer
        self.initial_issue = None
        if not value:
            self.start_here()
            return
        code = value.get("village") if isinstance(value, dict) else None
        if gz is None or not isinstance(code, str) or gz.get(code) is None:
            self.start_here()
            self.initial_issue = "ui.address.unknown"
            self.show_error(self.tr("ui.address.unknown"))
            return
        self.initial_issue = None
        self.codes = {p.level: p.code for p in gz.path(code)}
        self._update()

    def choose(self, code: str) -> bool:
        """Choose a place by code as a tap on its list item would (tests, drafts)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == code:
                self._on_item(item)
                return True
        return False

    def focus_target(self) -> QWidget | None:
        return None  # choosing from the lists needs no keyboard; a tap on search brings it

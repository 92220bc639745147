"""The attract screen: a big bilingual welcome; a touch anywhere starts a session, and a
second big button goes straight to "Check my application" (one tap, no language step: the
top bar's toggle switches language there)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from ui.screens.base import Screen
from ui.widgets.basic import BigButton, set_enum_property, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:  # PySide makes a type on first use: QMouseEvent's chain only when touched
    from collections.abc import Callable

    from PySide6.QtGui import QMouseEvent, QResizeEvent

    from ui.navigator import Navigator
    from ui.screens.base import AppContext


class AttractScreen(Screen):
    name = "attract"
    scrolls = False
    touched = Signal()

    def __init__(self, ctx: AppContext, nav: Navigator) -> None:
        super().__init__(ctx, nav)
        self.body.addStretch(2)
        self.title_km = wrap_label(tr("ui.attract.title", "km"), role="hero")
        self.title_en = wrap_label(tr("ui.attract.title", "en"), role="hero_en")
        self.touch_km = wrap_label(tr("ui.attract.touch", "km"), role="lead")
        self.touch_en = wrap_label(tr("ui.attract.touch", "en"), role="lead")
        self.commune = wrap_label("", role="commune")
        # What the technician must do when the kiosk is out of service; hidden otherwise.
        self.detail = wrap_label("", role="hint")
        self.detail.hide()
        for w in (
            self.title_km,
            self.title_en,
            self.touch_km,
            self.touch_en,
            self.detail,
            self.commune,
        ):
            set_enum_property(w, "alignment", "AlignCenter")  # no `Qt` before the first paint
            self.body.addWidget(w)
        self.body.addStretch(1)
        self.start = BigButton(
            f"{tr('ui.detail.start', 'km')} / {tr('ui.detail.start', 'en')}", kind="primary"
        )
        self.start.setObjectName("attractStart")
        self.start.clicked.connect(self.touched.emit)
        self.check = BigButton(
            f"{tr('ui.attract.check', 'km')} / {tr('ui.attract.check', 'en')}", kind="secondary"
        )
        self.check.setObjectName("attractCheck")
        self.check.clicked.connect(self._on_check)
        box = QVBoxLayout()
        box.setSpacing(24)
        for button in (self.start, self.check):  # centred at their own width, between stretches
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            row.addStretch(1)
            box.addLayout(row)
        self.body.addLayout(box)
        self.body.addStretch(2)
        # The clerk station's way in: a visible button, no hidden gesture (issue 12). Shown by
        # `show_staff_entry` once the station exists (after the first paint: its strings are
        # in another translation file, not parsed before it). In the bottom corner, outside
        # the layout: the welcome's own buttons keep their room at 1366×768.
        self.staff = BigButton(parent=self)
        self.staff.setObjectName("attractStaff")
        self.staff.clicked.connect(self._on_staff)
        self.staff.hide()
        self._open_station: Callable[[], None] | None = None
        self._foot.hide()
        self._out_of_service = False

    @property
    def out_of_service(self) -> bool:
        return self._out_of_service

    def set_out_of_service(self, reason_km: str, reason_en: str) -> None:
        """The kiosk cannot keep what a citizen types (store damaged, locked, read-only):
        say so plainly, tell the technician what to do, and start no session."""
        self._out_of_service = True
        self.title_km.setText(tr("ui.attract.out_of_service", "km"))
        self.title_en.setText(tr("ui.attract.out_of_service", "en"))
        self.touch_km.setText(tr("ui.attract.ask_clerk", "km"))
        self.touch_en.setText(tr("ui.attract.ask_clerk", "en"))
        self.detail.setText("\n".join(r for r in (reason_km, reason_en) if r))
        self.detail.show()
        self.start.hide()
        self.check.hide()
        self.staff.hide()

    def _on_check(self) -> None:
        """Straight to the status check; its Back returns here (`origin`)."""
        if not self._out_of_service:
            self.nav.go("status_check", origin="attract")

    def show_staff_entry(self, text: str, open_station: Callable[[], None]) -> None:
        self._open_station = open_station
        self.staff.setText(text)
        self._place_staff()
        self.staff.setVisible(not self._out_of_service)

    def _place_staff(self) -> None:
        hint = self.staff.sizeHint()
        self.staff.setGeometry(
            self.width() - hint.width() - 24,
            self.height() - hint.height() - 16,
            hint.width(),
            hint.height(),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_staff()

    def _on_staff(self) -> None:
        """Staff sign-in (the clerk's journey takes the stack)."""
        if not self._out_of_service and self._open_station is not None:
            self._open_station()

    def set_commune(self, name_km: str, name_en: str) -> None:
        self.commune.setText(f"{name_km}\n{name_en}" if name_en else name_km)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._out_of_service:
            self.touched.emit()
        event.accept()

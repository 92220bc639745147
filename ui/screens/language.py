"""Choose Khmer or English with one tap; the choice is kept for the whole session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from ui.screens.base import Screen
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext


class LanguageScreen(Screen):
    name = "language"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.body.addStretch(1)
        self.heading = wrap_label(
            f"{tr('ui.language.title', 'km')}\n{tr('ui.language.title', 'en')}", role="heading"
        )
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.heading)
        self.km = BigButton(tr("ui.language.km", "km"), kind="primary")
        self.en = BigButton(tr("ui.language.en", "en"), kind="primary")
        for button, locale in ((self.km, "km"), (self.en, "en")):
            button.setObjectName(f"choose_{locale}")
            button.setProperty("button_size", "huge")
            button.clicked.connect(lambda _=False, loc=locale: self._on_chosen(loc))
            self.body.addWidget(button)
        self.body.addStretch(2)
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(self.nav.end_session)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)

    def retranslate(self) -> None:
        self.back.setText(f"{tr('ui.nav.back', 'km')} / {tr('ui.nav.back', 'en')}")

    def _on_chosen(self, locale: str) -> None:
        self.nav.set_locale(locale)
        self.nav.go("services")

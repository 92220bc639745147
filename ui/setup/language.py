"""Setup step 1: the technician's language, Khmer first; one tap chooses and goes on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.setup.base import SetupStep
from ui.widgets.basic import BigButton
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class LanguageStep(SetupStep):
    step = "language"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        self.buttons: dict[str, BigButton] = {}
        for locale in ("km", "en"):
            button = BigButton(tr(f"ui.language.{locale}", locale), kind="primary")
            button.setObjectName(f"setup_choose_{locale}")
            button.setProperty("button_size", "huge")
            button.clicked.connect(lambda _=False, loc=locale: self._on_chosen(loc))
            self.content.addWidget(button)
            self.buttons[locale] = button
        self.content.addStretch(1)
        self.next_button.hide()  # choosing is the one action

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(
            f"{tr('setup.language.title', 'km')}\n{tr('setup.language.title', 'en')}"
        )
        self.hint.setText(f"{tr('setup.language.hint', 'km')}\n{tr('setup.language.hint', 'en')}")
        self.next_button.hide()

    def _on_chosen(self, locale: str) -> None:
        self.nav.set_locale(locale)
        self.nav.advance(self.step)

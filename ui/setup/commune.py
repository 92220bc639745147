"""Setup step 3: the kiosk's commune, from the gazetteer, searched in Khmer or Latin letters.

It starts at the enrolment code's commune, so usually one tap (Continue) is enough. The search
is the gazetteer's own (`Gazetteer.search`, as the citizen's address picker uses it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.setup import SetupError
from ui.screens.base import clear_layout
from ui.setup.base import SetupStep, text_box
from ui.widgets.basic import ChoiceButton, wrap_label

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav

RESULTS = 6  # fits under the search box at 1366×768


class CommuneStep(SetupStep):
    step = "commune"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        self.chosen_label = wrap_label(role="lead")
        self.chosen_label.setObjectName("setupCommuneChosen")
        self.content.addWidget(self.chosen_label)
        self.search = text_box("km", name="setupCommuneSearch")
        self.search.textChanged.connect(self._on_search)
        self.content.addWidget(self.search)
        holder = QWidget()
        self.results = QVBoxLayout(holder)
        self.results.setContentsMargins(0, 0, 0, 0)
        self.content.addWidget(holder)
        self.content.addStretch(1)
        self.buttons: list[ChoiceButton] = []

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        self.search.setProperty("sala_keyboard", self.lang)
        self._on_search(self.search.text())

    def retranslate_step(self) -> None:
        self.search.setPlaceholderText(self.t("commune.search"))
        code = self.nav.draft.chosen_commune()
        self.chosen_label.setText(self.t("commune.chosen", place=self._path(code)))
        for button in self.buttons:
            button.setText(self._path(str(button.value)))

    def _path(self, code: str) -> str:
        gz = self.ctx.gazetteer
        if gz is None:
            return code
        places = gz.path(code)
        return " / ".join(p.name.get(self.lang) for p in places) if places else code

    def _on_search(self, text: str) -> None:
        clear_layout(self.results)
        self.buttons = []
        gz = self.ctx.gazetteer
        if gz is None or not text.strip():
            return
        for place in gz.search(text, level="commune", limit=RESULTS):
            button = ChoiceButton(self._path(place.code), value=place.code)
            button.setObjectName(f"setupCommune_{place.code}")
            button.clicked.connect(lambda _=False, code=place.code: self._on_chosen(code))
            self.results.addWidget(button)
            self.buttons.append(button)

    def _on_chosen(self, code: str) -> None:
        self.clear_error()
        try:
            self.nav.draft.check_commune(code)
        except SetupError as exc:
            self.show_error(exc)
            return
        self.nav.draft.commune_code = code
        for button in self.buttons:
            button.setChecked(button.value == code)
        self.retranslate_step()

    def accept(self) -> None:
        d = self.nav.draft
        d.commune_code = d.chosen_commune()
        self.nav.advance(self.step)

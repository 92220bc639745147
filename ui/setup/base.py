"""What every setup step shares: "Step n of N", a heading, a hint, one error line, and a
footer with Back and one primary Continue (big targets, nothing below the fold at 1366×768:
each step keeps its own content short; the base screen scrolls by finger if it must)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLineEdit

from kiosk.i18n import error_text
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, StepHeader, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


def text_box(keyboard: str = "en", *, name: str = "", secret: bool = False) -> QLineEdit:
    """A touch-sized text box; `keyboard` is the on-screen keyboard's layer (en, km, num)."""
    box = QLineEdit()
    box.setProperty("sala_keyboard", keyboard)
    box.setMinimumHeight(64)
    if name:
        box.setObjectName(name)
    if secret:
        box.setEchoMode(QLineEdit.EchoMode.Password)
    return box


class SetupStep(Screen):
    """One step of setup. Subclasses set `step`, fill `self.content` and override
    `retranslate_step` and `accept` (which calls `self.nav.advance(self.step)` when done)."""

    step = "language"
    nav: SetupNav

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        self.name = f"setup_{self.step}"
        super().__init__(ctx, nav)
        self.header = StepHeader()
        self.heading = wrap_label(role="heading")
        self.hint = wrap_label(role="hint")
        self.error = ErrorLabel()
        self.error.setObjectName("setupError")
        for w in (self.header, self.heading, self.hint, self.error):
            self.body.addWidget(w)
        self.content = self.body  # steps add their widgets after the error line
        self.back_button = BigButton(kind="secondary")
        self.back_button.setObjectName("setupBack")
        self.back_button.clicked.connect(self._on_back)
        self.next_button = BigButton(kind="primary")
        self.next_button.setObjectName("setupNext")
        self.next_button.clicked.connect(self._on_next)
        self.footer.addWidget(self.back_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.next_button)

    def t(self, key: str, **kw: object) -> str:
        return tr(f"setup.{key}", self.lang, **kw)

    def enter(self, **kw: Any) -> None:
        self.error.clear_error()
        super().enter(**kw)

    def retranslate(self) -> None:
        n, total = self.nav.position(self.step)
        if self.nav.mode == "technician":
            self.header.setText(self.t("technician.title"))
            self.next_button.setText(self.t("save"))
        else:
            self.header.set_step(n, total, self.lang)
            self.next_button.setText(self.t("next"))
        self.back_button.setText(tr("ui.nav.back", self.lang))
        self.back_button.setVisible(n > 1 or self.nav.mode == "technician")
        self.heading.setText(self.t(f"{self.step}.title"))
        self.hint.setText(self.t(f"{self.step}.hint"))
        self.retranslate_step()
        if self.error.isVisible() and self._error is not None:
            self.show_error(self._error)

    _error: Any = None

    def retranslate_step(self) -> None:
        """Texts of the step's own widgets."""

    def show_error(self, exc: BaseException | str) -> None:
        """A refusal in the technician's language; what was typed stays."""
        self._error = exc
        if isinstance(exc, str):
            text = self.t(exc)
        elif hasattr(exc, "message_key"):
            text = error_text(exc, self.lang, "setup.error")
        else:
            key = getattr(exc, "key", None)  # sync.client's SyncError
            text = tr(key, self.lang) if isinstance(key, str) else self.t("error")
        self.error.show_error(text)

    def clear_error(self) -> None:
        self._error = None
        self.error.clear_error()

    def _on_back(self) -> None:
        self.nav.back(self.step)

    def _on_next(self) -> None:
        self.clear_error()
        self.accept()

    def accept(self) -> None:
        self.nav.advance(self.step)

"""Setup step 6 (optional): the folder a document scanner saves into. Empty means none; the
citizen then never sees a scanner choice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.setup import SetupError, check_scan_folder
from ui.setup.base import SetupStep, text_box
from ui.widgets.basic import BigButton

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class ScannerStep(SetupStep):
    step = "scanner"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        self.folder = text_box("en", name="setupScanFolder")
        self.content.addWidget(self.folder)
        self.none_button = BigButton(kind="secondary")
        self.none_button.setObjectName("setupNoScanner")
        self.none_button.clicked.connect(self._on_none)
        self.content.addWidget(self.none_button)
        self.content.addStretch(1)

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        folder = self.nav.draft.scan_folder
        if folder is not None and not self.folder.text():
            self.folder.setText(str(folder))

    def retranslate_step(self) -> None:
        self.folder.setPlaceholderText(self.t("scanner.placeholder"))
        self.none_button.setText(self.t("scanner.none"))

    def _on_none(self) -> None:
        self.folder.clear()
        self.nav.draft.scan_folder = None
        self.nav.advance(self.step)

    def accept(self) -> None:
        try:
            self.nav.draft.scan_folder = check_scan_folder(self.folder.text())
        except SetupError as exc:
            self.show_error(exc)
            return
        self.nav.advance(self.step)

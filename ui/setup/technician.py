"""The technician screen: every setting made in setup can be changed here (each opens its
setup step, saved at once), the self-test, and "Export to USB" (sync.client.usb_export, on
the first mounted stick). Reached through a technician's sign-in at the staff sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGridLayout

from kiosk.i18n import error_text
from ui.screens.base import Screen
from ui.setup.journey import EDITABLE
from ui.setup.results import ResultList
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupJourney


class TechnicianScreen(Screen):
    name = "setup_technician"
    nav: SetupJourney

    def __init__(self, ctx: AppContext, nav: SetupJourney) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.body.addWidget(self.heading)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.edit: dict[str, BigButton] = {}
        for i, step in enumerate(EDITABLE):
            button = BigButton(kind="secondary")
            button.setObjectName(f"setupEdit_{step}")
            button.clicked.connect(lambda _=False, s=step: self.nav.go(f"setup_{s}"))
            grid.addWidget(button, i // 3, i % 3)
            self.edit[step] = button
        self.body.addLayout(grid)
        self.test_button = BigButton(kind="secondary")
        self.test_button.setObjectName("setupRunSelfTest")
        self.test_button.clicked.connect(self._run)
        self.body.addWidget(self.test_button)
        self.export_button = BigButton(kind="secondary")
        self.export_button.setObjectName("setupExportUsb")
        self.export_button.clicked.connect(self._on_export)
        self.body.addWidget(self.export_button)
        self.usb_status = wrap_label(role="notice")
        self.usb_status.setObjectName("setupUsbStatus")
        self.usb_status.hide()
        self.body.addWidget(self.usb_status)
        self.results = ResultList()
        self.body.addWidget(self.results)
        # Where sticks are mounted (kiosk.usb_sticks); a test points it at a tmp folder.
        self.stick_roots: tuple[Path, ...] | None = None
        self._usb: Any = None  # the last export's result or error, re-said on a language switch
        self.body.addStretch(1)
        self.done = BigButton(kind="primary")
        self.done.setObjectName("setupSignOut")
        self.done.clicked.connect(self.nav.sign_out)
        self.footer.addStretch(1)
        self.footer.addWidget(self.done)

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        if not self.results.results:
            self._run()

    def retranslate(self) -> None:
        lang = self.lang
        self.heading.setText(tr("setup.technician.title", lang))
        for step, button in self.edit.items():
            button.setText(tr(f"setup.{step}.title", lang))
        self.test_button.setText(tr("setup.technician.self_test", lang))
        self.export_button.setText(tr("setup.technician.export", lang))
        self._show_usb()
        self.done.setText(tr("setup.technician.sign_out", lang))
        self.results.show_results(self.results.results, lang, tr("setup.summary.running", lang))

    def _on_export(self) -> None:
        """Find a stick (io pool), then write the bundle (db worker: it reads the store)."""
        roots = self.stick_roots
        data_dir = self.nav.draft.data_dir
        self.export_button.setEnabled(False)

        def find() -> list[Path]:
            from kiosk.usb_sticks import mounted_sticks

            return mounted_sticks(roots, need_mount=False) if roots else mounted_sticks()

        def write(sticks: list[Path]) -> None:
            if not sticks:
                self._on_usb(_NoStick())
                return

            def job(store: Any) -> Any:
                from sync.client.usb_export import export

                return export(store, data_dir, sticks[0])

            self.ctx.tasks.run_db(job, self._on_usb, self._on_usb)

        self.ctx.tasks.run_io(find, write, self._on_usb)

    def _on_usb(self, outcome: Any) -> None:
        self._usb = outcome
        self.export_button.setEnabled(True)
        self._show_usb()

    def _show_usb(self) -> None:
        outcome, lang = self._usb, self.lang
        if outcome is None:
            self.usb_status.hide()
            return
        if isinstance(outcome, BaseException):
            text = error_text(outcome, lang, "setup.error")
        else:
            text = tr(
                "setup.technician.exported",
                lang,
                count=outcome.registrations,
                file=outcome.path.name,
            )
        self.usb_status.setText(text)
        self.usb_status.show()

    def _run(self) -> None:
        d = self.nav.draft
        config = d.config_of()
        self.results.show_results([], self.lang, tr("setup.summary.running", self.lang))

        def job() -> Any:
            from kiosk.setup.checks import self_test

            return self_test(d.data_dir, config)

        self.ctx.tasks.run_io(job, lambda r: self.results.show_results(r, self.lang, ""), None)


class _NoStick(Exception):
    message_key = "usb.error.no_stick"

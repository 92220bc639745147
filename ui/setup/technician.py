"""The technician screen: every setting made in setup can be changed here (each opens its
setup step, saved at once), the self-test, the USB stick's buttons (ui/usb: export,
diagnostics, the ministry's answer) and, for a signed-in technician, "Leave the kiosk"
(ui/setup/leave.py). Reached through a technician's sign-in at the staff sign-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.screens.ahead import later
from ui.screens.base import Screen
from ui.setup.journey import EDITABLE
from ui.setup.leave import LeavePanel
from ui.setup.results import ResultList
from ui.usb.panel import UsbPanel
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.flow import ButtonGrid
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
        grid = ButtonGrid(columns=3)  # as many a row as their texts fit (1080 px portrait)
        self.edit: dict[str, BigButton] = {}
        for step in EDITABLE:
            button = BigButton(kind="secondary")
            button.setObjectName(f"setupEdit_{step}")
            button.clicked.connect(lambda _=False, s=step: self.nav.go(f"setup_{s}"))
            grid.add(button)
            self.edit[step] = button
        self.body.addWidget(grid)
        self.test_button = BigButton(kind="secondary")
        self.test_button.setObjectName("setupRunSelfTest")
        self.test_button.clicked.connect(self._run)
        self.body.addWidget(self.test_button)
        self.updates_button = BigButton(kind="secondary")  # ui/setup/updates.py
        self.updates_button.setObjectName("setupUpdates")
        self.updates_button.clicked.connect(lambda: self.nav.go("setup_updates"))
        grid.add(self.updates_button)  # after the settings
        # Export, diagnostics and the ministry's answer on a USB stick (one owner: ui/usb).
        self.usb = UsbPanel(ctx)
        self.usb.data_dir = nav.draft.data_dir
        self.usb.who = lambda: nav.session  # a signed-in technician, None with a setup code
        self.body.addWidget(self.usb)
        self.results = ResultList()
        self.body.addWidget(self.results)
        self.leave = LeavePanel(ctx, nav)  # only for a technician signed in (not a setup code)
        self.leave.asked.connect(  # below the fold the tap would seem to do nothing
            lambda: later(0, lambda: self.scroll_area.ensureWidgetVisible(self.leave, 0, 8))
        )
        self.body.addWidget(self.leave)
        self.body.addStretch(1)
        self.done = BigButton(kind="primary")
        self.done.setObjectName("setupSignOut")
        self.done.clicked.connect(self.nav.sign_out)
        self.footer.addStretch(1)
        self.footer.addWidget(self.done)

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        self.leave.refresh(self.lang)
        if not self.results.results:
            self._run()

    def retranslate(self) -> None:
        lang = self.lang
        self.heading.setText(tr("setup.technician.title", lang))
        for step, button in self.edit.items():
            button.setText(tr(f"setup.{step}.title", lang))
        self.test_button.setText(tr("setup.technician.self_test", lang))
        self.updates_button.setText(tr("updates_ui.open", lang))
        self.usb.retranslate()
        self.leave.retranslate(lang)
        self.done.setText(tr("setup.technician.sign_out", lang))
        self.results.show_results(self.results.results, lang, tr("setup.summary.running", lang))

    def _run(self) -> None:
        d = self.nav.draft
        config = d.config_of()
        self.results.show_results([], self.lang, tr("setup.summary.running", self.lang))

        def job() -> Any:
            from kiosk.setup.checks import self_test

            return self_test(d.data_dir, config)

        self.ctx.tasks.run_io(job, lambda r: self.results.show_results(r, self.lang, ""), None)

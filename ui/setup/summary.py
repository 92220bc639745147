"""Setup step 8: what was chosen, the self-test results, and "Ready": the config is saved and
the kiosk shows the citizen's welcome screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.setup.base import SetupStep
from ui.setup.results import ResultList
from ui.widgets.basic import wrap_label

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class SummaryStep(SetupStep):
    step = "summary"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        self.chosen = wrap_label(role="body")
        self.chosen.setObjectName("setupChosen")
        self.content.addWidget(self.chosen)
        self.results = ResultList()
        self.content.addWidget(self.results)
        self.content.addStretch(1)
        self.tested = False
        self.busy = False

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        self.tested = self.busy = False
        self.results.show_results([], self.lang, self.t("summary.running"))
        d = self.nav.draft
        config = d.config_of()

        def job() -> Any:
            from kiosk.setup.checks import self_test

            return self_test(d.data_dir, config)

        self.ctx.tasks.run_io(job, self._on_tested, self.show_error)

    def _on_tested(self, results: list[Any]) -> None:
        self.tested = True
        self.results.show_results(results, self.lang, "")

    def retranslate_step(self) -> None:
        self.next_button.setText(self.t("summary.ready"))
        d = self.nav.draft
        gz = self.ctx.gazetteer
        code = d.chosen_commune()
        place = " / ".join(p.name.get(self.lang) for p in gz.path(code)) if gz else code
        lines = [
            self.t("summary.commune", place=place),
            self.t(f"summary.connection_{d.connection or 'none'}"),
            self.t("summary.camera", spec=d.camera),
            self.t("summary.printer", spec=d.printer),
            self.t("summary.scanner", folder=str(d.scan_folder or "–")),
        ]
        self.chosen.setText("\n".join(lines))
        if self.results.results:
            self.results.show_results(self.results.results, self.lang, "")

    def accept(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.nav.finish(self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.show_error(exc)

"""What a service is, what it costs, how long it takes and what to bring, before starting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.i18n import wrap_points
from ui.screens.base import Screen
from ui.screens.services import fee_text
from ui.widgets.basic import BigButton, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext


class ServiceDetailScreen(Screen):
    name = "service_detail"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.service: Any = None
        self.heading = wrap_label(role="heading")
        self.description = wrap_label(role="lead")
        self.fee = wrap_label(role="body")
        self.days = wrap_label(role="body")
        self.bring_title = wrap_label(role="subheading")
        self.papers = wrap_label(role="body")
        self.example = wrap_label(role="hint")
        for w in (
            self.heading,
            self.description,
            self.fee,
            self.days,
            self.bring_title,
            self.papers,
            self.example,
        ):
            self.body.addWidget(w)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.clicked.connect(lambda: self.nav.go("services"))
        self.start = BigButton(kind="primary")
        self.start.setObjectName("startService")
        self.start.clicked.connect(self._on_start)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.start)

    def enter(self, service_id: str | None = None, **kw: Any) -> None:
        if service_id is not None and self.ctx.catalog is not None:
            self.service = self.ctx.catalog.services.get(service_id)
        self.retranslate()
        self.scroll_to_top()

    def retranslate(self) -> None:
        self.back.setText(self.tr("ui.nav.back"))
        self.start.setText(self.tr("ui.detail.start"))
        s, loc = self.service, self.lang
        if s is None:
            return
        self.heading.setText(wrap_points(s.name.get(loc)))
        self.description.setText(wrap_points(s.description.get(loc)))
        self.fee.setText(fee_text(s.fee_khr, loc, self.tr))
        self.days.setText(self.tr("ui.services.days", days=s.processing_days))
        self.bring_title.setText(self.tr("ui.detail.bring_title"))
        papers = "\n".join("• " + wrap_points(p.get(loc)) for p in s.papers)
        self.papers.setText(papers or self.tr("ui.detail.none_to_bring"))
        self.example.setText(self.tr("ui.services.example_only") if s.example_only else "")
        self.example.setVisible(bool(s.example_only))

    def _on_start(self) -> None:
        if self.service is not None:
            self.nav.start_service(self.service)

    def reset(self) -> None:
        self.service = None
        for w in (self.heading, self.description, self.fee, self.days, self.papers):
            w.setText("")

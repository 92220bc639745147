"""Setup step 7: the kiosk's first supervisor. From the ministry's roster when the kiosk is
enrolled and the roster names one; otherwise made here: a name in Khmer and in Latin letters
and a 6-digit PIN typed twice (`kiosk.staff.first`, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGridLayout

from kiosk.staff.errors import StaffError
from kiosk.text import Text
from ui.setup.base import SetupStep, text_box
from ui.widgets.basic import wrap_label

if TYPE_CHECKING:
    from ui.screens.base import AppContext
    from ui.setup.journey import SetupNav


class SupervisorStep(SetupStep):
    step = "supervisor"

    def __init__(self, ctx: AppContext, nav: SetupNav) -> None:
        super().__init__(ctx, nav)
        self.roster_label = wrap_label(role="lead")
        self.roster_label.setObjectName("setupRosterSupervisor")
        self.roster_label.hide()
        self.content.addWidget(self.roster_label)
        self.labels: dict[str, Any] = {}
        self.boxes: dict[str, Any] = {}
        grid = QGridLayout()  # two columns: everything fits above the fold at 1366×768
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        for i, (key, layer, secret) in enumerate(
            (
                ("name_km", "km", False),
                ("name_en", "en", False),
                ("pin", "num", True),
                ("repeat", "num", True),
            )
        ):
            label = wrap_label(role="subheading")
            box = text_box(layer, name=f"setupSupervisor_{key}", secret=secret)
            if secret:
                box.setMaxLength(6)
            grid.addWidget(label, (i // 2) * 2, i % 2)
            grid.addWidget(box, (i // 2) * 2 + 1, i % 2)
            self.labels[key], self.boxes[key] = label, box
        self.content.addLayout(grid)
        self.content.addStretch(1)
        self.roster: list[Any] = []
        self.busy = False

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        from kiosk.staff.first import supervisors

        self.ctx.tasks.run_db(supervisors, self._on_roster, self.show_error)

    def _on_roster(self, found: list[Any]) -> None:
        self.roster = found
        self.retranslate_step()

    def _form_visible(self) -> bool:
        return not self.roster

    def retranslate_step(self) -> None:
        for key, label in self.labels.items():
            label.setText(self.t(f"supervisor.{key}"))
            label.setVisible(self._form_visible())
            self.boxes[key].setVisible(self._form_visible())
        if self.roster:
            first = self.roster[0]
            key = "supervisor.made" if first.origin == "local" else "supervisor.from_roster"
            self.roster_label.setText(self.t(key, name=first.name.get(self.lang)))
        self.roster_label.setVisible(bool(self.roster))

    def accept(self) -> None:
        if self.busy:
            return
        if self.roster:
            self.nav.draft.supervisor_id = self.roster[0].id
            self.nav.advance(self.step)
            return
        from kiosk.staff.first import check_first_supervisor, create_first_supervisor

        b = self.boxes
        name = Text(km=b["name_km"].text(), en=b["name_en"].text())
        pin, repeat = b["pin"].text(), b["repeat"].text()
        try:
            check_first_supervisor(name, pin, repeat)  # quick checks, before the slow hash
        except StaffError as exc:
            self.show_error(exc)
            return
        self.busy = True
        self.ctx.tasks.run_db(
            lambda store: create_first_supervisor(store, name, pin, repeat),
            self._on_created,
            self._on_failed,
        )

    def _on_created(self, member: Any) -> None:
        self.busy = False
        self.roster = [member]
        self.nav.draft.supervisor_id = member.id
        for box in self.boxes.values():
            box.clear()  # the PIN is not kept on screen
        self.retranslate_step()
        self.nav.advance(self.step)

    def _on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.show_error(exc)

"""End of day: what the kiosk did today, as a screen, a PDF and a print, signed by a
supervisor with their PIN (`ClerkDesk.sign_day`: the PIN is checked by kiosk/staff with its
lockout; a clerk's PIN is refused) and sent to the server.

Sala's end of day is signed locally and reviewed remotely; the supervisor must be at this
kiosk to type their PIN on the pad.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QGridLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import error_text
from kiosk.staff import Role
from kiosk.text import Text
from ui.clerk.actions.base import HOME, ActionScreen
from ui.clerk.actions.day_report import (
    day_blocks,
    print_day,
    signed_line,
    summary_lines,
    write_day_pdf,
)
from ui.screens.base import clear_layout
from ui.widgets.basic import BigButton, ChoiceButton, wrap_label
from ui.widgets.flow import ButtonGrid

log = logging.getLogger(__name__)


class EndOfDayScreen(ActionScreen):
    name = "clerk_end_of_day"
    title_key = "clerk.act.eod.title"
    primary_key = "clerk.act.eod.sign"
    needs_application = False
    back_key = "clerk.act.back_queue"

    def build(self, content: QWidget) -> None:
        from ui.clerk.widgets import PinPad

        self.summary: Any = None
        self.when = self.ctx.today()
        self.staff_names: dict[str, Text] = {}
        self.supervisors: dict[str, ChoiceButton] = {}
        self.pdf_path: Any = None
        # Summary | who signs | PIN pad side by side on a landscape screen (all of it in view
        # at 1366x768), one under the other on a portrait one.
        row = self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, content)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(32)
        left = QVBoxLayout()
        self.day = wrap_label(role="subheading")
        self.day.setObjectName("clerkEodDay")
        left.addWidget(self.day)
        self.table = QGridLayout()
        self.table.setHorizontalSpacing(24)
        self.table.setVerticalSpacing(4)
        left.addLayout(self.table)
        self.signed = wrap_label(role="notice")
        self.signed.setObjectName("clerkEodSigned")
        left.addWidget(self.signed)
        paper = ButtonGrid(columns=2)  # side by side, or one under the other if narrow
        self.pdf = BigButton(kind="secondary")
        self.pdf.setObjectName("clerkEodPdf")
        self.pdf.clicked.connect(self.save_pdf)
        self.print = BigButton(kind="secondary")
        self.print.setObjectName("clerkEodPrint")
        self.print.clicked.connect(self.print_summary)
        paper.add(self.pdf)
        paper.add(self.print)
        left.addWidget(paper)
        self.paper_state = wrap_label(role="hint")
        self.paper_state.setObjectName("clerkEodPaperState")
        left.addWidget(self.paper_state)
        left.addStretch(1)
        middle = QVBoxLayout()
        self.who = wrap_label(role="subheading")
        middle.addWidget(self.who)
        self.sup_box = QVBoxLayout()
        middle.addLayout(self.sup_box)
        middle.addStretch(1)
        self.sup_group = QButtonGroup(self)
        self.pin = PinPad()
        right = QVBoxLayout()
        right.addWidget(self.pin)
        right.addStretch(1)
        row.addLayout(left, 3)
        row.addLayout(middle, 2)
        row.addLayout(right, 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        portrait = self.height() > self.width()
        want = QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        if self.columns.direction() != want:
            self.columns.setDirection(want)
            for i, stretch in enumerate((0, 0, 0) if portrait else (3, 2, 0)):
                self.columns.setStretch(i, stretch)

    def clear(self) -> None:
        self.summary = None
        self.pdf_path = None
        self.pin.clear()
        self.paper_state.clear()
        for b in self.supervisors.values():
            self.sup_group.removeButton(b)
        clear_layout(self.sup_box)
        self.supervisors = {}
        clear_layout(self.table)

    def enter(self, **kw: Any) -> None:
        super().enter(**kw)
        self.when = kw.get("day") or self.ctx.today()
        self.call(lambda desk: desk.day_summary(self.when), self._on_summary)
        self.nav.run_staff(lambda sd: sd.members(), self._on_members, self.show_refusal)

    def go_back(self) -> None:
        self.nav.go(HOME)

    def _on_summary(self, summary: Any) -> None:
        self.summary = summary
        self.retranslate()

    def _on_members(self, members: list[Any]) -> None:
        self.staff_names = {m.id: m.name for m in members}
        for m in members:
            if m.role is not Role.SUPERVISOR or m.id in self.supervisors:
                continue
            b = ChoiceButton(value=m.id)
            b.setObjectName(f"clerkEodSupervisor_{m.id}")
            self.sup_group.addButton(b)
            self.supervisors[m.id] = b
            self.sup_box.addWidget(b)
        if len(self.supervisors) == 1:
            next(iter(self.supervisors.values())).setChecked(True)
        self.retranslate()

    def service_names(self) -> dict[str, Text]:
        catalog = self.ctx.catalog
        return {} if catalog is None else {s: v.name for s, v in catalog.services.items()}

    def show_view(self) -> None:
        self.who.setText(self.tr("clerk.act.eod.who"))
        self.pin.retranslate(self.lang)
        self.pdf.setText(self.tr("clerk.act.eod.pdf"))
        self.print.setText(self.tr("clerk.act.eod.print"))
        for sid, b in self.supervisors.items():
            name = self.staff_names.get(sid)
            b.setText(name.get(self.lang) if name else sid)
        summary = self.summary
        self.pdf.setEnabled(summary is not None)
        self.print.setEnabled(summary is not None)
        clear_layout(self.table)
        if summary is None:
            self.day.setText(self.tr("clerk.act.loading"))
            self.signed.hide()
            return
        from kiosk.i18n import format_date

        self.day.setText(format_date(summary.day, self.lang))
        rows = summary_lines(summary, self.lang, self.service_names(), self.staff_names)
        for i, (label, value) in enumerate(rows):
            left = wrap_label(label, role="body" if value else "subheading")
            right = wrap_label(value, role="body")
            right.setObjectName(f"clerkEodValue_{i}")
            self.table.addWidget(left, i, 0)
            self.table.addWidget(right, i, 1)
        self.signed.setText(signed_line(summary, self.lang, self.staff_names))
        self.signed.show()
        self.primary.setEnabled(bool(self.supervisors) and not self._busy)

    def chosen_supervisor(self) -> str | None:
        for sid, b in self.supervisors.items():
            if b.isChecked():
                return sid
        return None

    def act(self) -> None:
        supervisor, pin, day = self.chosen_supervisor(), self.pin.value, self.when
        if supervisor is None:
            self.show_error(self.tr("clerk.act.eod.need_supervisor"))
            return
        if len(pin) != 6:
            self.show_error(self.tr("clerk.act.eod.need_pin"))
            return
        self.pin.clear()  # a PIN never stays on the screen, right or wrong
        self.call(lambda desk: desk.sign_day(day, supervisor, pin), self._on_signed)

    def _on_signed(self, summary: Any) -> None:
        self.summary = summary
        self.retranslate()
        self.show_done(self.tr("clerk.act.eod.done"))

    # -- paper -------------------------------------------------------------------------------
    def _blocks(self) -> list[Any]:
        commune = getattr(self.ctx.config, "commune_code", "") or ""
        return day_blocks(self.summary, self.lang, self.service_names(), self.staff_names, commune)

    def save_pdf(self) -> None:
        """The PDF goes to the kiosk's data folder (reports/), off the GUI thread."""
        if self.summary is None:
            return
        from pathlib import Path

        data_dir = getattr(self.ctx.config, "data_dir", None)
        if data_dir is None:
            self.paper_state.setText(self.tr("clerk.act.error"))
            return
        path = Path(data_dir) / "reports" / f"end-of-day-{self.summary.day.isoformat()}.pdf"
        blocks = self._blocks()
        self.paper_state.setText(self.tr("clerk.act.eod.working"))
        self.ctx.tasks.run_io(
            lambda: write_day_pdf(blocks, path), self._on_pdf, self._on_paper_error
        )

    def _on_pdf(self, path: Any) -> None:
        self.pdf_path = path
        self.paper_state.setText(self.tr("clerk.act.eod.pdf_done", path=str(path)))

    def print_summary(self) -> None:
        if self.summary is None:
            return
        blocks, spec = self._blocks(), getattr(self.ctx.config, "printer", None)
        self.paper_state.setText(self.tr("clerk.act.eod.working"))
        self.ctx.tasks.run_io(
            lambda: print_day(blocks, spec), self._on_printed, self._on_paper_error
        )

    def _on_printed(self, result: Any) -> None:
        self.paper_state.setText(result.message.get(self.lang))

    def _on_paper_error(self, exc: BaseException) -> None:
        log.error("end of day paper failed", exc_info=exc)
        self.paper_state.setText(error_text(exc, self.lang, fallback="clerk.act.error"))

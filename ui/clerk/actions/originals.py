"""Originals checked, instead of photocopies: for each paper the service lists, "original
seen" or "not brought", the document's number and issue date if the clerk wants, and a photo
of the original as a new page.

Where the service checks originals `before_upload`, the application waits until this is
recorded (`ClerkDesk.record_originals`); the record travels with it to the ministry.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import to_ascii_digits
from ui.clerk.actions.base import ActionScreen, line_edit
from ui.widgets.basic import BigButton, ChoiceButton, wrap_label

log = logging.getLogger(__name__)
_DATE_DMY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_issue_date(text: str, today: dt.date) -> dt.date | None:
    """ "07-03-2019", "7/3/2019", "2019-03-07" or Khmer digits -> a date not after today.

    Raises ValueError for anything else (the screen says how to write it); "" is None."""
    s = to_ascii_digits(text).strip()
    if not s:
        return None
    m = _DATE_DMY.fullmatch(s)
    if m is not None:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _DATE_ISO.fullmatch(s)
        if m is None:
            raise ValueError(s)
        year, month, day = (int(g) for g in m.groups())
    when = dt.date(year, month, day)  # ValueError for 31-02-2020
    if when > today or when.year < 1900:
        raise ValueError(s)
    return when


class PaperRow(QFrame):
    """One paper: seen / not brought, number, issue date, photo of the original."""

    def __init__(self, document_id: str) -> None:
        super().__init__()
        self.document_id = document_id
        self.setObjectName(f"clerkPaper_{document_id}")
        self.photo: bytes | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 8, 0, 8)
        self.title = wrap_label(role="subheading")
        grid.addWidget(self.title, 0, 0, 1, 4)
        self.group = QButtonGroup(self)
        self.seen = ChoiceButton(value=True)
        self.seen.setObjectName(f"clerkPaperSeen_{document_id}")
        self.missing = ChoiceButton(value=False)
        self.missing.setObjectName(f"clerkPaperMissing_{document_id}")
        for b in (self.seen, self.missing):
            self.group.addButton(b)
        row = QHBoxLayout()
        row.addWidget(self.seen, 2)
        row.addWidget(self.missing, 2)
        self.number_label = wrap_label(role="hint")
        self.number = line_edit(f"clerkPaperNumber_{document_id}", "num")
        self.number.setMaxLength(40)
        self.date_label = wrap_label(role="hint")
        self.date = line_edit(f"clerkPaperDate_{document_id}", "num")
        self.date.setMaxLength(12)
        self.shoot = BigButton(kind="secondary")
        self.shoot.setObjectName(f"clerkPaperPhoto_{document_id}")
        row.addWidget(self.shoot, 0)  # its whole label: the choices share what is left
        grid.addLayout(row, 1, 0, 1, 4)
        grid.addWidget(self.number_label, 2, 0)
        grid.addWidget(self.number, 2, 1)
        grid.addWidget(self.date_label, 2, 2)
        grid.addWidget(self.date, 2, 3)
        self.photo_state = wrap_label(role="hint")
        grid.addWidget(self.photo_state, 3, 0, 1, 4)

    def choice(self) -> bool | None:
        if self.seen.isChecked():
            return True
        if self.missing.isChecked():
            return False
        return None

    def set_choice(self, seen: bool | None) -> None:
        self.group.setExclusive(False)
        self.seen.setChecked(seen is True)
        self.missing.setChecked(seen is False)
        self.group.setExclusive(True)
        self.seen.sync()
        self.missing.sync()


class OriginalsScreen(ActionScreen):
    name = "clerk_originals"
    title_key = "clerk.act.originals.title"
    primary_key = "clerk.act.originals.save"

    def build(self, content: QWidget) -> None:
        self.rows: dict[str, PaperRow] = {}
        self.capture: Any = None  # a DocumentStep while a paper is photographed
        self._shooting: str | None = None
        col = self.col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.rule = wrap_label(role="notice")
        self.rule.setObjectName("clerkOriginalsRule")
        col.addWidget(self.rule)
        self.papers = QVBoxLayout()
        col.addLayout(self.papers)
        self.capture_slot = QVBoxLayout()
        col.addLayout(self.capture_slot)

    def clear(self) -> None:
        self._close_capture()
        for row in self.rows.values():
            row.hide()
            row.deleteLater()
        self.rows = {}

    def show_view(self) -> None:
        view = self.view
        if view is None:
            self.rule.hide()
            return
        rule = str(getattr(view, "originals_rule", "none") or "none")
        self.rule.setText(self.tr(f"clerk.act.originals.rule.{rule}"))
        self.rule.show()
        if not self.rows:
            self._make_rows()
        labels = dict(getattr(view, "documents", []) or [])
        for doc_id, row in self.rows.items():
            label = labels.get(doc_id)
            row.title.setText(label.get(self.lang) if label is not None else doc_id)
            row.seen.setText(self.tr("clerk.act.originals.seen"))
            row.missing.setText(self.tr("clerk.act.originals.missing"))
            row.number_label.setText(self.tr("clerk.act.originals.number"))
            row.date_label.setText(self.tr("clerk.act.originals.date"))
            row.date.setPlaceholderText(self.tr("clerk.act.originals.date_hint"))
            row.shoot.setText(self.tr("clerk.act.originals.photo"))
            row.photo_state.setText(self.tr("clerk.act.originals.photo_taken"))
            row.photo_state.setVisible(row.photo is not None)
        if not self.rows:
            self.rule.setText(self.tr("clerk.act.originals.no_papers"))
        checked_here = rule in ("before_upload", "at_pickup")  # else the desk refuses it
        self.primary.setEnabled(bool(self.rows) and checked_here and not self._busy)
        if self.capture is not None:
            self.capture.retranslate(self.lang)

    def _make_rows(self) -> None:
        recorded = {
            getattr(r, "document_id", None): r for r in getattr(self.view, "originals", []) or []
        }
        for doc_id, _label in getattr(self.view, "documents", []) or []:
            row = PaperRow(doc_id)
            row.shoot.clicked.connect(lambda _=False, d=doc_id: self.photograph(d))
            self.papers.addWidget(row)
            self.rows[doc_id] = row
            done = recorded.get(doc_id)
            if done is not None:  # checked before: show what was recorded
                row.set_choice(bool(getattr(done, "seen", False)))
                row.number.setText(str(getattr(done, "number", "") or ""))
                issued = getattr(done, "issued_on", None)
                if isinstance(issued, str) and issued:
                    issued = dt.date.fromisoformat(issued)
                row.date.setText(issued.strftime("%d-%m-%Y") if issued else "")

    # -- photographing an original ------------------------------------------------------------
    def photograph(self, document_id: str) -> None:
        """Show the page camera (or the scan folder) for this paper; the page taken is kept
        with its check."""
        from ui.capture.document_step import DocumentStep

        self._close_capture()
        self._shooting = document_id
        step = DocumentStep(
            ctx=self.ctx, locale=self.lang, field_id=f"original_{document_id}", max_pages=1
        )
        step.setObjectName("clerkOriginalCapture")
        step.setMinimumHeight(420)
        step.approved.connect(lambda _a: self._on_photo_taken())
        self.capture_slot.addWidget(step)  # in the layout before it is shown
        self.capture = step
        step.show()
        self.scroll_area.ensureWidgetVisible(step)

    def _on_photo_taken(self) -> None:
        step, doc_id = self.capture, self._shooting
        if step is None or doc_id is None or not step.pages:
            return
        row = self.rows.get(doc_id)
        if row is not None:
            row.photo = step.pages[-1].data
            row.set_choice(True)  # photographed: the original is here
        self._close_capture()
        self.show_view()

    def _close_capture(self) -> None:
        step, self.capture, self._shooting = self.capture, None, None
        if step is not None:
            step.shutdown()
            step.hide()
            step.deleteLater()

    # -- saving ------------------------------------------------------------------------------
    def checks(self) -> list[Any] | None:
        """The clerk's record for every paper, or None after saying what is missing."""
        from kiosk.clerk import OriginalCheck

        out = []
        for doc_id, row in self.rows.items():
            seen = row.choice()
            if seen is None:
                self.show_error(self.tr("clerk.act.originals.choose", paper=row.title.text()))
                return None
            try:
                issued = parse_issue_date(row.date.text(), self.ctx.today())
            except ValueError:
                self.show_error(self.tr("clerk.act.originals.bad_date", paper=row.title.text()))
                row.date.setFocus()
                return None
            number = to_ascii_digits(row.number.text()).strip() or None
            out.append(OriginalCheck(doc_id, seen, number, issued, row.photo if seen else None))
        return out

    def act(self) -> None:
        checks, reg_id = self.checks(), self.reg_id
        if checks is None:
            return
        self.call(lambda desk: desk.record_originals(reg_id, checks), self._on_saved)

    def _on_saved(self, _result: Any) -> None:
        self.clear()
        self.show_done(self.tr("clerk.act.originals.done"))
        self.load()

    def reset(self) -> None:
        super().reset()
        self._close_capture()

"""Needs papers, answered: the missing paper captured at the counter and sent as a supplement.

The officer's note says what is missing. The clerk picks which paper it is, then takes pages
with the camera (or the scanner's folder, where one is set up) or picks a file from a USB stick
in the sandboxed touch picker; all of them land in one page list (`DocumentStep`). When the
ministry's question is about an answer, the clerk changes it here too (the correction screen's
`AnswerPicker`: the same picker and the citizen's validation). "Send" gives the pages and the
changed answers to `ClerkDesk.supplement` together (version n+1 of the same registration).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QVBoxLayout, QWidget

from ui.clerk.actions.answer_picker import AnswerPicker
from ui.clerk.actions.base import ActionScreen
from ui.screens.ahead import later
from ui.widgets.basic import ChoiceButton, wrap_label

log = logging.getLogger(__name__)
PAPER_TYPES = ("document",)  # the desk takes new pages for paper fields only


class SupplementScreen(ActionScreen):
    name = "clerk_supplement"
    title_key = "clerk.act.supplement.title"
    primary_key = "clerk.act.supplement.send"

    def build(self, content: QWidget) -> None:
        self.field_id: str | None = None
        self.step: Any = None  # DocumentStep for the chosen paper
        self.picker: Any = None  # UsbPicker, made when first asked for
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.note = wrap_label(role="notice")
        self.note.setObjectName("clerkSupplementNote")
        self.note.hide()
        col.addWidget(self.note)
        self.which = wrap_label(role="subheading")
        col.addWidget(self.which)
        self.fields_box = QHBoxLayout()
        col.addLayout(self.fields_box)
        self.group = QButtonGroup(self)
        self.fields: dict[str, ChoiceButton] = {}
        sources = QHBoxLayout()
        self.camera = ChoiceButton(value="camera")
        self.camera.setObjectName("clerkSupplementCamera")
        self.camera.clicked.connect(lambda: self.show_source("camera"))
        self.usb = ChoiceButton(value="usb")
        self.usb.setObjectName("clerkSupplementUsb")
        self.usb.clicked.connect(lambda: self.show_source("usb"))
        sources.addWidget(self.camera)
        sources.addWidget(self.usb)
        col.addLayout(sources)
        self.picker_slot = QVBoxLayout()
        col.addLayout(self.picker_slot)
        self.step_slot = QVBoxLayout()
        col.addLayout(self.step_slot)
        self.answers = AnswerPicker(
            self, "clerkSupplementAnswer", pick_key="clerk.act.supplement.answers", remember=True
        )
        self.answers.setObjectName("clerkSupplementAnswers")
        self.answers.chosen.connect(lambda _fid: self._on_answer())
        self.answers.edit.textEdited.connect(lambda _t: self._on_answer())
        col.addWidget(self.answers)
        self.changes = wrap_label(role="body")  # what the supplement will change, old -> new
        self.changes.setObjectName("clerkSupplementChanges")
        self.changes.hide()
        col.addWidget(self.changes)

    # -- state -------------------------------------------------------------------------------
    def clear(self) -> None:
        self.field_id = None
        self._drop_step()
        if self.picker is not None:
            self.picker.reset()
            self.picker.hide()
        for b in self.fields.values():
            self.group.removeButton(b)
            b.hide()
            b.deleteLater()
        self.fields = {}
        self.camera.setChecked(False)
        self.usb.setChecked(False)
        self.answers.clear()
        self.changes.hide()

    def _drop_step(self) -> None:
        step, self.step = self.step, None
        if step is not None:
            step.shutdown()
            step.hide()
            step.deleteLater()

    def paper_fields(self) -> list[Any]:
        service = self.service()
        if service is None:
            return []
        return [f for f in service.fields if str(f.type) in PAPER_TYPES]

    def officer_note(self) -> str | None:
        for item in reversed(list(getattr(self.view, "history", []) or [])):
            note = item[2] if isinstance(item, tuple | list) else getattr(item, "note", None)
            if note:
                return str(note)
        return None

    # -- showing -----------------------------------------------------------------------------
    def show_view(self) -> None:
        self.which.setText(self.tr("clerk.act.supplement.which"))
        self.camera.setText(self.tr("clerk.act.supplement.camera"))
        self.usb.setText(self.tr("clerk.act.supplement.usb"))
        if self.picker is not None:
            self.picker.retranslate()
        if self.step is not None:
            self.step.retranslate(self.lang)
        self.answers.show_view()
        if self.view is None:
            self.note.hide()
            return
        note = self.officer_note()
        self.note.setText(self.tr("clerk.act.supplement.note", note=note or ""))
        self.note.setVisible(bool(note))
        for f in self.paper_fields():
            b = self.fields.get(f.id)
            if b is None:
                b = ChoiceButton(value=f.id)
                b.setObjectName(f"clerkSupplementField_{f.id}")
                b.clicked.connect(lambda _=False, fid=f.id: self.choose(fid))
                self.group.addButton(b)
                self.fields[f.id] = b
                self.fields_box.addWidget(b)
            b.setText(f.label.get(self.lang))
        self._show_changes()

    def choose(self, field_id: str) -> None:
        """The paper the pages are for; a new choice starts an empty page list."""
        from ui.capture.document_step import DocumentStep

        self.clear_messages()
        b = self.fields.get(field_id)
        if b is not None and not b.isChecked():
            b.setChecked(True)
        if self.field_id == field_id and self.step is not None:
            return
        self._drop_step()
        self.field_id = field_id
        service = self.service()
        field = service.field(field_id) if service is not None else None
        step = DocumentStep(
            field, ctx=self.ctx, locale=self.lang, field_id=field_id, max_pages=None
        )
        step.setObjectName("clerkSupplementPages")
        step.setMinimumHeight(460)
        step.captured.connect(lambda _a: self._on_pages())
        step.approve.hide()  # "Send" is the one primary action here
        self.step_slot.addWidget(step)
        self.step = step
        self.show_source("camera")

    def show_source(self, source: str) -> None:
        if self.step is None:
            self.camera.setChecked(False)
            self.usb.setChecked(False)
            self.show_error(self.tr("clerk.act.supplement.need_field"))
            return
        self.camera.setChecked(source == "camera")
        self.usb.setChecked(source == "usb")
        if source == "usb":
            self._ensure_picker()
            self.step.hide()
            self.picker.show()
            self.picker.show_volumes()
            shown = self.picker
        else:
            if self.picker is not None:
                self.picker.hide()
            self.step.show()
            shown = self.step
        # Once laid out, scroll what was asked for into view (kinetic scrolling goes back up).
        later(0, lambda: self.scroll_area.ensureWidgetVisible(shown, 0, 0))

    def _ensure_picker(self) -> None:
        if self.picker is not None:
            return
        from ui.clerk.actions.usb_picker import UsbPicker

        files = self.ctx.extras.get("usb_files")  # tests give a sandbox "mount"
        self.picker = UsbPicker(self.ctx, files)
        self.picker.chosen.connect(self._on_file)
        self.picker_slot.addWidget(self.picker)

    def _on_file(self, path: Path) -> None:
        """A checked file from the stick: its pages join the list (read off the GUI thread)."""
        if self.step is None:
            return
        self.step.import_path(path)
        self.show_source("camera")  # the page list, with the new pages, is what shows now

    def _on_pages(self) -> None:
        self.clear_messages()
        self._show_changes()

    def _on_answer(self) -> None:
        self.clear_messages()
        self._show_changes()

    def _show_changes(self) -> None:
        """List the answers that will change (old -> new); "Send" once there is something."""
        from kiosk.forms import normalise

        wanted, _problems = self.answers.changes()
        lines = []
        for field_id, text in wanted.items():
            f = self.answers.field(field_id)
            if f is None:
                continue
            new = normalise(f, text)  # as it will be stored (e.g. a Latin name in capitals)
            old = self.answers.old_value(field_id)
            label = f.label.get(self.lang)
            lines.append(self.tr("clerk.act.correct.done", label=label, old=old, new=str(new)))
        if lines:
            self.changes.setText("\n".join([self.tr("clerk.act.supplement.changes"), *lines]))
        self.changes.setVisible(bool(lines))
        pages = self.step is not None and bool(self.step.pages)
        typed = bool(self.answers.typed) or self.answers.field_id is not None
        self.primary.setEnabled((pages or typed) and not self._busy)

    # -- sending -----------------------------------------------------------------------------
    def act(self) -> None:
        """Pages and changed answers go together; an answer the citizen's form would refuse
        is said (with its label) and nothing is sent."""
        step, reg_id = self.step, self.reg_id
        wanted, problems = self.answers.changes()
        if problems:
            self.show_error("\n".join(problems))
            return
        pages = [(step.field_id, p.data) for p in step.pages if p.data] if step is not None else []
        if not pages and not wanted:
            self.show_error(self.tr("clerk.act.supplement.need_something"))
            return
        answers = wanted or None
        self.call(lambda desk: desk.supplement(reg_id, answers=answers, pages=pages), self._on_sent)

    def _on_sent(self, version: Any) -> None:
        self.clear()
        self.show_done(
            self.tr(
                "clerk.act.supplement.done", version=version if isinstance(version, int) else ""
            )
        )
        self.load()

    def reset(self) -> None:
        super().reset()
        self._drop_step()

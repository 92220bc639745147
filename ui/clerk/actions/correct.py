"""Correct a typed answer: pick it, edit it on the on-screen keyboard, see old -> new.

The same validation as the citizen's question screen (`kiosk.forms`, through the shared
`AnswerPicker`), with the same messages; the desk checks again and decides
(`ClerkDesk.correct`: before upload a new version of the record, atomic with the sync worker;
after upload a supplement). A refusal changes nothing: the old value stays on the application
and the typed text stays in the box.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from ui.clerk.actions.answer_picker import EDITABLE, AnswerPicker
from ui.clerk.actions.base import ActionScreen

__all__ = ["EDITABLE", "CorrectScreen"]


class CorrectScreen(ActionScreen):
    name = "clerk_correct"
    title_key = "clerk.act.correct.title"
    primary_key = "clerk.act.correct.save"

    def build(self, content: QWidget) -> None:
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.answers = AnswerPicker(self, "clerkCorrect", pick_key="clerk.act.correct.pick")
        self.answers.chosen.connect(self._on_chosen)
        col.addWidget(self.answers)

    # The picker's parts, by the names the tests and screenshots use.
    @property
    def field_id(self) -> str | None:
        return self.answers.field_id

    @property
    def choices(self) -> dict[str, Any]:
        return self.answers.choices

    @property
    def edit(self) -> QLineEdit:
        return self.answers.edit

    @property
    def editor(self) -> QWidget:
        return self.answers.editor

    def choose(self, field_id: str) -> None:
        self.answers.choose(field_id)

    def clear(self) -> None:
        self.answers.clear()

    def show_error(self, text: str) -> None:
        super().show_error(text)
        self.reveal_error()  # the error is right under the box being edited

    def show_view(self) -> None:
        self.answers.show_view()
        self.primary.setEnabled(self.field_id is not None and not self._busy)

    def _on_chosen(self, _field_id: str) -> None:
        self.clear_messages()
        self.primary.setEnabled(True)

    def act(self) -> None:
        field_id, reg_id, picker = self.field_id, self.reg_id, self.answers
        f = picker.field(field_id) if field_id else None
        if f is None:
            self.show_error(self.tr("clerk.act.correct.need_pick"))
            return
        text = self.edit.text()
        problems = picker.issues(f, text)
        if problems:
            self.show_error("\n".join(problems))
            self.edit.setFocus()
            return
        old = picker.old_value(f.id)
        if not picker.differs(f, text):
            self.show_error(self.tr("clerk.act.correct.same"))
            return
        self.call(lambda desk: desk.correct(reg_id, f.id, text), lambda _n: self._reread(f, old))

    def _reread(self, field: Any, old: str) -> None:
        """Saved: show the application as it is now, and old -> new as the desk shows it."""
        reg_id = self.reg_id
        self.call(lambda desk: desk.open(reg_id), lambda view: self._on_saved(view, field, old))

    def _on_saved(self, view: Any, field: Any, old: str) -> None:
        self._on_view(view)
        new = self.answers.old_value(field.id)
        self.edit.setText(new)
        label = field.label.get(self.lang)
        self.show_done(self.tr("clerk.act.correct.done", label=label, old=old, new=new))

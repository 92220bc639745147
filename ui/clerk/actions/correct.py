"""Correct a typed answer: pick it, edit it on the on-screen keyboard, see old -> new.

The same validation as the citizen's question screen (`kiosk.forms`), with the same messages;
the desk checks again and decides (`ClerkDesk.correct`: before upload a new version of the
record, atomic with the sync worker; after upload a supplement). A refusal changes nothing:
the old value stays on the application and the typed text stays in the box.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QVBoxLayout, QWidget

from ui.clerk.actions.base import ActionScreen, line_edit
from ui.widgets.basic import ChoiceButton, wrap_label

# Answers a clerk may retype, and the on-screen keyboard layer for each (as the citizen's).
EDITABLE = {
    "text_km": "km",
    "text_latin": "en",
    "number": "num",
    "phone": "num",
    "national_id": "num",
}


class CorrectScreen(ActionScreen):
    name = "clerk_correct"
    title_key = "clerk.act.correct.title"
    primary_key = "clerk.act.correct.save"

    def build(self, content: QWidget) -> None:
        self.field_id: str | None = None
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.pick = wrap_label(role="subheading")
        col.addWidget(self.pick)
        self.choices_box = QVBoxLayout()
        col.addLayout(self.choices_box)
        self.group = QButtonGroup(self)
        self.choices: dict[str, ChoiceButton] = {}
        self.editor = QWidget()
        self.editor.setObjectName("clerkCorrectEditor")
        ed = QVBoxLayout(self.editor)
        ed.setContentsMargins(0, 12, 0, 0)
        self.field_label = wrap_label(role="subheading")
        self.field_label.setObjectName("clerkCorrectLabel")
        self.old = wrap_label(role="body")
        self.old.setObjectName("clerkCorrectOld")
        self.edit = line_edit("clerkCorrectEdit", "km")
        self.edit.setMaxLength(1_000)
        ed.addWidget(self.field_label)
        ed.addWidget(self.old)
        ed.addWidget(self.edit)
        col.addWidget(self.editor)
        self.editor.hide()
        self.none = wrap_label(role="hint")
        self.none.hide()
        col.addWidget(self.none)

    def clear(self) -> None:
        self.field_id = None
        self.edit.clear()
        self.editor.hide()
        for b in self.choices.values():
            self.group.removeButton(b)
            b.hide()
            b.deleteLater()
        self.choices = {}

    def show_error(self, text: str) -> None:
        super().show_error(text)
        self.reveal_error()  # the error is right under the box being edited

    def field(self, field_id: str) -> Any:
        service = self.service()
        return None if service is None else service.field(field_id)

    def editable(self) -> list[tuple[str, Any, str]]:
        """(field id, label, shown value) of the answers a clerk may retype."""
        out = []
        for field_id, label, shown in getattr(self.view, "answers", []) or []:
            f = self.field(field_id)
            if f is not None and str(f.type) in EDITABLE:
                out.append((field_id, label, shown))
        return out

    def show_view(self) -> None:
        self.pick.setText(self.tr("clerk.act.correct.pick"))
        self.none.setText(self.tr("clerk.act.correct.none"))
        if self.view is None:
            return
        rows = self.editable()
        self.none.setVisible(not rows)
        for field_id, label, shown in rows:
            b = self.choices.get(field_id)
            if b is None:
                b = ChoiceButton(value=field_id)
                b.setObjectName(f"clerkCorrect_{field_id}")
                b.clicked.connect(lambda _=False, fid=field_id: self.choose(fid))
                self.group.addButton(b)
                self.choices[field_id] = b
                self.choices_box.addWidget(b)
            b.setText(f"{label.get(self.lang)}: {shown}")
        if self.field_id is not None:
            self._show_editor()
        self.primary.setEnabled(self.field_id is not None and not self._busy)

    def old_value(self, field_id: str) -> str:
        for fid, _label, shown in getattr(self.view, "answers", []) or []:
            if fid == field_id:
                return str(shown)
        return ""

    def choose(self, field_id: str) -> None:
        """The clerk tapped an answer: edit it, starting from what is there now."""
        self.clear_messages()
        self.field_id = field_id
        b = self.choices.get(field_id)
        if b is not None and not b.isChecked():
            b.setChecked(True)
        f = self.field(field_id)
        self.edit.setProperty("sala_keyboard", EDITABLE.get(str(f.type), "km") if f else "km")
        self.edit.setText(self.old_value(field_id))
        self._show_editor()
        self.primary.setEnabled(True)
        self.edit.setFocus()

    def _show_editor(self) -> None:
        f = self.field(self.field_id) if self.field_id else None
        if f is None:
            self.editor.hide()
            return
        self.field_label.setText(f.label.get(self.lang))
        self.old.setText(self.tr("clerk.act.correct.old", value=self.old_value(f.id)))
        self.editor.show()

    def issues(self, field: Any, text: str) -> list[str]:
        """The citizen's own messages for this value (empty: it may be sent to the desk)."""
        from kiosk.forms import normalise, validate_field

        value = normalise(field, text if text.strip() else None)
        found = validate_field(field, value, {}, today=self.ctx.today())
        return [i.message.get(self.lang) for i in found if i.field_id == field.id]

    def act(self) -> None:
        field_id, reg_id = self.field_id, self.reg_id
        f = self.field(field_id) if field_id else None
        if f is None:
            self.show_error(self.tr("clerk.act.correct.need_pick"))
            return
        text = self.edit.text()
        problems = self.issues(f, text)
        if problems:
            self.show_error("\n".join(problems))
            self.edit.setFocus()
            return
        from kiosk.forms import normalise

        old = self.old_value(f.id)
        if str(normalise(f, text)) == str(normalise(f, old)):
            self.show_error(self.tr("clerk.act.correct.same"))
            return
        self.call(lambda desk: desk.correct(reg_id, f.id, text), lambda _n: self._reread(f, old))

    def _reread(self, field: Any, old: str) -> None:
        """Saved: show the application as it is now, and old -> new as the desk shows it."""
        reg_id = self.reg_id
        self.call(lambda desk: desk.open(reg_id), lambda view: self._on_saved(view, field, old))

    def _on_saved(self, view: Any, field: Any, old: str) -> None:
        self._on_view(view)
        new = self.old_value(field.id)
        self.edit.setText(new)
        label = field.label.get(self.lang)
        self.show_done(self.tr("clerk.act.correct.done", label=label, old=old, new=new))

"""The typed answers a clerk may change, as one widget: a button per answer ("label: value"),
the chosen one in a box on the on-screen keyboard with its value now, and the citizen's own
validation (`kiosk.forms`, the same messages). Used by the correction screen (one answer) and
the supplement screen (answers changed together with new pages), so both check alike.

The desk checks again and decides; this only keeps a value it would refuse from being sent.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QVBoxLayout, QWidget

from ui.clerk.actions.base import line_edit
from ui.widgets.basic import ChoiceButton, wrap_label

# Answers a clerk may retype, and the on-screen keyboard layer for each (as the citizen's).
EDITABLE = {
    "text_km": "km",
    "text_latin": "en",
    "number": "num",
    "phone": "num",
    "national_id": "num",
}


class PickerOwner(Protocol):
    """What the picker reads of the action screen it sits in."""

    ctx: Any
    view: Any

    @property
    def lang(self) -> str: ...

    def tr(self, key: str, **kw: Any) -> str: ...

    def service(self) -> Any: ...


class AnswerPicker(QWidget):
    """Pick a typed answer and edit it. With `remember`, what was typed for each answer is
    kept while the clerk moves between answers (`changes()`: all of them at once)."""

    chosen = Signal(str)  # the field id tapped

    def __init__(
        self, owner: PickerOwner, prefix: str, *, pick_key: str, remember: bool = False
    ) -> None:
        super().__init__()
        self.owner = owner
        self.prefix = prefix
        self.pick_key = pick_key
        self.remember = remember
        self.field_id: str | None = None
        self.typed: dict[str, str] = {}  # field id -> text typed (remember only)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.pick = wrap_label(role="subheading")
        col.addWidget(self.pick)
        self.choices_box = QVBoxLayout()
        col.addLayout(self.choices_box)
        self.group = QButtonGroup(self)
        self.choices: dict[str, ChoiceButton] = {}
        self.editor = QWidget()
        self.editor.setObjectName(f"{prefix}Editor")
        ed = QVBoxLayout(self.editor)
        ed.setContentsMargins(0, 12, 0, 0)
        self.field_label = wrap_label(role="subheading")
        self.field_label.setObjectName(f"{prefix}Label")
        self.old = wrap_label(role="body")
        self.old.setObjectName(f"{prefix}Old")
        self.edit = line_edit(f"{prefix}Edit", "km")
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
        self.typed = {}
        self.edit.clear()
        self.editor.hide()
        for b in self.choices.values():
            self.group.removeButton(b)
            b.hide()
            b.deleteLater()
        self.choices = {}

    def field(self, field_id: str) -> Any:
        service = self.owner.service()
        return None if service is None else service.field(field_id)

    def editable(self) -> list[tuple[str, Any, str]]:
        """(field id, label, shown value) of the answers a clerk may retype."""
        out = []
        for field_id, label, shown in getattr(self.owner.view, "answers", []) or []:
            f = self.field(field_id)
            if f is not None and str(f.type) in EDITABLE:
                out.append((field_id, label, shown))
        return out

    def old_value(self, field_id: str) -> str:
        for fid, _label, shown in getattr(self.owner.view, "answers", []) or []:
            if fid == field_id:
                return str(shown)
        return ""

    def show_view(self) -> None:
        """Fill the buttons from the owner's application (and after a language switch)."""
        tr, lang = self.owner.tr, self.owner.lang
        self.pick.setText(tr(self.pick_key))
        self.none.setText(tr("clerk.act.correct.none"))
        if self.owner.view is None:
            return
        rows = self.editable()
        self.none.setVisible(not rows)
        for field_id, label, shown in rows:
            b = self.choices.get(field_id)
            if b is None:
                b = ChoiceButton(value=field_id)
                b.setObjectName(f"{self.prefix}_{field_id}")
                b.clicked.connect(lambda _=False, fid=field_id: self.choose(fid))
                self.group.addButton(b)
                self.choices[field_id] = b
                self.choices_box.addWidget(b)
            b.setText(f"{label.get(lang)}: {shown}")
        if self.field_id is not None:
            self._show_editor()

    def choose(self, field_id: str) -> None:
        """The clerk tapped an answer: edit it, starting from what is there now (or, with
        `remember`, from what was typed for it before)."""
        self.keep_typed()
        self.field_id = field_id
        b = self.choices.get(field_id)
        if b is not None and not b.isChecked():
            b.setChecked(True)
        f = self.field(field_id)
        self.edit.setProperty("sala_keyboard", EDITABLE.get(str(f.type), "km") if f else "km")
        self.edit.setText(self.typed.get(field_id, self.old_value(field_id)))
        self._show_editor()
        self.edit.setFocus()
        self.chosen.emit(field_id)

    def keep_typed(self) -> None:
        if self.remember and self.field_id is not None:
            self.typed[self.field_id] = self.edit.text()

    def _show_editor(self) -> None:
        f = self.field(self.field_id) if self.field_id else None
        if f is None:
            self.editor.hide()
            return
        self.field_label.setText(f.label.get(self.owner.lang))
        self.old.setText(self.owner.tr("clerk.act.correct.old", value=self.old_value(f.id)))
        self.editor.show()

    def issues(self, field: Any, text: str) -> list[str]:
        """The citizen's own messages for this value (empty: it may be sent to the desk)."""
        from kiosk.forms import normalise, validate_field

        value = normalise(field, text if text.strip() else None)
        found = validate_field(field, value, {}, today=self.owner.ctx.today())
        return [i.message.get(self.owner.lang) for i in found if i.field_id == field.id]

    def differs(self, field: Any, text: str) -> bool:
        """`text` is another answer than the one the application has (once normalised)."""
        from kiosk.forms import normalise

        return str(normalise(field, text)) != str(normalise(field, self.old_value(field.id)))

    def changes(self) -> tuple[dict[str, str], list[str]]:
        """Every answer typed differently from the application's (`remember`), and the
        citizen's messages for those that would be refused ("label: message")."""
        self.keep_typed()
        wanted: dict[str, str] = {}
        problems: list[str] = []
        for field_id, text in self.typed.items():
            f = self.field(field_id)
            if f is None or not self.differs(f, text):
                continue
            found = self.issues(f, text)
            if found:
                label = f.label.get(self.owner.lang)
                problems += [f"{label}: {p}" for p in found]
            else:
                wanted[field_id] = text
        return wanted, problems

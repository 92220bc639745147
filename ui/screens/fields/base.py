"""The frame every question widget shares: the question, its help, the input, the error.

A field widget keeps what the citizen typed exactly as typed (never cleared by an error or a
language switch); the question screen reads `raw_value()` and lets the form engine normalise
and validate it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import wrap_points
from ui.widgets.basic import ErrorLabel, repolish, wrap_label
from ui.widgets.text import tr


class FieldWidget(QWidget):
    """Base: subclasses build `self.input` (a layout) and implement the value methods."""

    edited = Signal()
    keyboard_layer: str | None = None  # "km" | "en" | "num" for fields typed on the keyboard
    initial_issue: str | None = None  # i18n key: a stored value that could not be shown

    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__()
        self.field = field
        self.ctx = ctx
        self.setObjectName(f"field_{field.id}")
        self.setProperty("sala_field", True)  # the shell keeps a focused box with its question
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        self.label = wrap_label(role="heading" if heading else "subheading")
        self.help = wrap_label(role="hint")
        self.error = ErrorLabel()
        self.error.setObjectName(f"error_{field.id}")
        box.addWidget(self.label)
        box.addWidget(self.help)
        box.addWidget(self.error)
        self.input = QVBoxLayout()
        self.input.setSpacing(12)
        box.addLayout(self.input)

    @property
    def lang(self) -> str:
        """The session's language, "km" | "en" (not QWidget.locale(), a QLocale)."""
        return str(self.ctx.session.locale)

    def tr(self, key: str, **kw: object) -> str:
        return tr(key, self.lang, **kw)

    def retranslate(self) -> None:
        loc = self.lang
        text = wrap_points(self.field.label.get(loc))
        if not self.field.required and self.field.required_if is None:
            text += " " + self.tr("ui.field.optional")
        self.label.setText(text)
        help_text = self.field.help.get(loc) if self.field.help is not None else ""
        self.help.setText(wrap_points(help_text))
        self.help.setVisible(bool(help_text))

    # -- values ----------------------------------------------------------------------------
    def raw_value(self) -> Any:
        """What the citizen entered, for `kiosk.forms.normalise`; None when nothing."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a stored (normalised) answer, e.g. from a draft or after "Change"."""
        raise NotImplementedError

    def local_issue(self) -> str | None:
        """A problem only the widget can see (an impossible date), as an i18n key."""
        return None

    def clear(self) -> None:
        self.set_value(None)

    def focus_target(self) -> QWidget | None:
        return None

    # -- errors ----------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.error.show_error(text)
        self.setProperty("invalid", bool(text))
        repolish(self)

    def clear_error(self) -> None:
        self.show_error("")


# The field types this UI has a widget for; the catalog hides any service using another
# (CatalogManager(supported_types=…)), so an unknown type never reaches a citizen.
SUPPORTED_TYPES = frozenset(
    {
        "text_km",
        "text_latin",
        "number",
        "date",
        "choice",
        "multi_choice",
        "yes_no",
        "phone",
        "national_id",
        "address",
        "photo",
        "document",
        "consent",
    }
)


def supported_types() -> frozenset[str]:
    return SUPPORTED_TYPES


def make_field_widget(field: Any, ctx: Any, *, heading: bool = True) -> FieldWidget | None:
    """The widget for `field`, or None if this UI does not know its type."""
    from kiosk.catalog import FieldType
    from ui.screens.fields.address import AddressField
    from ui.screens.fields.choice import ChoiceField, ConsentField, YesNoField
    from ui.screens.fields.date import DateField
    from ui.screens.fields.media import make_media_field
    from ui.screens.fields.text import TextField

    t = field.type
    if t in (
        FieldType.TEXT_KM,
        FieldType.TEXT_LATIN,
        FieldType.NUMBER,
        FieldType.PHONE,
        FieldType.NATIONAL_ID,
    ):
        return TextField(field, ctx, heading=heading)
    if t is FieldType.DATE:
        return DateField(field, ctx, heading=heading)
    if t in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        return ChoiceField(field, ctx, heading=heading)
    if t is FieldType.YES_NO:
        return YesNoField(field, ctx, heading=heading)
    if t is FieldType.CONSENT:
        return ConsentField(field, ctx, heading=heading)
    if t is FieldType.ADDRESS:
        return AddressField(field, ctx, heading=heading)
    if t in (FieldType.PHOTO, FieldType.DOCUMENT):
        return make_media_field(field, ctx, heading=heading)
    return None

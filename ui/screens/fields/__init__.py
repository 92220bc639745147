"""One input widget per FieldType; `make_field_widget` picks it (None: the UI cannot ask it)."""

from ui.screens.fields.base import FieldWidget, make_field_widget, supported_types

__all__ = ["FieldWidget", "make_field_widget", "supported_types"]

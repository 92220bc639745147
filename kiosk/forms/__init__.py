"""The form engine: which questions to ask, how answers are stored, what is wrong with them
and how they read back (see ARCHITECTURE.md "Catalog, forms, gazetteer, i18n")."""

from kiosk.forms.conditions import Step, condition_holds, step_position, steps, visible_fields
from kiosk.forms.display import display_value, format_date, format_khr, format_phone, pages_text
from kiosk.forms.normalise import normalise, normalise_phone
from kiosk.forms.validate import (
    DEFAULT_MAX_LENGTH,
    Issue,
    is_empty,
    validate_all,
    validate_field,
    validate_step,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "Issue",
    "Step",
    "condition_holds",
    "display_value",
    "format_date",
    "format_khr",
    "format_phone",
    "is_empty",
    "normalise",
    "normalise_phone",
    "pages_text",
    "step_position",
    "steps",
    "validate_all",
    "validate_field",
    "validate_step",
    "visible_fields",
]

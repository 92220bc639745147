"""The catalog's data model, which lives in `sync.protocol.catalog.schema` (the back office
validates uploads with the same code); re-exported here for the kiosk's importers, plus the
kiosk's own general "what happens next" text, handed to `Service.what_next`."""

from __future__ import annotations

from sync.protocol.catalog.schema import (
    ATTACHMENT_TYPES,
    ORIGINALS_CHECKS,
    Catalog,
    CatalogError,
    Condition,
    ConditionOp,
    Field,
    FieldType,
    Option,
    OriginalsCheck,
    Service,
    set_general_next_steps,
)
from sync.protocol.catalog.text import Text

__all__ = [
    "ATTACHMENT_TYPES",
    "ORIGINALS_CHECKS",
    "Catalog",
    "CatalogError",
    "Condition",
    "ConditionOp",
    "Field",
    "FieldType",
    "Option",
    "OriginalsCheck",
    "Service",
    "Text",
    "next_steps_of",
]


def _general() -> Text:
    from kiosk.i18n import tr_text  # here: the catalog loads before any string is needed

    return tr_text("receipt.next_default")


def next_steps_of(service: object) -> Text:
    """`Service.what_next` for any service-like object (receipts accept duck-typed services)."""
    steps = getattr(service, "next_steps", None)
    if isinstance(steps, Text):
        return steps
    return _general()


set_general_next_steps(_general)

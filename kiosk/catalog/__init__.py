"""The service catalog: which services a kiosk offers and the form for each (see
ARCHITECTURE.md "Catalog, forms, gazetteer, i18n")."""

from kiosk.catalog.loader import load_bundled_catalog, load_catalog, parse_catalog
from kiosk.catalog.manager import CatalogManager
from kiosk.catalog.schema import (
    ATTACHMENT_TYPES,
    Catalog,
    CatalogError,
    Condition,
    Field,
    FieldType,
    Option,
    Service,
)
from kiosk.text import Text

__all__ = [
    "ATTACHMENT_TYPES",
    "Catalog",
    "CatalogError",
    "CatalogManager",
    "Condition",
    "Field",
    "FieldType",
    "Option",
    "Service",
    "Text",
    "load_bundled_catalog",
    "load_catalog",
    "parse_catalog",
]

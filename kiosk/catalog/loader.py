"""Read a catalog file from disk or from the kiosk's package data, and validate it.

The validation itself lives in `sync.protocol.catalog.validate` (re-exported here), because
the ministry's back office must refuse exactly what a kiosk would refuse, and the server may
import nothing of the kiosk's. What stays here is the kiosk's own: opening files and the
catalog bundled in assets/catalog/services.json.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import resources
from pathlib import Path

from sync.protocol.catalog.reader import (
    FORMAT,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_OPTIONS,
    MAX_PAGES,
    MAX_SERVICES,
    MAX_STRING,
    compile_pattern,
)
from sync.protocol.catalog.schema import Catalog, CatalogError
from sync.protocol.catalog.validate import FIELD_KEYS as _FIELD_KEYS
from sync.protocol.catalog.validate import SERVICE_KEYS as _SERVICE_KEYS
from sync.protocol.catalog.validate import check_catalog, parse_catalog

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "MAX_PAGES",
    "MAX_SERVICES",
    "MAX_STRING",
    "_FIELD_KEYS",
    "_SERVICE_KEYS",
    "bundled_catalog_bytes",
    "check_catalog",
    "compile_pattern",
    "load_bundled_catalog",
    "load_catalog",
    "parse_catalog",
]


def load_catalog(path: Path, *, supported_types: Collection[str] | None = None) -> Catalog:
    """Read and validate a catalog file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CatalogError(
            str(path), "", code="unreadable", params={"detail": exc.strerror or str(exc)}
        ) from None
    return parse_catalog(raw, str(path), supported_types=supported_types)


def bundled_catalog_bytes() -> bytes:
    return (resources.files("assets") / "catalog" / "services.json").read_bytes()


def load_bundled_catalog(*, supported_types: Collection[str] | None = None) -> Catalog:
    """The catalog shipped in assets/catalog/services.json."""
    return parse_catalog(
        bundled_catalog_bytes(), "assets/catalog/services.json", supported_types=supported_types
    )

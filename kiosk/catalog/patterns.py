"""Catalog patterns run by RE2: moved to `sync.protocol.catalog.patterns` (the kiosk and the
back office validate catalogs with the same code); re-exported for the kiosk's importers."""

from sync.protocol.catalog.patterns import MAX_PATTERN, CatalogPattern, PatternError

__all__ = ["MAX_PATTERN", "CatalogPattern", "PatternError"]

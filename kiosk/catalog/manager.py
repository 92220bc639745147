"""Keep the last good catalog: a new one from the server is validated before it replaces it.

The installed catalog lives in `<data_dir>/catalog/services.json`, written to a temporary
file, fsynced and renamed into place, so a power cut leaves either the old or the new file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from pathlib import Path

from kiosk.catalog.loader import load_bundled_catalog, load_catalog, parse_catalog
from kiosk.catalog.schema import Catalog, CatalogError
from kiosk.durable import write_atomic
from sync.protocol.catalog.validate import no_usable_service

log = logging.getLogger(__name__)

INSTALLED_NAME = "services.json"


class CatalogManager:
    """The catalog in use: the installed one if it is valid, else the bundled one."""

    def __init__(self, data_dir: Path, *, supported_types: Collection[str] | None = None) -> None:
        self.dir = Path(data_dir) / "catalog"
        self.path = self.dir / INSTALLED_NAME
        self._supported = supported_types
        self._lock = threading.Lock()
        self._current: Catalog | None = None

    def current(self) -> Catalog:
        with self._lock:
            if self._current is None:
                self._current = self._load()
            return self._current

    def _load(self) -> Catalog:
        if self.path.exists():
            try:
                return load_catalog(self.path, supported_types=self._supported)
            except CatalogError as exc:
                log.warning("installed catalog unusable, using the bundled one: %s", exc)
        return load_bundled_catalog(supported_types=self._supported)

    def install(self, raw: bytes, *, name: str = "downloaded catalog") -> Catalog:
        """Validate `raw` and make it the current catalog; on CatalogError nothing changes."""
        catalog = parse_catalog(raw, name, supported_types=self._supported)
        useless = no_usable_service(catalog, name)
        if useless is not None:  # valid but useless here (every service hidden): keep the old
            raise useless
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, raw)
            self._current = catalog
        log.info("catalog %s installed (%d services)", catalog.version, len(catalog.services))
        return catalog

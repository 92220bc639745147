"""Catalog documents for tests, and the one way a test puts an unchecked catalog on the feed.

`sala server publish catalog` and `POST /v1/catalog` refuse what a kiosk would refuse, so a
test that needs a bad (or not yet valid) catalog in the feed — to see the kiosk refuse it
itself — writes it through the server's own lower-level `catalog.append_document`, on the
running server's database. No route or command reaches that function. `valid_catalog` also
builds every test server's first-start `--catalog` (conftest's TEST_CATALOG): the server checks
that file as any publish and refuses to start with one a kiosk would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # conftest imports this module for its TEST_CATALOG
    from tests.sync.conftest import ServerProcess


def service_doc(
    service_id: str, version: str = "1", fee_khr: int = 0, *, processing_days: int = 5
) -> dict[str, Any]:
    """The smallest service the kiosk's validator accepts: one typed question."""
    return {
        "id": service_id,
        "version": version,
        "name": {"km": "សេវា​សាកល្បង", "en": f"Test service {service_id}"},
        "description": {"km": "សម្រាប់​ការ​សាកល្បង", "en": "For tests"},
        "fee_khr": fee_khr,
        "processing_days": processing_days,
        "papers": [],
        "fields": [
            {
                "id": "name_latin",
                "type": "text_latin",
                "label": {"km": "ឈ្មោះ", "en": "Name"},
                "required": True,
            }
        ],
    }


def valid_catalog(
    version: str, services: Sequence[tuple[str, str]], *, processing_days: int = 5
) -> dict[str, Any]:
    """A catalog a kiosk installs (and a server starts with), listing `services` as (id,
    version) pairs, each promised in `processing_days`."""
    docs = [service_doc(*s, processing_days=processing_days) for s in services]
    return {"format": 1, "version": version, "services": docs}


def append_unchecked(server: ServerProcess, doc: dict[str, Any], kind: str = "catalog") -> str:
    """Put `doc` on `server`'s feed without the validator (test-only; see the module doc)."""
    from sqlalchemy import create_engine

    from sync.server import catalog

    engine = create_engine(server.db_url)
    try:
        with engine.begin() as conn:
            return catalog.append_document(conn, kind, json.dumps(doc).encode("utf-8"))
    finally:
        engine.dispose()

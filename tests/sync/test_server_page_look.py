"""console/page_look.py: one statement per page says which upkeep has work, and what another
server process wrote is seen by the very next look (nothing is cached between pages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sync.server import db
from sync.server.console import flags, page_look, queue_fill
from sync.server.media import MediaStore
from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import ServerProcess

pytestmark = pytest.mark.server

SERVICE = ("id_card", "1")


def _setting(engine: Engine, key: str) -> str | None:
    with db.reading(engine) as conn:
        return db.get_setting(conn, key)


def test_the_next_look_sees_what_another_process_wrote(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server", catalog=valid_catalog("look-1", [SERVICE])).start()
    engine = db.make_engine(server.db_url)  # this "process"; the server is the other one
    store = MediaStore(tmp_path / "server" / "media")
    try:
        first = page_look.prepare(engine, store)
        assert first.catalogs == 1
        assert not first.filled  # this process has no fill floor yet: the page looks itself
        queue_fill.refresh_in(engine)  # as queue.load does: now it has one
        assert page_look.prepare(engine, store).filled

        recounted = _setting(engine, flags.STATS_AT)
        assert recounted is not None  # the first look recounted the override stats
        assert page_look.prepare(engine, store).catalogs == 1
        assert _setting(engine, flags.STATS_AT) == recounted  # recent: not again

        other = db.make_engine(server.db_url)  # another server process moves the marker back
        with other.begin() as conn:
            db.set_setting(conn, flags.STATS_AT, "0")
        other.dispose()
        page_look.prepare(engine, store)
        again = _setting(engine, flags.STATS_AT)
        assert again is not None and float(again) > float(recounted) - 1

        newer = tmp_path / "catalog-2.json"  # the other process publishes a catalog
        newer.write_text(json.dumps(valid_catalog("look-2", [SERVICE], processing_days=9)))
        server.cli("publish", "catalog", str(newer))
        look = page_look.prepare(engine, store)
        assert look.catalogs == 2
        with db.reading(engine) as conn:
            kinds = conn.execute(select(db.documents.c.kind)).scalars().all()
        assert kinds.count("catalog") == look.catalogs
    finally:
        engine.dispose()
        server.stop()

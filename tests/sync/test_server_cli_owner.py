"""`sala server service-owner`: the owners listed, an unowned service given to a ministry (its
applications move with it: test_server_owner_refile.py), audited; a wrong ministry or service
refused with a sentence and nothing changed. A real server's database and the real CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sync.server import db
from tests.sync.catalog_docs import valid_catalog
from tests.sync.conftest import KNOWN_SERVICE, ServerProcess

pytestmark = pytest.mark.server
SERVICE = KNOWN_SERVICE[0]  # no owner in db.SERVICE_MINISTRIES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    doc = valid_catalog("owner-cli-1", [KNOWN_SERVICE], processing_days=3)
    proc = ServerProcess(tmp_path_factory.mktemp("server"), catalog=doc).start()
    yield proc
    proc.stop()


def _owner(server: ServerProcess) -> str | None:
    sm = db.service_ministry
    with server.engine() as engine, engine.connect() as conn:
        return conn.execute(select(sm.c.ministry).where(sm.c.service_id == SERVICE)).scalar()


def test_an_owner_is_listed_named_and_audited(server: ServerProcess) -> None:
    listed = server.cli("service-owner")
    assert f"{SERVICE}\t-" in listed.stdout.splitlines()
    assert "without an owner" in listed.stderr

    bad = server.cli("service-owner", SERVICE, "finance", check=False)
    assert bad.returncode == 2 and "Unknown ministry 'finance'" in bad.stderr
    half = server.cli("service-owner", SERVICE, check=False)
    assert half.returncode == 2 and "Give the ministry too" in half.stderr
    unknown = server.cli("service-owner", "no_such_service", "justice", check=False)
    assert unknown.returncode == 1 and "No service 'no_such_service'" in unknown.stderr
    assert _owner(server) is None  # nothing changed by the refusals

    done = server.cli("service-owner", SERVICE, "justice")
    assert done.stdout.strip() == f"{SERVICE}: justice"
    assert _owner(server) == "justice"
    assert f"{SERVICE}\tjustice" in server.cli("service-owner").stdout.splitlines()
    again = server.cli("service-owner", SERVICE, "justice")
    assert "already its owner" in again.stdout
    audit = db.officer_audit
    with server.engine() as engine, engine.connect() as conn:
        rows = conn.execute(
            select(audit.c.officer, audit.c.detail).where(audit.c.action == "service_owner")
        ).all()
    assert [tuple(r) for r in rows] == [("cli", "justice")]  # the repeat changed nothing

"""Two server processes on one PostgreSQL behind a round-robin proxy: how a ministry scales out.

Both processes share the database and the data dir (the signing key, the media store and the
tus partial files, as a shared volume would in production), and the proxy (tests/bench/
rrproxy.py) sends each new connection to the next one. The kiosks here open a connection per
request, so an upload's creation, its PATCHes and the commit land on different processes.
Every registration must be stored exactly once, and a retried commit must get the identical
signed receipt from either process.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.bench.rrproxy import RoundRobinProxy
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.pg import PgCluster

pytestmark = pytest.mark.postgres

KIOSKS, PER_KIOSK = 4, 4


@pytest.fixture
def pair(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[tuple[list[ServerProcess], str]]:
    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    first = ServerProcess(tmp_path / "shared", url).start()  # makes the key; then the second
    second = ServerProcess(tmp_path / "shared", url).start()
    yield [first, second], url
    for proc in (first, second):
        proc.stop()


def no_keepalive(base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    )


def test_two_servers_behind_round_robin_store_each_registration_once(
    pair: tuple[list[ServerProcess], str],
) -> None:
    servers, url = pair
    proxy = RoundRobinProxy([s.port for s in servers]).start()
    kiosks: list[Kiosk] = []
    try:
        for i in range(KIOSKS):
            kiosk = Kiosk(servers[i % 2], label=f"scale-out kiosk {i}")
            kiosk.http.close()
            kiosk.http = no_keepalive(proxy.url)
            kiosks.append(kiosk.enrol())
        sent: list[tuple[Kiosk, str, dict[str, Any], dict[str, Any]]] = []
        failures: list[str] = []
        lock = threading.Lock()

        def push(kiosk: Kiosk) -> None:
            for n in range(PER_KIOSK):
                data = os.urandom(3000 + n)
                location = kiosk.upload(data, chunk=1000)  # create + PATCHes, spread over both
                reg_id = str(uuid.uuid4())
                doc = registration_doc(kiosk, [(data, location)])
                r = kiosk.commit(reg_id, doc)
                with lock:
                    if r.status_code != 201:
                        failures.append(f"{reg_id}: {r.status_code} {r.text[:200]}")
                    else:
                        sent.append((kiosk, reg_id, doc, r.json()))

        threads = [threading.Thread(target=push, args=(k,)) for k in kiosks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not failures, failures
        assert len(sent) == KIOSKS * PER_KIOSK
        assert all(n > 0 for n in proxy.connections), proxy.connections

        # A retried commit (its answer lost) gets the same signed receipt from either process.
        for kiosk, reg_id, doc, first in sent:
            for server in servers:
                kiosk.http.close()
                kiosk.http = no_keepalive(server.url)
                again = kiosk.commit(reg_id, doc)
                assert again.status_code == 200, again.text
                assert again.json()["receipt"] == first["receipt"]
                assert again.json()["signature"] == first["signature"]
    finally:
        for kiosk in kiosks:
            kiosk.close()
        proxy.stop()

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, app_number FROM registrations")).all()
        received = conn.execute(
            text("SELECT registration_id FROM status_history WHERE status = 'received'")
        ).all()
    engine.dispose()
    ids = sorted(r[0] for r in rows)
    assert ids == sorted(reg_id for _k, reg_id, _d, _f in sent)
    assert len({r[1] for r in rows}) == len(rows)  # each application number once
    assert sorted(r[0] for r in received) == ids  # one `received` entry each

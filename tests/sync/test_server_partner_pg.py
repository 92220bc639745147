"""Issue 13, partner API on PostgreSQL with two server processes on one database, as a ministry
scales out: a key's token bucket is one bucket (its row, locked per request), however many
requests arrive at once on either process, and receipts check as on SQLite."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_partner import ID_CARD, check, make_key

pytestmark = pytest.mark.postgres


def test_one_bucket_for_two_processes_under_concurrent_requests(
    pg_server: ServerProcess,
) -> None:
    second = ServerProcess(pg_server.data_dir, pg_server.db_url).start()
    kiosk = Kiosk(pg_server).enrol()
    try:
        doc = registration_doc(kiosk, service=ID_CARD, verification_code="HJKM34")
        assert kiosk.commit(str(uuid.uuid4()), doc).status_code == 201
        # a bucket of 5 that refills one request a minute: 5 of 16 requests at once get in
        key, key_id = make_key(pg_server, "--ministry", "interior", "--rate", "1", "--burst", "5")
        servers = [pg_server, second] * 8
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda s: check(s, key, doc["app_number"], "hjkm34"), servers))
        codes = sorted(r.status_code for r in answers)
        assert codes == [200] * 5 + [429] * 11, codes
        assert all(r.json()["result"] == "genuine" for r in answers if r.status_code == 200)
        assert all(int(r.headers["Retry-After"]) >= 1 for r in answers if r.status_code == 429)
    finally:
        second.stop()
        kiosk.close()
    engine = create_engine(pg_server.db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        outcomes = conn.execute(
            text("SELECT outcome FROM partner_audit WHERE key_id = :k AND action = 'check'"),
            {"k": key_id},
        ).scalars()
        counted = sorted(outcomes)
    engine.dispose()
    assert counted == ["ok:genuine"] * 5 + ["refused:rate_limited"] * 11

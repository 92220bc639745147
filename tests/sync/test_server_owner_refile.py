"""Review finding 8: a service that gets its owning ministry after applications arrived (an
admin publishing a catalog names the owner: `catalog.set_owners`), or that changes owner
(`catalog.change_owner`), moves those applications to the new ministry at once: its officers
see them and count them right, the old one's no longer do, and every table counted by
ministry (queue, flag and narrow queue counts, the flags' copies, the processing-time rollup)
equals a recount. Real server process receiving a real kiosk's commits; SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text

from sync.server import catalog, db
from sync.server.console import application, queue, scope, timing_numbers
from sync.server.console.accounts import Account, create
from sync.server.console.application import Refused
from sync.server.tables import timing_rollup
from tests.sync.catalog_docs import valid_catalog
from tests.sync.clerk_wire import committed
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess, backend_url
from tests.sync.console_accounts import console_account
from tests.sync.test_server_queue_counts import _ago, _exact, _flags_exact

pytestmark = pytest.mark.server
SERVICE = KNOWN_SERVICE[0]  # no owner in db.SERVICE_MINISTRIES: unowned until published


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    catalog_doc = valid_catalog("owner-refile-1", [KNOWN_SERVICE], processing_days=3)
    proc = ServerProcess(
        tmp_path_factory.mktemp("server"), backend_url(request), catalog=catalog_doc
    ).start()
    yield proc
    proc.stop()


def _officer(engine: Engine, ministry: str) -> Account:
    made, _secret = create(
        engine,
        username=f"{ministry}.{uuid.uuid4().hex[:8]}",
        display_name=ministry,
        password="correct horse battery",
        role="officer",
        ministry=ministry,
        jurisdiction="*",
        created_by="test",
    )
    return made


def _counts(engine: Engine, account: Account) -> tuple[dict[str, int], dict[str, int]]:
    """The page's counts from the kept rows, and counted application by application."""
    fast = queue.load(engine, account, queue.Filters.parse({})).counts
    full = queue.load(engine, account, queue.Filters.parse({"date_from": "2000-01-01"})).counts
    return fast, full


def _sees(engine: Engine, account: Account, reg_id: str) -> bool:
    try:
        application.load(engine, account, reg_id)
    except Refused as exc:
        assert exc.code == "other_ministry"
        return False
    return True


def _all_exact(engine: Engine) -> None:
    _exact(engine)  # queue counts, flag counts, "supplement", narrow rows
    _flags_exact(engine)  # the flags' copies of the facts, ministry included
    timing_numbers.prepare(engine)
    with engine.connect() as conn:
        assert timing_rollup.stored(conn) == timing_rollup.recount(conn)


def _ministries(engine: Engine, ids: list[str]) -> set[str]:
    facts = db.console_facts
    with engine.connect() as conn:
        return set(
            conn.execute(select(facts.c.ministry).where(facts.c.registration_id.in_(ids))).scalars()
        )


def test_an_owner_named_later_takes_the_earlier_applications(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    try:
        boss = console_account(engine, "supervisor")  # every ministry: acts on the unowned
        justice, commerce = _officer(engine, "justice"), _officer(engine, "commerce")
        ids = [committed(kiosk, submitted_at=_ago(d)) for d in (5, 4, 0)]
        fast, full = _counts(engine, justice)  # facts made now: unowned
        assert fast == full and fast["new"] == 0
        assert not _sees(engine, justice, ids[0])
        application.act(engine, boss, ids[0], "start_review", {})
        application.act(engine, boss, ids[0], "approve", {})  # decided: in the rollup
        timing_numbers.prepare(engine)
        _all_exact(engine)

        with engine.begin() as conn:  # as the console's catalog publish does
            assert catalog.set_owners(conn, {SERVICE: "justice"}) == {SERVICE: "justice"}
        assert _ministries(engine, ids) == {"justice"}
        assert _sees(engine, justice, ids[1]) and not _sees(engine, commerce, ids[1])
        fast, full = _counts(engine, justice)
        assert fast == full and fast["new"] == 2 and fast["overdue"] == 1
        assert fast["decided"] == 1
        assert _counts(engine, commerce)[0]["new"] == 0
        _all_exact(engine)

        with engine.begin() as conn:  # an owner already set is kept by publishing
            assert catalog.set_owners(conn, {SERVICE: "commerce"}) == {}
            assert catalog.change_owner(conn, SERVICE, "commerce")  # the CLI's way
            assert not catalog.change_owner(conn, SERVICE, "commerce")
        late = committed(kiosk, submitted_at=_ago(0))  # facts made after: the new owner
        fast, full = _counts(engine, commerce)
        assert fast == full and fast["new"] == 3 and fast["decided"] == 1
        assert _counts(engine, justice)[0]["new"] == 0
        assert not _sees(engine, justice, late) and _sees(engine, commerce, ids[2])
        assert _ministries(engine, [*ids, late]) == {"commerce"}
        _all_exact(engine)
    finally:
        kiosk.close()
        engine.dispose()


@pytest.mark.postgres
def test_facts_made_during_an_owner_change_take_the_new_owner(pg_server: ServerProcess) -> None:
    """The race the review left open: facts made while an owner change is being committed
    read the old owner, and the change's refile did not see them. Now the facts wait for the
    change (catalog.lock_owners) and read the new owner; on the old code they keep the old one."""
    engine = db.make_engine(pg_server.db_url)
    kiosk = Kiosk(pg_server).enrol()
    try:
        with engine.begin() as conn:
            catalog.set_owners(conn, {SERVICE: "justice"})
        reg_id = committed(kiosk, submitted_at=_ago(1))  # no facts yet: no page has looked
        made: list[int] = []
        with engine.begin() as change:
            assert catalog.change_owner(change, SERVICE, "commerce")  # not committed yet

            def make_facts() -> None:
                with engine.begin() as conn:
                    made.append(scope.refresh_facts(conn))

            worker = threading.Thread(target=make_facts)
            worker.start()
            with engine.connect() as look:  # the worker waits on the owners' lock
                waiting = 0
                while worker.is_alive() and not waiting:
                    waiting = look.execute(
                        text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    ).scalar_one()
            assert waiting, "facts were made without waiting for the owner change"
        worker.join(60)
        assert made and made[0] >= 1
        assert _ministries(engine, [reg_id]) == {"commerce"}
        _all_exact(engine)
    finally:
        kiosk.close()
        engine.dispose()

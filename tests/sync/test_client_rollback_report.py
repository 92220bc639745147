"""A rolled-back update reaches the ministry: the root updater (real dpkg, a throw-away root,
tests/core/test_update_apply.py's Machine) rolls a release back that fails its self-test, and
the kiosk's next sync round sends a device report at once, carrying the rollback (from, to,
reason, when) to a real server process, whose fleet view shows it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from kiosk.update import spool
from sync.client.worker import sync_once
from sync.server.console.fleet import kiosks
from sync.server.device_reports import Rollback
from tests.core.test_update_apply import Machine, build_deb
from tests.core.test_update_verify import Release
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_device_report import reports

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
pytestmark = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg (Debian)")


def test_a_rollback_is_reported_at_once_and_shown_in_the_fleet_view(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    api = kiosk_side.api()
    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    before, first_contact = reports(server)[api.device_id]
    assert "update_rollback" not in {c["id"] for c in before["checks"]}

    # The updater's machine, whose kiosk data dir is this enrolled kiosk's.
    updates = tmp_path / "updates"
    updates.mkdir()
    (updates / "data").symlink_to(kiosk_side.data_dir)
    machine = Machine(updates, Release.make(updates))
    machine.request(build_deb(updates, "1.0"), "1.0")
    assert (machine.updater().run() or {}).get("outcome") == "installed"
    machine.request(build_deb(updates, "2.0", ok=False), "2.0")
    res = machine.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("rolled_back", "self_test")
    assert machine.installed() == "1.0"
    check = spool.rollback_check(kiosk_side.data_dir)
    assert check is not None and check["status"] == "warn"

    # Within the 15 minutes that normally wait between reports: sent now, for the rollback.
    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)
    report, contact = reports(server)[api.device_id]
    assert contact > first_contact
    sent = next(c for c in report["checks"] if c["id"] == "update_rollback")
    assert sent["status"] == "warn"
    assert sent["values"] == {"from": "2.0", "to": "1.0", "reason": "self_test",
                              "at": res["at"], "outcome": "rolled_back"}  # fmt: skip
    assert report["summary"]["warn"] == before["summary"]["warn"] + 1

    engine = create_engine(server.db_url)
    try:
        (row,) = [k for k in kiosks(engine) if k.device_id == api.device_id]
    finally:
        engine.dispose()
    assert row.rollback == Rollback("2.0", "1.0", "self_test", res["at"], "rolled_back")
    assert row.warn == before["summary"]["warn"] + 1

    sync_once(kiosk_side.store, api, data_dir=kiosk_side.data_dir)  # taken: not sent again
    assert reports(server)[api.device_id][1] == contact

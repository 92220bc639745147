"""An update arriving while applications are unsent leaves every one of them readable and
sendable afterwards: a kiosk with applications not yet sent gets a signed update installed by
the root updater (the real dpkg into a throw-away root, tests/core/test_update_apply.py's
stand-in packages, its data dir this kiosk's own), then a fresh Store reads every field and
picture back, and a new `sala sync --once` process (as the restarted kiosk would) sends them
all to a real server process, which acknowledges each with a signed receipt."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.model import State
from kiosk.store import Store
from sync import protocol
from sync.client.enrol import load_identity
from tests.core.test_update_apply import Machine, build_deb
from tests.core.test_update_verify import Release
from tests.sync.conftest import COMMUNE, ServerProcess
from tests.sync.test_client_push import server_rows

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import ROOT, KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
pytestmark = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg (Debian)")


def _unsent_by_status(side: KioskSide) -> int:
    """What prerm and the technician read: `sala status --json` (read-only, no key)."""
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--data-dir", str(side.data_dir), "status", "--json"],
        capture_output=True, text=True, cwd=ROOT, env=side.env(), timeout=120, check=True,
    )  # fmt: skip
    counts = json.loads(out.stdout)["counts"]
    return int(counts.get("submitted", 0)) + int(counts.get("uploading", 0))


def test_unsent_applications_survive_an_update_and_are_sent_after_it(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    updates = tmp_path / "updates"
    updates.mkdir()
    (updates / "data").symlink_to(kiosk_side.data_dir)  # the updater's kiosk is this one
    machine = Machine(updates, Release.make(updates))
    machine.request(build_deb(updates, "1.0"), "1.0")
    assert (machine.updater().run() or {}).get("outcome") == "installed"

    regs = [kiosk_side.submit(pages=2, seed=i) for i in range(3)]  # nobody synced: unsent
    wanted = {
        r.id: (r.app_number, r.answers, [a.media.sha256 for a in r.attachments]) for r in regs
    }
    assert sorted(o.registration.id for o in kiosk_side.store.outbox()) == sorted(wanted)
    assert _unsent_by_status(kiosk_side) == 3
    kiosk_side.store.close()  # the kiosk stops: dpkg's postinst restarts it on the new release

    machine.request(build_deb(updates, "2.0"), "2.0")  # the update arrives
    res = machine.updater().run()
    assert res is not None and res["outcome"] == "installed", res
    assert machine.installed() == "2.0"

    # Readable: a fresh Store (the new kiosk's) opens every application, field and picture.
    store = Store.open(kiosk_side.data_dir, commune_code=COMMUNE, secret_dir=kiosk_side.secret_dir)
    kiosk_side.store = store  # the fixture closes this one
    for reg_id, (number, answers, hashes) in wanted.items():
        got = store.get(reg_id)
        assert (got.state, got.app_number, got.answers) == (State.SUBMITTED, number, answers)
        assert [a.media.sha256 for a in got.attachments] == hashes
        for sha in hashes:
            assert hashlib.sha256(store.read_media(sha)).hexdigest() == sha
    assert _unsent_by_status(kiosk_side) == 3

    # Sendable: the restarted kiosk's sync (a new process) sends them; the server acknowledges.
    out = kiosk_side.run_sync(timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    public = load_identity(kiosk_side.data_dir).server_public_key  # type: ignore[union-attr]
    for reg_id, (number, _answers, hashes) in wanted.items():
        sent = store.get(reg_id)
        assert sent.state is State.ACCEPTED and sent.server_receipt is not None
        receipt = sent.server_receipt
        assert protocol.verify_receipt(public, receipt["receipt"], receipt["signature"])
        (row,) = server_rows(server, reg_id)
        body = json.loads(row[1])
        assert body["app_number"] == number
        assert sorted(a["sha256"] for a in body["attachments"]) == sorted(hashes)
    assert store.outbox() == [] and _unsent_by_status(kiosk_side) == 0

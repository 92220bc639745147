"""The anti-rollback floor against a signed downgrade, and the deferral cap against a stored
hold-back, with real signed manifests and downgrades.

A downgrade signed before a later manifest raised `min_version` cannot have known that floor,
so the floor holds (`below_minimum`); one signed after it lifts the floor. Lowering the kiosk's
`update_max_defer_days` cuts a hold-back stored under the higher setting: the stick's release
is requested, not kept back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.update import downgrade as dg
from kiosk.update import manifest as mf
from kiosk.update import spool
from kiosk.update import state as state_mod
from kiosk.update.deferral import defer_offer, install_decision
from kiosk.update.verify import verify_release
from sync import protocol
from sync.client.usb_release import receive
from tests.core.test_update_verify import NOW, Release

DAY = timedelta(days=1)


@pytest.fixture
def rel(tmp_path: Path) -> Release:
    return Release.make(tmp_path)


def _deb(folder: Path, version: str) -> Path:
    path = folder / f"sala-kiosk_{version}_amd64.deb"
    path.write_bytes(b"!<arch>\n" + version.encode() * 500)
    return path


def _seen_then_raised(rel: Release, tmp_path: Path) -> state_mod.UpdateState:
    """A kiosk that verified 2.0 (min 0.1) on day 0, then 2.1 saying min 1.8 on day 3, as the
    updater keeps it on disk."""
    state = state_mod.UpdateState()
    for version, minimum, issued in (("2.0", "0.1", NOW), ("2.1", "1.8", NOW + 3 * DAY)):
        deb = _deb(tmp_path, version)
        doc = rel.sign(deb, version, min_version=minimum, issued_at=issued)
        state.accept(verify_release(doc, deb, rel.key.public_key(), "1.0", state))
    state_mod.save(tmp_path, state)
    return state_mod.load(tmp_path)


def _downgrade(rel: Release, issued_days: int) -> bytes:
    issued = NOW + issued_days * DAY
    d = dg.Downgrade("2.1", "1.5", issued, issued + 7 * DAY, mf.key_id(rel.key.public_key()))
    return dg.sign(d, rel.key)


def test_a_downgrade_signed_before_the_floor_was_raised_does_not_lift_it(
    rel: Release, tmp_path: Path
) -> None:
    state = _seen_then_raised(rel, tmp_path)
    assert (state.floor_version, state.floor_issued_at) == (
        "1.8",
        protocol.format_date(NOW + 3 * DAY),
    )
    old = _deb(tmp_path, "1.5")
    doc = rel.sign(old, "1.5", min_version="1.0", issued_at=NOW)
    public = rel.key.public_key()
    with pytest.raises(mf.UpdateRefused) as refused:
        verify_release(doc, old, public, "2.1", state, _downgrade(rel, 1))
    assert refused.value.code == "below_minimum" and "1.8" in str(refused.value)
    # signed after the floor was raised: the ministry knew it, so the floor is lifted
    assert verify_release(doc, old, public, "2.1", state, _downgrade(rel, 4)).version == "1.5"
    # the release's own minimum still holds, whatever the downgrade says
    low = rel.sign(old, "1.5", min_version="1.6", issued_at=NOW)
    with pytest.raises(mf.UpdateRefused, match="below_minimum"):
        verify_release(low, old, public, "2.1", state, _downgrade(rel, 4))


def test_a_state_kept_before_the_floor_time_falls_back_to_the_newest_manifest(
    rel: Release, tmp_path: Path
) -> None:
    _seen_then_raised(rel, tmp_path)
    raw = json.loads((tmp_path / state_mod.STATE_FILE).read_text())
    del raw["floor_issued_at"]  # as an updater before this field wrote it
    (tmp_path / state_mod.STATE_FILE).write_text(json.dumps(raw))
    legacy = state_mod.load(tmp_path)
    assert legacy.floor_issued_at is None and legacy.floor_since() == NOW + 3 * DAY
    old = _deb(tmp_path, "1.5")
    doc = rel.sign(old, "1.5", min_version="1.0", issued_at=NOW)
    with pytest.raises(mf.UpdateRefused, match="below_minimum"):
        verify_release(doc, old, rel.key.public_key(), "2.1", legacy, _downgrade(rel, 2))
    m = verify_release(doc, old, rel.key.public_key(), "2.1", legacy, _downgrade(rel, 5))
    assert m.version == "1.5"


def test_an_equal_minimum_later_keeps_the_time_the_floor_was_first_raised(
    rel: Release, tmp_path: Path
) -> None:
    state = _seen_then_raised(rel, tmp_path)
    deb = _deb(tmp_path, "2.2")
    doc = rel.sign(deb, "2.2", min_version="1.8", issued_at=NOW + 6 * DAY)
    state.accept(verify_release(doc, deb, rel.key.public_key(), "2.1", state))
    assert state.floor_issued_at == protocol.format_date(NOW + 3 * DAY)
    assert state.newest_issued_at == protocol.format_date(NOW + 6 * DAY)


def _usb_entry(rel: Release, deb: Path) -> dict[str, object]:
    document = rel.sign(deb, "20.1", issued_at=NOW - DAY)
    return {"manifest": json.loads(document), "version": "20.1"}


def test_lowering_the_cap_cuts_a_stored_hold_back(rel: Release, tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    data.mkdir()
    (data / "config.json").write_text(json.dumps({"update_max_defer_days": 30}))
    deb = _deb(tmp_path, "20.1")
    entry = _usb_entry(rel, deb)
    assert spool.note_offer(data, protocol.canonical_json(entry["manifest"]))
    held = defer_offer(data, 20, NOW)  # allowed under 30 days
    assert held.until == NOW + 20 * DAY
    files = {hashlib.sha256(deb.read_bytes()).hexdigest(): deb.read_bytes()}

    def got(days: int) -> str:
        out = receive(data, entry, files, key=rel.pub_path, installed="1.0", now=NOW + days * DAY)
        return out.state

    assert got(3) == "deferred"  # still held under the old setting
    (data / "config.json").write_text(json.dumps({"update_max_defer_days": 5}))
    assert install_decision(data, "20.1", NOW + 4 * DAY, idle=True).action == "deferred"
    cut = install_decision(data, "20.1", NOW + 6 * DAY, idle=True)
    assert cut.action == "install"  # day 6 is past the lowered cap, though held to day 20
    assert got(6) == "requested"
    request = json.loads((spool.update_dir(data) / spool.SPOOL_DIR / spool.REQUEST).read_text())
    assert request["version"] == "20.1"

"""What the sync pull hands the updater (sync/client/pull.py → kiosk/update/spool.py): the
newest release manifest from the feed, kept for the updater to verify, and the time of the
last successful server contact, which release freshness counts from."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kiosk.update import spool
from kiosk.update import state as state_mod
from tests.core.test_update_verify import NOW, Release


def test_only_a_newer_offer_replaces_the_kept_one(tmp_path: Path) -> None:
    rel = Release.make(tmp_path)
    deb = tmp_path / "sala-kiosk_2.0_amd64.deb"
    deb.write_bytes(b"deb")
    data = tmp_path / "data"
    assert spool.offered(data) is None
    assert spool.note_offer(data, rel.sign(deb, "2.0"))
    assert not spool.note_offer(data, rel.sign(deb, "1.5"))  # an older entry replayed later
    assert spool.note_offer(data, rel.sign(deb, "2.1"))
    assert not spool.note_offer(data, b'{"manifest": {"version": "9"}}')  # not a manifest
    kept = spool.offered(data)
    assert kept is not None and kept.version == "2.1"


def test_server_contact_is_recorded_hourly_and_never_goes_back(tmp_path: Path) -> None:
    spool.note_contact(tmp_path, NOW)
    spool.note_contact(tmp_path, NOW + timedelta(minutes=10))  # not worth a write
    st = state_mod.load(spool.update_dir(tmp_path))
    assert st.reference_time() == NOW
    spool.note_contact(tmp_path, NOW + timedelta(hours=2))
    spool.note_contact(tmp_path, NOW - timedelta(days=30))  # a clock set back: ignored
    assert state_mod.load(spool.update_dir(tmp_path)).reference_time() == NOW + timedelta(hours=2)

"""The kiosk fetches the release the feed offers (sync/client/release_fetch.py), from a real
server process through our fault proxy: a download cut half-way resumes with HTTP Range and is
handed to the updater's spool only once verified; a tampered .deb on the server is refused,
deleted and reported in Khmer and English; a lower version, a kiosk short of disk space and a
kiosk that is not enrolled fetch nothing; a session in progress holds the hand-over back.

Releases are signed with a key made here by kiosk/update's own helpers and published with
`sala server release publish`, as the ministry does."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.i18n import tr
from kiosk.model import utc_now
from kiosk.update import cli as update_cli
from kiosk.update import manifest as mf
from kiosk.update import spool
from sync.client.api import Offline
from sync.client.pull import pull_changes
from sync.client.release_fetch import LOCK, fetch_release
from sync.client.worker import sync_once

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402
from tests.sync.conftest import ServerProcess  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
SIZE = 1_200_000  # a few dozen range requests on 127.0.0.1


class Ministry:
    """The release key and `sala server release publish`, as packaging/release.py is used.
    Each release is newer than the one before, so a kiosk's newest offer is its test's own."""

    def __init__(self, tmp: Path, server: ServerProcess) -> None:
        self.tmp, self.server = tmp, server
        self.key = Ed25519PrivateKey.generate()
        self.pub = tmp / "release_key.pub"
        self.pub.write_text(mf.public_key_text(self.key.public_key()))
        self.published = 0

    def publish(self, size: int = SIZE) -> tuple[str, Path]:
        self.published += 1
        version = f"10.{self.published}"
        deb = self.tmp / f"sala-kiosk_{version}_amd64.deb"
        rng = random.Random(version)
        deb.write_bytes(b"!<arch>\n" + rng.randbytes(size - 8))
        data = deb.read_bytes()
        m = mf.Manifest(
            version=version, deb_file=deb.name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), min_version="0.1", channel="stable",
            issued_at=utc_now().replace(microsecond=0) - timedelta(days=1), valid_days=90,
            key_id=mf.key_id(self.key.public_key()),
        )  # fmt: skip
        doc = self.tmp / f"{version}.manifest.json"
        doc.write_bytes(mf.sign(m, self.key))
        out = self.server.cli("release", "publish", str(doc), str(deb), "--key", str(self.pub),
                              check=False)  # fmt: skip
        assert out.returncode == 0, out.stderr
        return version, deb

    def served(self, version: str, deb: Path) -> Path:
        """The server's stored copy of the .deb (to tamper with, as an intruder would)."""
        return self.server.data_dir / "releases" / version / deb.name


@pytest.fixture(scope="module")
def ministry(tmp_path_factory: pytest.TempPathFactory, server: ServerProcess) -> Ministry:
    return Ministry(tmp_path_factory.mktemp("ministry"), server)


@pytest.fixture
def side(kiosk_side: KioskSide) -> KioskSide:
    return kiosk_side


def _offered(side: KioskSide, ministry: Ministry) -> tuple[str, Path]:
    version, deb = ministry.publish()
    assert pull_changes(side.store, side.api(), data_dir=side.data_dir) >= 1
    kept = spool.offered(side.data_dir)
    assert kept is not None and kept.version == version
    return version, deb


def _download_files(side: KioskSide) -> list[str]:
    folder = spool.download_dir(side.data_dir)
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK) if folder.exists() else []


def _status(data: Path, lang: str) -> str:
    """`sala update --lang LANG status`, parsed and run as the `sala` command does."""
    parser = argparse.ArgumentParser(prog="sala")
    parser.add_argument("--data-dir")
    update_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--data-dir", str(data), "update", "--lang", lang, "status"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert args.func(args) == 0
    return out.getvalue()


def _spool(side: KioskSide) -> Path:
    return spool.update_dir(side.data_dir) / spool.SPOOL_DIR


def test_a_download_cut_half_way_resumes_with_range_and_is_handed_over(
    side: KioskSide, ministry: Ministry
) -> None:
    version, deb = _offered(side, ministry)
    armed: list[int] = []

    def cut_after_half(done: int, total: int) -> None:
        if done * 2 >= total and not armed:  # the next chunk's answer never arrives
            side.proxy.drop_response(f"GET /v1/releases/{version}/deb".encode())
            armed.append(done)

    with pytest.raises(Offline):
        fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0",
                      max_chunk=100_000, on_progress=cut_after_half)  # fmt: skip
    assert side.proxy.stats.fired["drop_response"] == 1
    (part,) = spool.download_dir(side.data_dir).glob("*.part")
    kept = part.stat().st_size
    assert kept == armed[0] and SIZE // 2 <= kept < SIZE
    assert part.read_bytes() == deb.read_bytes()[:kept]  # exactly the first bytes, in order
    state = spool.fetch_state(side.data_dir)
    assert state is not None and (state["state"], state["done"]) == ("downloading", kept)
    assert not (_spool(side) / spool.REQUEST).exists()  # nothing unverified is handed over

    down_before = side.proxy.stats.bytes_down
    out = fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0")
    assert out.state == "requested" and out.version == version
    resent = side.proxy.stats.bytes_down - down_before
    assert SIZE - kept <= resent < SIZE - kept + 100_000  # the rest only, plus headers
    assert (_spool(side) / deb.name).read_bytes() == deb.read_bytes()
    request = json.loads((_spool(side) / spool.REQUEST).read_text())
    assert request == {"version": version, "deb": deb.name}
    assert _download_files(side) == []  # the download's copy is gone once the spool has it
    state = spool.fetch_state(side.data_dir)
    assert state is not None and state["state"] == "requested"

    again = fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0")
    assert again.state == "requested" and _download_files(side) == []  # not fetched twice


def test_a_tampered_deb_on_the_server_is_refused_deleted_and_reported(
    side: KioskSide, ministry: Ministry, caplog: pytest.LogCaptureFixture
) -> None:
    version, deb = _offered(side, ministry)
    served = ministry.served(version, deb)
    data = bytearray(served.read_bytes())
    data[SIZE // 3] ^= 0x01  # one bit, same size: only the hash can tell
    served.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger="sync.client.release_fetch"):
        out = fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0")
    assert (out.state, out.reason) == ("bad_download", "hash_mismatch")
    assert _download_files(side) == []  # deleted
    assert not _spool(side).exists()  # never handed over
    assert any(version in r.getMessage() and "hash_mismatch" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    state = spool.fetch_state(side.data_dir)
    assert state is not None
    assert (state["state"], state["version"], state["reason"]) == (
        "bad_download", version, "hash_mismatch")  # fmt: skip
    km = tr("update.fetch.bad_download", "km", version=version, reason=state["reason"])
    en = tr("update.fetch.bad_download", "en", version=version, reason=state["reason"])
    assert version in km and "ក្រសួង" in km and "deleted" in en
    assert km in _status(side.data_dir, "km")  # what `sala update status` tells the technician

    down_before = side.proxy.stats.bytes_down
    held = fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0")
    assert held.state == "held" and side.proxy.stats.bytes_down == down_before  # not again today

    served.write_bytes(bytes(data[: SIZE // 2]))  # a truncated copy is named as such
    spool.update_dir(side.data_dir).joinpath(spool.FETCH).unlink()
    out = fetch_release(side.data_dir, side.api(), key=ministry.pub, installed="1.0")
    assert (out.state, out.reason) == ("bad_download", "size_mismatch")
    assert _download_files(side) == [] and not _spool(side).exists()


def test_a_lower_version_is_never_fetched(side: KioskSide, ministry: Ministry) -> None:
    version, _deb = _offered(side, ministry)
    api = side.api()
    out = fetch_release(side.data_dir, api, key=ministry.pub, installed="999.0")
    assert (out.state, out.reason) == ("refused", "rollback")
    assert api.stats.get("requests", 0) == 0  # not one request for it
    assert _download_files(side) == [] and not _spool(side).exists()
    state = spool.fetch_state(side.data_dir)
    assert state is not None and (state["state"], state["version"]) == ("refused", version)
    assert tr("update.fetch.refused", "km", version=version, reason="rollback") != tr(
        "update.fetch.refused", "en", version=version, reason="rollback")  # fmt: skip
    out = fetch_release(side.data_dir, api, key=ministry.pub, installed=version)
    assert out.state == "current" and api.stats.get("requests", 0) == 0


def test_nothing_is_fetched_unenrolled_short_of_space_or_while_another_download_runs(
    side: KioskSide, ministry: Ministry, tmp_path: Path
) -> None:
    version, _deb = _offered(side, ministry)
    api = side.api()

    stranger = tmp_path / "not-enrolled"  # the same offer, on a kiosk that never enrolled
    spool.update_dir(stranger).mkdir(parents=True)
    document = spool.offered_document(side.data_dir)
    assert document is not None
    (spool.update_dir(stranger) / spool.OFFERED).write_bytes(document)
    out = fetch_release(stranger, api, key=ministry.pub, installed="1.0")
    assert out.state == "not_enrolled" and not spool.download_dir(stranger).exists()

    huge = 1 << 60  # no disk keeps this much free beside the download
    out = fetch_release(side.data_dir, api, key=ministry.pub, installed="1.0", margin=huge)
    assert out.state == "no_space" and _download_files(side) == []
    state = spool.fetch_state(side.data_dir)
    assert state is not None and state["state"] == "no_space" and state["need_mb"] > 0
    assert "MB" in tr("update.fetch.no_space", "km", version=version, need_mb=state["need_mb"])

    lock = os.open(spool.download_dir(side.data_dir) / LOCK, os.O_RDWR)  # `sala sync` has it
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out = fetch_release(side.data_dir, api, key=ministry.pub, installed="1.0")
        assert out.state == "busy" and _download_files(side) == []
    finally:
        os.close(lock)
    assert api.stats.get("requests", 0) == 0


def test_the_sync_round_fetches_and_hands_over_only_when_no_session_runs(
    side: KioskSide, ministry: Ministry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the worker's round (`sync_once`), with the kiosk's installed version."""
    monkeypatch.setenv("SALA_RELEASE_KEY", str(ministry.pub))
    _version, deb = ministry.publish()
    spool.mark_session(side.data_dir, True)  # a citizen is mid-journey
    sync_once(side.store, side.api(), data_dir=side.data_dir)
    assert _download_files(side) == [deb.name]  # downloaded and verified, waiting
    assert not (_spool(side) / spool.REQUEST).exists()
    state = spool.fetch_state(side.data_dir)
    assert state is not None and state["state"] == "verified"

    spool.mark_session(side.data_dir, False)  # back on the attract screen
    sync_once(side.store, side.api(), data_dir=side.data_dir)
    assert (_spool(side) / deb.name).read_bytes() == deb.read_bytes()
    assert (_spool(side) / spool.REQUEST).exists() and _download_files(side) == []

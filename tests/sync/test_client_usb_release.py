"""A release travels in the return bundle (issue 15: "a release if there is one"): the ministry
publishes a signed release on a real server process, `sala server import` puts its manifest and
.deb into the `.salareturn`, and importing it on the kiosk hands it to the updater's spool as a
downloaded release is handed over: verified by kiosk/update before anything is written to the
spool, never twice, held by a technician's deferral; a foreign, altered or expired release is
refused and noted, and the rest of the import still happens."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.model import State, utc_now
from kiosk.update import manifest as mf
from kiosk.update import spool
from kiosk.update import state as state_mod
from sync.client.usb_export import export
from sync.client.usb_release import receive
from sync.client.usb_return import apply_return
from sync.protocol import usb as fmt
from tests.sync.conftest import ServerProcess
from tests.sync.test_client_release_fetch import Ministry

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


@pytest.fixture(scope="module")
def ministry(tmp_path_factory: pytest.TempPathFactory, server: ServerProcess) -> Ministry:
    return Ministry(tmp_path_factory.mktemp("ministry"), server)


def _carry(side: KioskSide, server: ServerProcess, stick: Path) -> Path:
    stick.mkdir(exist_ok=True)
    server.cli("usb-key", "--out", str(stick))
    made = export(side.store, side.data_dir, stick)
    out = server.cli("import", str(made.path), check=False)
    assert out.returncode == 0, out.stderr
    (back,) = stick.glob(f"*{made.bundle_id[:8]}{fmt.RETURN_SUFFIX}")
    return back


def _request(data_dir: Path) -> dict[str, str] | None:
    path = spool.update_dir(data_dir) / spool.SPOOL_DIR / spool.REQUEST
    return json.loads(path.read_text()) if path.exists() else None


def test_the_release_comes_back_on_the_stick_and_is_requested_once(
    kiosk_side: KioskSide,
    server: ServerProcess,
    ministry: Ministry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALA_RELEASE_KEY", str(ministry.pub))  # the kiosk's pinned release key
    version, deb = ministry.publish(size=300_000)
    reg = kiosk_side.submit(size=4000, seed=1)
    back = _carry(kiosk_side, server, tmp_path / "stick")
    index, files = fmt.unpack_payload(fmt.parse(back.read_bytes()).body)
    assert index["release"]["version"] == version
    assert files[index["release"]["sha256"]] == deb.read_bytes()
    before = state_mod.load(spool.update_dir(kiosk_side.data_dir)).last_contact

    result = apply_return(kiosk_side.store, kiosk_side.data_dir, back.read_bytes())
    assert result.accepted == [reg.id] and result.release == version
    assert kiosk_side.store.get(reg.id).state is State.ACCEPTED
    assert _request(kiosk_side.data_dir) == {"version": version, "deb": deb.name}
    spooled = spool.update_dir(kiosk_side.data_dir) / spool.SPOOL_DIR / deb.name
    assert spooled.read_bytes() == deb.read_bytes()
    fetch = spool.fetch_state(kiosk_side.data_dir)
    assert fetch is not None and (fetch["source"], fetch["state"]) == ("usb", "requested")
    offer = spool.offered(kiosk_side.data_dir)
    assert offer is not None and offer.version == version
    # the bundle's signed time is a server contact: release freshness counts from it
    after = state_mod.load(spool.update_dir(kiosk_side.data_dir)).last_contact
    assert after is not None and after != before
    assert not list(spool.update_dir(kiosk_side.data_dir).glob(".usb-*"))  # no temp left

    again = apply_return(kiosk_side.store, kiosk_side.data_dir, back.read_bytes())
    assert again.already and again.release is None
    # the next visit's bundle brings it again (not installed yet): not requested twice
    kiosk_side.submit(size=3000, seed=2)
    spooled.unlink()
    nxt = _carry(kiosk_side, server, tmp_path / "stick")
    assert "release" in fmt.unpack_payload(fmt.parse(nxt.read_bytes()).body)[0]
    later = apply_return(kiosk_side.store, kiosk_side.data_dir, nxt.read_bytes())
    assert len(later.accepted) == 1 and later.release is None and later.release_refused is None
    assert not spooled.exists() and _request(kiosk_side.data_dir) is not None


def _entry(key: Ed25519PrivateKey, data: bytes, **fields: object) -> dict[str, object]:
    m = mf.Manifest(**{
        "version": "20.1", "deb_file": "sala-kiosk_20.1_amd64.deb",
        "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "min_version": "0.1",
        "channel": "stable", "issued_at": utc_now().replace(microsecond=0) - timedelta(days=1),
        "valid_days": 90, "key_id": mf.key_id(key.public_key()), **fields,
    })  # type: ignore[arg-type]  # fmt: skip
    return {"manifest": json.loads(mf.sign(m, key)), "version": m.version, "sha256": m.sha256}


def test_a_release_that_fails_a_check_is_refused_noted_and_never_spooled(
    tmp_path: Path,
) -> None:
    key = Ed25519PrivateKey.generate()
    pub = tmp_path / "release_key.pub"
    pub.write_text(mf.public_key_text(key.public_key()))
    data = b"!<arch>\n" + bytes(range(256)) * 200
    sha = hashlib.sha256(data).hexdigest()
    kiosk = tmp_path / "kiosk"
    kiosk.mkdir()

    def got(entry: dict[str, object], files: dict[str, bytes], **kw: object) -> tuple[str, str]:
        args: dict[str, object] = {"installed": "1.0", **kw}
        out = receive(kiosk, entry, files, key=pub, **args)  # type: ignore[arg-type]
        return out.state, out.reason

    altered = bytearray(data)
    altered[100] ^= 1
    assert got(_entry(key, data), {sha: bytes(altered)}) == ("refused", "hash_mismatch")
    assert got(_entry(key, data), {sha: data[:-5]}) == ("refused", "size_mismatch")
    other = Ed25519PrivateKey.generate()  # signed by someone else than the pinned key
    assert got(_entry(other, data), {sha: data}) == ("refused", "wrong_key")
    old = _entry(key, data, issued_at=utc_now().replace(microsecond=0) - timedelta(days=40),
                 valid_days=30)  # fmt: skip
    spool.note_contact(kiosk, utc_now())  # the last server contact is after its expiry
    assert got(old, {sha: data}) == ("refused", "expired")
    assert got(_entry(key, data), {}) == ("bad_release", "unreadable")
    assert _request(kiosk) is None and not spool.download_dir(kiosk).exists()
    fetch = spool.fetch_state(kiosk)
    assert fetch is not None and (fetch["source"], fetch["state"]) == ("usb", "refused")
    # the kiosk already runs it, or something newer: nothing to say
    assert got(_entry(key, data), {sha: data}, installed="20.1")[0] == "current"
    assert got(_entry(key, data), {sha: data}, installed="21.0")[0] == "current"

    now = utc_now()  # a technician held this version back: kept for later, not requested
    spool.defer(kiosk, "20.1", now + timedelta(days=3), now)
    assert got(_entry(key, data), {sha: data}, now=now) == ("deferred", "")
    assert _request(kiosk) is None
    assert (spool.download_dir(kiosk) / "sala-kiosk_20.1_amd64.deb").read_bytes() == data
    later = now + timedelta(days=4)
    assert got(_entry(key, data), {sha: data}, now=later) == ("requested", "")
    assert _request(kiosk) == {"version": "20.1", "deb": "sala-kiosk_20.1_amd64.deb"}

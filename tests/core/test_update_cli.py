"""`sala update` (kiosk/update/cli.py), parsed and run as the `sala` command does: a release
from a USB stick is requested, a bad one refused with the technician's text, the offer can be
deferred within the cap."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from kiosk.update import cli, spool
from kiosk.update.manifest import UpdateRefused, load_public_key
from kiosk.update.policy import DEFAULT_MAX_DEFER_DAYS
from tests.core.test_update_verify import Release


def sala_update(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser(prog="sala")
    parser.add_argument("--data-dir")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([str(a) for a in argv])
    return int(args.func(args))


@pytest.fixture
def stick(tmp_path: Path) -> tuple[Release, Path]:
    rel = Release.make(tmp_path)
    folder = tmp_path / "stick" / spool.USB_DIR
    folder.mkdir(parents=True)
    deb = folder / "sala-kiosk_99.0_amd64.deb"
    deb.write_bytes(b"a release" * 100)
    (folder / "sala-kiosk_99.0_amd64.manifest.json").write_bytes(rel.sign(deb, "99.0"))
    return rel, tmp_path / "stick"


def test_usb_release_is_requested_and_status_shows_it(
    stick: tuple[Release, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel, path = stick
    data = tmp_path / "data"
    assert sala_update("--data-dir", data, "update", "usb", path, "--key", rel.pub_path) == 0
    assert "99.0" in capsys.readouterr().out
    assert (spool.update_dir(data) / spool.SPOOL_DIR / spool.REQUEST).exists()
    assert sala_update("--data-dir", data, "update", "status", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["idle"] is True and info["installed"] == cli.installed_version()


def test_a_tampered_stick_is_refused_in_khmer(
    stick: tuple[Release, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel, path = stick
    deb = next((path / spool.USB_DIR).glob("*.deb"))
    deb.write_bytes(deb.read_bytes()[:50])
    data = tmp_path / "data"
    code = sala_update("--data-dir", data, "update", "--lang", "km", "usb", path, "--key",
                       rel.pub_path)  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "USB" in err and "update.refused" not in err
    assert not (spool.update_dir(data) / spool.SPOOL_DIR).exists()


def test_defer_is_capped_and_needs_an_offer(
    stick: tuple[Release, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rel, path = stick
    data = tmp_path / "data"
    assert sala_update("--data-dir", data, "update", "defer", "--days", "3") == 1
    document, _deb = spool.usb_release(path)
    assert spool.note_offer(data, document)
    assert sala_update("--data-dir", data, "update", "defer", "--days", "365") == 1
    assert spool.deferral(data, "99.0") == (None, None)  # refused: nothing stored
    assert sala_update("--data-dir", data, "update", "defer", "--days", "14") == 0
    until, first = spool.deferral(data, "99.0")
    assert until is not None and first is not None
    assert (until - first).days == DEFAULT_MAX_DEFER_DAYS


def test_no_release_on_the_stick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = Release.make(tmp_path)
    (tmp_path / "empty").mkdir()
    code = sala_update("--data-dir", tmp_path / "d", "update", "usb", tmp_path / "empty",
                       "--key", rel.pub_path)  # fmt: skip
    assert code == 1 and "No Sala update" in capsys.readouterr().err


def test_a_forged_newer_manifest_does_not_hide_the_genuine_release(
    stick: tuple[Release, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stick made by someone else: a manifest signed by another key with a higher version,
    a FIFO and a link to /dev/zero named like manifests. The genuine 99.0 is still the one
    installed, and nothing blocks on a read that never ends."""
    rel, path = stick
    folder = path / spool.USB_DIR
    (tmp_path / "forger").mkdir()
    forger = Release.make(tmp_path / "forger")
    fake = folder / "sala-kiosk_100.0_amd64.deb"
    fake.write_bytes(b"not ours" * 100)
    (folder / "sala-kiosk_100.0_amd64.manifest.json").write_bytes(forger.sign(fake, "100.0"))
    os.mkfifo(folder / "a-fifo.manifest.json")
    (folder / "b-zero.manifest.json").symlink_to("/dev/zero")
    document, deb = spool.usb_release(path, load_public_key(rel.pub_path))
    assert json.loads(document)["manifest"]["version"] == "99.0"
    assert deb.name == "sala-kiosk_99.0_amd64.deb"
    data = tmp_path / "data"
    assert sala_update("--data-dir", data, "update", "usb", path, "--key", rel.pub_path) == 0
    assert "99.0" in capsys.readouterr().out
    request = json.loads((spool.update_dir(data) / spool.SPOOL_DIR / spool.REQUEST).read_text())
    assert "99.0" in json.dumps(request) and "100.0" not in json.dumps(request)


def test_a_stick_with_only_a_forgery_says_so(stick: tuple[Release, Path], tmp_path: Path) -> None:
    rel, path = stick
    (tmp_path / "forger").mkdir()
    forger = Release.make(tmp_path / "forger")
    folder = path / spool.USB_DIR
    for old in folder.iterdir():
        old.unlink()
    fake = folder / "sala-kiosk_100.0_amd64.deb"
    fake.write_bytes(b"not ours" * 100)
    (folder / "sala-kiosk_100.0_amd64.manifest.json").write_bytes(forger.sign(fake, "100.0"))
    with pytest.raises(UpdateRefused) as refused:
        spool.usb_release(path, load_public_key(rel.pub_path))
    assert refused.value.code == "wrong_key"  # said as such, not "no update on the stick"

"""packaging/release.py, the ministry's signing tool, end to end: a key ceremony's key pair,
a signed release in the USB layout and the feed's manifest, and the kiosk accepting exactly
that from a stick (`sala update usb`'s path) while a tampered copy is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.update import manifest as mf
from kiosk.update import spool
from tests.core.test_update_apply import build_deb

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg-deb")


def release(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALA_RELEASE_PASSPHRASE": "correct horse battery staple"}
    return subprocess.run(
        [sys.executable, str(REPO / "packaging" / "release.py"), *map(str, args)],
        capture_output=True, text=True, env=env, cwd=REPO,
    )  # fmt: skip


def test_keygen_sign_and_a_kiosk_installs_from_the_usb_layout(tmp_path: Path) -> None:
    keys = tmp_path / "ceremony"
    out = release("keygen", "--out", keys)
    assert out.returncode == 0, out.stderr
    assert oct((keys / "release_key.pem").stat().st_mode & 0o777) == "0o600"
    assert b"ENCRYPTED PRIVATE KEY" in (keys / "release_key.pem").read_bytes()
    assert release("keygen", "--out", keys).returncode != 0  # never overwritten

    deb = build_deb(tmp_path, "1.4.0")
    stick = tmp_path / "stick"
    out = release("sign", "--key", keys / "release_key.pem", "--deb", deb, "--min-version",
                  "1.0", "--out", stick)  # fmt: skip
    assert out.returncode == 0, out.stderr
    usb = stick / "sala-update"
    assert sorted(p.name for p in usb.iterdir()) == [
        deb.name,
        f"{deb.name.removesuffix('.deb')}.manifest.json",
    ]
    assert (stick / "feed" / "manifest.json").read_bytes() == next(
        usb.glob("*.manifest.json")
    ).read_bytes()

    manifest = next(usb.glob("*.manifest.json"))
    assert release("verify", "--pub", keys / "release_key.pub", manifest).returncode == 0
    public = mf.load_public_key(keys / "release_key.pub")
    document, found = spool.usb_release(stick)
    m = spool.request_install(tmp_path / "data", document, found, public, "1.3.9")
    assert (m.version, m.min_version, m.channel) == ("1.4.0", "1.0", "stable")

    (usb / deb.name).write_bytes((usb / deb.name).read_bytes() + b"\0")  # altered on the stick
    out = release("verify", "--pub", keys / "release_key.pub", manifest)
    assert out.returncode == 1 and "size_mismatch" in out.stderr
    with pytest.raises(mf.UpdateRefused, match="size_mismatch"):
        spool.request_install(tmp_path / "data2", document, found, public, "1.3.9")


def test_a_wrong_passphrase_signs_nothing(tmp_path: Path) -> None:
    assert release("keygen", "--out", tmp_path / "k").returncode == 0
    env = {**os.environ, "SALA_RELEASE_PASSPHRASE": "not the passphrase"}
    out = subprocess.run(
        [sys.executable, str(REPO / "packaging/release.py"), "sign", "--key",
         str(tmp_path / "k/release_key.pem"), "--deb", str(build_deb(tmp_path, "2.0")),
         "--min-version", "1.0", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert out.returncode != 0 and not (tmp_path / "o").exists()


def test_downgrade_signs_the_older_release_and_the_way_back_to_it(tmp_path: Path) -> None:
    """`release.py downgrade`: the older .deb, its manifest and a downgrade naming exactly
    `--from` → the .deb's version in the stick folder; a kiosk on `--from` accepts it, a kiosk
    on another version does not, and nothing goes to the feed."""
    keys = tmp_path / "ceremony"
    assert release("keygen", "--out", keys).returncode == 0
    deb = build_deb(tmp_path, "1.2.0")
    stick = tmp_path / "stick"
    args = ("downgrade", "--key", keys / "release_key.pem", "--deb", deb, "--min-version", "1.0",
            "--out", stick)  # fmt: skip
    out = release(*args, "--from", "1.0.5")  # not a downgrade: refused before any signing
    assert out.returncode != 0 and "not a downgrade" in out.stderr and not stick.exists()
    assert release(*args, "--from", "1.3.0", "--valid-days", "90").returncode != 0
    out = release(*args, "--from", "1.3.0")
    assert out.returncode == 0, out.stderr
    usb = stick / "sala-update"
    assert not (stick / "feed").exists()
    (down,) = usb.glob("*.downgrade.json")
    assert release("verify", "--pub", keys / "release_key.pub", down).returncode == 0
    public = mf.load_public_key(keys / "release_key.pub")
    document, found = spool.usb_release(stick, public)
    with pytest.raises(mf.UpdateRefused, match="rollback"):  # this kiosk runs 1.4.0, not 1.3.0
        spool.request_install(tmp_path / "other", document, found, public, "1.4.0")
    m = spool.request_install(tmp_path / "data", document, found, public, "1.3.0")
    assert m.version == "1.2.0"
    assert (spool.update_dir(tmp_path / "data") / "spool" / spool.DOWNGRADE).read_bytes() == (
        down.read_bytes()
    )

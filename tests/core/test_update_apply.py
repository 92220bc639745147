"""The root updater with the real dpkg, installing real (tiny) sala-kiosk packages into a
throw-away root (`dpkg --root --force-script-chrootless`, as the .deb's maintainer scripts
honour $DPKG_ROOT): a good release installs, one that fails its self-test is rolled back to
the kept previous .deb, a tampered request is refused, and SIGKILL in the middle of dpkg
still ends on one of the two versions. No systemd here: health comes from the package's own
`sala self-test`, which writes the kiosk's health stamp as the real kiosk does at start."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.update import spool
from kiosk.update import state as state_mod
from kiosk.update.apply import Paths, Updater
from kiosk.update.system import System
from tests.core.test_update_verify import Release

pytestmark = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg (Debian)")

SALA = """#!/bin/sh
# sala {version}: `self-test` passes ({ok}) and stamps health like the kiosk at start.
[ "$1" = self-test ] || exit 0
[ {ok} = yes ] || exit 1
mkdir -p "$SALA_DATA_DIR/update"
printf '{{"at":"%s","version":"{version}"}}' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \\
  > "$SALA_DATA_DIR/update/health.json"
"""
POSTINST = """#!/bin/sh
# Slow on purpose while $DPKG_ROOT/slow exists, so a test can kill dpkg in the middle.
if [ -e "$DPKG_ROOT/slow" ]; then touch "$DPKG_ROOT/in-postinst"; sleep 60; fi
exit 0
"""


def build_deb(out: Path, version: str, *, ok: bool = True) -> Path:
    tree = out / f"tree-{version}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "usr/bin").mkdir(parents=True)
    (tree / "DEBIAN/control").write_text(
        f"Package: sala-kiosk\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: Sala tests <t@example.org>\nDescription: test package\n"
    )
    (tree / "DEBIAN/postinst").write_text(POSTINST)
    (tree / "usr/bin/sala").write_text(SALA.format(version=version, ok="yes" if ok else "no"))
    for f in ("DEBIAN/postinst", "usr/bin/sala"):
        (tree / f).chmod(0o755)
    deb = out / f"sala-kiosk_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(tree), str(deb)],
                   check=True, capture_output=True)  # fmt: skip
    return deb


class Machine:
    """A throw-away root with its own dpkg database, a kiosk data dir and the updater."""

    def __init__(self, tmp: Path, rel: Release) -> None:
        self.root, self.data, self.rel = tmp / "root", tmp / "data", rel
        (self.root / "var/lib/dpkg/updates").mkdir(parents=True)
        (self.root / "var/lib/dpkg/info").mkdir()
        (self.root / "var/lib/dpkg/status").touch()
        self.paths = Paths(data_dir=self.data, work=tmp / "sala-update", key=rel.pub_path)
        admindir = f"--admindir={self.root}/var/lib/dpkg"
        self.dpkg_args = [f"--root={self.root}", admindir, "--force-script-chrootless",
                          "--force-not-root"]  # fmt: skip
        self.system = System(
            dpkg_args=self.dpkg_args,
            self_test_cmd=["env", f"SALA_DATA_DIR={self.data}", f"{self.root}/usr/bin/sala",
                           "self-test"],
            systemd=False, timeout_s=120,
        )  # fmt: skip

    def updater(self) -> Updater:
        return Updater(self.paths, self.system, poll_s=0.05, grace_s=30)

    def installed(self) -> str | None:
        return self.system.installed_version()

    def request(self, deb: Path, version: str) -> None:
        doc = self.rel.sign(deb, version)
        spool.request_install(self.data, doc, deb, self.rel.key.public_key(),
                              self.installed() or "0")  # fmt: skip


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path, Release.make(tmp_path))


def test_good_release_installs_and_a_failing_one_rolls_back(
    machine: Machine, tmp_path: Path
) -> None:
    for version in ("1.0", "2.0"):
        machine.request(build_deb(tmp_path, version), version)
        res = machine.updater().run()
        assert res is not None and res["outcome"] == "installed", res
        assert machine.installed() == version
    assert spool.result(machine.data) == res  # the technician screen reads this
    assert state_mod.load(machine.paths.work).highest_version == "2.0"

    bad = build_deb(tmp_path, "3.0", ok=False)
    machine.request(bad, "3.0")
    res = machine.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("rolled_back", "self_test")
    assert machine.installed() == "2.0"  # the kept previous .deb, reinstalled by dpkg
    assert (machine.root / "usr/bin/sala").read_text().startswith("#!/bin/sh\n# sala 2.0")
    assert state_mod.load(machine.paths.work).highest_version == "2.0"
    assert sorted(p.name for p in machine.paths.releases.glob("*.deb")) == ["1.0.deb", "2.0.deb"]

    machine.request(bad, "3.0")  # asked again: refused, it failed here once
    res = machine.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("refused", "failed_before")
    assert machine.installed() == "2.0"


def test_a_request_tampered_after_the_kiosk_checked_it_is_refused(
    machine: Machine, tmp_path: Path
) -> None:
    machine.request(build_deb(tmp_path, "1.0"), "1.0")
    assert machine.updater().run()["outcome"] == "installed"  # type: ignore[index]
    deb = build_deb(tmp_path, "2.0")
    machine.request(deb, "2.0")
    spooled = machine.paths.spool / deb.name
    spooled.write_bytes(spooled.read_bytes()[:-4] + b"evil")  # the kiosk user is not trusted
    res = machine.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("refused", "hash_mismatch")
    assert machine.installed() == "1.0"
    assert not list(machine.paths.spool.glob("*.deb"))  # the spool is cleaned


def test_wrong_key_request_is_refused_by_the_root_side(machine: Machine, tmp_path: Path) -> None:
    deb = build_deb(tmp_path, "1.0")
    other = Release.make(tmp_path / "..")
    spool_dir = machine.paths.spool
    spool_dir.mkdir(parents=True)
    shutil.copy(deb, spool_dir / deb.name)
    (spool_dir / "manifest.json").write_bytes(other.sign(deb, "1.0"))
    (spool_dir / spool.REQUEST).write_text(json.dumps({"version": "1.0", "deb": deb.name}))
    res = machine.updater().run()
    assert res is not None and (res["outcome"], res["reason"]) == ("refused", "wrong_key")
    assert machine.installed() is None


RUN_UPDATER = """
import sys
from pathlib import Path
from kiosk.update.apply import Paths, Updater
from kiosk.update.system import System
root, data, work, key = map(Path, sys.argv[1:5])
args = [f"--root={root}", f"--admindir={root}/var/lib/dpkg", "--force-script-chrootless",
        "--force-not-root"]
system = System(dpkg_args=args, self_test_cmd=["env", f"SALA_DATA_DIR={data}",
                f"{root}/usr/bin/sala", "self-test"], systemd=False)
Updater(Paths(data_dir=data, work=work, key=key), system, poll_s=0.05).run()
"""


def test_sigkill_in_the_middle_of_dpkg_ends_on_one_of_the_two_versions(
    machine: Machine, tmp_path: Path
) -> None:
    machine.request(build_deb(tmp_path, "1.0"), "1.0")
    assert machine.updater().run()["outcome"] == "installed"  # type: ignore[index]
    machine.request(build_deb(tmp_path, "2.0"), "2.0")
    (machine.root / "slow").touch()
    p = machine.paths
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_UPDATER, str(machine.root), str(p.data_dir), str(p.work),
         str(p.key)],
        start_new_session=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    try:
        for _ in range(600):  # dpkg unpacked 2.0 and runs its postinst
            if (machine.root / "in-postinst").exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("dpkg never reached the postinst")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the updater, dpkg and the postinst: a power cut
        proc.wait()
    assert json.loads((p.work / "journal.json").read_text())["phase"] == "installing"
    (machine.root / "slow").unlink()
    res = machine.updater().run()  # the next boot's sala-update.service
    assert res is not None and res["outcome"] in ("installed", "rolled_back"), res
    assert machine.installed() in ("1.0", "2.0")
    assert machine.installed() == res["version"] if res["outcome"] == "installed" else "1.0"
    assert not (p.work / "journal.json").exists()
    audit = subprocess.run(["dpkg", f"--admindir={machine.root}/var/lib/dpkg", "--audit"],
                           capture_output=True, text=True)  # fmt: skip
    assert audit.stdout.strip() == ""  # nothing half-installed or half-configured


@pytest.mark.parametrize("kind", ["symlink", "garbage"])
def test_a_planted_or_garbled_request_is_refused_and_removed(
    machine: Machine, tmp_path: Path, kind: str
) -> None:
    """The kiosk user cannot make root read another file through the request, and a request
    that does not parse is removed (left behind, it would re-trigger the .path unit)."""
    secret = tmp_path / "root-only.json"
    secret.write_text('{"version": "leaked", "deb": "x.deb"}')
    request = machine.paths.spool / spool.REQUEST
    request.parent.mkdir(parents=True)
    if kind == "symlink":
        request.symlink_to(secret)
    else:
        request.write_text("{not json")
    res = machine.updater().run()
    assert res is not None and (res["version"], res["outcome"], res["reason"]) == (
        "?",
        "refused",
        "bad_request",
    )
    assert not request.is_symlink() and not request.exists()
    assert machine.installed() is None


def test_the_install_waits_while_a_citizen_is_mid_journey(machine: Machine, tmp_path: Path) -> None:
    """dpkg runs only once the kiosk's session signal says idle: the updater's wait step is
    observed through its sleep hook, which ends the journey on its third call."""
    machine.request(build_deb(tmp_path, "1.0"), "1.0")
    spool.mark_session(machine.data, True)  # this test process stands for the running kiosk
    waits: list[str | None] = []

    def sleep(_s: float) -> None:
        waits.append(machine.installed())
        if len(waits) == 3:
            spool.mark_session(machine.data, False)

    res = Updater(machine.paths, machine.system, sleep=sleep, poll_s=0).run()
    assert res is not None and res["outcome"] == "installed"
    assert waits[:3] == [None, None, None]  # nothing was installed while the session was on
    assert machine.installed() == "1.0"

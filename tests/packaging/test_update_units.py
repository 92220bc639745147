"""The updater's systemd units (packaging/deb/sala-update.{service,path}) agree with the code
(kiosk/update) on their paths and pass `systemd-analyze verify`; in the built package they
are installed and enabled, purge removes the updater's state, and the real .deb unpacks with
the real dpkg into a throw-away root, where the bundled `sala` runs from the installed tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.update import spool
from kiosk.update.apply import PINNED_KEY, Paths
from tests.packaging.conftest import REPO, project_version, unit_to_verify

DEB_DIR = REPO / "packaging" / "deb"
ANALYZE = Path("/usr/bin/systemd-analyze")


def _lines(name: str) -> set[str]:
    return set((DEB_DIR / name).read_text().splitlines())


def test_units_watch_the_spool_and_run_the_apply_step_as_root() -> None:
    paths = Paths()
    request = paths.spool / spool.REQUEST
    assert f"PathExists={request}" in _lines("sala-update.path")
    assert "Unit=sala-update.service" in _lines("sala-update.path")
    service = _lines("sala-update.service")
    for line in (
        "Type=oneshot", "ExecStart=/usr/bin/sala update apply", "StateDirectory=sala-update",
        f"ConditionPathExists=|{request}", f"ConditionPathExists=|{paths.work}/journal.json",
        "TimeoutStartSec=infinity", "WantedBy=multi-user.target",
    ):  # fmt: skip
        assert line in service, line
    assert not any(line.startswith("User=") for line in service)  # root: it runs dpkg
    assert str(paths.work) == "/var/lib/sala-update"
    assert str(PINNED_KEY) == "/usr/share/sala-kiosk/release_key.pub"
    assert "usr/share/sala-kiosk/release_key.pub" in (REPO / "packaging/build.sh").read_text()


@pytest.mark.skipif(not ANALYZE.exists(), reason="needs systemd-analyze")
def test_update_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified against this machine, with /usr/bin/sala pointed at an existing program (the
    packaging step verifies them again with the bundled sala)."""
    units = []
    for name in ("sala-update.service", "sala-update.path"):
        unit = tmp_path / name
        unit.write_text((DEB_DIR / name).read_text().replace("/usr/bin/sala", "/bin/true"))
        units.append(unit)
    out = subprocess.run([str(ANALYZE), "verify", "--man=no", *map(str, units)],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "sala-update" not in out.stdout + out.stderr


def test_maintainer_scripts_enable_and_purge_the_updater() -> None:
    postinst = (DEB_DIR / "postinst").read_text()
    assert "sala-update.path sala-update.service" in postinst
    assert 'rm -rf "$ROOT/var/lib/sala-update"' in (DEB_DIR / "postrm").read_text()


# -- with the built package (packaging step) ----------------------------------------------------
@pytest.mark.packaging
def test_built_package_ships_the_update_units_verified(tree: Path, release: Path) -> None:
    units = tree / "lib/systemd/system"
    for name in ("sala-update.service", "sala-update.path"):
        assert (units / name).read_text() == (DEB_DIR / name).read_text()
    tmp = tree.parent / "units-verify"
    tmp.mkdir(exist_ok=True)
    paths = []
    for name in ("sala-update.service", "sala-update.path", "sala-kiosk.service"):
        p = tmp / name
        p.write_text(unit_to_verify(tree, release, name))
        paths.append(p)
    out = subprocess.run([str(ANALYZE), "verify", "--man=no", *map(str, paths)],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.packaging
def test_purge_removes_the_updater_state(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "var/lib/sala-update/releases").mkdir(parents=True)
    (root / "var/lib/sala").mkdir(parents=True)
    (root / "var/lib/sala/.unsent-at-remove").write_text("0\n")
    out = subprocess.run(["/bin/sh", str(tree / "DEBIAN/postrm"), "purge"], capture_output=True,
                         text=True, env={**os.environ, "DPKG_ROOT": str(root)})  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert not (root / "var/lib/sala-update").exists()


@pytest.mark.packaging
def test_real_dpkg_unpacks_the_deb_into_a_throwaway_root(deb: Path, tmp_path: Path) -> None:
    """dpkg itself (not dpkg-deb -x) unpacks the package into its own database: files, modes,
    the `current` link. Configure (postinst: adduser, systemd) needs a real system: README
    "Packaged kiosk" says what was and was not exercised."""
    if not shutil.which("dpkg"):
        pytest.skip("needs dpkg")
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    (admin / "updates").mkdir(parents=True)
    (admin / "info").mkdir()
    (admin / "status").touch()
    args = [f"--root={root}", f"--admindir={admin}", "--force-not-root", "--force-depends",
            "--force-script-chrootless"]  # fmt: skip
    out = subprocess.run(["dpkg", *args, "--unpack", str(deb)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    status = subprocess.run(["dpkg-query", f"--admindir={admin}", "-W", "-f",
                             "${db:Status-Abbrev}${Version}", "sala-kiosk"],
                            capture_output=True, text=True)  # fmt: skip
    assert status.stdout.split() == ["iU", project_version()]  # unpacked, not configured
    sala = root / "opt/sala/current/sala"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    got = subprocess.run([str(sala), "--version"], capture_output=True, text=True, env=env)
    assert got.stdout == f"sala {project_version()}\n", got.stderr

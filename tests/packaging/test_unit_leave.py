"""A technician's "Leave the kiosk" in the packaged unit (issue 14, lock-down): the kiosk's
exit status for it (kiosk/staff/leave.py) is a clean stop that is never restarted; the kiosk's
marker in its runtime dir starts sala-kiosk-left.service, which gives tty1 a login prompt; the
package installs that unit; the three kiosk units pass `systemd-analyze verify`. The core's
marker is the real function's, written into a real directory."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.staff.leave import LEAVE_EXIT_STATUS, LEFT_MARKER
from tests.packaging.conftest import REPO

DEB_DIR = REPO / "packaging" / "deb"
ANALYZE = Path("/usr/bin/systemd-analyze")
KIOSK_UNITS = ("sala-kiosk.service", "sala-kiosk-failed.service", "sala-kiosk-left.service")


def _lines(name: str) -> list[str]:
    return (DEB_DIR / name).read_text().splitlines()


def _value(lines: list[str], key: str) -> str:
    (value,) = [line.split("=", 1)[1] for line in lines if line.startswith(f"{key}=")]
    return value


def test_the_leave_exit_status_is_a_clean_stop_never_restarted() -> None:
    unit = _lines("sala-kiosk.service")
    assert LEAVE_EXIT_STATUS == 64
    assert _value(unit, "SuccessExitStatus") == str(LEAVE_EXIT_STATUS)
    assert _value(unit, "RestartPreventExitStatus") == str(LEAVE_EXIT_STATUS)
    assert _value(unit, "Restart") == "on-failure"  # crashes still restart, as before
    assert _value(unit, "OnFailure") == "sala-kiosk-failed.service"
    assert _value(unit, "OnSuccess") == "sala-kiosk-left.service"


def test_the_login_prompt_follows_only_the_kiosks_marker() -> None:
    """The prompt unit's condition is the file the kiosk writes, in the kiosk unit's runtime
    dir (kept after its stop, gone at reboot); the prompt unit takes it away first."""
    unit = _lines("sala-kiosk.service")
    run_dir = Path("/run") / _value(unit, "RuntimeDirectory")
    assert _value(unit, "RuntimeDirectoryPreserve") == "yes"
    marker = run_dir / LEFT_MARKER
    left = _lines("sala-kiosk-left.service")
    assert _value(left, "ConditionPathExists") == str(marker)
    assert f"ExecStart=/bin/rm -f {marker}" in left  # a prompt once per leave
    assert "ExecStartPost=+/bin/systemctl --no-block start getty@tty1.service" in left
    said = [line for line in left if line.startswith("ExecStart=/bin/echo")]
    assert said and "systemctl start sala-kiosk" in said[0]


def test_the_package_installs_the_prompt_unit() -> None:
    build = (REPO / "packaging" / "build.sh").read_text()
    install = re.search(r"install -m 0644 packaging/deb/sala-kiosk\.service.*?\n[^ ]", build, re.S)
    assert install is not None and "packaging/deb/sala-kiosk-left.service" in install.group(0)


@pytest.mark.skipif(not ANALYZE.exists(), reason="needs systemd-analyze")
def test_kiosk_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified against this machine with cage, the kiosk session and /usr/bin/sala pointed at
    an existing program (the packaging step verifies the built ones with the bundled sala)."""
    true = shutil.which("true") or "/bin/true"
    units = []
    for name in KIOSK_UNITS:
        unit = tmp_path / name
        text = (DEB_DIR / name).read_text()
        text = text.replace("/usr/lib/sala-kiosk/kiosk-session", true)
        unit.write_text(text.replace("/usr/bin/cage", true).replace("/usr/bin/sala", true))
        units.append(str(unit))
    out = subprocess.run([str(ANALYZE), "verify", "--man=no", *units],
                         capture_output=True, text=True)  # fmt: skip
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "sala-kiosk" not in log, log  # no warning about our units either

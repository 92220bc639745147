"""After the kiosk's crash-loop limit, the safe mode on tty1 (issue 14): sala-kiosk-failed.service
runs `sala kiosk --safe` under cage as sala-kiosk.service runs the kiosk; its exit statuses
(ui/setup/safe_exit.py) become "try the kiosk again" or a login prompt; a safe mode that fails
gives way to the old text notice (sala-kiosk-notice.service), and nothing restarts in a loop.

The units' decisions are their own text run for real: kiosk-session with the stand-ins of
tests/packaging/test_kiosk_session.py (a cage 0.1.4 that exits 0 whatever, a sala that exits
as told), and the failed unit's ExecStopPost= shell line with a stand-in systemctl that writes
down what it was asked."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.staff.leave import LEAVE_EXIT_STATUS, LEFT_MARKER
from tests.packaging.conftest import REPO
from ui.setup.safe_exit import SAFE_EXIT_STATUSES, TRY_AGAIN_EXIT_STATUS

DEB_DIR = REPO / "packaging" / "deb"
SESSION = DEB_DIR / "kiosk-session"
ANALYZE = Path("/usr/bin/systemd-analyze")
UNITS = (
    "sala-kiosk.service",
    "sala-kiosk-failed.service",
    "sala-kiosk-left.service",
    "sala-kiosk-notice.service",
)


def _lines(name: str) -> list[str]:
    """The unit's lines, continuations joined as systemd joins them."""
    return (DEB_DIR / name).read_text().replace("\\\n", " ").splitlines()


def _values(name: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in _lines(name) if line.startswith(f"{key}=")]


def _value(name: str, key: str) -> str:
    (value,) = _values(name, key)
    return value


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


# -- the failed unit runs the safe mode as the kiosk unit runs the kiosk ------------------------
def test_the_failed_unit_runs_the_safe_mode_under_cage_on_tty1_like_the_kiosk() -> None:
    for key in ("User", "Group", "PAMName", "TTYPath", "TTYReset", "TTYVHangup",
                "TTYVTDisallocate", "StandardInput", "UtmpIdentifier", "UtmpMode"):  # fmt: skip
        assert _value("sala-kiosk-failed.service", key) == _value("sala-kiosk.service", key), key
    for key in ("Environment", "ReadWritePaths"):
        assert _values("sala-kiosk-failed.service", key) == _values("sala-kiosk.service", key)
    kiosk_start = _value("sala-kiosk.service", "ExecStart").split()
    safe_start = _value("sala-kiosk-failed.service", "ExecStart").split()
    assert safe_start == [kiosk_start[0], "--safe", *kiosk_start[1:]]  # cage's options the same
    conflicts = _value("sala-kiosk-failed.service", "Conflicts").split()
    assert {"getty@tty1.service", "sala-kiosk.service"} <= set(conflicts)  # never both on tty1
    assert _value("sala-kiosk.service", "OnFailure") == "sala-kiosk-failed.service"


def test_no_restart_loop_between_the_units() -> None:
    """The kiosk's failure starts the safe mode, the safe mode's failure the text notice, and
    that one nothing: none of the three restarts by itself on a failure after the kiosk."""
    assert _value("sala-kiosk-failed.service", "Restart") == "no"
    assert _value("sala-kiosk-failed.service", "OnFailure") == "sala-kiosk-notice.service"
    assert _value("sala-kiosk-notice.service", "Type") == "oneshot"
    assert not _values("sala-kiosk-notice.service", "OnFailure")
    assert not _values("sala-kiosk-notice.service", "Restart")
    success = {int(s) for s in _value("sala-kiosk-failed.service", "SuccessExitStatus").split()}
    assert success == set(SAFE_EXIT_STATUSES) == {LEAVE_EXIT_STATUS, TRY_AGAIN_EXIT_STATUS}


def test_the_text_notice_of_old_still_says_it_and_opens_a_login_prompt() -> None:
    notice = _lines("sala-kiosk-notice.service")
    said = [line for line in notice if line.startswith("ExecStart=/bin/echo")]
    assert said and "journalctl -u sala-kiosk" in said[0]
    assert "ExecStart=-/usr/bin/sala self-test" in notice
    assert "ExecStartPost=+/bin/systemctl --no-block start getty@tty1.service" in notice
    assert _value("sala-kiosk-notice.service", "StandardOutput") == "tty"


def test_the_package_installs_the_notice_unit() -> None:
    build = (REPO / "packaging" / "build.sh").read_text()
    install = re.search(r"install -m 0644 packaging/deb/sala-kiosk\.service.*?\n[^ ]", build, re.S)
    assert install is not None
    for name in UNITS:
        assert f"packaging/deb/{name}" in install.group(0), name


# -- how the safe mode ends: the failed unit's ExecStopPost= -----------------------------------
def _stop_post(tmp_path: Path, result: str, code: str, status: str) -> list[str]:
    """Run the unit's ExecStopPost= as systemd would (the `+` prefix off, `$$` made `$`), with
    systemctl a stand-in; returns the systemctl calls, one a line."""
    (line,) = _values("sala-kiosk-failed.service", "ExecStopPost")
    assert line.startswith("+/bin/sh -c ")  # as root: it starts and resets units
    argv = [a.replace("$$", "$") for a in shlex.split(line[1:])]
    calls = tmp_path / "calls"
    calls.write_text("")
    fake = _script(tmp_path / "systemctl", f'echo "$*" >> "{calls}"\n')
    argv = [a.replace("/bin/systemctl", str(fake)) for a in argv]
    env = {**os.environ, "SERVICE_RESULT": result, "EXIT_CODE": code, "EXIT_STATUS": status}
    done = subprocess.run(argv, env=env, timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return calls.read_text().splitlines()


def test_try_again_resets_the_crash_loop_count_and_starts_the_kiosk(tmp_path: Path) -> None:
    calls = _stop_post(tmp_path, "success", "exited", str(TRY_AGAIN_EXIT_STATUS))
    assert calls == ["reset-failed sala-kiosk.service", "--no-block start sala-kiosk.service"]


def test_leave_starts_the_leave_units_notice_and_login_prompt(tmp_path: Path) -> None:
    """As a leave from the kiosk: sala-kiosk-left.service says how to come back (and a plain
    `systemctl start sala-kiosk` then works) and gives tty1 a login prompt."""
    calls = _stop_post(tmp_path, "success", "exited", str(LEAVE_EXIT_STATUS))
    assert calls == ["reset-failed sala-kiosk.service", "--no-block start sala-kiosk-left.service"]


def test_a_leave_in_safe_mode_leaves_its_marker_where_the_leave_unit_looks() -> None:
    """kiosk.staff.leave writes the marker into $RUNTIME_DIRECTORY: the safe mode's is the
    kiosk unit's, kept after the stop, so the leave unit's condition holds."""
    for key in ("RuntimeDirectory", "RuntimeDirectoryMode", "RuntimeDirectoryPreserve"):
        assert _value("sala-kiosk-failed.service", key) == _value("sala-kiosk.service", key), key
    marker = Path("/run") / _value("sala-kiosk-failed.service", "RuntimeDirectory") / LEFT_MARKER
    assert _value("sala-kiosk-left.service", "ConditionPathExists") == str(marker)


@pytest.mark.parametrize(
    ("result", "code", "status"),
    [
        ("success", "killed", "TERM"),  # the unit stopped, or the machine shuts down
        ("success", "exited", "0"),
        ("exit-code", "exited", "1"),  # a crash: OnFailure= shows the text notice instead
        ("signal", "killed", "SEGV"),
        ("exit-code", "exited", str(TRY_AGAIN_EXIT_STATUS + 1)),
    ],
)
def test_anything_else_starts_nothing(tmp_path: Path, result: str, code: str, status: str) -> None:
    assert _stop_post(tmp_path, result, code, status) == []


# -- kiosk-session runs the safe mode when told ------------------------------------------------
def _session(tmp_path: Path, sala_body: str, *args: str) -> tuple[int, list[str]]:
    """kiosk-session with a cage 0.1.4 stand-in that writes down its own options."""
    seen = tmp_path / "cage-options"
    cage = f'while [ "$1" != "--" ]; do echo "$1" >> "{seen}"; shift; done; shift; "$@"; exit 0\n'
    env = {
        **os.environ,
        "CAGE": str(_script(tmp_path / "cage", cage)),
        "SALA": str(_script(tmp_path / "sala", sala_body)),
        "RUNTIME_DIRECTORY": str(tmp_path),
    }
    done = subprocess.run(["/bin/sh", str(SESSION), *args], env=env, timeout=60)
    assert not (tmp_path / "kiosk-status").exists()
    options = seen.read_text().splitlines() if seen.exists() else []
    return done.returncode, options


@pytest.mark.parametrize("status", [0, 1, LEAVE_EXIT_STATUS, TRY_AGAIN_EXIT_STATUS])
def test_safe_runs_sala_kiosk_safe_and_its_status_comes_out(tmp_path: Path, status: int) -> None:
    body = f'[ "$#" = 2 ] && [ "$1" = kiosk ] && [ "$2" = --safe ] || exit 99\nexit {status}\n'
    assert _session(tmp_path, body, "--safe", "-d", "-r") == (status, ["-d", "-r"])


def test_without_safe_the_kiosk_gets_no_extra_argument(tmp_path: Path) -> None:
    body = '[ "$#" = 1 ] && [ "$1" = kiosk ] || exit 99\nexit 0\n'
    assert _session(tmp_path, body, "-d") == (0, ["-d"])


def test_a_crashing_safe_mode_is_a_failure(tmp_path: Path) -> None:
    status, _ = _session(tmp_path, "kill -SEGV $$\n", "--safe", "-d")
    assert status == 128 + 11


# -- systemd's own check -----------------------------------------------------------------------
@pytest.mark.skipif(not ANALYZE.exists(), reason="needs systemd-analyze")
def test_all_kiosk_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """The four tty1 units together, with the kiosk session, sala and cage pointed at an
    existing program (the packaging step verifies the built ones)."""
    true = shutil.which("true") or "/bin/true"
    units = []
    for name in UNITS:
        text = (DEB_DIR / name).read_text()
        for program in ("/usr/lib/sala-kiosk/kiosk-session", "/usr/bin/sala", "/usr/bin/cage"):
            text = text.replace(program, true)
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    out = subprocess.run([str(ANALYZE), "verify", "--man=no", *units],
                         capture_output=True, text=True)  # fmt: skip
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "sala-kiosk" not in log, log

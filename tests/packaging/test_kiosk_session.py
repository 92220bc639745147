"""The unit's kiosk session (packaging/deb/kiosk-session) exits with the kiosk's own status, so
Restart=on-failure, the crash-loop limit and the technician's leave (64) see what the kiosk did.
Debian 12's cage (0.1.4) exits 0 whatever its client did: the stand-in cage here does exactly
that, running the command after `--` as cage does; the stand-in sala exits as told."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO

SESSION = REPO / "packaging" / "deb" / "kiosk-session"


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _run(tmp_path: Path, sala_body: str, cage_body: str | None = None) -> int:
    # cage 0.1.4: skips its options, runs the client after `--`, exits 0 whatever it did.
    cage = cage_body or 'while [ "$1" != "--" ]; do shift; done; shift; "$@"; exit 0\n'
    env = {
        **os.environ,
        "CAGE": str(_script(tmp_path / "cage", cage)),
        "SALA": str(_script(tmp_path / "sala", sala_body)),
        "RUNTIME_DIRECTORY": str(tmp_path),
    }
    done = subprocess.run(["/bin/sh", str(SESSION), "-d"], env=env, timeout=60)
    assert not (tmp_path / "kiosk-status").exists()  # nothing left for the next start
    return done.returncode


@pytest.mark.parametrize("status", [0, 1, 3, 64])
def test_the_kiosks_own_exit_status_comes_out(tmp_path: Path, status: int) -> None:
    assert _run(tmp_path, f'[ "$1" = kiosk ] || exit 99\nexit {status}\n') == status


def test_a_crash_by_signal_is_a_failure(tmp_path: Path) -> None:
    assert _run(tmp_path, "kill -SEGV $$\n") == 128 + signal.SIGSEGV


def test_cage_failing_before_the_kiosk_is_a_failure(tmp_path: Path) -> None:
    assert _run(tmp_path, "exit 0\n", cage_body="exit 0\n") == 1  # no client ran: not clean
    assert _run(tmp_path, "exit 0\n", cage_body="exit 7\n") == 7


def test_a_start_clears_a_leave_marker_left_by_an_earlier_session(tmp_path: Path) -> None:
    """A leave whose kiosk then crashed leaves its marker in the preserved runtime dir; the
    next session's clean stop must not find it (sala-kiosk-left.service would give tty1 a
    login prompt). The stand-in sala reports whether the marker was there when it started."""
    marker = tmp_path / "left-by-technician"  # kiosk.staff.leave.LEFT_MARKER
    marker.write_text('{"by": "tech"}')
    seen = tmp_path / "seen"
    body = f'[ -e "{marker}" ] && echo yes > "{seen}" || echo no > "{seen}"\nexit 0\n'
    assert _run(tmp_path, body) == 0
    assert seen.read_text().strip() == "no" and not marker.exists()


def test_a_leave_during_the_session_keeps_its_marker(tmp_path: Path) -> None:
    """The session clears only what an earlier one left: this session's leave stays for
    sala-kiosk-left.service."""
    marker = tmp_path / "left-by-technician"
    assert _run(tmp_path, f'echo "{{}}" > "{marker}"\nexit 64\n') == 64
    assert marker.exists()

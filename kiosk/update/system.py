"""The machine operations the root updater needs (dpkg, the kiosk unit, `sala self-test` as
the kiosk user), behind one small class so `apply` reads as the procedure it is. Tests run it
with the real dpkg against a throw-away root (`dpkg_args`), never a fake dpkg."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

KIOSK_UNIT = "sala-kiosk.service"
PACKAGE = "sala-kiosk"


@dataclass
class System:
    dpkg_args: list[str] = field(default_factory=list)  # e.g. --root/--admindir in tests
    self_test_cmd: list[str] = field(
        default_factory=lambda: [
            "runuser", "-u", "sala", "--", "env", "SALA_DATA_DIR=/var/lib/sala",
            "SALA_SECRET_DIR=/var/lib/sala-secret", "QT_QPA_PLATFORM=offscreen",
            "/usr/bin/sala", "self-test", "--no-camera",
        ]
    )  # fmt: skip
    systemd: bool = True  # False where no systemd runs (tests, a chroot)
    timeout_s: float = 600.0

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout_s)

    def installed_version(self) -> str | None:
        out = self._run(
            ["dpkg-query", *self._admindir(), "-W", "-f", "${db:Status-Abbrev}|${Version}", PACKAGE]
        )
        status, _, version = out.stdout.partition("|")
        return version.strip() if out.returncode == 0 and status.startswith("ii") else None

    def _admindir(self) -> list[str]:
        return [a for a in self.dpkg_args if a.startswith("--admindir")]

    def dpkg_install(self, deb: Path) -> tuple[bool, str]:
        out = self._run(["dpkg", *self.dpkg_args, "-i", str(deb)])
        return out.returncode == 0, (out.stdout + out.stderr)[-2000:]

    def configure_pending(self) -> None:
        """Finish what an interrupted dpkg left half-configured."""
        self._run(["dpkg", *self.dpkg_args, "--configure", "-a"])

    def self_test(self) -> bool:
        return self._run(self.self_test_cmd).returncode == 0

    def kiosk_unit(self) -> tuple[int, float | None]:
        """(restarts, seconds active) of the kiosk unit; (0, None) without systemd."""
        if not self.systemd:
            return 0, None
        out = self._run(
            ["systemctl", "show", KIOSK_UNIT, "-p", "NRestarts", "-p", "ActiveState",
             "-p", "ActiveEnterTimestampMonotonic"]
        )  # fmt: skip
        props = dict(line.partition("=")[::2] for line in out.stdout.splitlines())
        try:
            restarts = int(props.get("NRestarts", "0"))
            if props.get("ActiveState") != "active":
                return restarts, None
            since_us = int(props["ActiveEnterTimestampMonotonic"])
        except (KeyError, ValueError):
            return 0, None
        return restarts, max(0.0, time.monotonic() - since_us / 1e6)

    def restart_kiosk(self) -> None:
        if self.systemd:
            self._run(["systemctl", "reset-failed", KIOSK_UNIT])
            self._run(["systemctl", "restart", KIOSK_UNIT])  # waits: NRestarts is reset first

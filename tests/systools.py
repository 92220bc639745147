"""System programs by absolute path: tests and benches run them from shells whose PATH lacks
/usr/sbin and /sbin (a non-login root shell, `env -i`, CI runners), where `runuser`, `ip` and
`tc` live on Debian."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SYSTEM_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin")


def find_tool(name: str) -> str | None:
    """The absolute path of program `name`: the system dirs first, then PATH; None if absent."""
    for folder in SYSTEM_DIRS:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return shutil.which(name)


def tool(name: str) -> str:
    """Like `find_tool`, but a missing program raises FileNotFoundError naming where we looked."""
    path = find_tool(name)
    if path is None:
        raise FileNotFoundError(f"{name!r} is not in {', '.join(SYSTEM_DIRS)} nor on PATH")
    return path

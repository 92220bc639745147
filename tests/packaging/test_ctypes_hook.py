"""packaging/pyi_ctypes_lazy.py: the bundle's ctypes hook, installed at the first import of
ctypes instead of at start. Run in a fresh interpreter (no ctypes imported yet), with a stand-in
for PyInstaller's own hook module that records when its `install()` runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "pyi_ctypes_lazy.py"

SCRIPT = f"""
import sys, types
calls = []

def eager_install():
    import ctypes  # what PyInstaller's install() does first: the module must be complete
    calls.append(ctypes.CDLL.__name__)
    ctypes.CDLL = type("PyInstallerCDLL", (ctypes.CDLL,), {{}})

eager = types.ModuleType("pyimod03_ctypes_eager")
eager.install = eager_install
sys.modules["pyimod03_ctypes_eager"] = eager
hook = types.ModuleType("pyimod03_ctypes")
exec(compile(open({str(HOOK)!r}).read(), "pyi_ctypes_lazy.py", "exec"), hook.__dict__)
assert "ctypes" not in sys.modules
hook.install()
print("before", "ctypes" in sys.modules, calls)
from ctypes import CDLL
import ctypes.util
print("after", CDLL.__name__, calls, type(ctypes.__loader__).__name__ != "_ThenPatch",
      ctypes.__spec__.loader is ctypes.__loader__)
print("watching", any(type(f).__name__ == "_WatchCtypes" for f in sys.meta_path))
"""


def test_ctypes_is_patched_on_its_first_import_and_not_before() -> None:
    out = subprocess.run(
        [sys.executable, "-S", "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "before False []",
        "after PyInstallerCDLL ['CDLL'] True True",
        "watching False",
    ]

"""Suite-wide isolation: no test touches the real per-user data, config or machine secret."""

from __future__ import annotations

import os
import tempfile

# Settings a developer's shell may carry (SALA_PRINTER=none, SALA_SERVER_URL…) would change
# what the tests see: the suite starts from the embedded defaults. Secret and data dirs given
# from outside are kept (the benches and CI point them somewhere on purpose), and so are the
# folders a developer asks the render tests to write their PNGs to.
for _name in [n for n in os.environ if n.startswith("SALA_")]:
    if _name not in ("SALA_SECRET_DIR", "SALA_DATA_DIR", "SALA_SHOTS", "SALA_CAPTURE_SHOTS"):
        del os.environ[_name]

# Set at import time (before any fixture or subprocess), so child processes inherit them too.
_ISOLATED = tempfile.mkdtemp(prefix="sala-test-home-")
os.environ.setdefault("SALA_SECRET_DIR", os.path.join(_ISOLATED, "secret"))
os.environ.setdefault("SALA_DATA_DIR", os.path.join(_ISOLATED, "data"))
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_ISOLATED, "config"))
os.environ.setdefault("XDG_DATA_HOME", os.path.join(_ISOLATED, "share"))


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    """In the Qt-free job pytest-qt is absent: declare its ini keys so they aren't 'unknown'."""
    try:
        import pytestqt  # noqa: F401
    except ImportError:
        parser.addini("qt_api", "pytest-qt's Qt binding (unused without Qt)")
        parser.addini("qt_log_level_fail", "pytest-qt's log level that fails a test (unused)")

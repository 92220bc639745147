"""`sala --version`: the version's one owner is pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from tests.packaging.conftest import REPO, project_version


def test_version_prints_the_pyproject_version_without_loading_any_command() -> None:
    code = (
        "import sys; from ui.cli import main; main(['--version']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'sync') "
        "or m == 'ui.commands'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == [f"sala {project_version()}", "[]"]


def test_version_is_listed_in_help() -> None:
    from ui.cli import build_parser

    assert "--version" in build_parser(only="status").format_help()

"""The packaged kiosk's tests. `packaging`-marked tests check the built .deb: they take
$PACKAGED_DEB, or build it with packaging/build.sh (about 2 minutes), and run in their own step,
`bash packaging/dev.sh package` (also the `package` job of `dev.sh test`). The rest (the
version, the units' text) run in the Qt-free job."""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "packaging: builds or needs the .deb (packaging step)")


def unit_to_verify(tree: Path, release: Path, name: str) -> str:
    """A unit of the unpacked package as `systemd-analyze verify` can check it on this machine:
    /usr/bin/sala (a link that loops outside the installed root) and the kiosk session pointed at
    the unpacked package's own files."""
    text = (tree / "lib/systemd/system" / name).read_text()
    text = text.replace("/usr/bin/sala", str(release / "sala"))
    session = "/usr/lib/sala-kiosk/kiosk-session"
    return text.replace(session, str(tree / session.lstrip("/")))


def project_version() -> str:
    with open(REPO / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


@pytest.fixture(scope="session")
def deb() -> Path:
    # Not a SALA_* name: tests/conftest.py clears those, so SALA_DEB never arrived here and
    # every packaging run built the package a second time.
    given = os.environ.get("PACKAGED_DEB") or os.environ.get("SALA_DEB")
    if given:
        return Path(given)
    subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], check=True)
    return REPO / "dist" / f"sala-kiosk_{project_version()}_amd64.deb"


@pytest.fixture(scope="session")
def lintian(deb: Path) -> Iterator[subprocess.Popen[str]]:
    """lintian on the .deb, started in the background (it takes ~100 s, mostly on one core)
    by the first packaging test, so the bundle's runs overlap it; test_deb.py's lintian test,
    the last, waits for its answer."""
    proc = subprocess.Popen(
        ["/usr/bin/lintian", "--tag-display-limit", "0", str(deb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    if proc.poll() is None:  # a session cut short: don't leave lintian running
        proc.kill()
    proc.communicate()


@pytest.fixture(scope="session")
def tree(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's files, unpacked with dpkg-deb -x; DEBIAN/ holds its control files."""
    root = tmp_path_factory.mktemp("deb-tree")
    subprocess.run(["/usr/bin/dpkg-deb", "-x", str(deb), str(root)], check=True)
    subprocess.run(["/usr/bin/dpkg-deb", "-e", str(deb), str(root / "DEBIAN")], check=True)
    return root


@pytest.fixture(scope="session")
def release(tree: Path) -> Path:
    return tree / "opt" / "sala" / "releases" / project_version()

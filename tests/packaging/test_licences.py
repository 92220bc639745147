"""Every distribution bundled in the .deb has its licence texts in the package, in
/usr/share/doc/sala-kiosk/licences/<distribution>/ (issue 14), so a new dependency without one
fails here. What is bundled is read from the unpacked bundle itself (its folders, libraries and
PyInstaller's module archive), not from the list the build wrote, and mapped to distributions
with the build venv's metadata. The last test runs packaging/licences.py on a throw-away
distribution (Qt-free job)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.packaging.conftest import REPO

DOC = Path("usr/share/doc/sala-kiosk")
LICENCES = DOC / "licences"

# Run by the build venv's Python (PyInstaller reads the bundle's module archive): prints
# {"dists": {distribution: [what names it]}, "unknown": [names no distribution owns]}.
SCAN = r"""
import importlib.metadata as md, json, os, re, sys
from PyInstaller.archive.readers import CArchiveReader

release = sys.argv[1]
internal = os.path.join(release, "_internal")
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
owners = {top: {norm(d) for d in dists} for top, dists in md.packages_distributions().items()}
stdlib = set(sys.stdlib_module_names)
found = {}
unknown = []

def add(dist, why):
    found.setdefault(dist, []).append(why)

def name(top, why):
    if top in owners:
        for dist in owners[top]:
            add(dist, why)
    elif top in stdlib or top.startswith("_sysconfigdata") or top == "sala_main":
        add("python" if top != "sala_main" else "sala", why)
    elif top.startswith(("pyimod", "pyiboot", "pyi_rth_", "_pyi_rth_")):
        add("pyinstaller", why)
    else:
        unknown.append(why)

archive = CArchiveReader(os.path.join(release, "sala"))
add("pyinstaller", "sala (the bootloader)")
for entry in archive.toc:
    if entry not in ("PYZ.pyz", "struct"):
        name(entry.split(".")[0], "sala:" + entry)
for module in archive.open_embedded_archive("PYZ.pyz").toc:
    name(module.split(".")[0], "PYZ:" + module)
for entry in sorted(os.listdir(internal)):
    path = os.path.join(internal, entry)
    if os.path.islink(path):
        continue  # a link into a package folder (PySide6/Qt/lib, *.libs), counted there
    if entry.endswith(".dist-info"):
        with open(os.path.join(path, "METADATA")) as f:
            add(norm(re.search(r"^Name: (.+)$", f.read(), re.M).group(1)), entry)
    elif entry.endswith(".libs"):
        add(norm(entry[: -len(".libs")]), entry)
    elif entry.startswith(("libpython", "python3", "base_library")):
        add("python", entry)
    else:
        name(entry.split(".")[0], entry)
print(json.dumps({"dists": found, "unknown": sorted(unknown)}))
"""


@pytest.fixture(scope="module")
def bundled(release: Path) -> dict[str, list[str]]:
    python = REPO / ".venv-build" / "bin" / "python"
    if not python.exists():
        pytest.fail("needs the build venv .venv-build (packaging/build.sh makes it)")
    out = subprocess.run(
        [str(python), "-c", SCAN, str(release)], capture_output=True, text=True, check=True
    )
    scan = json.loads(out.stdout)
    assert scan["unknown"] == [], f"bundled, but no installed distribution owns: {scan['unknown']}"
    return dict(scan["dists"])


@pytest.mark.packaging
def test_every_bundled_distribution_has_its_licence_in_the_package(
    tree: Path, bundled: dict[str, list[str]]
) -> None:
    # The ones issue 14 found missing or at risk are among them.
    for dist in ("opencv-python-headless", "pyside6-essentials", "shiboken6", "numpy", "python"):
        assert dist in bundled, sorted(bundled)
    missing = []
    for dist, why in sorted(bundled.items()):
        folder = tree / LICENCES / dist
        texts = [p for p in folder.rglob("*") if p.is_file() and p.stat().st_size > 0]
        if not texts:
            missing.append(f"{dist} (bundled: {', '.join(why[:3])})")
    assert missing == [], "no licence text in " + str(LICENCES) + " for: " + "; ".join(missing)
    index = (tree / LICENCES / "index.txt").read_text()
    listed = set(re.findall(r"^(\S+) \S+.*:", index, re.M))
    assert set(bundled) <= listed, set(bundled) - listed


@pytest.mark.packaging
def test_the_vendored_libraries_notices_are_there(tree: Path) -> None:
    """The texts of what the wheels vendor: OpenCV's own (Apache-2.0) and its libraries'
    (FFmpeg, libvpx, OpenSSL...), numpy's (OpenBLAS), PDFium's, Pillow's, and LGPL-3 with the
    GPL-3 it adds to for Qt, whose wheels carry none."""
    lic = tree / LICENCES
    opencv = (lic / "opencv-python-headless/LICENSE-3RD-PARTY.txt").read_text()
    for part in ("OpenCV library is", "Apache License", "FFmpeg is", "libvpx is", "libssl are"):
        assert part in opencv, part
    assert "MIT License" in (lic / "opencv-python-headless/LICENSE.txt").read_text()  # the wheel's
    assert "Name: OpenBLAS" in (lic / "numpy/LICENSE.txt").read_text()
    assert "FREETYPE2" in (lic / "pillow/LICENSE").read_text()
    assert (lic / "pypdfium2/BUILD_LICENSES/pdfium.txt").stat().st_size > 0
    for dist in ("pyside6-essentials", "shiboken6"):
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in (lic / dist / "LGPL-3").read_text()
        assert "GNU GENERAL PUBLIC LICENSE" in (lic / dist / "GPL-3").read_text()
    assert "SIL OPEN FONT LICENSE" in (lic / "sala/fonts_OFL.txt").read_text().upper()
    assert "PYTHON SOFTWARE FOUNDATION" in (lic / "python/LICENSE.txt").read_text().upper()


@pytest.mark.packaging
def test_copyright_points_at_files_the_package_holds(tree: Path) -> None:
    text = (tree / DOC / "copyright").read_text()
    paths = set(re.findall(r"(/usr/share/[\w./-]+[\w])", text))
    assert f"/{LICENCES}/index.txt" in paths
    for path in sorted(paths):
        where = tree / path.lstrip("/") if path.startswith(f"/{DOC}") else Path(path)
        assert where.exists(), path


def licences_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("licences", REPO / "packaging" / "licences.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_dependency_without_a_licence_fails_the_gathering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """packaging/licences.py, as sala.spec runs it, on a distribution installed in a folder of
    its own: without a licence text it is a problem (the build stops); with one, it is copied
    into a folder named by the distribution."""
    site = tmp_path / "site"
    (site / "newdep").mkdir(parents=True)
    (site / "newdep" / "__init__.py").write_text("")
    info = site / "New_Dep-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: New_Dep\nVersion: 1.2\n")
    (info / "RECORD").write_text("newdep/__init__.py,,\nNew_Dep-1.2.dist-info/METADATA,,\n")
    monkeypatch.syspath_prepend(str(site))
    lic = licences_module()
    source = str(site / "newdep" / "__init__.py")
    work = str(tmp_path / "work")  # what PyInstaller compiled: nothing here
    problems = lic.gather([("newdep/__init__.py", source)], tmp_path / "out", REPO, {}, work)
    assert [p for p in problems if p.startswith("new-dep 1.2 ships no licence text")], problems

    (info / "licenses").mkdir()
    (info / "licenses" / "LICENSE").write_text("MIT License\n")
    (info / "RECORD").write_text(
        "newdep/__init__.py,,\nNew_Dep-1.2.dist-info/METADATA,,\n"
        "New_Dep-1.2.dist-info/licenses/LICENSE,,\n"
    )
    stdlib_file = sys.modules["json"].__file__
    assert stdlib_file is not None
    entries = [("newdep/__init__.py", source), ("json/__init__.py", stdlib_file)]
    assert lic.gather(entries, tmp_path / "out", REPO, {}, work) == []
    assert (tmp_path / "out" / "new-dep" / "LICENSE").read_text() == "MIT License\n"
    assert (tmp_path / "out" / "python" / "LICENSE.txt").stat().st_size > 0
    assert "new-dep 1.2" in (tmp_path / "out" / "index.txt").read_text()

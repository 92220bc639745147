"""packaging/strip_bundle.py on real ELF files (Qt-free job): every library still loads after
it ran, one that patchelf rewrote and `strip` would break keeps its exact bytes, and one with
symbols to spare gets smaller. Needs binutils (strip, readelf), as the build does."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.packaging.conftest import REPO

pytestmark = pytest.mark.skipif(
    not (shutil.which("strip") and shutil.which("readelf")), reason="needs binutils"
)


def strip_bundle() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "strip_bundle", REPO / "packaging" / "strip_bundle.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wheel_libraries_still_load_and_broken_strips_are_refused(tmp_path: Path) -> None:
    """numpy's vendored libraries (auditwheel rewrote them with patchelf: stripping its
    OpenBLAS breaks the segment alignment) beside a plain extension module of this Python."""
    sb = strip_bundle()
    numpy = pytest.importorskip("numpy")
    bundle = tmp_path / "bundle"
    libs = shutil.copytree(Path(numpy.__file__).parent.parent / "numpy.libs", bundle / "libs")
    json_ext = Path(sys.modules["_json"].__file__ or "")
    plain = Path(shutil.copy2(json_ext, bundle / json_ext.name))
    before = {p: p.read_bytes() for p in sb.elf_files(bundle)}
    assert len(before) >= 2

    work = tmp_path / "work"
    work.mkdir()
    saved = {p: sb.strip_one(p, work) for p in before}

    for path, result in saved.items():
        assert sb.loads(path), path  # whatever happened, it loads
        assert sb.segments_aligned(path), path
        if result <= 0:  # refused or nothing to strip: the very same bytes
            assert path.read_bytes() == before[path], path
        else:
            assert len(before[path]) - path.stat().st_size == result
    # The case that broke numpy: where a plain `strip` misaligns OpenBLAS, it was refused.
    (openblas,) = libs.glob("lib*openblas*.so*")
    naive = Path(shutil.copy2(openblas, work / "naive.so"))
    subprocess.run(["strip", "--strip-unneeded", str(naive)], check=True)
    if not sb.segments_aligned(naive):
        assert saved[openblas] == -1
    assert saved[plain] >= 0  # > 0 where this Python's modules carry symbols (pyenv's do)

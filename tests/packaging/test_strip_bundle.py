"""packaging/strip_bundle.py on real ELF files (Qt-free job): every library still loads after
it ran, one that patchelf rewrote and `strip` would break keeps its exact bytes, and one with
symbols to spare gets smaller. Needs binutils (strip, readelf), as the build does."""

from __future__ import annotations

import importlib.util
import os
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


def _has_symtab(path: Path) -> bool:
    out = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True).stdout
    return ".symtab" in out


def test_compacting_closes_patchelf_holes_and_drops_what_strip_cannot(tmp_path: Path) -> None:
    """Pillow's libXau (2 MB of patchelf's zeros) and numpy's OpenBLAS (whose symbol table
    `strip` cannot take out) get smaller, keep their segments page-aligned and still load."""
    sb = strip_bundle()
    numpy = pytest.importorskip("numpy")
    pil = pytest.importorskip("PIL")
    site = Path(numpy.__file__).parent.parent
    picked = [
        *(Path(pil.__file__).parent.parent / "pillow.libs").glob("libXau-*.so*"),
        *(site / "numpy.libs").glob("lib*openblas*.so*"),
    ]
    if len(picked) < 2:
        pytest.skip("these wheels vendor neither library")
    for original in picked:  # with its folder: it finds its neighbours there ($ORIGIN)
        folder = shutil.copytree(original.parent, tmp_path / original.parent.name)
        path = Path(folder) / original.name
        saved = sb.compact_one(path)
        assert saved > 16384, path.name
        assert path.stat().st_size == original.stat().st_size - saved
        assert sb.segments_aligned(path) and sb.loads(path), path.name
        assert not _has_symtab(path)


def test_numpy_computes_on_the_fortran_runtime_it_shares_with_opencv(tmp_path: Path) -> None:
    """numpy's own copy of libgfortran becomes a link to OpenCV's (and its OpenBLAS loses its
    symbol table); numpy imported from that tree still inverts a matrix, on OpenCV's copy."""
    sb = strip_bundle()
    numpy = pytest.importorskip("numpy")
    site = Path(numpy.__file__).parent.parent
    ocv = sorted((site / "opencv_python_headless.libs").glob("lib[gq]*.so*"))
    if not ocv or not list((site / "numpy.libs").glob("libgfortran-*")):
        pytest.skip("these wheels do not both vendor libgfortran")
    tree = tmp_path / "site"
    skip = shutil.ignore_patterns("tests", "__pycache__", "*.pyi")
    shutil.copytree(site / "numpy", tree / "numpy", ignore=skip)
    shutil.copytree(site / "numpy.libs", tree / "numpy.libs")
    (tree / "opencv_python_headless.libs").mkdir()
    for lib in ocv:  # the Fortran runtime and its libquadmath
        shutil.copy2(lib, tree / "opencv_python_headless.libs" / lib.name)

    for blas in (tree / "numpy.libs").glob("lib*openblas*.so*"):  # compacted, as in the build
        assert sb.compact_one(blas) > 0
    assert sb.share_copies(tree) > 1_000_000
    (gfortran,) = (tree / "numpy.libs").glob("libgfortran-*")
    assert gfortran.is_symlink()
    assert os.readlink(gfortran).startswith("../opencv_python_headless.libs/libgfortran-")
    check = (
        "import numpy as np; a = np.random.default_rng(1).random((80, 80)); "
        "assert np.allclose(np.linalg.inv(a) @ a, np.eye(80)); "
        "print(*sorted({l.split()[-1] for l in open('/proc/self/maps') if 'gfortran' in l}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    env["PYTHONPATH"] = str(tree)
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "/opencv_python_headless.libs/libgfortran-" in done.stdout

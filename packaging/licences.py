"""The licence texts of everything the bundle carries, gathered at build time (no network).

packaging/sala.spec calls `gather` with PyInstaller's final lists (the trimmed modules, binaries,
data files and bootstrap, as (destination, source) pairs): each file's source is traced to the
installed distribution whose RECORD lists it (CPython's own files to `python`, this checkout's
to `sala`), and that distribution's licence files (its dist-info `licenses/` folder, or files
named LICENSE, COPYING, NOTICE... anywhere in its RECORD, e.g. OpenCV's
cv2/LICENSE-3RD-PARTY.txt) are copied to OUT/<distribution>/, which packaging/build.sh
installs as /usr/share/doc/sala-kiosk/licences/.
OUT/index.txt lists each distribution, its version and licence expression.

A wheel that ships no licence text (PySide6-Essentials, shiboken6: LGPL-3.0) gets copies of the
texts Debian's base-files ships (/usr/share/common-licenses) named in FROM_COMMON_LICENCES, with
a NOTICE saying so (copies, not links: each folder stands alone, ~0.1 MB). A bundled
distribution with neither fails the build: a new dependency is added here on purpose, never
silently without its licence.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

# What makes a file a licence text: its name, or a `licenses`/`LICENSES` folder above it.
LICENCE_NAME = re.compile(
    r"^(licen[cs]e|copying|notice|copyright|authors)|3rd-party|third.party", re.I
)
LICENCE_DIR = re.compile(r"(^|/)(licen[cs]es|BUILD_LICENSES)/", re.I)
NOT_TEXT = (".py", ".pyc", ".pyi", ".so", ".h", ".c", ".cpp", ".html")
COMMON = Path("/usr/share/common-licenses")
# Distributions whose wheels carry no licence text: the texts their METADATA's licence names,
# from Debian's base-files (Essential: on every Debian system), and why.
FROM_COMMON_LICENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "pyside6-essentials": (
        ("LGPL-3", "GPL-3"),
        "PySide6-Essentials (Qt for Python, and the Qt 6 libraries in PySide6/Qt/) is used under\n"
        "the LGPL-3.0 (which adds to the GPL-3.0, so both texts are here). Its wheel ships no\n"
        "licence file. Qt's source: https://code.qt.io/cgit/qt/ and\n"
        "https://code.qt.io/cgit/pyside/pyside-setup.git/ (tag v{version}). The third-party code\n"
        "inside Qt (ICU, HarfBuzz, FreeType, PCRE2, libpng, zlib, ...) and its licences are\n"
        "listed at https://doc.qt.io/qt-6/licenses-used-in-qt.html; the wheel carries none.\n",
    ),
    "shiboken6": (
        ("LGPL-3", "GPL-3"),
        "shiboken6 (the Qt for Python binding runtime) is used under the LGPL-3.0 (which adds\n"
        "to the GPL-3.0, so both texts are here). Its wheel ships no licence file. Source:\n"
        "https://code.qt.io/cgit/pyside/pyside-setup.git/ (tag v{version}).\n",
    ),
}


def normalise(name: str) -> str:
    """PEP 503's form of a distribution name: the folder each licence set lives in."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _owner_index() -> dict[str, md.Distribution]:
    """Real path of every installed file -> the distribution whose RECORD lists it."""
    index: dict[str, md.Distribution] = {}
    for dist in md.distributions():
        for f in dist.files or ():
            index.setdefault(os.path.realpath(str(dist.locate_file(f))), dist)
    return index


def _licence_files(dist: md.Distribution) -> list[tuple[str, Path]]:
    """(name in the licence folder, source) of a distribution's licence texts."""
    out = []
    for f in dist.files or ():
        rel = str(f)
        if rel.endswith(NOT_TEXT) or "__pycache__" in rel:
            continue
        if not (LICENCE_NAME.search(Path(rel).name) or LICENCE_DIR.search(rel)):
            continue
        parts = Path(rel).parts
        # dist-info/licenses/X -> X; a package's own cv2/LICENSE.txt keeps its path.
        if parts[0].endswith(".dist-info"):
            parts = parts[2:] if len(parts) > 2 and parts[1] == "licenses" else parts[1:]
        src = Path(str(dist.locate_file(f)))
        if src.is_file():
            out.append(("/".join(parts), src))
    # The same text twice (OpenCV's dist-info and cv2/ copies): once.
    seen: dict[bytes, str] = {}
    unique = []
    for name, src in sorted(out, key=lambda item: (item[0].count("/"), item[0])):
        data = src.read_bytes()
        if data not in seen:
            seen[data] = name
            unique.append((name, src))
    return unique


def bundled_distributions(
    entries: Iterable[tuple[str, str]], own_root: str, generated: dict[str, str], compiled_in: str
) -> tuple[dict[str, md.Distribution | None], list[str]]:
    """normalised name -> distribution (None: CPython or this checkout) of every bundled
    (destination, source) entry, and the sources nothing owns. `generated` maps a file or folder
    the build made to the distribution it comes from; a file PyInstaller compiled into
    `compiled_in` (its work dir: byte-compiled modules, base_library.zip, its bootstrap) is
    owned by whoever owns its module's top-level name."""
    index = _owner_index()
    tops = md.packages_distributions()
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    base = os.path.realpath(sys.base_prefix)
    dists: dict[str, md.Distribution | None] = {}
    unowned = []

    def under(real: str, folder: str) -> bool:
        folder = os.path.realpath(folder)
        return real == folder or real.startswith(folder + os.sep)

    for dest, src in entries:
        if not src:
            continue
        real = os.path.realpath(src)
        dist = index.get(real)
        owners = [owner for path, owner in generated.items() if under(real, path)]
        top = re.split(r"[./\\]", dest, maxsplit=1)[0]
        if dist is None and not owners and under(real, compiled_in):
            if top in tops:
                owners = tops[top][:1]
            elif top in sys.stdlib_module_names or top == "base_library":
                owners = ["python"]
            elif top.startswith(("pyimod", "pyiboot", "pyi_rth_")):
                owners = ["pyinstaller"]
        if dist is None and owners:
            dist = None if owners[0] == "python" else md.distribution(owners[0])
            if dist is None:
                dists["python"] = None
                continue
        if dist is not None:
            name = normalise(dist.metadata["Name"])
            dists[name] = None if name == "sala" else dist
        elif under(real, own_root):
            dists["sala"] = None
        elif under(real, stdlib) or under(real, base):
            dists["python"] = None
        else:
            unowned.append(src)
    return dists, unowned


def gather(
    entries: Iterable[tuple[str, str]],
    out: Path,
    own_root: Path,
    generated: dict[str, str],
    compiled_in: str,
) -> list[str]:
    """Write OUT/<distribution>/ licence texts and OUT/index.txt; returns the problems
    (distributions without a licence text, files no distribution owns): none means done."""
    dists, unowned = bundled_distributions(entries, str(own_root), generated, compiled_in)
    problems = [f"no installed distribution owns {src}" for src in sorted(set(unowned))]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    lines = []
    for name in sorted(dists):
        dist = dists[name]
        folder = out / name
        folder.mkdir()
        if name == "python":
            version = sysconfig.get_python_version() + " (" + sys.version.split()[0] + ")"
            expression = "PSF-2.0"
            shutil.copy2(
                Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt", folder / "LICENSE.txt"
            )
        elif name == "sala":
            version, expression = _sala_version(own_root), "Apache-2.0"
            shutil.copy2(COMMON / "Apache-2.0", folder / "Apache-2.0")
            for rel in (
                "assets/fonts/OFL.txt",
                "assets/capture/models/NOTICE",
                "assets/gazetteer/NOTICE",
            ):
                if (own_root / rel).is_file():
                    dest = folder / rel.replace("/", "_").removeprefix("assets_")
                    shutil.copy2(own_root / rel, dest)
        else:
            assert dist is not None
            version = dist.version
            meta = dist.metadata.json  # PEP 566's form: lower-case keys with underscores
            expression = str(meta.get("license_expression") or meta.get("license") or "")
            expression = expression.split("\n")[0]
            files = _licence_files(dist)
            for rel, src in files:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, folder / rel)
            if not files and name in FROM_COMMON_LICENCES:
                texts, notice = FROM_COMMON_LICENCES[name]
                for text in texts:
                    shutil.copy2(COMMON / text, folder / text)
                (folder / "NOTICE").write_text(notice.format(version=version))
            elif not files:
                problems.append(
                    f"{name} {version} ships no licence text: add it to FROM_COMMON_LICENCES "
                    "(packaging/licences.py) with the texts its licence names"
                )
        lines.append(f"{name} {version}: {expression or 'see the files'}")
    (out / "index.txt").write_text(
        "The distributions bundled in /opt/sala/releases/<version>, their versions and licences;\n"
        "each one's licence texts are in the folder of its name beside this file.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    return problems


def _sala_version(root: Path) -> str:
    import tomllib

    with open(root / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])

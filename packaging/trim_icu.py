#!/usr/bin/env python3
"""Shrink the ICU data library Qt's wheels bundle (libicudata, ~31 MB) to what Qt uses here.

Usage: python3 packaging/trim_icu.py BUNDLE/_internal/PySide6/Qt/lib/libicudata.so.NN
(packaging/build.sh runs it; needs icupkg and genccode from icu-devtools, and gcc.)

Qt reads ICU for collation (QCollator), non-UTF text codecs, time-zone and locale display
names and locale-specific case mapping; Sala uses none of these (its texts are UTF-8, its
dates come from kiosk/i18n.py, Khmer line breaks are its own ZWSP points, and shaping is
HarfBuzz inside QtGui). Kept: the core properties and normalization data, converter aliases,
break rules, and the locale data of root, English and Khmer. Dropped: collation, units,
currencies, zone/language/region names, transliteration, rule-based number formats, charset
converters, StringPrep profiles, break dictionaries and the other 870 locales. The data is
taken out of the library (symbol icudtNN_dat), repacked with icupkg and linked back into a
library with the same soname and symbol, so nothing else changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

DROP_DIRS = ("coll/", "unit/", "curr/", "zone/", "lang/", "region/", "translit/", "rbnf/")
DROP_SUFFIXES = (".cnv", ".spp", ".cfu", ".dict")
KEEP_LOCALES = re.compile(r"^(root|en|en_[A-Z0-9_]+|km|km_KH)\.res$")
# Root-level .res files that are not locales (ICU's tables), always kept.
KEEP_TABLES = {
    "res_index.res", "pool.res", "likelySubtags.res", "supplementalData.res", "plurals.res",
    "numberingSystems.res", "metaZones.res", "timezoneTypes.res", "windowsZones.res",
    "keyTypeData.res", "icuver.res", "icustd.res", "zoneinfo64.res", "dayPeriods.res",
    "pluralRanges.res", "grammaticalFeatures.res", "genderList.res", "units.res",
    "supplementalMetadata.res", "langInfo.res", "tzdbNames.res", "personNames.res",
}  # fmt: skip


def _symbol(lib: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the icudtNN_dat symbol."""
    syms = subprocess.run(["nm", "-D", "-S", str(lib)], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    m = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt\d+_dat)$", syms, re.M)
    if not m:
        raise SystemExit(f"trim_icu: no icudt*_dat symbol in {lib}")
    addr, size, name = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    sections = subprocess.run(["readelf", "-S", "--wide", str(lib)], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
    sec = re.search(r"\.rodata\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+)", sections)
    if not sec:
        raise SystemExit(f"trim_icu: no .rodata in {lib}")
    return name, addr - int(sec.group(1), 16) + int(sec.group(2), 16), size


def _drop(item: str) -> bool:
    if item.startswith(DROP_DIRS) or item.endswith(DROP_SUFFIXES):
        return True
    if "/" not in item and item.endswith(".res"):
        return item not in KEEP_TABLES and not KEEP_LOCALES.match(item)
    return False


def trim(lib: Path) -> tuple[int, int]:
    name, offset, size = _symbol(lib)
    soname = lib.name
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        dat = t / f"{name.removesuffix('_dat')}l.dat"
        with lib.open("rb") as f:
            f.seek(offset)
            dat.write_bytes(f.read(size))
        items = subprocess.run(["icupkg", "-l", str(dat)], capture_output=True, text=True,
                               check=True).stdout.split()  # fmt: skip
        (t / "drop.txt").write_text("\n".join(i for i in items if _drop(i)) + "\n")
        small = t / "small.dat"
        subprocess.run(["icupkg", "--ignore-deps", "-r", str(t / "drop.txt"), str(dat),
                        str(small)], check=True, capture_output=True)  # fmt: skip
        subprocess.run(["genccode", "-a", "gcc", "-e", name.removesuffix("_dat"), "-d", tmp,
                        str(small)], check=True, capture_output=True)  # fmt: skip
        out = t / soname
        subprocess.run(["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(out),
                        str(t / "small_dat.S")], check=True)  # fmt: skip
        before = lib.stat().st_size
        lib.unlink()
        out.rename(lib)
        lib.chmod(0o644)
        return before, lib.stat().st_size


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        b, a = trim(Path(arg))
        print(f"trim_icu: {Path(arg).name}: {b / 1e6:.1f} MB -> {a / 1e6:.1f} MB")

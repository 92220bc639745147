"""Debian version ordering (dpkg's algorithm), so the kiosk compares releases as dpkg does.

A manifest's version is the .deb's `Version:`; anti-rollback must agree with dpkg about which
of two versions is newer (`1.10` > `1.9`, `1.0~rc1` < `1.0`).
"""

from __future__ import annotations

import re

_VALID = re.compile(r"^(?:(\d+):)?([0-9][A-Za-z0-9.+~-]*)$")


def is_version(v: str) -> bool:
    return bool(_VALID.match(v)) and len(v) <= 64


def _order(c: str) -> int:
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) else 0
            bc = _order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _split(v: str) -> tuple[int, str, str]:
    epoch, _, rest = v.partition(":") if ":" in v else ("0", "", v)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return int(epoch), upstream, revision


def compare(a: str, b: str) -> int:
    """<0, 0 or >0 as dpkg --compare-versions orders `a` and `b`."""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return ea - eb
    return _verrevcmp(ua, ub) or _verrevcmp(ra, rb)


def newer(a: str, b: str) -> bool:
    return compare(a, b) > 0

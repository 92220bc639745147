"""Every clerk core message exists in Khmer and English with the same placeholders, and every
refusal the code can raise (and every problem reason the sync client can set) has one."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _table(locale: str) -> dict[str, str]:
    path = ROOT / "assets" / "translations" / locale / "clerk_core.json"
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


def test_khmer_and_english_match() -> None:
    km, en = _table("km"), _table("en")
    assert km.keys() == en.keys()
    fields = string.Formatter()
    for key in km:
        assert key.startswith("clerk.core."), key
        assert {f for _, f, _, _ in fields.parse(km[key]) if f} == {
            f for _, f, _, _ in fields.parse(en[key]) if f
        }, key
        assert any("\u1780" <= ch <= "\u17ff" for ch in km[key]), key
        run = max(re.findall("[\u1780-\u17ff]+", km[key]) or [""], key=len)
        assert len(run) <= 14, f"{key}: add U+200B between the words of {run!r}"


def test_every_refusal_in_the_code_has_its_text() -> None:
    source = "".join(p.read_text("utf-8") for p in (ROOT / "kiosk" / "clerk").glob("*.py"))
    keys = {f"clerk.core.{k}" for k in re.findall(r'key="([a-z_]+)"', source)}
    from sync.client.clerk_push import PROBLEM_CODES
    from sync.client.push import Changed

    keys |= {f"clerk.core.problem.{code}" for code in PROBLEM_CODES}
    keys |= {"clerk.core.problem.refused", "clerk.core.problem.conflict", Changed.key}
    assert len(keys) > 30
    assert keys <= _table("en").keys(), keys - _table("en").keys()

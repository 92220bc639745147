"""Every staff message exists in Khmer and English with the same placeholders."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

from kiosk.staff import errors

ROOT = Path(__file__).resolve().parents[2] / "assets" / "translations"


def _table(locale: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((ROOT / locale / "staff.json").read_text("utf-8"))
    return data


def test_every_staff_error_has_khmer_and_english_text() -> None:
    km, en = _table("km"), _table("en")
    assert km.keys() == en.keys()
    fields = string.Formatter()
    for key in km:
        assert {f for _, f, _, _ in fields.parse(km[key]) if f} == {
            f for _, f, _, _ in fields.parse(en[key]) if f
        }, key
        assert any("\u1780" <= ch <= "\u17ff" for ch in km[key]), key
        run = max(re.findall("[\u1780-\u17ff]+", km[key]) or [""], key=len)
        assert len(run) <= 14, f"{key}: add U+200B between the words of {run!r}"
    keys = {
        cls.message_key
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.StaffError)
    }
    keys |= {"staff.code_format", "staff.self_action", "staff.session_changed"}
    assert keys <= en.keys(), keys - en.keys()

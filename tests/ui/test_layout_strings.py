"""The UI's own strings: both languages have every key with the same placeholders, and long
Khmer strings carry U+200B word breaks so labels can wrap between words."""

from __future__ import annotations

import json
import re
from importlib import resources

KHMER = re.compile("[\u1780-\u17ff]")


def table(locale: str) -> dict[str, str]:
    path = resources.files("assets") / "translations" / locale / "ui.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    km, en = table("km"), table("en")
    assert set(km) == set(en)
    for key in en:
        assert set(re.findall(r"{(\w+)}", km[key])) == set(re.findall(r"{(\w+)}", en[key])), key
    assert all(k.startswith("ui.") for k in en)


def test_long_khmer_strings_have_word_breaks() -> None:
    missing = [
        k for k, v in table("km").items() if len(KHMER.findall(v)) > 12 and "\u200b" not in v
    ]
    assert not missing, missing


def test_english_strings_carry_no_invisible_characters() -> None:
    assert not [k for k, v in table("en").items() if "\u200b" in v and not KHMER.search(v)]

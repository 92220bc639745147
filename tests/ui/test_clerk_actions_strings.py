"""The action screens' own strings (clerk_actions.json): both languages, the same keys and
placeholders, Khmer word breaks, and every key the screens ask for is there."""

from __future__ import annotations

import json
import re
import string
from importlib import resources
from pathlib import Path

import ui.clerk.actions

KEY = re.compile(r"""["'](clerk\.act\.[a-z_.]+[a-z_])["']""")


def table(locale: str) -> dict[str, str]:
    path = resources.files("assets") / "translations" / locale / "clerk_actions.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    km, en = table("km"), table("en")
    assert km.keys() == en.keys()
    assert all(k.startswith("clerk.act.") for k in en)
    fields = string.Formatter()
    for key in en:
        names = [{f for _, f, _, _ in fields.parse(t[key]) if f} for t in (km, en)]
        assert names[0] == names[1], key


def test_khmer_strings_carry_word_breaks() -> None:
    for key, value in table("km").items():
        run = max(re.findall("[\u1780-\u17ff]+", value) or [""], key=len)
        assert len(run) <= 14, f"{key}: add U+200B between the words of {run!r}"


def test_every_key_the_screens_use_exists() -> None:
    folder = Path(ui.clerk.actions.__file__).parent
    used = {k for f in folder.glob("*.py") for k in KEY.findall(f.read_text(encoding="utf-8"))}
    used |= {f"clerk.act.originals.rule.{r}" for r in ("before_upload", "at_pickup", "none")}
    counts = ("taken", "originals_checked", "sent", "waiting", "problems", "supplements")
    used |= {f"clerk.act.eod.{c}" for c in (*counts, "handovers")}
    assert used, "no keys found"
    assert not used - table("en").keys()

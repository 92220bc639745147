"""Whatever people type is stored safely and comes back in its cleaned form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.i18n import clean_text
from kiosk.store import Store
from kiosk.store.cleaning import clean_value

NASTY = st.sampled_from(
    [
        "'; DROP TABLE registrations; --",
        "Robert'); DELETE FROM audit;--",
        '" OR 1=1 --',
        "NEAR(a b)",
        "*",
        "😀👍🏽",
        "ស្ត្រី ង្ខ្យ ើ ឿ ៀ ោ ៅ ៌",
        "\u200b\u200c\u200d\ufeff",
        "\x00\x07\x1b[31m",
        "x" * 10_000,
        "\ud800 lone",
        "\ud83d\ude00",
        "e\u0301",
        "\u202eevil",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=200), st.text(max_size=10_000))
VALUE = st.recursive(
    st.one_of(
        TEXT,
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.none(),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
ANSWERS = st.dictionaries(
    st.sampled_from(["name_km", "name_latin", "phone", "note", "x"]), VALUE, max_size=5
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("hyp")
    s = Store.open(root / "data", commune_code="120101", secret_dir=root / "secret")
    yield s
    s.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWERS)
def test_any_answers_round_trip_cleaned(store: Store, answers: dict[str, object]) -> None:
    reg = store.create_draft("s", "1", "km")
    store.save_draft(reg.id, answers)
    assert store.get(reg.id).answers == clean_value(answers)
    receipt = store.submit(reg.id, answers, [], fee_khr=0)
    assert store.get(reg.id).answers == clean_value(answers)
    assert store.by_app_number(receipt.app_number) is not None


@settings(max_examples=60, deadline=None)
@given(query=TEXT)
def test_any_query_is_safe(store: Store, query: str) -> None:
    for reg in store.search(query, limit=5):
        assert reg.app_number


@given(text=TEXT)
def test_clean_text_leaves_no_zero_width_or_controls(text: str) -> None:
    cleaned = clean_text(text)
    assert not any(ch in cleaned for ch in "\u200b\u200c\u200d\ufeff\u202e")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)

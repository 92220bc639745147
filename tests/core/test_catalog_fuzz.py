"""Property tests: the catalog loader answers any input with a Catalog or a CatalogError."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.catalog import Catalog, CatalogError, parse_catalog

BUNDLED = json.loads((resources.files("assets") / "catalog" / "services.json").read_bytes())
SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.sampled_from(["text_km", "choice", "(a+)+", "services", "fields", "km", "en"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


ALL_PATHS = _paths(BUNDLED)[1:]


def _load(raw: bytes) -> None:
    try:
        result = parse_catalog(raw, "fuzz.json")
    except CatalogError as exc:
        assert exc.path == "fuzz.json" and exc.message
    else:
        assert isinstance(result, Catalog)


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    _load(raw)


@SETTINGS
@given(doc=JSON)
def test_random_json(doc: Any) -> None:
    _load(json.dumps(doc).encode())


@SETTINGS
@given(path=st.sampled_from(ALL_PATHS), value=JSON, delete=st.booleans())
def test_bundled_catalog_with_one_node_replaced_or_deleted(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    doc = copy.deepcopy(BUNDLED)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    _load(json.dumps(doc, ensure_ascii=False).encode())


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(json.dumps(BUNDLED))))
def test_truncated_bundled_catalog(cut: int) -> None:
    _load(json.dumps(BUNDLED).encode()[:cut])

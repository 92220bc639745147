"""CatalogManager keeps the last good catalog: bad downloads change nothing on disk or in use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.catalog import CatalogError, CatalogManager, load_bundled_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"


def test_without_an_installed_catalog_the_bundled_one_is_used(tmp_path: Path) -> None:
    manager = CatalogManager(tmp_path)
    assert manager.current().version == load_bundled_catalog().version
    assert not manager.path.exists()


def test_install_validates_stores_and_survives_a_restart(tmp_path: Path) -> None:
    raw = (FIXTURES / "minimal.json").read_bytes()
    installed = CatalogManager(tmp_path).install(raw)
    assert installed.version == "test-1"
    assert (tmp_path / "catalog" / "services.json").read_bytes() == raw
    # A new process (a new manager) picks the installed catalog up.
    assert CatalogManager(tmp_path).current().version == "test-1"
    assert not [p for p in (tmp_path / "catalog").iterdir() if p.suffix == ".tmp"]


@pytest.mark.parametrize(
    "bad",
    [
        (FIXTURES / "bad_field_type.json").read_bytes(),
        (FIXTURES / "evil_pattern.json").read_bytes(),
        b"{not json",
        b"",
    ],
)
def test_a_bad_catalog_raises_and_the_last_good_one_stays(tmp_path: Path, bad: bytes) -> None:
    manager = CatalogManager(tmp_path)
    good = (FIXTURES / "minimal.json").read_bytes()
    manager.install(good)
    with pytest.raises(CatalogError):
        manager.install(bad, name="update-42.json")
    assert manager.current().version == "test-1"
    assert manager.path.read_bytes() == good
    assert CatalogManager(tmp_path).current().version == "test-1"


def test_error_names_the_downloaded_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        CatalogManager(tmp_path).install(b"[]", name="update-42.json")
    assert info.value.path == "update-42.json"


def test_a_corrupted_installed_file_falls_back_to_the_bundled_catalog(tmp_path: Path) -> None:
    manager = CatalogManager(tmp_path)
    manager.install((FIXTURES / "minimal.json").read_bytes())
    manager.path.write_bytes(b'{"format": 1, "services": "truncated')
    assert CatalogManager(tmp_path).current().version == load_bundled_catalog().version


def test_a_catalog_with_no_usable_service_is_refused(tmp_path: Path) -> None:
    manager = CatalogManager(tmp_path, supported_types={"text_km"})
    with pytest.raises(CatalogError, match="no service"):
        manager.install((FIXTURES / "minimal.json").read_bytes(), name="all-hidden.json")
    assert not manager.path.exists()
    assert manager.current().version == load_bundled_catalog(supported_types={"text_km"}).version


def test_supported_types_apply_to_installed_catalogs(tmp_path: Path) -> None:
    supported = {"text_km", "text_latin", "date", "phone", "consent"}  # no yes_no
    manager = CatalogManager(tmp_path, supported_types=supported)
    catalog = manager.install((FIXTURES / "minimal.json").read_bytes())
    assert set(catalog.services) == {"beta"}
    assert set(catalog.hidden) == {"alpha", "gamma"}


def test_installing_the_bundled_catalog_round_trips(tmp_path: Path) -> None:
    from importlib import resources

    raw = (resources.files("assets") / "catalog" / "services.json").read_bytes()
    catalog = CatalogManager(tmp_path).install(raw)
    assert catalog.services.keys() == load_bundled_catalog().services.keys()
    assert json.loads(raw)["format"] == 1

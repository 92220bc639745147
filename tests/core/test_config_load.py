"""Config: defaults, file, environment, and clear errors for bad values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, load_config, replace, save_config


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SALA_COMMUNE_CODE", "SALA_SERVER_URL", "SALA_CAMERA", "SALA_PRINTER"):
        monkeypatch.delenv(var, raising=False)
    cfg = load_config(tmp_path)
    assert cfg == Config(data_dir=tmp_path)
    assert cfg.commune_code == "120101" and cfg.retention_days == 90 and cfg.idle_seconds == 90


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALA_DATA_DIR", str(tmp_path / "d"))
    assert load_config().data_dir == tmp_path / "d"


def test_save_then_load_round_trips_and_keeps_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"future_key": 1}), "utf-8")
    cfg = replace(
        Config(data_dir=tmp_path),
        commune_code="010201",
        server_url="https://moi.example.kh/",
        scan_folder=tmp_path / "scans",
        printer="escpos:file:/dev/usb/lp0",
        retention_days=30,
    )
    save_config(cfg)
    loaded = load_config(tmp_path)
    assert loaded == replace(cfg, server_url="https://moi.example.kh")
    assert json.loads((tmp_path / "config.json").read_text("utf-8"))["future_key"] == 1


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_config(Config(data_dir=tmp_path, camera="0"))
    monkeypatch.setenv("SALA_CAMERA", "demo")
    monkeypatch.setenv("SALA_RETENTION_DAYS", "14")
    cfg = load_config(tmp_path)
    assert cfg.camera == "demo" and cfg.retention_days == 14


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('{"commune_code": "12A101"}', "commune_code"),
        ('{"retention_days": "soon"}', "retention_days"),
        ('{"retention_days": 0}', "retention_days"),
        ('{"server_url": "ftp://x"}', "server_url"),
        ("{not json", "*"),
        ("[1, 2]", "*"),
    ],
)
def test_bad_file_names_file_and_key(tmp_path: Path, content: str, key: str) -> None:
    (tmp_path / "config.json").write_text(content, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.key == key
    assert str(tmp_path / "config.json") in str(info.value)


def test_bad_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALA_COMMUNE_CODE", "123")
    with pytest.raises(ConfigError, match=r"\$SALA_COMMUNE_CODE"):
        load_config(tmp_path)

"""Kiosk configuration: `<data_dir>/config.json`, overridden by environment variables.

The data dir comes first (argument, `$SALA_DATA_DIR`, or the per-user data dir) because the
config file lives in it. A bad file raises ConfigError naming the file and the key, so a
technician can fix it; nothing is silently replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from kiosk.durable import write_atomic

CONFIG_FILE = "config.json"
DEFAULT_COMMUNE = "120101"  # Phnom Penh, Chamkar Mon, Tonle Basak
DEFAULT_MAX_DEFER_DAYS = 14  # `update_max_defer_days`, at most:
# MOSIP's ceiling: no setting holds a fix back longer (kiosk.update.policy re-exports both; here
# so that reading the config at start-up does not import the update policy).
MAX_DEFER_DAYS = 60
# First-run setup started and not finished (enrolment wrote config.json): kiosk.setup.draft.
PENDING_FILE = "setup-pending"
_ENV = {
    "commune_code": "SALA_COMMUNE_CODE",
    "server_url": "SALA_SERVER_URL",
    "retention_days": "SALA_RETENTION_DAYS",
    "camera": "SALA_CAMERA",
    "scan_folder": "SALA_SCAN_FOLDER",
    "printer": "SALA_PRINTER",
    "idle_seconds": "SALA_IDLE_SECONDS",
    "idle_grace_seconds": "SALA_IDLE_GRACE_SECONDS",
    "update_max_defer_days": "SALA_UPDATE_MAX_DEFER_DAYS",
}


class ConfigError(ValueError):
    """A config value is wrong; `source` is the file or variable, `key` the setting."""

    message_key = "store.config_invalid"

    def __init__(
        self, source: str, key: str, message: str, *, message_key: str = "", **params: object
    ) -> None:
        super().__init__(f"{source}: {key}: {message}")
        self.source = source
        self.key = key
        if message_key:  # a setting with its own words (e.g. its allowed range)
            self.message_key = message_key
        self.params = params


@dataclass(frozen=True)
class Config:
    data_dir: Path
    commune_code: str = DEFAULT_COMMUNE
    server_url: str | None = None
    retention_days: int = 90
    camera: str = "auto"
    scan_folder: Path | None = None
    printer: str = "system"
    idle_seconds: int = 90
    idle_grace_seconds: int = 30
    # How many days a technician may hold an offered update back (kiosk/update/deferral.py).
    update_max_defer_days: int = DEFAULT_MAX_DEFER_DAYS
    # Given by the server at enrolment (1-99, unique in the commune) and written into every
    # application number; None before enrolment (numbers are then provisional, kiosk 00).
    kiosk_number: int | None = None


def default_data_dir() -> Path:
    env = os.environ.get("SALA_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("sala"))


def _coerce(source: str, key: str, value: Any) -> Any:
    """Check one value's type and range; ConfigError tells what is expected."""
    if key == "commune_code":
        if not isinstance(value, str) or not re.fullmatch(r"\d{6}", value):
            raise ConfigError(source, key, f"expected a 6-digit MEF commune code, got {value!r}")
        return value
    if key in ("retention_days", "idle_seconds", "idle_grace_seconds"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(source, key, f"expected a whole number, got {value!r}") from None
        if isinstance(value, bool) or number < 1:
            raise ConfigError(source, key, f"expected a number of at least 1, got {value!r}")
        return number
    if key == "update_max_defer_days":
        days = value if isinstance(value, int) else None
        if isinstance(value, str) and value.strip().isdigit():
            days = int(value)
        if isinstance(value, bool) or days is None or not 1 <= days <= MAX_DEFER_DAYS:
            raise ConfigError(
                source, key, f"expected 1-{MAX_DEFER_DAYS} days, got {value!r}",
                message_key="update.setting.max_defer_days", max_days=MAX_DEFER_DAYS,
                value=str(value)[:20],
            )  # fmt: skip
        return days
    if key == "kiosk_number":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
            raise ConfigError(source, key, f"expected a kiosk number 1-99, got {value!r}")
        return value
    if key == "scan_folder":
        return Path(value) if value else None
    if key == "server_url":
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ConfigError(source, key, f"expected an http(s) URL, got {value!r}")
        return value.rstrip("/")
    if not isinstance(value, str) or not value:
        raise ConfigError(source, key, f"expected text, got {value!r}")
    return value


def is_configured(data_dir: Path) -> bool:
    """Whether setup finished here (or `sala enrol` ran): the config file exists and no setup
    is half done (enrolment writes config.json too, before the technician is finished). Here,
    not in kiosk.setup, because every start asks it before the first paint."""
    data_dir = Path(data_dir)
    return (data_dir / CONFIG_FILE).is_file() and not (data_dir / PENDING_FILE).exists()


def load_config(data_dir: Path | None = None) -> Config:
    """Defaults, then `<data_dir>/config.json`, then `$SALA_*` variables."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    path = data_dir / CONFIG_FILE
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Config)} - {"data_dir"}
    if path.exists():
        try:
            raw = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(str(path), "*", f"not readable JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ConfigError(str(path), "*", "expected a JSON object")
        for key, value in raw.items():
            if key in known:  # unknown keys are kept by newer versions; ignore them here
                values[key] = _coerce(str(path), key, value)
    for key, env in _ENV.items():
        if env in os.environ:
            values[key] = _coerce(f"${env}", key, os.environ[env])
    return Config(data_dir=data_dir, **values)


def read_kiosk_number(data_dir: Path) -> int | None:
    """The enrolled kiosk number from `<data_dir>/config.json`, None if absent or unreadable
    (the store then numbers provisionally rather than failing a citizen's submit)."""
    try:
        raw = json.loads((Path(data_dir) / CONFIG_FILE).read_text("utf-8"))
        value = _coerce(CONFIG_FILE, "kiosk_number", raw.get("kiosk_number"))
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def save_config(cfg: Config) -> None:
    """Write config.json atomically (temp, fsync, rename); unknown keys already there stay."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.data_dir / CONFIG_FILE
    existing: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(path.read_text("utf-8"))
        if isinstance(loaded, dict):
            existing = loaded
    data = asdict(cfg)
    del data["data_dir"]
    data["scan_folder"] = str(cfg.scan_folder) if cfg.scan_folder else None
    existing.update(data)
    text = json.dumps(existing, ensure_ascii=False, indent=2, sort_keys=True)
    write_atomic(path, text.encode("utf-8"))


__all__ = [
    "Config",
    "ConfigError",
    "default_data_dir",
    "load_config",
    "read_kiosk_number",
    "replace",
    "save_config",
]

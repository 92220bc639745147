"""What a check is given (`Context`) and what it answers (`Result`).

Checks are pure functions of the context: the data dir, the config, the clock, the disk probe,
the camera probe and the store are passed in, so tests run them on real tmp dirs without
patching, and the technician screen can run the same list with its own camera.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

    from kiosk.config import Config
    from kiosk.store import Store

Status = Literal["ok", "warn", "fail", "skipped"]
StatVfs = Callable[[Path], os.statvfs_result]
Value = str | int | float | bool | None


@dataclass(frozen=True)
class CameraSample:
    """What a camera probe saw: the source's name, whether it is the demo, a few frames."""

    name: str
    is_demo: bool
    frames: list[np.ndarray]


CameraProbe = Callable[["Config | None"], CameraSample]


@dataclass(frozen=True)
class Result:
    """One check's outcome. `message_key` + `params` say what to do (diagnostics.json, in
    Khmer and English); `values` are the measurements, safe to send to the server."""

    id: str
    status: Status
    message_key: str
    params: dict[str, Value] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)

    def text(self, locale: str) -> str:
        from kiosk.i18n import tr

        return tr(self.message_key, locale, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "message_key": self.message_key,
            "params": dict(self.params),
            "values": dict(self.values),
            "text": {"km": self.text("km"), "en": self.text("en")},
        }


def result(
    check_id: str, status: Status, outcome: str, values: Any = None, **params: Value
) -> Result:
    """A result whose text is `diagnostics.<check_id>.<outcome>`."""
    return Result(check_id, status, f"diagnostics.{check_id}.{outcome}", params, dict(values or {}))


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """Everything the checks read. `store` is opened by the database check when not given
    (and closed by `run_checks`); `camera=None` skips the camera check."""

    data_dir: Path
    now: Callable[[], datetime] = utc_now
    config: Config | None = None
    statvfs: StatVfs | None = None
    fonts_dir: Path | None = None
    camera: CameraProbe | None = None
    printer_timeout: float = 2.0
    version: str | None = None
    store: Store | None = None
    store_error: str | None = None
    opened_store: bool = False

    def load_config(self) -> Config:
        """The config (ConfigError if the file is wrong: the database check reports it)."""
        if self.config is None:
            from kiosk.config import load_config

            self.config = load_config(self.data_dir)
        return self.config

    def config_or_none(self) -> Config | None:
        from kiosk.config import ConfigError

        try:
            return self.load_config()
        except ConfigError:
            return None

    @contextmanager
    def session(self) -> Iterator[Context]:
        """Close the store on the way out if a check opened it."""
        try:
            yield self
        finally:
            if self.opened_store and self.store is not None:
                self.store.close()
                self.store = None
                self.opened_store = False

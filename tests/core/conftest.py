"""Shared fixtures for the core tests: a machine secret outside $HOME, a settable clock, a store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.store import Store


class ManualClock:
    """A device clock a test moves by hand (passed in, never patched)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 8, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(autouse=True)
def _secret_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test's machine secret in a temp dir, never in the real user config dir."""
    path = tmp_path_factory.mktemp("secret")
    monkeypatch.setenv("SALA_SECRET_DIR", str(path))
    monkeypatch.delenv("SALA_PASSPHRASE", raising=False)
    return path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, clock: ManualClock) -> Iterator[Store]:
    s = Store.open(data_dir, commune_code="120101", clock=clock)
    yield s
    s.close()

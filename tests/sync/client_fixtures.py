"""Fixtures for the sync client tests: a real Store in a tmp dir, enrolled with a real server
process through our fault proxy on 127.0.0.1. Use with `pytest_plugins` in a test module."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests

from kiosk.model import Attachment, Registration
from kiosk.store import Store
from sync.client.api import Api
from sync.client.enrol import api_for, enrol, load_identity, load_key, session_for
from tests.sync.conftest import COMMUNE, KNOWN_SERVICE, ServerProcess
from tests.sync.faultproxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]


def jpeg_bytes(size: int, seed: int) -> bytes:
    """A real JPEG of roughly `size` bytes: noise compresses badly, like a photo's detail."""
    rng = np.random.default_rng(seed)
    side = max(16, int((size / 1.4) ** 0.5))
    img = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    data = buf.tobytes()
    while len(data) < size:  # top up with another noisy block; still a JPEG head
        data += rng.integers(0, 256, size - len(data), dtype=np.uint8).tobytes()
    return data[: max(size, 1000)]


@dataclass
class KioskSide:
    """One enrolled kiosk: its data dir, Store and an Api that talks through the proxy."""

    data_dir: Path
    secret_dir: Path
    server: ServerProcess
    proxy: FaultProxy
    store: Store
    sessions: list[requests.Session] = field(default_factory=list)

    def api(self, clock: Callable[[], datetime] | None = None) -> Api:
        """A fresh client, as a new process would make it; `clock` is the kiosk's wall clock."""
        session = requests.Session()
        self.sessions.append(session)
        if clock is None:
            return api_for(self.data_dir, session)
        identity = load_identity(self.data_dir)
        assert identity is not None
        return Api(
            session_for(identity, session),
            identity.server_url,
            device_id=identity.device_id,
            key=load_key(self.data_dir),
            server_public_key=identity.server_public_key,
            clock=clock,
        )

    def submit(self, pages: int = 1, size: int = 20_000, seed: int = 0) -> Registration:
        reg = self.store.create_draft(*KNOWN_SERVICE, "km")
        photo = self.store.add_media(jpeg_bytes(size, seed), "image/jpeg")
        atts = [Attachment("photo", "photo", photo)]
        for page in range(pages):
            media = self.store.add_media(jpeg_bytes(size, seed * 100 + page + 1), "image/jpeg")
            atts.append(Attachment("birth_paper", "document", media, page=page))
        self.store.submit(reg.id, {"name_km": "សុខ ដារ៉ា", "phone": "+85512345678"}, atts, fee_khr=0)
        return self.store.get(reg.id)

    def env(self) -> dict[str, str]:
        return {**os.environ, "SALA_SECRET_DIR": str(self.secret_dir), "PYTHONUNBUFFERED": "1"}

    def sync_cmd(self) -> list[str]:
        return [sys.executable, "-m", "ui.cli", "--data-dir", str(self.data_dir), "sync", "--once"]

    def run_sync(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.sync_cmd(),
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=self.env(),
            timeout=timeout,
        )

    def close(self) -> None:
        for s in self.sessions:
            s.close()
        self.store.close()
        self.proxy.close()


def make_kiosk_side(tmp: Path, server: ServerProcess, monkeypatch: Any) -> KioskSide:
    secret = tmp / "secret"
    monkeypatch.setenv("SALA_SECRET_DIR", str(secret))
    data_dir = tmp / "kiosk"
    proxy = FaultProxy(("127.0.0.1", server.port))
    enrol(data_dir, proxy.url, server.enrolment_code(COMMUNE), label="client test kiosk")
    store = Store.open(data_dir, commune_code=COMMUNE, secret_dir=secret)
    return KioskSide(data_dir, secret, server, proxy, store)


@pytest.fixture
def kiosk_side(tmp_path: Path, server: ServerProcess, monkeypatch: Any) -> Iterator[KioskSide]:
    side = make_kiosk_side(tmp_path, server, monkeypatch)
    yield side
    side.close()

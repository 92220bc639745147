"""Shared parts of the sync benchmarks: a server process, a kiosk Store, a raw HTTP sink."""

from __future__ import annotations

import os
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiosk.model import Attachment  # noqa: E402
from kiosk.store import Store  # noqa: E402
from tests.bench.linkemu import Link  # noqa: E402
from tests.sync.catalog_docs import valid_catalog  # noqa: E402
from tests.sync.conftest import ServerProcess  # noqa: E402

COMMUNE = "120101"
SERVICE = ("test_birth_certificate", "1")
CATALOG = valid_catalog("bench-catalog-1", [SERVICE])


def free_port(link: Link) -> int:
    with link.server_side(), socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jpeg_like(size: int, seed: int) -> bytes:
    """Real JPEG bytes of `size` (noise: incompressible like a photo's fine detail)."""
    rng = np.random.default_rng(seed)
    side = max(16, int((size / 1.4) ** 0.5))
    ok, buf = cv2.imencode(
        ".jpg",
        rng.integers(0, 256, (side, side, 3), dtype=np.uint8),
        [cv2.IMWRITE_JPEG_QUALITY, 90],
    )
    assert ok
    data = buf.tobytes()
    if len(data) < size:
        data += rng.integers(0, 256, size - len(data), dtype=np.uint8).tobytes()
    return data[:size]


class Server(ServerProcess):
    """`python -m sync.server` (SQLite) on 127.0.0.1 in the link's server namespace: the test
    suite's server process, started through `link.server_prefix()`."""

    def __init__(self, link: Link, data_dir: Path, *extra: str) -> None:
        super().__init__(
            data_dir,
            args=extra,
            port=free_port(link),
            prefix=link.server_prefix(),
            probe=link.server_side,
            catalog=CATALOG,
        )
        self.link = link

    def code(self) -> str:
        return self.enrolment_code(COMMUNE)


@dataclass
class Kiosk:
    data_dir: Path
    secret_dir: Path
    store: Store


def open_kiosk(base: Path, server_url: str, code: str) -> Kiosk:
    """Enrol a fresh kiosk data dir (call inside the kiosk namespace) and open its Store."""
    from sync.client.enrol import enrol

    data_dir, secret = base / "kiosk", base / "secret"
    enrol(data_dir, server_url, code, allow_insecure_http=True, label="bench kiosk")
    return Kiosk(data_dir, secret, Store.open(data_dir, commune_code=COMMUNE, secret_dir=secret))


def submit(store: Store, files: list[tuple[str, str, int, bytes]]) -> str:
    """One submitted registration; `files` are (field, kind, page, bytes)."""
    reg = store.create_draft(*SERVICE, "km")
    atts = [
        Attachment(f, kind, store.add_media(data, "image/jpeg"), page=page)  # type: ignore[arg-type]
        for f, kind, page, data in files
    ]
    store.submit(reg.id, {"name_km": "សុខ ដារ៉ា", "phone": "+85512345678"}, atts, fee_khr=0)
    return reg.id


class Sink:
    """A trivial HTTP/1.1 sink: reads each request's declared body, answers 200, keeps alive.

    The practical ceiling and the naive client's endpoint live here, not in the product server.
    """

    def __init__(self, link: Link) -> None:
        with link.server_side():
            self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.bodies = 0
        self.completed = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            try:
                while True:
                    while b"\r\n\r\n" not in buf:
                        more = conn.recv(65536)
                        if not more:
                            return
                        buf += more
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip())
                    got = len(buf)
                    while got < length:
                        more = conn.recv(min(262144, length - got))
                        if not more:
                            return
                        got += len(more)
                    buf = buf[length:] if len(buf) > length else b""
                    self.bodies += length
                    self.completed += 1
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


def env_with(**kw: str) -> dict[str, Any]:
    return {**os.environ, **kw}

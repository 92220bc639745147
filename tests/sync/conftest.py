"""Fixtures that run the REAL ministry server (`python -m sync.server`) on 127.0.0.1.

- `server`: a SQLite-backed server process for the test module (tmp data dir, free port).
- `make_server(*args, db_url=None)`: a private server for one test (extra CLI args, e.g.
  `"--feed-retention", "0.5"`); `.kill()` (SIGKILL), `.restart()`, `.stop()`.
- `pg_cluster` (session) / `pg_server` (module): the same server on a throwaway PostgreSQL.
- `backend_server`: parametrised over sqlite and postgres (the postgres case is marked).
Each server has `.url`, `.data_dir`, `.db_url`, `.cli(*args)` (runs `python -m sync.server`
against the same db), `.engine()` (that db, opened here), `.enrolment_code(commune)` and
`.officer_token()`, `.set_status(reg, status, note)`, `.add_staff()`, `.events(reg)` (made here
by the functions the CLI calls, for set-up a test does not test), `.server_public_key`.
`Kiosk(server).enrol()` is a signing test client (`.request`, `.upload`, `.commit`).

This file and the `test_server_*.py` modules import only the protocol, the test tools and the
server (a process, plus its db functions for set-up): they run in the server-only job
(`.venv-server`, `server,test` extras), where they carry the `server` marker. With
`SERVER_ONLY_JOB=1` the session fails if anything imported kiosk, ui or sync-client code. The
sync client's fixtures are in `client_fixtures.py`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol as p
from tests.sync.catalog_docs import valid_catalog
from tests.sync.pg import PgCluster, find_bindir, free_port

ROOT = Path(__file__).resolve().parents[2]
COMMUNE = "120101"
KNOWN_SERVICE = ("test_birth_certificate", "1")
# Every test server's `--catalog`: the smallest catalog a kiosk installs (the server refuses to
# start with one it would refuse), holding KNOWN_SERVICE.
TEST_CATALOG = valid_catalog("test-catalog-1", [KNOWN_SERVICE])


class ServerProcess:
    """One `python -m sync.server` process; start/kill/restart keep the same port and data."""

    def __init__(
        self,
        data_dir: Path,
        db_url: str | None = None,
        args: tuple[str, ...] = (),
        *,
        ca: Path | None = None,
        port: int | None = None,
        prefix: Sequence[str] = (),
        probe: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext,
        catalog: dict[str, Any] | None = None,
    ):
        """`prefix` runs the server inside something (the benchmarks' network namespace), and
        `probe` is entered around the start-up ping so it reaches the server there."""
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{data_dir / 'server.db'}"
        self.port = port or free_port()
        self.url = f"{'https' if ca else 'http'}://127.0.0.1:{self.port}"
        self.verify: Any = ssl.create_default_context(cafile=str(ca)) if ca else True
        self.prefix, self.probe = tuple(prefix), probe
        catalog_path = data_dir / "test-catalog.json"
        catalog_path.write_text(json.dumps(catalog or TEST_CATALOG))
        self.args = ("--catalog", str(catalog_path), *args)
        self.proc: subprocess.Popen[bytes] | None = None

    def _base(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "sync.server",
            "--data-dir",
            str(self.data_dir),
            "--db",
            self.db_url,
        ]

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Waits for /v1/ping: a start is ~2 s of CPU, much longer on a loaded 2-core box."""
        log = (self.data_dir / "server.log").open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                *self.prefix,
                *self._base(),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *self.args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_tail()}")
            try:
                with self.probe():
                    ping = httpx.get(f"{self.url}/v1/ping", timeout=1, verify=self.verify)
                if ping.status_code == 204:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not answer /v1/ping: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, like a power cut for the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> ServerProcess:
        self.kill()
        return self.start()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._base(), *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=check,
            timeout=60,
        )

    @contextlib.contextmanager
    def engine(self) -> Iterator[Any]:
        """The server's database opened here, as its CLI opens it, for set-up a test does not
        test: each CLI call is a whole interpreter and the server's imports (~2 s of CPU)."""
        from sync.server import db

        engine = db.make_engine(self.db_url)
        try:
            yield engine
        finally:
            engine.dispose()

    def enrolment_code(self, commune: str = COMMUNE) -> str:
        """A fresh one-time code (72 h, as `enrolment-code` makes it: the same function, here;
        test_server_cli tests the command). A server never started has no db yet: the CLI."""
        if self.proc is None:
            return self.cli("enrolment-code", "--commune", commune).stdout.strip()
        from sync.server.auth import make_enrolment_code

        with self.engine() as engine:
            return make_enrolment_code(engine, commune, 72 * 3600.0)

    def officer_token(
        self, name: str = "test officer", role: str = "admin", jurisdiction: str = "all"
    ) -> str:
        """A 90-day token, as `officer-token` makes it (tested in test_server_officers)."""
        if self.proc is None:
            args = ("--name", name, "--role", role, "--jurisdiction", jurisdiction)
            return self.cli("officer-token", *args).stdout.strip()
        from sync.server.officers import make_token

        with self.engine() as engine:
            return make_token(engine, name, role, jurisdiction, 90.0)[1]

    def set_status(self, reg_id: str, status: str, note: str = "", actor: str = "cli") -> int:
        """`set-status REG STATUS --note --actor` by the function it calls, here: the feed entry,
        status history and audit row in one commit, as the command makes them. Returns the feed
        seq. test_server_cli tests the command; test_client_push drives it end to end."""
        from sync.server.decisions import change_status

        with self.engine() as engine:
            return change_status(engine, reg_id, status, note, f"cli:{actor}")

    def add_staff(
        self, commune: str = COMMUNE, name_km: str = "សុខ វិចិត្រ", name_en: str = "Sok Vichet",
        role: str = "clerk",
    ) -> tuple[str, str]:  # fmt: skip
        """(staff id, first-sign-in code), as `staff add` makes them (the roster entry, its feed
        entry and audit row). test_client_usb_roundtrip drives the command end to end."""
        if self.proc is None:
            args = ("--commune", commune, "--name-km", name_km, "--name-en", name_en)
            staff_id, code = self.cli("staff", "add", *args, "--role", role).stdout.split()
            return staff_id, code
        from sync.server import staff

        with self.engine() as engine:
            made = staff.add(engine, commune, name_km, name_en, role)
        return made.staff_id, made.code

    def events(self, reg_id: str) -> str:
        """What `events REG` prints, by the command's own code run here (its stdout captured):
        test_server_clerk_events tests it; test_client_clerk_push runs it as a process."""
        from sync.server import cli

        argv = ["--data-dir", str(self.data_dir), "--db", self.db_url, "events", reg_id]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main(argv)
        assert code == 0, f"events {reg_id}: exit {code}"
        return out.getvalue()

    @property
    def server_public_key(self) -> str:
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(
            (self.data_dir / "server_key.pem").read_bytes(), None
        )
        assert isinstance(key, Ed25519PrivateKey)
        return p.public_key_b64(key)


class Kiosk:
    """A signing test client, as a real kiosk would talk (used by the server tests)."""

    def __init__(self, server: ServerProcess, label: str = "test kiosk") -> None:
        self.server = server
        self.key = Ed25519PrivateKey.generate()
        self.label = label
        self.device_id = ""
        self.commune = ""
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.clock_offset = 0.0

    def enrol(self, code: str | None = None, commune: str = COMMUNE) -> Kiosk:
        code = code or self.server.enrolment_code(commune)
        r = self.http.post(
            "/v1/devices",
            json={"code": code, "label": self.label, "public_key": p.public_key_b64(self.key)},
        )
        assert r.status_code == 201, r.text
        self.device_id = r.json()["device_id"]
        self.commune = r.json()["commune_code"]
        self.server_public_key = r.json()["server_public_key"]
        return self

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        now: Any = None,
        nonce: str | None = None,
    ) -> httpx.Response:
        if json_body is not None:
            body = p.canonical_json(json_body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        signed = p.sign_request(
            self.key, self.device_id, method, path, body, headers=headers, now=now, nonce=nonce
        )
        return self.http.request(method, path, content=body, headers={**signed, **(headers or {})})

    def create_upload(
        self, data: bytes, *, sha: str | None = None, first: bytes = b"", length: int | None = None
    ) -> httpx.Response:
        meta = p.encode_tus_metadata(
            {"sha256": sha or hashlib.sha256(data).hexdigest(), "registration": "r"}
        )
        headers = {
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data) if length is None else length),
            "Upload-Metadata": meta,
        }
        if first:
            headers |= {
                "Content-Type": p.TUS_CONTENT_TYPE,
                "Upload-Checksum": p.tus_checksum_header(first),
            }
        return self.request("POST", "/v1/uploads", first, headers=headers)

    def patch(
        self, location: str, offset: int, chunk: bytes, checksum: str | None = None
    ) -> httpx.Response:
        return self.request(
            "PATCH",
            location,
            chunk,
            headers={
                "Tus-Resumable": "1.0.0",
                "Content-Type": p.TUS_CONTENT_TYPE,
                "Upload-Offset": str(offset),
                "Upload-Checksum": checksum or p.tus_checksum_header(chunk),
            },
        )

    def upload(self, data: bytes, chunk: int = 64 * 1024) -> str:
        """Whole upload; returns its Location."""
        r = self.create_upload(data)
        assert r.status_code == 201, r.text
        location, offset = r.headers["Location"], int(r.headers["Upload-Offset"])
        while offset < len(data):
            r = self.patch(location, offset, data[offset : offset + chunk])
            assert r.status_code == 204, r.text
            offset = int(r.headers["Upload-Offset"])
        return location

    def commit(self, reg_id: str, doc: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.request("PUT", f"/v1/registrations/{reg_id}", json_body=doc, **kw)

    def close(self) -> None:
        self.http.close()


def registration_doc(
    kiosk: Kiosk,
    attachments: list[tuple[bytes, str]] = (),  # type: ignore[assignment]
    service: tuple[str, str] = KNOWN_SERVICE,
    **extra: Any,
) -> dict[str, Any]:
    """A commit body; `attachments` are (bytes, upload location) pairs."""
    atts = [
        {
            "field_id": "photo",
            "kind": "photo",
            "page": i,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "mime": "image/jpeg",
            "upload": loc,
        }
        for i, (data, loc) in enumerate(attachments)
    ]
    doc = {
        "service_id": service[0],
        "form_version": service[1],
        # unique across kiosks: the server refuses a number another device sent
        "app_number": f"{kiosk.commune}-{uuid.uuid4().int % 10**12:012d}-3",
        "commune_code": kiosk.commune,
        "locale": "km",
        "submitted_at": "2026-11-21T06:00:00Z",
        "answers": {"name_km": "សុខ ដារ៉ា", "phone": "+85512345678"},
        "attachments": atts,
    }
    doc.update(extra)
    return doc


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- the server-only job ------------------------------------------------------------------------

_KIOSK_SIDE = ("kiosk", "ui", "sync.client")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the server's own tests, so the core job can leave them to the server-only job."""
    for item in items:
        if item.path.name.startswith("test_server_"):
            item.add_marker(pytest.mark.server)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In the server-only job, prove that no test leaned on kiosk-side code."""
    if os.environ.get("SERVER_ONLY_JOB") != "1":
        return
    leaked = sorted(
        m for m in sys.modules if any(m == k or m.startswith(k + ".") for k in _KIOSK_SIDE)
    )
    if leaked:
        print(f"\nserver-only job imported kiosk-side modules: {leaked}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("server")).start()
    yield proc
    proc.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Any]:
    started: list[ServerProcess] = []

    def make(*args: str, db_url: str | None = None) -> ServerProcess:
        proc = ServerProcess(tmp_path / f"server{len(started)}", db_url, args).start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if find_bindir() is None:
        pytest.skip(
            "PostgreSQL is not installed here (apt-get install -y postgresql); "
            "the postgres tests need initdb/pg_ctl"
        )
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def pg_server(
    pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    proc = ServerProcess(tmp_path_factory.mktemp("pgserver"), url).start()
    yield proc
    proc.stop()


def backend_url(request: pytest.FixtureRequest) -> str | None:
    """For a fixture parametrized "sqlite"/"postgres": None (the server's own SQLite file) or a
    fresh database on the session's PostgreSQL cluster."""
    if request.param != "postgres":
        return None
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend_server(request: pytest.FixtureRequest) -> ServerProcess:
    name = "server" if request.param == "sqlite" else "pg_server"
    proc: ServerProcess = request.getfixturevalue(name)
    return proc


@pytest.fixture
def kiosk(server: ServerProcess) -> Iterator[Kiosk]:
    k = Kiosk(server).enrol()
    yield k
    k.close()

"""Fixtures for the back-office tests: a real `sala-server` process with the bundled catalog,
accounts made as its CLI makes them, applications committed over the signed protocol by a test kiosk
(`tests.sync.conftest.Kiosk`: only sync.protocol, so these run in the server-only job), and
Debian's Chromium driven by Playwright (never `playwright install`).

Screenshots go to $SALA_SHOTS/console if set, else a temp dir printed at the end.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.sync.conftest import ROOT, Kiosk, ServerProcess

# one PostgreSQL cluster for the whole job (imported per module, each module started its own)
from tests.sync.conftest import pg_cluster as pg_cluster
from tests.sync.conftest import pytest_sessionfinish as pytest_sessionfinish  # no kiosk code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CATALOG = ROOT / "assets" / "catalog" / "services.json"
PASSWORD = "correct horse battery"
SESSION_COOKIE = "sala_console"  # the server's session cookie (console/web.py)
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
SHOT_NAMES: list[str] = []  # every page name test_console_browser.shoot took this session
_PARTLY_RUN: set[Path] = set()  # modules some of whose tests were deselected (-k, -m)
_used_steps: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A code the server has not seen yet: it refuses a replayed 30 s step, and tests sign the
    same account in more than once a minute. Uses the next step (the server allows ±1)."""
    step = max(int(time.time() // 30), _used_steps.get(secret, 0) + 1)
    while step > int(time.time() // 30) + 1:
        time.sleep(1)
    _used_steps[secret] = step
    return pyotp.TOTP(secret).at(step * 30)


class Console:
    """The server under test plus what the tests need to drive it."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.url = server.url
        self.secrets: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.sessions: dict[str, str] = {}  # username -> session cookie (signed_in)

    def add_account(
        self,
        username: str,
        role: str = "officer",
        ministry: str = "interior",
        jurisdiction: str = "12",
        display_name: str = "",
        *,
        cli: bool = False,
    ) -> str:
        """An account as `sala-server officer add` makes it (the first admin is made so): by the
        function it calls, here, as a CLI call costs ~2 s of CPU; `cli=True` runs the command
        (test_console_http makes one so). Returns the account id."""
        display_name = display_name or f"{username.title()} Officer"
        if not cli:
            from sync.server.console import accounts

            with self.server.engine() as engine:
                made, secret = accounts.create(
                    engine,
                    username=username,
                    display_name=display_name,
                    password=PASSWORD,
                    role=role,
                    ministry=ministry,
                    jurisdiction=jurisdiction,
                    created_by="cli",  # what the command records
                )
            assert secret is not None
            self.ids[username], self.secrets[username] = made.id, secret
            return made.id
        out = subprocess.run(
            [
                *self.server._base(),
                "officer",
                "add",
                "--username",
                username,
                "--display-name",
                display_name,
                "--role",
                role,
                "--ministry",
                ministry,
                "--jurisdiction",
                jurisdiction,
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            timeout=60,
        ).stdout.splitlines()
        account_id = out[0].split("\t")[0]
        self.ids[username] = account_id
        self.secrets[username] = pyotp.parse_uri(out[1]).secret
        return account_id

    def code(self, username: str) -> str:
        return totp_code(self.secrets[username])

    def signed_in(self, username: str) -> httpx.Client:
        """A new client on the session `username` signed in with earlier in this module, while
        the server's own check (`session_for`) still finds it live, else a fresh sign-in. The
        server takes each 30 s TOTP step once per account, so a second sign-in waits for the
        next step: most of the console jobs' time went to that wait. The sign-in itself is
        test_console_http's and test_console_browser's."""
        token = self.sessions.get(username)
        if token is not None:
            from sync.server.console import accounts

            with self.server.engine() as engine:
                live = accounts.session_for(engine, token)
            if live is not None and live.account.username == username:
                client = httpx.Client(base_url=self.url, timeout=30)
                client.cookies.set(SESSION_COOKIE, token, path="/console")
                return client
        client = sign_in_http(self, username)
        self.sessions[username] = client.cookies[SESSION_COOKIE]
        return client

    def open_signed_in(self, page: Any, username: str, lang: str = "km") -> None:
        """A browser page on `username`'s session (`signed_in`), on the queue in `lang`: the
        form sign-in is test_console_browser's and test_console_axe's."""
        token = self.signed_in(username).cookies[SESSION_COOKIE]
        cookies = {SESSION_COOKIE: token, "sala_lang": lang}
        where = {"domain": httpx.URL(self.url).host, "path": "/console", "sameSite": "Strict"}
        page.context.add_cookies([{"name": k, "value": v, **where} for k, v in cookies.items()])
        page.goto(f"{self.url}/console/")
        page.wait_for_url("**/console/queue")
        assert page.get_attribute("html", "lang") == lang

    def submit(
        self,
        kiosk: Kiosk,
        name_latin: str = "SOK DARA",
        pages: list[tuple[bytes, str]] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Commit a birth-certificate application with a face photo and `pages` ((file, mime),
        pages 0, 1, … of `birth_paper`; by default one PNG)."""
        photo = png(160, 200, (200, 150, 120))
        pages = pages or [(png(300, 400, (240, 240, 230)), "image/png")]
        atts = []
        for field_id, kind, n, (data, mime) in [
            ("photo", "photo", 0, (photo, "image/png")),
            *(("birth_paper", "document", n, page) for n, page in enumerate(pages)),
        ]:
            loc = kiosk.upload(data)
            atts.append(
                {
                    "field_id": field_id,
                    "kind": kind,
                    "page": n,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "mime": mime,
                    "upload": loc,
                }
            )
        doc = {
            "service_id": "birth_certificate_copy",
            "form_version": "1",
            "app_number": f"{kiosk.commune}-{uuid.uuid4().int % 10**12:012d}-3",
            "commune_code": kiosk.commune,
            "locale": "km",
            "submitted_at": "2026-11-21T06:00:00Z",
            "answers": {
                "for_whom": "child",
                "name_km": "សុខ ដារ៉ា",
                "name_latin": name_latin,
                "sex": "female",
            },
            "attachments": atts,
        }
        reg_id = str(uuid.uuid4())
        r = kiosk.commit(reg_id, doc)
        assert r.status_code == 201, r.text
        return reg_id, doc


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour with a darker band (so a screenshot shows it), no imaging lib."""
    rows = b""
    for y in range(height):
        colour = bytes(rgb) if not height // 3 < y < height // 2 else bytes(c // 2 for c in rgb)
        rows += b"\x00" + colour * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    head = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sign_in_http(console: Console, username: str, code: str | None = None) -> httpx.Client:
    """A signed-in httpx client (the sign-in form's double-submit token, then the post)."""
    client = httpx.Client(base_url=console.url, timeout=30)
    page = client.get("/console/signin")
    csrf = form_csrf(page.text)
    r = client.post(
        "/console/signin",
        data={
            "csrf": csrf,
            "username": username,
            "password": PASSWORD,
            "totp": code or console.code(username),
        },
    )
    assert r.status_code == 303, r.text[-500:]
    return client


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[-800:]
    return found.group(1)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    server = ServerProcess(tmp_path_factory.mktemp("console"), args=("--catalog", str(CATALOG)))
    server.start()
    yield Console(server)
    server.stop()


@pytest.fixture(scope="module")
def shots(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The folder for the module's screenshots; after the module, every page it shot must have
    been shot in km and en (unless a test failed), and with SALA_SHOTS each PNG is listed."""
    env = os.environ.get("SALA_SHOTS")
    path = Path(env) / "console" if env else tmp_path_factory.mktemp("console-shots")
    path.mkdir(parents=True, exist_ok=True)
    first, failed = len(SHOT_NAMES), request.session.testsfailed
    yield path
    taken = SHOT_NAMES[first:]
    if request.session.testsfailed != failed or request.path in _PARTLY_RUN:
        return  # a failed or deselected test's missing shots say nothing more
    missing = one_language_only(taken)
    if missing:
        pytest.fail(f"pages shot in one language only, missing: {', '.join(missing)}")
    unlisted = sorted(set(taken) - {f.stem for f in path.glob("*.png")}) if env else []
    if unlisted:
        pytest.fail(f"screenshots not in {path}: {', '.join(unlisted)}")


def pytest_deselected(items: list[pytest.Item]) -> None:
    _PARTLY_RUN.update(item.path for item in items)


def one_language_only(names: Iterable[str]) -> list[str]:
    """The shots missing for pages shot in one language only: a name's language is its `km`
    or `en` part between hyphens (`fleet-revoked-en`, `dashboards-km-1366x768`); a name with
    none is listed as it is."""
    langs = ("km", "en")
    seen: dict[tuple[str, ...], set[str]] = {}
    for name in names:
        parts = tuple(name.split("-"))
        seen.setdefault(tuple("{}" if p in langs else p for p in parts), set()).update(
            p for p in parts if p in langs
        )
    missing: list[str] = []
    for parts, got in seen.items():
        page = "-".join(parts)
        missing += [page.format(lang) for lang in langs if lang not in got] if got else [page]
    return sorted(missing)


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    """One Chromium (and Playwright driver) for the session: each start is seconds of CPU."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser(_chromium: Any) -> Iterator[Any]:
    """The session's Chromium; the contexts (cookies, pages) a module opened end with it."""
    yield _chromium
    for context in list(_chromium.contexts):
        context.close()

"""One signed HTTP conversation with the ministry server, over a `requests.Session` passed in.

Every request carries the device's Ed25519 signature (sync/PROTOCOL.md "Device identity"). The
server's clock is learned from the `Sala-Server-Time` of any 401 (a HEAD's has no body to say
`clock_skew`), so a kiosk whose clock is days off still syncs while its own timestamps stay
data. Network failures become `Offline`, 5xx/429 become `ServerBusy` with the server's
`Retry-After`: the caller decides when to try again (backoff.py), this module never sleeps.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests.adapters import HTTPAdapter

from kiosk.model import utc_now
from sync import protocol
from sync.client.backoff import parse_retry_after
from sync.client.link import LinkEstimator

USER_AGENT = "sala-kiosk/1"
# A connection whose sent bytes go unacknowledged this long is dead or in a blackout: the kernel
# drops it (TCP_USER_TIMEOUT, Linux). After a few seconds of outage TCP's own retransmissions
# are many seconds apart, so a connection that lived through it would sit idle long after the
# link is back; a fresh one starts at once (tests/bench/sync_bench.py, profile `flapping`).
# Long enough for a segment lost twice in a row on an 800 ms, 2 % loss link. Server think time
# does not count: our bytes are acknowledged while it works.
STALL_SECONDS = 5.0


class _StallLimitAdapter(HTTPAdapter):
    """Connections to the ministry server carry TCP_USER_TIMEOUT where the OS has it."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        from urllib3.connection import HTTPConnection

        option = getattr(socket, "TCP_USER_TIMEOUT", None)
        if option is not None:
            kwargs["socket_options"] = [
                *HTTPConnection.default_socket_options,
                (socket.IPPROTO_TCP, option, int(STALL_SECONDS * 1000)),
            ]
        super().init_poolmanager(*args, **kwargs)


class SyncError(Exception):
    """A sync failure with a plain i18n key for the UI and an English detail for the log."""

    key = "sync.error.unknown"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if key:
            self.key = key


class Offline(SyncError):
    """The server could not be reached or the connection broke: try again later."""

    key = "sync.error.offline"


class AnswerLost(Offline):
    """The request went out whole but no answer came in time: the server may have acted on
    it (for an upload chunk: kept it), so ask before sending it again."""


class ServerBusy(SyncError):
    """5xx or 429: the server asks us to come back, maybe after `retry_after` seconds."""

    key = "sync.error.server_busy"

    def __init__(self, message: str, *, status: int, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Refused(SyncError):
    """A 4xx that retrying will not fix (revoked device, bad signature…)."""

    key = "sync.error.refused"

    def __init__(self, message: str, *, status: int, code: str | None, key: str | None = None):
        super().__init__(message, key=key)
        self.status = status
        self.code = code


def error_code(resp: requests.Response) -> tuple[str | None, str]:
    """(`error`, `message`) of a Sala error body, tolerant of anything else."""
    try:
        body = resp.json()
    except ValueError:
        return None, resp.text[:200]
    if isinstance(body, dict):
        return body.get("error"), str(body.get("message") or "")
    return None, ""


class Api:
    """Signs and sends requests for one enrolled device; thread-safe enough for a few uploads."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        device_id: str,
        key: Ed25519PrivateKey,
        server_public_key: str,
        clock: Callable[[], datetime] = utc_now,
        timeout: tuple[float, float] = (10.0, 60.0),
        link: LinkEstimator | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self._prefix = urlsplit(self.base_url).path.rstrip("/")
        self.device_id = device_id
        self.key = key
        self.server_public_key = server_public_key
        self.clock = clock
        self.timeout = timeout
        self.link = link or LinkEstimator()
        self.clock_offset = timedelta(0)
        self.stats: dict[str, int] = {}
        self._stats_lock = threading.Lock()
        session.headers.setdefault("User-Agent", USER_AGENT)
        session.mount(self.base_url + "/", _StallLimitAdapter())

    def stats_add(self, name: str, n: int) -> None:
        """Counters a bench reads (body bytes sent, requests…)."""
        with self._stats_lock:
            self.stats[name] = self.stats.get(name, 0) + n

    # -- plumbing -----------------------------------------------------------------------------
    def target(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """The request target as it goes on the wire (and into the signature)."""
        if path.startswith(("http://", "https://")):
            path = urlsplit(path).path
        if self._prefix and not path.startswith(self._prefix + "/"):
            path = self._prefix + path
        return path + (f"?{urlencode(query)}" if query else "")

    def now(self) -> datetime:
        """The kiosk clock corrected by what the server told us."""
        return self.clock() + self.clock_offset

    def learn_clock(self, resp: requests.Response) -> bool:
        """Take the server's time from a response; True if the offset changed."""
        value = resp.headers.get(protocol.HDR_SERVER_TIME)
        if not value:
            return False
        try:
            server = protocol.parse_date(value)
        except ValueError:
            return False
        self.clock_offset = server - self.clock()
        return True

    def _clock_refusal(self, resp: requests.Response) -> bool:
        """On a 401, learn the server's time (every 401 carries it); True when the refusal may
        be our clock's fault, so the request is worth signing again once.

        A HEAD's refusal has no body to say `clock_skew`, and a resumed upload's first signed
        request is a HEAD: without this, a kiosk clock days off never syncs again."""
        if not self.learn_clock(resp):
            return False
        code, _ = error_code(resp)
        return code == protocol.ERR_CLOCK_SKEW or code is None

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: bytes = b"",
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        signed: bool = True,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        """Send one request; retries once after learning the server clock from a 401.

        Raises `Offline` on network failure and `ServerBusy` on 5xx/429; any other status is
        returned for the caller to read.
        """
        if json_body is not None:
            body = protocol.canonical_json(json_body)
        target = self.target(path, query)
        url = self.base_url[: len(self.base_url) - len(self._prefix)] + target
        if timeout is None:  # the fixed default, shortened once the link is measured
            # (the connect timeout also bounds sending the whole body: see tus._timed_send)
            connect, read = self.timeout
            wait = self.link.timeout_for(len(body))
            timeout = (max(connect, min(read, wait)) if body else connect, min(read, wait))
        for attempt in range(2):
            hdrs = dict(headers or {})
            if json_body is not None:
                hdrs.setdefault("Content-Type", "application/json")
            if signed:
                hdrs.update(
                    protocol.sign_request(
                        self.key, self.device_id, method, target, body, headers=hdrs, now=self.now()
                    )
                )
            started = time.monotonic()
            self.stats_add("requests", 1)
            try:
                resp = self.session.request(
                    method,
                    url,
                    data=body or None,
                    headers=hdrs,
                    timeout=timeout,
                    # Explicitly: otherwise $REQUESTS_CA_BUNDLE silently replaces the pinned CA.
                    verify=self.session.verify,
                )
            except requests.RequestException as exc:
                self.stats_add("timeouts" if isinstance(exc, requests.Timeout) else "failures", 1)
                lost = AnswerLost if isinstance(exc, requests.ReadTimeout) else Offline
                raise lost(f"{method} {target}: {type(exc).__name__}: {exc}") from exc
            elapsed = time.monotonic() - started
            if len(body) < 2048:
                self.link.add_rtt(elapsed)
            if resp.status_code == 401 and attempt == 0 and self._clock_refusal(resp):
                continue
            break
        if resp.status_code >= 500 or resp.status_code == 429:
            code, message = error_code(resp)
            raise ServerBusy(
                f"{method} {target}: {resp.status_code} {code or ''} {message}".strip(),
                status=resp.status_code,
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
            )
        if resp.status_code == 401:
            code, message = error_code(resp)
            raise Refused(
                f"{method} {target}: 401 {code}: {message}",
                status=401,
                code=code,
                key="sync.error.not_enrolled" if code == protocol.ERR_UNAUTHORIZED else None,
            )
        return resp

    def probe(self, *, learn_clock: bool = True) -> bool:
        """The cheap connectivity probe: `GET /v1/ping` (unsigned, a few bytes, never shed by
        the server); measures RTT, learns the clock. Raises `Offline` when the link is down and
        `ServerBusy` when something in front of the server says 5xx/429, so the caller can tell
        them apart (backoff.py)."""
        resp = self.request("GET", "/v1/ping", signed=False, timeout=(5.0, 10.0))
        if resp.status_code // 100 == 2:
            if learn_clock:
                self.learn_clock(resp)
            return True
        return False

    def ping(self, *, learn_clock: bool = True) -> bool:
        """`probe`, with every failure a plain False."""
        try:
            return self.probe(learn_clock=learn_clock)
        except (Offline, ServerBusy):
            return False

    def verify_receipt(self, receipt: Mapping[str, Any], signature: str) -> bool:
        """The server's receipt signature, checked against the key pinned at enrolment."""
        return protocol.verify_receipt(self.server_public_key, receipt, signature)

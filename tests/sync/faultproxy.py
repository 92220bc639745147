"""A TCP proxy of our own between the sync client and a real server, with faults on demand.

It shapes the link (token-bucket rate and one-way delay each direction, shared by all
connections like a real line) and fires one-shot faults the test arms: reset the connection
after N more upstream bytes (mid-chunk), swallow the response to a request the server has
already committed, flip one bit in a request body, or answer the next requests itself with
e.g. 503 + Retry-After. Everything runs on 127.0.0.1 (or inside a bench's own network
namespace); counters let a test check bytes re-sent and a bench measure bytes on the wire.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

_PIECE = 4096
_RESET = object()  # queue sentinel: reset both ends here
_CLOSE = object()  # queue sentinel: orderly shutdown of the write side


@contextlib.contextmanager
def in_netns(name: str | None) -> Iterator[None]:
    """Run the block with this thread in network namespace `name` (sockets made stay there)."""
    if not name:
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newnet = 0x40000000
    with (
        open(f"/proc/self/task/{threading.get_native_id()}/ns/net") as own,
        open(f"/run/netns/{name}") as target,
    ):
        if libc.setns(target.fileno(), clone_newnet) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {name} failed")
        try:
            yield
        finally:
            libc.setns(own.fileno(), clone_newnet)


class TokenBucket:
    """Bytes per second with a small burst; shared by every connection in one direction."""

    def __init__(self, rate: float | None, burst: int = 8192) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self, n: int) -> None:
        while self.rate:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= n or self._tokens >= self.burst:
                    self._tokens -= n
                    return
                wait = (min(n, self.burst) - self._tokens) / self.rate
            time.sleep(wait)


@dataclass
class ProxyStats:
    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    fired: collections.Counter[str] = field(default_factory=collections.Counter)
    # For each cut: (body bytes of the interrupted request that had reached the server, that
    # request's Content-Length). The first will be sent again unless the server kept them.
    lost_on_cut: list[tuple[int, int]] = field(default_factory=list)
    # Body bytes of tus requests (PATCH/POST /v1/uploads…) that reached the upstream, cut
    # ones included: minus the media size, that is exactly what was sent twice.
    upload_body_bytes: int = 0


def _reset(sock: socket.socket) -> None:
    """Abort with a TCP RST; SHUT_RD first wakes a thread blocked in recv on it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


class _Conn:
    """One client connection and its upstream twin, pumped by four threads."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()
        self.drop_response = False
        self.stalled = False  # the link went silent: nothing more goes either way
        self.tail = b""  # last bytes seen upstream, to match request lines across reads
        self.flip_at: int | None = None  # body byte index still to flip, counted from here
        # Request framing upstream, to know how much of a cut request had gone through.
        self.in_head = True
        self.head_acc = b""
        self.body_len = 0
        self.body_bytes = 0
        self.is_upload = False
        self.up_q: collections.deque[tuple[float, object]] = collections.deque()
        self.down_q: collections.deque[tuple[float, object]] = collections.deque()
        self.up_cv = threading.Condition()
        self.down_cv = threading.Condition()

    def start(self) -> None:
        for target, args in (
            (self._read, (self.client, True)),
            (self._read, (self.upstream, False)),
            (self._write, (self.upstream, True)),
            (self._write, (self.client, False)),
        ):
            threading.Thread(target=target, args=args, daemon=True).start()

    def kill(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            _reset(self.client)
            _reset(self.upstream)
            for cv in (self.up_cv, self.down_cv):
                with cv:
                    cv.notify_all()
        self.proxy._forget(self)

    def _queue(self, up: bool, item: object) -> None:
        delay = self.proxy.delay_up if up else self.proxy.delay_down
        q, cv = (self.up_q, self.up_cv) if up else (self.down_q, self.down_cv)
        with cv:
            q.append((time.monotonic() + delay, item))
            cv.notify()

    def _read(self, sock: socket.socket, up: bool) -> None:
        try:
            while not self.closed.is_set():
                data = sock.recv(65536)
                if self.stalled:  # swallowed by the dead link; no reset or FIN tells anyone
                    if not data:
                        return
                    continue
                if not data:
                    self._queue(up, _CLOSE)
                    return
                if up:
                    self._upstream_faults(data)
                else:
                    if self.drop_response:
                        self.proxy._fired("drop_response")
                        if self.proxy._drop_silent:  # no reset: the client waits it out
                            self.stalled = True
                            continue
                        self.kill()
                        return
                    self._queue(False, data)
        except OSError:
            self.kill()

    def _upstream_faults(self, data: bytes) -> None:
        proxy = self.proxy
        with proxy._lock:
            window = self.tail + data
            if proxy._drop_match and proxy._drop_match in window:
                proxy._drop_match = None
                self.drop_response = True
            if proxy._flip_match and self.flip_at is None:
                idx = window.find(proxy._flip_match)
                if idx >= 0:
                    head_end = window.find(b"\r\n\r\n", idx)
                    if head_end >= 0:
                        proxy._flip_match = None
                        self.flip_at = head_end + 4 + proxy._flip_offset - len(self.tail)
            self.tail = window[-256:]
            if self.flip_at is not None and self.flip_at < len(data):
                if self.flip_at >= 0:
                    buf = bytearray(data)
                    buf[self.flip_at] ^= 0x01
                    data = bytes(buf)
                    proxy._fired("flip_bit")
                self.flip_at = None
            elif self.flip_at is not None:
                self.flip_at -= len(data)
            brk = proxy._break
            if brk is not None and brk[1] <= len(data):
                kind, at = brk
                proxy._break = None
                self._frame(data[:at])
                lost = 0 if self.in_head else self.body_bytes
                proxy.stats.lost_on_cut.append((lost, self.body_len))
                proxy._fired(kind)
                self._queue(True, data[:at])
                if kind == "stall":  # silent: the server sees its request end early
                    self.stalled = True
                    self._queue(True, _CLOSE)
                else:
                    self._queue(True, _RESET)
                return
            if brk is not None:
                proxy._break = (brk[0], brk[1] - len(data))
            self._frame(data)
        self._queue(True, data)

    def _frame(self, view: bytes) -> None:
        """Follow request heads and Content-Length bodies through the upstream bytes."""
        i = 0
        while i < len(view):
            if self.in_head:
                before = len(self.head_acc)
                self.head_acc = (self.head_acc + view[i:])[-65536:]
                end = self.head_acc.find(b"\r\n\r\n")
                if end < 0:
                    return
                i += end + 4 - before
                self.body_len = 0
                self.is_upload = b" /v1/uploads" in self.head_acc[:end].split(b"\r\n", 1)[0]
                for line in self.head_acc[:end].split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length" and value.strip().isdigit():
                        self.body_len = int(value.strip())
                self.head_acc = b""
                self.body_bytes = 0
                self.in_head = self.body_len == 0
            else:
                take = min(self.body_len - self.body_bytes, len(view) - i)
                self.body_bytes += take
                if self.is_upload:
                    self.proxy.stats.upload_body_bytes += take
                i += take
                if self.body_bytes >= self.body_len:
                    self.in_head = True

    def _write(self, sock: socket.socket, up: bool) -> None:
        q, cv = (self.up_q, self.up_cv) if up else (self.down_q, self.down_cv)
        bucket = self.proxy.bucket_up if up else self.proxy.bucket_down
        try:
            while True:
                with cv:
                    while not q and not self.closed.is_set():
                        cv.wait()
                    if self.closed.is_set():
                        return
                    due, item = q.popleft()
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if item is _RESET:
                    self.kill()
                    return
                if item is _CLOSE:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
                    return
                assert isinstance(item, bytes)
                for i in range(0, len(item), _PIECE):
                    piece = item[i : i + _PIECE]
                    bucket.take(len(piece))
                    if self.closed.is_set():
                        return
                    self.proxy._count(up, len(piece))
                    sock.sendall(piece)
        except OSError:
            self.kill()


class FaultProxy:
    """Listen on `listen_host`, forward to `upstream`; arm faults from the test thread."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        netns: str | None = None,
    ) -> None:
        self.upstream = upstream
        self.netns = netns
        self.stats = ProxyStats()
        self.delay_up = 0.0
        self.delay_down = 0.0
        self.bucket_up = TokenBucket(None)
        self.bucket_down = TokenBucket(None)
        self._lock = threading.RLock()
        self._fired_cv = threading.Condition(self._lock)
        # The armed connection break: ("cut" | "stall", upstream bytes still to let through).
        self._break: tuple[str, int] | None = None
        self._drop_match: bytes | None = None
        self._drop_silent = False
        self._flip_match: bytes | None = None
        self._flip_offset = 0
        self._respond: list[tuple[bytes, bytes | None]] = []
        self._conns: set[_Conn] = set()
        with in_netns(netns):
            self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._server.bind((listen_host, listen_port))
            self._server.listen(64)
        self.address: tuple[str, int] = self._server.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    # -- link shaping -------------------------------------------------------------------------
    def set_link(
        self, *, up_bps: float | None = None, down_bps: float | None = None, rtt: float = 0.0
    ) -> None:
        """Rates in bits per second each way (None = unlimited); RTT split evenly each way."""
        self.bucket_up = TokenBucket(up_bps / 8 if up_bps else None)
        self.bucket_down = TokenBucket(down_bps / 8 if down_bps else None)
        self.delay_up = self.delay_down = rtt / 2

    # -- one-shot faults ----------------------------------------------------------------------
    def cut_after(self, nbytes: int) -> None:
        """Reset the connection carrying the upstream byte that is `nbytes` from now."""
        with self._lock:
            self._break = ("cut", nbytes)

    def stall_after(self, nbytes: int) -> None:
        """Let the connection carrying the upstream byte `nbytes` from now go silent: what
        the client sends after it vanishes, nothing comes back, and no reset says so (a radio
        re-attaching, a carrier NAT forgetting the flow). Only the client's timeout notices.
        The server sees its request end there. Cuts and stalls share one slot: arming one
        disarms the other."""
        with self._lock:
            self._break = ("stall", nbytes)

    def drop_response(
        self, match: bytes = b"PUT /v1/registrations/", *, silent: bool = False
    ) -> None:
        """Let the next request containing `match` reach the server; kill its response (reset
        the connection), or with `silent` swallow it so that only the client's timeout tells."""
        with self._lock:
            self._drop_match = match
            self._drop_silent = silent

    def flip_bit(self, match: bytes = b"PATCH /v1/uploads/", body_offset: int = 10) -> None:
        """Flip the low bit of one body byte of the next request starting with `match`."""
        with self._lock:
            self._flip_match = match
            self._flip_offset = body_offset

    def respond(
        self, status: int, *, retry_after: str | None = None, count: int = 1, reason: str = ""
    ) -> None:
        """Answer the next `count` requests ourselves (open connections are reset first)."""
        body = b'{"error":"unavailable","message":"Service unavailable (fault proxy)."}'
        head = f"HTTP/1.1 {status} {reason or 'Fault'}\r\n"
        if retry_after is not None:
            head += f"Retry-After: {retry_after}\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "Connection: close\r\n\r\n"
        with self._lock:
            self._respond.extend([(head.encode(), body)] * count)
        self.reset_all()

    def clear(self) -> None:
        """Disarm every fault not fired yet."""
        with self._lock:
            self._break = None
            self._drop_match = None
            self._flip_match = None
            self._respond.clear()

    def reset_all(self) -> None:
        """Reset every open connection (like a link going down for an instant)."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.kill()

    def wait_fired(self, name: str, count: int = 1, timeout: float = 30.0) -> bool:
        """Block until fault `name` has fired `count` times in total."""
        with self._fired_cv:
            return self._fired_cv.wait_for(lambda: self.stats.fired[name] >= count, timeout)

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._server.close()
        self.reset_all()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------
    def _fired(self, name: str) -> None:
        with self._fired_cv:  # an RLock: callers may already hold it
            self.stats.fired[name] += 1
            self._fired_cv.notify_all()

    def _count(self, up: bool, n: int) -> None:
        with self._lock:
            if up:
                self.stats.bytes_up += n
            else:
                self.stats.bytes_down += n

    def _forget(self, conn: _Conn) -> None:
        with self._lock:
            self._conns.discard(conn)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                canned = self._respond.pop(0) if self._respond else None
                self.stats.connections += 1
            if canned is not None:
                threading.Thread(target=self._answer, args=(client, canned), daemon=True).start()
                continue
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            with in_netns(self.netns):
                upstream = socket.create_connection(self.upstream, timeout=10)
            upstream.settimeout(None)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            _reset(client)
            return
        conn = _Conn(self, client, upstream)
        with self._lock:
            self._conns.add(conn)
        conn.start()

    def _answer(self, client: socket.socket, canned: tuple[bytes, bytes | None]) -> None:
        """Read one request head (and its declared body), answer it, close."""
        head, body = canned
        try:
            client.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                more = client.recv(65536)
                if not more:
                    break
                data += more
            self._fired("respond")
            time.sleep(self.delay_up + self.delay_down)
            client.sendall(head + (body or b""))
            client.shutdown(socket.SHUT_WR)
            with contextlib.suppress(OSError):
                while client.recv(65536):
                    pass
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()


__all__ = ["FaultProxy", "ProxyStats", "TokenBucket", "in_netns"]

if __name__ == "__main__":  # pragma: no cover - manual use: python faultproxy.py HOST PORT
    import sys

    p = FaultProxy((sys.argv[1], int(sys.argv[2])))
    print(p.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
    os._exit(0)

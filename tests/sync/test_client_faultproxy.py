"""The fault proxy itself, against a real TCP sink on 127.0.0.1: it must do what it claims."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.sync.faultproxy import FaultProxy


class Sink:
    """A TCP server that records every byte and answers each `\\n`-terminated line with OK."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.received = bytearray()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with self.lock:
                    self.received += data
                if data.endswith(b"\n"):
                    conn.sendall(b"OK\n")


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.sock.close()


def _talk(url_addr: tuple[str, int], payload: bytes) -> bytes:
    with socket.create_connection(url_addr, timeout=30) as c:  # a wait, not a limit
        c.sendall(payload)
        return c.recv(100)


def test_forwards_both_ways_and_counts(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        assert _talk(proxy.address, b"hello\n") == b"OK\n"
        assert bytes(sink.received) == b"hello\n"
        assert proxy.stats.bytes_up == 6 and proxy.stats.bytes_down == 3


def test_cut_after_n_bytes_forwards_exactly_n(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.cut_after(1000)
        with socket.create_connection(proxy.address, timeout=10) as c:
            c.sendall(b"x" * 5000 + b"\n")
            with pytest.raises(OSError):
                data = c.recv(100)
                if not data:
                    raise ConnectionResetError
        assert proxy.wait_fired("cut")
        deadline = time.monotonic() + 60  # a wait, not a limit: generous for a busy machine
        while len(sink.received) < 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(sink.received) == 1000


def test_stall_after_n_bytes_goes_silent_without_a_reset(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.stall_after(1000)
        with socket.create_connection(proxy.address, timeout=0.5) as c:
            c.sendall(b"x" * 5000 + b"\n")  # the rest vanishes: the send itself succeeds
            with pytest.raises(TimeoutError):
                c.recv(100)  # no answer and no reset: only a timeout tells
        assert proxy.wait_fired("stall")
        deadline = time.monotonic() + 60  # a wait, not a limit: generous for a busy machine
        while len(sink.received) < 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert len(sink.received) == 1000


def test_flip_bit_changes_one_body_byte(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.flip_bit(match=b"PATCH /x", body_offset=3)
        request = b"PATCH /x HTTP/1.1\r\nA: b\r\n\r\nabcdefgh\n"
        assert _talk(proxy.address, request) == b"OK\n"
        body = bytes(sink.received).split(b"\r\n\r\n", 1)[1]
        assert body == b"abcefgh\n"[:3] + bytes([ord("d") ^ 1]) + b"efgh\n"
        assert proxy.stats.fired["flip_bit"] == 1


def test_respond_answers_without_the_upstream(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.respond(503, retry_after="7")
        answer = _talk(proxy.address, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503")
        assert b"Retry-After: 7" in answer
        assert sink.received == b""
        assert _talk(proxy.address, b"again\n") == b"OK\n"  # only the next request


def test_drop_response_lets_the_request_through(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.drop_response(match=b"PUT /r")
        with socket.create_connection(proxy.address, timeout=10) as c:
            c.sendall(b"PUT /r\n")
            try:
                got = c.recv(100)
            except ConnectionResetError:
                got = b""
        assert got == b""
        assert bytes(sink.received) == b"PUT /r\n"
        assert proxy.wait_fired("drop_response")


def test_rate_and_delay_shape_the_link(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        proxy.set_link(up_bps=800_000, rtt=0.2)  # 100 kB/s
        started = time.monotonic()
        assert _talk(proxy.address, b"y" * 50_000 + b"\n") == b"OK\n"
        elapsed = time.monotonic() - started
        # 50 kB at 100 kB/s (less the 8 kB burst) plus one round trip: at least that long. No
        # upper bound: a busy machine may take longer, and that says nothing about the proxy.
        assert elapsed > 0.55, elapsed
        assert bytes(sink.received) == b"y" * 50_000 + b"\n"  # all of it, shaped, not cut


def test_cut_records_how_far_the_request_body_got(sink: Sink) -> None:
    with FaultProxy(sink.sock.getsockname()) as proxy:
        first = b"PATCH /v1/uploads/x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
        head = b"PATCH /v1/uploads/x HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"
        proxy.cut_after(len(first) + len(head) + 300)
        with socket.create_connection(proxy.address, timeout=10) as c:
            c.sendall(first + head + b"z" * 1000)
            assert proxy.wait_fired("cut")
        assert proxy.stats.lost_on_cut == [(300, 1000)]
        assert proxy.stats.upload_body_bytes == 10 + 300

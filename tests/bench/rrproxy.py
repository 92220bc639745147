"""A round-robin TCP proxy on loopback: how a ministry scales out, in the tests' own terms.

    proxy = RoundRobinProxy([port_a, port_b]).start()   # proxy.url → http://127.0.0.1:<port>
    ...
    proxy.stop()

Each accepted connection goes to the next backend in turn (layer 4, like HAProxy in `mode tcp`
with `balance roundrobin`); a backend that refuses the connection (a server killed or
restarting) is skipped for the next one, as a load balancer's connect retry would. Bytes are
copied both ways untouched, so request signatures, tus uploads and keep-alive work as they do
straight to a server; a client that wants its retry to land on another server opens a new
connection. asyncio in a thread of its own; only the standard library, so the server-only test
job can use it. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence

LOOPBACK = "127.0.0.1"
CHUNK = 64 * 1024


class RoundRobinProxy:
    def __init__(self, backends: Sequence[int], port: int = 0) -> None:
        if not backends:
            raise ValueError("at least one backend port")
        self.backends = list(backends)
        self.port = port
        self.connections = [0] * len(self.backends)  # accepted connections sent to each
        self.refused = 0  # connect attempts a backend refused (then the next one was tried)
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> RoundRobinProxy:
        self._thread = threading.Thread(target=self._run, name="rrproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the round-robin proxy did not start")
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, LOOPBACK, self.port, reuse_address=True)
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(10)
        self._loop = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next backend in turn that accepts the connection; None if none does."""
        for _ in range(len(self.backends)):
            index = self._next
            self._next = (self._next + 1) % len(self.backends)
            try:
                pair = await asyncio.open_connection(LOOPBACK, self.backends[index])
            except OSError:
                self.refused += 1
                continue
            self.connections[index] += 1
            return pair
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        backend: asyncio.StreamWriter | None = None
        try:
            pair = await self._connect()
            if pair is None:
                return
            back_reader, backend = pair
            await asyncio.gather(_pipe(reader, backend), _pipe(back_reader, writer))
        except asyncio.CancelledError:
            pass  # `stop` ends open connections: not an error for asyncio to log
        finally:
            for w in (writer, backend):
                if w is not None:
                    w.close()
                    with contextlib.suppress(Exception):
                        await w.wait_closed()
            self._tasks.discard(task)  # type: ignore[arg-type]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF or an error; then close `writer`, so the other direction ends too."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()

"""A running estimate of the link's bandwidth and round trip, and the chunk size it implies.

A chunk of about 4 × bandwidth × RTT keeps the per-chunk round trip (PATCH → 204) a small part
of each chunk's time on a slow, far link, yet a cut connection loses at most one chunk.
Samples come from real requests: RTT from small ones (HEAD, ping), bandwidth from PATCH bodies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

MIN_CHUNK = 64 * 1024
MAX_CHUNK = 1024 * 1024
# How long a request may go without an answer before its connection is called dead. A link that
# dies silently (radio re-attach, a carrier NAT forgetting us) sends no reset: only a timeout
# notices. The floor covers a busy server's commit and a few TCP retransmissions; the ceiling,
# and the value before anything is measured, is the fixed timeout of a plain client.
MIN_TIMEOUT = 10.0
MAX_TIMEOUT = 120.0
_ALPHA = 0.3  # weight of a new sample in the moving averages


@dataclass
class LinkEstimator:
    """Exponentially weighted averages of RTT (s) and upstream bandwidth (bytes/s)."""

    rtt: float | None = None
    bandwidth: float | None = None
    min_chunk: int = MIN_CHUNK
    max_chunk: int = MAX_CHUNK
    min_timeout: float = MIN_TIMEOUT
    max_timeout: float = MAX_TIMEOUT
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_rtt(self, seconds: float) -> None:
        """A request whose time is nearly all round trip (tiny body and answer)."""
        if seconds <= 0:
            return
        with self._lock:
            old = self.rtt
            self.rtt = seconds if old is None else (1 - _ALPHA) * old + _ALPHA * seconds

    def add_transfer(self, nbytes: int, seconds: float) -> None:
        """A request sent `nbytes` of body in `seconds`, round trip included.

        The known RTT is taken off so a small chunk over a far link doesn't read as a slow link.
        With uploads side by side each connection measures its share of the link, so its
        chunks fit its share: a cut then loses less, and the other connections keep the pipe
        full while this one waits for its answer.
        """
        if nbytes <= 0 or seconds <= 0:
            return
        with self._lock:
            rtt = self.rtt or 0.0
            sending = max(seconds - rtt, seconds * 0.2)
            sample = nbytes / sending
            old = self.bandwidth
            self.bandwidth = sample if old is None else (1 - _ALPHA) * old + _ALPHA * sample

    def chunk_size(self) -> int:
        """≈ 4 × bandwidth × RTT, clamped; the minimum until both are measured."""
        with self._lock:
            if self.rtt is None or self.bandwidth is None:
                return self.min_chunk
            size = int(4 * self.bandwidth * self.rtt)
        return max(self.min_chunk, min(self.max_chunk, size))

    def timeout_for(self, nbytes: int) -> float:
        """Seconds to allow for sending a request with `nbytes` of body, and again for its
        answer.

        Four times what the measured link needs for it (its bytes still in the socket buffer,
        then a round trip), clamped: on a silently dead link a chunk is given up after ~10 s
        instead of two minutes, and only that chunk is lost (the next request resumes at the
        server's offset)."""
        with self._lock:
            if self.bandwidth is None:  # nothing sent yet: the fixed timeout
                return self.max_timeout
            # Without an RTT sample (no small request yet) the bandwidth sample has it inside.
            expected = nbytes / self.bandwidth + (self.rtt or 0.0)
        return max(self.min_timeout, min(self.max_timeout, 4 * expected))
